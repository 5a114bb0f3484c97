import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../model/index.js';
import { fillCreateConfig, fillUpdatedConfig, healthChecked, httpCodeProblem } from './target-group-config.js';

/** The names of the fields a ValidationException names, sorted. */
function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AwsError, String(e));
    assert.equal(e.type, 'ValidationException');
    const list = e.fields.fieldList as { name: string }[];
    return list.map((f) => f.name).sort();
  }
  assert.fail('expected a ValidationException');
}

const VPC = 'vpc-0123456789abcdef0';

describe('target-group config defaults', () => {
  it('fills AWS defaults for an HTTP IP group', () => {
    assert.deepEqual(fillCreateConfig('IP', { protocol: 'HTTP', vpcIdentifier: VPC }), {
      port: 80, protocol: 'HTTP', protocolVersion: 'HTTP1', ipAddressType: 'IPV4', vpcIdentifier: VPC,
      healthCheck: {
        enabled: true, protocol: 'HTTP', protocolVersion: 'HTTP1', path: '/', healthCheckIntervalSeconds: 30,
        healthCheckTimeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, matcher: { httpCode: '200' },
      },
    });
  });

  it('uses 443 and an HTTPS check for HTTPS groups, and no ipAddressType off IP groups', () => {
    const c = fillCreateConfig('INSTANCE', { protocol: 'HTTPS', vpcIdentifier: VPC, ipAddressType: 'IPV4' });
    assert.equal(c.port, 443);
    assert.equal(c.healthCheck?.protocol, 'HTTPS');
    assert.equal(c.ipAddressType, undefined);
  });

  it('disables checks by default for HTTP2, GRPC and TCP groups', () => {
    assert.equal(fillCreateConfig('IP', { protocol: 'HTTPS', protocolVersion: 'GRPC', vpcIdentifier: VPC }).healthCheck?.enabled, false);
    assert.equal(fillCreateConfig('IP', { protocol: 'HTTP', protocolVersion: 'HTTP2', vpcIdentifier: VPC }).healthCheck?.enabled, false);
    const tcp = fillCreateConfig('INSTANCE', { protocol: 'TCP', port: 5432, vpcIdentifier: VPC });
    assert.equal(tcp.healthCheck?.enabled, false);
    assert.equal(healthChecked('INSTANCE', tcp), false);
  });

  it('gives ALB groups no health check and LAMBDA groups only the event version', () => {
    const alb = fillCreateConfig('ALB', { protocol: 'HTTP', vpcIdentifier: VPC });
    assert.equal(alb.healthCheck, undefined);
    assert.equal(healthChecked('ALB', alb), false);
    assert.deepEqual(fillCreateConfig('LAMBDA', undefined), { lambdaEventStructureVersion: 'V1' });
    assert.deepEqual(fillCreateConfig('LAMBDA', { lambdaEventStructureVersion: 'V2' }), { lambdaEventStructureVersion: 'V2' });
  });

  it('treats 0 as "the default" and keeps a given health-check port', () => {
    const c = fillCreateConfig('IP', {
      protocol: 'HTTP', vpcIdentifier: VPC,
      healthCheck: { healthCheckIntervalSeconds: 0, healthCheckTimeoutSeconds: 0, healthyThresholdCount: 0, unhealthyThresholdCount: 0, port: 8081, path: '' },
    });
    assert.equal(c.healthCheck?.healthCheckIntervalSeconds, 30);
    assert.equal(c.healthCheck?.healthCheckTimeoutSeconds, 5);
    assert.equal(c.healthCheck?.healthyThresholdCount, 5);
    assert.equal(c.healthCheck?.unhealthyThresholdCount, 2);
    assert.equal(c.healthCheck?.port, 8081);
    assert.equal(c.healthCheck?.path, '/');
  });
});

describe('target-group config rules', () => {
  it('requires config, vpcIdentifier and protocol outside LAMBDA, and a port for TCP', () => {
    assert.deepEqual(fieldsOf(() => fillCreateConfig('IP', undefined)), ['config']);
    assert.deepEqual(fieldsOf(() => fillCreateConfig('INSTANCE', {})), ['config.protocol', 'config.vpcIdentifier']);
    assert.deepEqual(fieldsOf(() => fillCreateConfig('IP', { protocol: 'TCP', vpcIdentifier: VPC })), ['config.port']);
  });

  it('names every member LAMBDA groups do not support', () => {
    assert.deepEqual(fieldsOf(() => fillCreateConfig('LAMBDA', { port: 80, protocol: 'HTTP', vpcIdentifier: VPC, healthCheck: {} })),
      ['config.healthCheck', 'config.port', 'config.protocol', 'config.vpcIdentifier']);
    assert.deepEqual(fieldsOf(() => fillCreateConfig('IP', { protocol: 'HTTP', vpcIdentifier: VPC, lambdaEventStructureVersion: 'V2' })),
      ['config.lambdaEventStructureVersion']);
  });

  it('refuses health checks on ALB groups, GRPC over TCP and IPv6 off IP groups', () => {
    assert.deepEqual(fieldsOf(() => fillCreateConfig('ALB', { protocol: 'HTTP', vpcIdentifier: VPC, healthCheck: { enabled: false } })), ['config.healthCheck']);
    assert.deepEqual(fieldsOf(() => fillCreateConfig('IP', { protocol: 'TCP', port: 9000, protocolVersion: 'GRPC', vpcIdentifier: VPC })), ['config.protocolVersion']);
    assert.deepEqual(fieldsOf(() => fillCreateConfig('ALB', { protocol: 'HTTPS', protocolVersion: 'HTTP2', vpcIdentifier: VPC })), ['config.protocolVersion']);
    assert.deepEqual(fieldsOf(() => fillCreateConfig('INSTANCE', { protocol: 'HTTP', vpcIdentifier: VPC, ipAddressType: 'IPV6' })), ['config.ipAddressType']);
  });

  it('checks the real health-check ranges and that the timeout is below the interval', () => {
    const hc = (healthCheck: object) => () => fillCreateConfig('IP', { protocol: 'HTTP', vpcIdentifier: VPC, healthCheck });
    assert.deepEqual(fieldsOf(hc({ healthCheckIntervalSeconds: 4 })), ['config.healthCheck.healthCheckIntervalSeconds']);
    assert.deepEqual(fieldsOf(hc({ healthyThresholdCount: 1, unhealthyThresholdCount: 1 })),
      ['config.healthCheck.healthyThresholdCount', 'config.healthCheck.unhealthyThresholdCount']);
    assert.deepEqual(fieldsOf(hc({ port: 0 })), ['config.healthCheck.port']);
    assert.deepEqual(fieldsOf(hc({ healthCheckIntervalSeconds: 10, healthCheckTimeoutSeconds: 10 })), ['config.healthCheck.healthCheckTimeoutSeconds']);
    assert.deepEqual(fieldsOf(hc({ protocol: 'TCP' })), ['config.healthCheck.protocol']);
    assert.deepEqual(fieldsOf(hc({ matcher: { httpCode: '500' } })), ['config.healthCheck.matcher.httpCode']);
  });

  it('wants protocol and version named when a TCP group enables checks', () => {
    const tcp = (healthCheck: object) => () => fillCreateConfig('IP', { protocol: 'TCP', port: 9000, vpcIdentifier: VPC, healthCheck });
    assert.deepEqual(fieldsOf(tcp({ enabled: true })), ['config.healthCheck.protocol', 'config.healthCheck.protocolVersion']);
    assert.equal(tcp({ enabled: true, protocol: 'HTTP', protocolVersion: 'HTTP1' })().healthCheck?.enabled, true);
  });

  it('accepts codes 200-499 as codes, lists and ranges', () => {
    for (const ok of ['200', '200,202', '200-299', '200-299,404', '499']) assert.equal(httpCodeProblem(ok), undefined, ok);
    for (const bad of ['', '199', '500', '200-500', '299-200', '2OO', '200,,202', '20']) assert.ok(httpCodeProblem(bad), bad);
  });
});

describe('target-group config updates', () => {
  const base = fillCreateConfig('IP', { protocol: 'HTTP', vpcIdentifier: VPC, healthCheck: { path: '/health', healthCheckIntervalSeconds: 60 } });

  it('merges the new health check over the stored one, 0 resetting to the default', () => {
    const next = fillUpdatedConfig('IP', base, { healthyThresholdCount: 3, healthCheckIntervalSeconds: 0 });
    assert.equal(next.healthCheck?.path, '/health');
    assert.equal(next.healthCheck?.healthyThresholdCount, 3);
    assert.equal(next.healthCheck?.healthCheckIntervalSeconds, 30);
    assert.equal(next.port, 80);
  });

  it('checks merged values and names fields under healthCheck', () => {
    assert.deepEqual(fieldsOf(() => fillUpdatedConfig('IP', base, { healthCheckTimeoutSeconds: 60 })), ['healthCheck.healthCheckTimeoutSeconds']);
    assert.deepEqual(fieldsOf(() => fillUpdatedConfig('LAMBDA', { lambdaEventStructureVersion: 'V1' }, { enabled: true })), ['healthCheck']);
  });
});
