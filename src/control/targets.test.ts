import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fillCreateConfig } from './target-group-config.js';
import { targetProblem, targetStatus } from './targets.js';
import type { TargetHealthView } from './context.js';

const VPC = 'vpc-0123456789abcdef0';
const SCOPE = { partition: 'aws', region: 'us-east-1', account: '111122223333' };
const ip = { id: 'tg-0123456789abcdef0', type: 'IP' as const, config: fillCreateConfig('IP', { protocol: 'HTTP', vpcIdentifier: VPC }) };

/** A health view that knows one target, as the data plane's checker would. */
const view: TargetHealthView = {
  health: (tg, id, port) => (tg === ip.id && id === '10.0.0.1' && port === 80 ? { status: 'UNHEALTHY', reasonCode: 'Target.Timeout' } : undefined),
};

describe('target status', () => {
  it('answers what the health view saw for a checked, in-use group', () => {
    assert.deepEqual(targetStatus(ip, true, { id: '10.0.0.1', port: 80 }, view), { status: 'UNHEALTHY', reasonCode: 'Target.Timeout' });
    assert.deepEqual(targetStatus(ip, true, { id: '10.0.0.2', port: 80 }, view), { status: 'INITIAL', reasonCode: 'Elb.RegistrationInProgress' });
    assert.deepEqual(targetStatus(ip, true, { id: '10.0.0.1', port: 80 }, undefined), { status: 'INITIAL', reasonCode: 'Elb.RegistrationInProgress' });
  });

  it('puts UNUSED before everything and UNAVAILABLE before health', () => {
    assert.equal(targetStatus(ip, false, { id: '10.0.0.1', port: 80 }, view).status, 'UNUSED');
    const off = { ...ip, config: { ...ip.config, healthCheck: { ...ip.config.healthCheck!, enabled: false } } };
    assert.equal(targetStatus(off, true, { id: '10.0.0.1', port: 80 }, view).status, 'UNAVAILABLE');
    const alb = { id: ip.id, type: 'ALB' as const, config: fillCreateConfig('ALB', { protocol: 'HTTP', vpcIdentifier: VPC }) };
    assert.equal(targetStatus(alb, true, { id: '10.0.0.1', port: 80 }, view).status, 'UNAVAILABLE');
  });
});

describe('target ids by group type', () => {
  it('accepts each kind of id only in its own kind of group', () => {
    const lambda = fillCreateConfig('LAMBDA', undefined);
    assert.equal(targetProblem('LAMBDA', lambda, SCOPE, { id: 'arn:aws:lambda:us-east-1:111122223333:function:f' }), undefined);
    assert.equal(targetProblem('LAMBDA', lambda, SCOPE, { id: 'arn:aws:lambda:us-east-1:111122223333:function:f:$LATEST' }), undefined);
    assert.ok(targetProblem('LAMBDA', lambda, SCOPE, { id: 'arn:aws:lambda:us-east-1:999999999999:function:f' }));
    assert.ok(targetProblem('LAMBDA', lambda, SCOPE, { id: 'arn:aws:lambda:us-east-1:111122223333:layer:f' }));
    assert.ok(targetProblem('IP', ip.config, SCOPE, { id: 'i-0123456789abcdef0' }));
    const inst = fillCreateConfig('INSTANCE', { protocol: 'HTTP', vpcIdentifier: VPC });
    assert.equal(targetProblem('INSTANCE', inst, SCOPE, { id: 'i-01234567' }), undefined);
    assert.ok(targetProblem('INSTANCE', inst, SCOPE, { id: 'i-0123' }));
  });
});
