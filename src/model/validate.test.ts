import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertValid, checkShape } from './validate.js';
import { AwsError } from './errors.js';

const names = (errs: { name: string }[]) => errs.map((e) => e.name).sort();

describe('checkShape', () => {
  it('accepts a valid input', () => {
    assert.deepEqual(checkShape('CreateServiceRequest', { name: 'awesome-service', authType: 'NONE', idleTimeoutSeconds: 60 }), []);
  });

  it('names a missing required member', () => {
    assert.deepEqual(checkShape('CreateServiceRequest', {}), [{ name: 'name', message: 'Member must not be null' }]);
  });

  it('checks lengths, anchored patterns and enums', () => {
    const errs = checkShape('CreateServiceRequest', { name: 'ab', authType: 'OPEN' });
    assert.deepEqual(names(errs), ['authType', 'name']);
    // The model's name pattern forbids the svc- prefix, upper case and double hyphens; a
    // pattern that matched only a part of the value would let these through.
    for (const bad of ['svc-thing', 'Upper-case', 'a--b', '-lead', 'trail-', 'ok-name!']) {
      assert.equal(checkShape('CreateServiceRequest', { name: bad }).length, 1, bad);
    }
  });

  it('checks number ranges and integer types', () => {
    assert.deepEqual(names(checkShape('CreateServiceRequest', { name: 'svc1x', idleTimeoutSeconds: 59 })), ['idleTimeoutSeconds']);
    assert.deepEqual(names(checkShape('CreateServiceRequest', { name: 'svc1x', idleTimeoutSeconds: 60.5 })), ['idleTimeoutSeconds']);
  });

  it('walks nested structures, lists and unions with paths', () => {
    const errs = checkShape('CreateListenerRequest', {
      serviceIdentifier: 'svc-0123456789abcdef0', name: 'l1x', protocol: 'HTTP',
      defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: 'tg-0123456789abcdef0', weight: 1000 }] } },
    });
    assert.deepEqual(names(errs), ['defaultAction.forward.targetGroups[0].weight']);
    const union = checkShape('CreateListenerRequest', {
      serviceIdentifier: 'svc-0123456789abcdef0', name: 'l1x', protocol: 'HTTP',
      defaultAction: { forward: { targetGroups: [] }, fixedResponse: { statusCode: 404 } },
    });
    assert.ok(union.some((e) => e.name === 'defaultAction' && /exactly one/.test(e.message)));
    assert.ok(union.some((e) => e.name === 'defaultAction.forward.targetGroups'));
  });

  it('checks map sizes and keys', () => {
    const tags = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, 'v']));
    assert.deepEqual(names(checkShape('CreateServiceRequest', { name: 'svc1x', tags })), ['tags']);
  });
});

describe('assertValid', () => {
  it('throws one ValidationException listing every field', () => {
    try {
      assertValid([{ name: 'a', message: 'x' }, { name: 'b', message: 'y' }]);
      assert.fail('did not throw');
    } catch (e) {
      assert.ok(e instanceof AwsError);
      assert.equal(e.status, 400);
      assert.equal(e.type, 'ValidationException');
      assert.equal(e.body().reason, 'fieldValidationFailed');
      assert.match(e.message, /^2 validation errors detected/);
      assert.equal((e.body().fieldList as unknown[]).length, 2);
    }
  });

  it('does nothing without errors', () => {
    assertValid([]);
  });
});
