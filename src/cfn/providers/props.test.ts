import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../control/index.js';
import type { ProviderContext } from '../contracts.js';
import { ProviderError } from './provider-error.js';
import { PropReader, camelize, sameJson } from './props.js';

const ctx: ProviderContext = {
  cp: {} as ControlPlane, call: { scope: { partition: 'aws', region: 'us-east-1', account: '111122223333' }, requestId: 'r' },
  stackName: 's', stackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/s/1', logicalId: 'Thing', clientRequestToken: 't',
};

function failure(fn: () => unknown): ProviderError {
  try { fn(); } catch (e) { if (e instanceof ProviderError) return e; throw e; }
  throw new Error('expected a ProviderError');
}

describe('property mapping', () => {
  it('maps nested PascalCase structures to the API camelCase (LATTICE.md §8)', () => {
    assert.deepEqual(camelize({
      Port: 80, HealthCheck: { HealthCheckIntervalSeconds: 10, Matcher: { HttpCode: '200' } },
      Forward: { TargetGroups: [{ TargetGroupIdentifier: 'tg-1', Weight: 10 }] }, Unset: undefined,
    }), {
      port: 80, healthCheck: { healthCheckIntervalSeconds: 10, matcher: { httpCode: '200' } },
      forward: { targetGroups: [{ targetGroupIdentifier: 'tg-1', weight: 10 }] },
    });
  });

  it('turns Tags lists into the API tag map and refuses a duplicate key', () => {
    const p = new PropReader(ctx, { Tags: [{ Key: 'Owner', Value: 'kuba' }, { Key: 'Project', Value: 'blogpost' }] });
    assert.deepEqual(p.tags(), { Owner: 'kuba', Project: 'blogpost' });
    assert.equal(new PropReader(ctx, {}).tags(), undefined);
    const e = failure(() => new PropReader(ctx, { Tags: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] }).tags());
    assert.match(e.message, /Properties validation failed for resource Thing with message: #\/Tags: array items are not unique/);
  });

  it('sends a policy object as compact JSON and a string as given', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: '*' }] };
    assert.equal(new PropReader(ctx, { Policy: policy }).policy('Policy'), JSON.stringify(policy));
    assert.equal(new PropReader(ctx, { Policy: '{"a":1}' }).policy('Policy'), '{"a":1}');
    assert.match(failure(() => new PropReader(ctx, { Policy: 3 }).policy('Policy')).message, /#\/Policy: expected type: JSONObject, found: Integer/);
  });

  it('coerces scalars as CloudFormation does and names the pointer of a wrong type', () => {
    const p = new PropReader(ctx, { Port: '80', On: 'true', Name: 42, Bad: { a: 1 } });
    assert.equal(p.optInt('Port'), 80);
    assert.equal(p.optBool('On'), true);
    assert.equal(p.optStr('Name'), '42');
    assert.match(failure(() => p.optStr('Bad')).message, /#\/Bad: expected type: String, found: JSONObject/);
    assert.match(failure(() => p.str('Missing')).message, /#: required key \[Missing\] not found/);
    const child = p.child('Bad');
    assert.match(failure(() => child.str('x')).message, /#\/Bad: required key \[x\] not found/);
  });

  it('compares JSON values regardless of key order', () => {
    assert.ok(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
    assert.ok(!sameJson({ a: 1 }, { a: 1, b: 2 }));
    assert.ok(!sameJson([1, 2], [2, 1]));
  });
});
