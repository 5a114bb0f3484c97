import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../control/index.js';
import { checkShape } from '../../model/index.js';
import type { ProviderContext } from '../contracts.js';
import { coerceToShape, resourceToken } from './lattice-call.js';

function ctx(logicalId: string, token = 'op-token'): ProviderContext {
  return {
    cp: {} as ControlPlane, call: { scope: { partition: 'aws', region: 'us-east-1', account: '111122223333' }, requestId: 'r' },
    stackName: 's', stackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/s/1', logicalId, clientRequestToken: token,
  };
}

describe('calling the API from a provider', () => {
  it('coerces template scalars to the model types before validation', () => {
    const input = coerceToShape('CreateTargetGroupRequest', {
      name: 'web', type: 'IP', config: { port: '80', healthCheck: { enabled: 'true', matcher: { httpCode: 200 } } },
    });
    assert.deepEqual(input, { name: 'web', type: 'IP', config: { port: 80, healthCheck: { enabled: true, matcher: { httpCode: '200' } } } });
    assert.deepEqual(checkShape('CreateTargetGroupRequest', input), []);
  });

  it('leaves what it cannot coerce for the model to refuse', () => {
    const input = coerceToShape('CreateTargetGroupRequest', { name: 'web', type: 'IP', config: { port: 'eighty' } });
    assert.equal(checkShape('CreateTargetGroupRequest', input)[0]?.name, 'config.port');
  });

  it('derives one idempotency token per resource of a stack operation', () => {
    const a = resourceToken(ctx('EC2TargetGroup'));
    const b = resourceToken(ctx('ECSTargetGroup'));
    assert.ok(a && b && a !== b);
    assert.equal(resourceToken(ctx('EC2TargetGroup')), a, 'a retry in the same operation reuses it');
    assert.notEqual(resourceToken(ctx('EC2TargetGroup', 'next-op')), a);
    assert.deepEqual(checkShape('ClientToken', a), []);
    assert.equal(resourceToken(ctx('X', '')), undefined);
  });
});
