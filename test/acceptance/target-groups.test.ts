import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateListenerCommand, CreateServiceCommand, CreateTargetGroupCommand, DeleteListenerCommand, DeleteTargetGroupCommand,
  GetTargetGroupCommand, ListTargetGroupsCommand, UpdateTargetGroupCommand, type TargetGroupConfig, type TargetGroupType,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, rejects, type TestTrellis } from '../support/trellis.js';

const VPC_A = 'vpc-0a0000000000000a1';
const VPC_B = 'vpc-0b0000000000000b2';

/** The field names a ValidationException body lists, sorted. */
const fieldNames = (json: { fieldList?: { name: string }[] }) => (json.fieldList ?? []).map((f) => f.name).sort();

async function activeGroup(t: TestTrellis, name: string, type: TargetGroupType, config?: TargetGroupConfig) {
  const tg = await t.lattice.send(new CreateTargetGroupCommand({ name, type, config }));
  await eventually(async () => (await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id }))).status === 'ACTIVE');
  return tg;
}

describe('target groups', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('creates an IP group with AWS defaults filled, CREATE_IN_PROGRESS then ACTIVE', async () => {
    const created = await t.lattice.send(new CreateTargetGroupCommand({
      name: 'ip-defaults', type: 'IP', config: { protocol: 'HTTP', vpcIdentifier: VPC_A }, tags: { team: 'edge' },
    }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.match(created.id!, /^tg-0[0-9a-f]{16}$/);
    assert.equal(created.arn, `arn:aws:vpc-lattice:us-east-1:111122223333:targetgroup/${created.id}`);
    assert.equal(created.status, 'CREATE_IN_PROGRESS');
    assert.deepEqual(created.config, {
      port: 80, protocol: 'HTTP', protocolVersion: 'HTTP1', ipAddressType: 'IPV4', vpcIdentifier: VPC_A,
      healthCheck: {
        enabled: true, protocol: 'HTTP', protocolVersion: 'HTTP1', path: '/', healthCheckIntervalSeconds: 30,
        healthCheckTimeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, matcher: { httpCode: '200' },
      },
    });
    const got = await eventually(async () => {
      const g = await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: created.arn }));
      return g.status === 'ACTIVE' && g;
    });
    assert.deepEqual(got.config, created.config);
    assert.deepEqual(got.serviceArns, []);
    assert.ok(got.createdAt instanceof Date && got.lastUpdatedAt instanceof Date);
    assert.equal(got.failureCode, undefined);
    // The VPC is known from now on, as every id seen for the first time is.
    assert.ok(await t.store.get('vpc', { account: '111122223333', region: 'us-east-1' }, VPC_A));
  });

  it('fills HTTPS, INSTANCE, ALB and LAMBDA configs as AWS answers them', async () => {
    const https = await t.lattice.send(new CreateTargetGroupCommand({ name: 'inst-https', type: 'INSTANCE', config: { protocol: 'HTTPS', vpcIdentifier: VPC_A } }));
    assert.equal(https.config!.port, 443);
    assert.equal(https.config!.healthCheck!.protocol, 'HTTPS');
    assert.equal(https.config!.ipAddressType, undefined);
    const grpc = await t.lattice.send(new CreateTargetGroupCommand({ name: 'ip-grpc', type: 'IP', config: { protocol: 'HTTPS', protocolVersion: 'GRPC', vpcIdentifier: VPC_A } }));
    assert.equal(grpc.config!.healthCheck!.enabled, false);
    const alb = await t.lattice.send(new CreateTargetGroupCommand({ name: 'alb-http', type: 'ALB', config: { protocol: 'HTTP', port: 8080, vpcIdentifier: VPC_A } }));
    assert.deepEqual(alb.config, { port: 8080, protocol: 'HTTP', protocolVersion: 'HTTP1', vpcIdentifier: VPC_A });
    const lambda = await t.lattice.send(new CreateTargetGroupCommand({ name: 'fn-default', type: 'LAMBDA' }));
    assert.deepEqual(lambda.config, { lambdaEventStructureVersion: 'V1' });
    const v2 = await t.lattice.send(new CreateTargetGroupCommand({ name: 'fn-v2', type: 'LAMBDA', config: { lambdaEventStructureVersion: 'V2' } }));
    assert.deepEqual(v2.config, { lambdaEventStructureVersion: 'V2' });
  });

  it('refuses configs a type cannot have, naming each field at the wire', async () => {
    const noConfig = await t.wire('POST', '/targetgroups', { name: 'no-config', type: 'IP' });
    assert.equal(noConfig.status, 400);
    assert.equal(noConfig.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.equal(noConfig.json.reason, 'fieldValidationFailed');
    assert.deepEqual(fieldNames(noConfig.json), ['config']);

    const lambda = await t.wire('POST', '/targetgroups', { name: 'fn-bad', type: 'LAMBDA', config: { port: 80, vpcIdentifier: VPC_A, healthCheck: { enabled: true } } });
    assert.equal(lambda.status, 400);
    assert.deepEqual(fieldNames(lambda.json), ['config.healthCheck', 'config.port', 'config.vpcIdentifier']);

    const missing = await t.wire('POST', '/targetgroups', { name: 'inst-bare', type: 'INSTANCE', config: { port: 80 } });
    assert.deepEqual(fieldNames(missing.json), ['config.protocol', 'config.vpcIdentifier']);

    const tcp = await t.wire('POST', '/targetgroups', { name: 'tcp-bad', type: 'IP', config: { protocol: 'TCP', protocolVersion: 'GRPC', vpcIdentifier: VPC_A } });
    assert.deepEqual(fieldNames(tcp.json), ['config.port', 'config.protocolVersion']);

    const albCheck = await t.wire('POST', '/targetgroups', { name: 'alb-check', type: 'ALB', config: { protocol: 'HTTP', vpcIdentifier: VPC_A, healthCheck: { path: '/' } } });
    assert.deepEqual(fieldNames(albCheck.json), ['config.healthCheck']);
    // None of the refused requests left a group behind.
    const names = (await t.lattice.send(new ListTargetGroupsCommand({}))).items!.map((i) => i.name);
    for (const n of ['no-config', 'fn-bad', 'inst-bare', 'tcp-bad', 'alb-check']) assert.ok(!names.includes(n), n);
  });

  it('checks health-check ranges, the timeout against the interval and the matcher', async () => {
    const post = (name: string, healthCheck: object) => t.wire('POST', '/targetgroups', { name, type: 'IP', config: { protocol: 'HTTP', vpcIdentifier: VPC_A, healthCheck } });
    const interval = await post('hc-interval', { healthCheckIntervalSeconds: 4 });
    assert.equal(interval.status, 400);
    assert.deepEqual(fieldNames(interval.json), ['config.healthCheck.healthCheckIntervalSeconds']);
    assert.deepEqual(fieldNames((await post('hc-thresh', { healthyThresholdCount: 1 })).json), ['config.healthCheck.healthyThresholdCount']);
    assert.deepEqual(fieldNames((await post('hc-timeout', { healthCheckIntervalSeconds: 10, healthCheckTimeoutSeconds: 10 })).json), ['config.healthCheck.healthCheckTimeoutSeconds']);
    assert.deepEqual(fieldNames((await post('hc-matcher', { matcher: { httpCode: '200-600' } })).json), ['config.healthCheck.matcher.httpCode']);
    assert.deepEqual(fieldNames((await post('hc-port', { port: 0 })).json), ['config.healthCheck.port']);
    // Beyond the API's own maximum the model answers first, with the same field name.
    assert.deepEqual(fieldNames((await post('hc-model', { healthCheckIntervalSeconds: 301 })).json), ['config.healthCheck.healthCheckIntervalSeconds']);

    const zeros = await t.lattice.send(new CreateTargetGroupCommand({
      name: 'hc-zeros', type: 'IP', config: {
        protocol: 'HTTP', vpcIdentifier: VPC_A,
        healthCheck: { healthCheckIntervalSeconds: 0, healthCheckTimeoutSeconds: 0, unhealthyThresholdCount: 0, matcher: { httpCode: '200-299,404' }, port: 8081 },
      },
    }));
    const hc = zeros.config!.healthCheck!;
    assert.equal(hc.healthCheckIntervalSeconds, 30);
    assert.equal(hc.healthCheckTimeoutSeconds, 5);
    assert.equal(hc.unhealthyThresholdCount, 2);
    assert.equal(hc.port, 8081);
    assert.deepEqual(hc.matcher, { httpCode: '200-299,404' });
  });

  it('rejects a duplicate name with 409 "already exists"', async () => {
    await t.lattice.send(new CreateTargetGroupCommand({ name: 'dup-tg', type: 'LAMBDA' }));
    const res = await t.wire('POST', '/targetgroups', { name: 'dup-tg', type: 'LAMBDA' });
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(res.json.resourceType, 'TARGET_GROUP');
    assert.match(res.json.message, /already exists/);
  });

  it('answers a repeated clientToken with the same group, and 409 when the input differs', async () => {
    const a = await t.lattice.send(new CreateTargetGroupCommand({ name: 'idem-tg', type: 'LAMBDA', clientToken: 'tg-tok-1' }));
    const b = await t.lattice.send(new CreateTargetGroupCommand({ name: 'idem-tg', type: 'LAMBDA', clientToken: 'tg-tok-1' }));
    assert.equal(a.id, b.id);
    const c = await t.wire('POST', '/targetgroups', { name: 'idem-tg-2', type: 'LAMBDA', clientToken: 'tg-tok-1' });
    assert.equal(c.status, 409);
  });

  it('lists by VPC and by type, with summaries per the model, page by page', async () => {
    const b1 = await t.lattice.send(new CreateTargetGroupCommand({ name: 'list-b-ip', type: 'IP', config: { protocol: 'HTTPS', vpcIdentifier: VPC_B, ipAddressType: 'IPV6' } }));
    await t.lattice.send(new CreateTargetGroupCommand({ name: 'list-b-inst', type: 'INSTANCE', config: { protocol: 'HTTP', port: 8080, vpcIdentifier: VPC_B } }));
    await t.lattice.send(new CreateTargetGroupCommand({ name: 'list-b-inst-2', type: 'INSTANCE', config: { protocol: 'TCP', port: 5432, vpcIdentifier: VPC_B } }));

    const inB = await t.lattice.send(new ListTargetGroupsCommand({ vpcIdentifier: VPC_B }));
    assert.deepEqual(inB.items!.map((i) => i.name), ['list-b-ip', 'list-b-inst', 'list-b-inst-2']);
    const ip = inB.items![0]!;
    assert.equal(ip.id, b1.id);
    assert.equal(ip.arn, b1.arn);
    assert.equal(ip.type, 'IP');
    assert.equal(ip.port, 443);
    assert.equal(ip.protocol, 'HTTPS');
    assert.equal(ip.ipAddressType, 'IPV6');
    assert.equal(ip.vpcIdentifier, VPC_B);
    assert.deepEqual(ip.serviceArns, []);
    assert.ok(ip.createdAt instanceof Date && ip.lastUpdatedAt instanceof Date);
    assert.ok(ip.status === 'CREATE_IN_PROGRESS' || ip.status === 'ACTIVE');
    assert.equal((ip as { config?: unknown }).config, undefined);

    const instInB = await t.lattice.send(new ListTargetGroupsCommand({ vpcIdentifier: VPC_B, targetGroupType: 'INSTANCE' }));
    assert.deepEqual(instInB.items!.map((i) => i.name), ['list-b-inst', 'list-b-inst-2']);

    const lambdas = await t.lattice.send(new ListTargetGroupsCommand({ targetGroupType: 'LAMBDA' }));
    assert.ok(lambdas.items!.length >= 1);
    for (const l of lambdas.items!) {
      assert.equal(l.type, 'LAMBDA');
      assert.ok(l.lambdaEventStructureVersion === 'V1' || l.lambdaEventStructureVersion === 'V2');
      assert.equal(l.vpcIdentifier, undefined);
    }

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await t.lattice.send(new ListTargetGroupsCommand({ vpcIdentifier: VPC_B, maxResults: 2, nextToken: token }));
      assert.ok(page.items!.length <= 2);
      seen.push(...page.items!.map((i) => i.name!));
      token = page.nextToken;
      pages++;
    } while (token && pages < 10);
    assert.deepEqual(seen, ['list-b-ip', 'list-b-inst', 'list-b-inst-2']);
    assert.equal(pages, 2);

    const badType = await t.wire('GET', '/targetgroups?targetGroupType=NLB');
    assert.equal(badType.status, 400);
    assert.deepEqual(fieldNames(badType.json), ['targetGroupType']);
  });

  it('updates only the health check, merged over the current one', async () => {
    const tg = await t.lattice.send(new CreateTargetGroupCommand({
      name: 'upd-hc', type: 'INSTANCE', config: { protocol: 'HTTP', vpcIdentifier: VPC_A, healthCheck: { path: '/health', healthCheckIntervalSeconds: 60 } },
    }));
    const upd = await t.lattice.send(new UpdateTargetGroupCommand({ targetGroupIdentifier: tg.arn, healthCheck: { healthyThresholdCount: 3, healthCheckIntervalSeconds: 0 } }));
    assert.equal(upd.id, tg.id);
    assert.equal(upd.name, 'upd-hc');
    assert.equal(upd.type, 'INSTANCE');
    assert.equal(upd.config!.healthCheck!.path, '/health');
    assert.equal(upd.config!.healthCheck!.healthyThresholdCount, 3);
    assert.equal(upd.config!.healthCheck!.healthCheckIntervalSeconds, 30);
    assert.equal(upd.config!.port, 80);
    const got = await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id }));
    assert.deepEqual(got.config, upd.config);

    const bad = await t.wire('PATCH', `/targetgroups/${tg.id}`, { healthCheck: { healthCheckTimeoutSeconds: 30 } });
    assert.equal(bad.status, 400);
    assert.deepEqual(fieldNames(bad.json), ['healthCheck.healthCheckTimeoutSeconds']);

    const fn = await t.lattice.send(new CreateTargetGroupCommand({ name: 'upd-fn', type: 'LAMBDA' }));
    const notSupported = await t.wire('PATCH', `/targetgroups/${fn.id}`, { healthCheck: { enabled: true } });
    assert.equal(notSupported.status, 400);
    assert.deepEqual(fieldNames(notSupported.json), ['healthCheck']);

    const gone = await t.wire('PATCH', '/targetgroups/tg-0123456789abcdef0', { healthCheck: { enabled: false } });
    assert.equal(gone.status, 404);
    assert.equal(gone.json.resourceType, 'TARGET_GROUP');
    assert.equal(gone.json.resourceId, 'tg-0123456789abcdef0');
  });

  it('deletes with 200 DELETE_IN_PROGRESS, then 404', async () => {
    const tg = await activeGroup(t, 'del-me', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    const res = await t.wire('DELETE', `/targetgroups/${encodeURIComponent(tg.arn!)}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { id: tg.id, arn: tg.arn, status: 'DELETE_IN_PROGRESS' });
    const gone = await rejects(t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    const again = await t.wire('DELETE', `/targetgroups/${tg.id}`);
    assert.equal(again.status, 404);
    assert.equal(again.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
  });

  it('knows the services that forward to a group and will not delete it while they do', async () => {
    const tg = await activeGroup(t, 'used-tg', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'tg-user' }));
    const listener = await t.lattice.send(new CreateListenerCommand({
      serviceIdentifier: svc.id, name: 'http', protocol: 'HTTP',
      defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tg.id }] } },
    }));
    const got = await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id }));
    assert.deepEqual(got.serviceArns, [svc.arn]);
    const listed = await t.lattice.send(new ListTargetGroupsCommand({ vpcIdentifier: VPC_A }));
    assert.deepEqual(listed.items!.find((i) => i.id === tg.id)!.serviceArns, [svc.arn]);

    const res = await t.wire('DELETE', `/targetgroups/${tg.id}`);
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(res.json.resourceId, tg.id);
    assert.equal(res.json.resourceType, 'TARGET_GROUP');

    await t.lattice.send(new DeleteListenerCommand({ serviceIdentifier: svc.id, listenerIdentifier: listener.id }));
    assert.deepEqual((await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id }))).serviceArns, []);
    const del = await t.lattice.send(new DeleteTargetGroupCommand({ targetGroupIdentifier: tg.id }));
    assert.equal(del.status, 'DELETE_IN_PROGRESS');
  });
});

describe('target groups: creation in progress and quotas', () => {
  let t: TestTrellis;
  // A long settle delay keeps new groups CREATE_IN_PROGRESS for the whole test.
  before(async () => { t = await bootTrellis({ settleDelayMs: 60_000, quotas: { targetGroupsPerRegion: 2 } }); });
  after(async () => { await t.close(); });

  it('will not delete a group whose creation is in progress', async () => {
    const tg = await t.lattice.send(new CreateTargetGroupCommand({ name: 'still-creating', type: 'LAMBDA' }));
    const res = await t.wire('DELETE', `/targetgroups/${tg.id}`);
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(res.json.message, /CREATE_IN_PROGRESS/);
    assert.equal((await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id }))).status, 'CREATE_IN_PROGRESS');
  });

  it('enforces the target-groups-per-region quota with 402', async () => {
    await t.lattice.send(new CreateTargetGroupCommand({ name: 'quota-one', type: 'LAMBDA' }));
    const res = await t.wire('POST', '/targetgroups', { name: 'quota-two', type: 'LAMBDA' });
    assert.equal(res.status, 402);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
    assert.equal(res.json.resourceType, 'TARGET_GROUP');
    assert.equal(res.json.serviceCode, 'vpc-lattice');
    assert.equal(typeof res.json.quotaCode, 'string');
  });
});
