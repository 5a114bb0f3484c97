import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../model/index.js';
import type * as T from '../model/index.js';
import { assertRulesAllowed, checkActionShape, checkMatch, targetGroupRefs } from './rule-actions.js';

/** Asserts a ValidationException whose fieldList names exactly `field`. */
function failsOn(fn: () => void, field: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AwsError);
    assert.equal(e.type, 'ValidationException');
    const list = e.fields['fieldList'] as readonly { name: string }[];
    assert.deepEqual(list.map((f) => f.name), [field]);
    return true;
  });
}

describe('checkActionShape', () => {
  it('accepts fixed responses 404 and 500 only', () => {
    assert.doesNotThrow(() => checkActionShape({ fixedResponse: { statusCode: 404 } }, 'action'));
    assert.doesNotThrow(() => checkActionShape({ fixedResponse: { statusCode: 500 } }, 'action'));
    for (const code of [200, 403, 503]) failsOn(() => checkActionShape({ fixedResponse: { statusCode: code } }, 'defaultAction'), 'defaultAction.fixedResponse.statusCode');
  });

  it('refuses the same target group twice, by id or by ARN', () => {
    const id = 'tg-0123456789abcdef0';
    const arn = `arn:aws:vpc-lattice:us-east-1:111122223333:targetgroup/${id}`;
    failsOn(() => checkActionShape({ forward: { targetGroups: [{ targetGroupIdentifier: id }, { targetGroupIdentifier: id }] } }, 'action'),
      'action.forward.targetGroups[1].targetGroupIdentifier');
    failsOn(() => checkActionShape({ forward: { targetGroups: [{ targetGroupIdentifier: arn }, { targetGroupIdentifier: id }] } }, 'rules[0].action'),
      'rules[0].action.forward.targetGroups[1].targetGroupIdentifier');
    assert.doesNotThrow(() => checkActionShape({ forward: { targetGroups: [{ targetGroupIdentifier: id }, { targetGroupIdentifier: 'tg-0123456789abcdef1' }] } }, 'action'));
  });
});

describe('checkMatch', () => {
  const ok: T.RuleMatch[] = [
    { httpMatch: { method: 'GET' } },
    { httpMatch: { pathMatch: { match: { prefix: '/' } } } },
    { httpMatch: { headerMatches: [{ name: 'x-a', match: { exact: 'b' } }] } },
  ];

  it('accepts a match with any one condition', () => {
    for (const m of ok) assert.doesNotThrow(() => checkMatch(m, 'match'));
  });

  it('refuses a match with no condition, and an empty method', () => {
    failsOn(() => checkMatch({ httpMatch: {} }, 'match'), 'match.httpMatch');
    failsOn(() => checkMatch({ httpMatch: { method: '' } }, 'match'), 'match.httpMatch.method');
  });

  it("refuses a path that does not start with '/'", () => {
    failsOn(() => checkMatch({ httpMatch: { pathMatch: { match: { exact: 'api' } } } }, 'match'), 'match.httpMatch.pathMatch.match.exact');
    failsOn(() => checkMatch({ httpMatch: { pathMatch: { match: { prefix: 'api' } } } }, 'match'), 'match.httpMatch.pathMatch.match.prefix');
  });

  it('refuses the same header name twice, whatever its case', () => {
    failsOn(() => checkMatch({
      httpMatch: { headerMatches: [{ name: 'X-Env', match: { exact: 'a' } }, { name: 'x-env', match: { prefix: 'b' } }] },
    }, 'rules[1].match'), 'rules[1].match.httpMatch.headerMatches[1].name');
  });
});

describe('assertRulesAllowed and targetGroupRefs', () => {
  it('allows rules on HTTP and HTTPS listeners only', () => {
    assert.doesNotThrow(() => assertRulesAllowed('HTTP', 'listener-0'));
    assert.doesNotThrow(() => assertRulesAllowed('HTTPS', 'listener-0'));
    assert.throws(() => assertRulesAllowed('TLS_PASSTHROUGH', 'listener-0'), (e: unknown) => e instanceof AwsError && e.type === 'ValidationException');
  });

  it('picks the target groups out of record refs', () => {
    assert.deepEqual(targetGroupRefs(['svc-0123456789abcdef0', 'listener-0123456789abcdef0', 'tg-0123456789abcdef0', 'tg-0123456789abcdef1']),
      ['tg-0123456789abcdef0', 'tg-0123456789abcdef1']);
  });
});
