import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateListenerCommand, CreateServiceCommand, CreateTargetGroupCommand, DeleteListenerCommand, DeregisterTargetsCommand, GetTargetGroupCommand,
  ListListenersCommand, ListServicesCommand, ListTargetsCommand, RegisterTargetsCommand, UpdateTargetGroupCommand, type TargetGroupConfig, type TargetGroupType,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, rejects, type TestTrellis } from '../support/trellis.js';

const VPC_A = 'vpc-0a0000000000000a1';
const VPC_B = 'vpc-0b0000000000000b2';
const PLACE = { account: '111122223333', region: 'us-east-1' };
const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:orders';
const ALB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/internal-orders/0123456789abcdef';

async function activeGroup(t: TestTrellis, name: string, type: TargetGroupType, config?: TargetGroupConfig) {
  const tg = await t.lattice.send(new CreateTargetGroupCommand({ name, type, config }));
  await eventually(async () => (await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id }))).status === 'ACTIVE');
  return { id: tg.id!, arn: tg.arn! };
}

/** A service whose HTTP listener forwards to the group: the group is then in use. */
async function useGroup(t: TestTrellis, serviceName: string, tgId: string) {
  const svc = await t.lattice.send(new CreateServiceCommand({ name: serviceName }));
  await t.lattice.send(new CreateListenerCommand({
    serviceIdentifier: svc.id, name: 'http', protocol: 'HTTP',
    defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tgId }] } },
  }));
}

const list = async (t: TestTrellis, tgId: string) => (await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: tgId }))).items!;

describe('targets', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('registers IP targets with partial success at the wire, defaulting the port to the group\'s', async () => {
    const tg = await activeGroup(t, 'ip-targets', 'IP', { protocol: 'HTTP', port: 8080, vpcIdentifier: VPC_A });
    const res = await t.wire('POST', `/targetgroups/${tg.id}/registertargets`, {
      targets: [{ id: '127.0.0.1' }, { id: '127.0.0.2', port: 9090 }, { id: '127.0.0.300' }, { id: 'fd00::1' }],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.successful, [{ id: '127.0.0.1', port: 8080 }, { id: '127.0.0.2', port: 9090 }]);
    assert.deepEqual(res.json.unsuccessful.map((u: { id: string }) => u.id), ['127.0.0.300', 'fd00::1']);
    for (const u of res.json.unsuccessful) {
      assert.equal(u.failureCode, 'InvalidParameterException');
      assert.match(u.failureMessage, /not a valid IPv4 address/);
    }

    // The same (id, port) again is a success that changes nothing.
    const again = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.arn, targets: [{ id: '127.0.0.1', port: 8080 }] }));
    assert.deepEqual(again.successful, [{ id: '127.0.0.1', port: 8080 }]);
    assert.deepEqual(again.unsuccessful, []);
    assert.deepEqual((await list(t, tg.id)).map((i) => `${i.id}:${i.port}`), ['127.0.0.1:8080', '127.0.0.2:9090']);
  });

  it('reports UNUSED targets while no listener forwards to the group, filters and pages', async () => {
    const tg = await activeGroup(t, 'ip-listing', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    await t.lattice.send(new RegisterTargetsCommand({
      targetGroupIdentifier: tg.id, targets: [{ id: '127.1.0.1' }, { id: '127.1.0.2' }, { id: '127.1.0.3' }, { id: '127.1.0.1', port: 81 }],
    }));
    const all = await list(t, tg.id);
    assert.equal(all.length, 4);
    for (const item of all) {
      assert.equal(item.status, 'UNUSED');
      assert.equal(item.reasonCode, 'Target.NotInUse');
    }

    const filtered = await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.1.0.1' }, { id: '127.1.0.3', port: 80 }, { id: '127.9.9.9' }] }));
    assert.deepEqual(filtered.items!.map((i) => `${i.id}:${i.port}`), ['127.1.0.1:80', '127.1.0.3:80', '127.1.0.1:81']);
    const onePort = await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.1.0.1', port: 81 }] }));
    assert.deepEqual(onePort.items!.map((i) => `${i.id}:${i.port}`), ['127.1.0.1:81']);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: tg.id, maxResults: 3, nextToken: token }));
      assert.ok(page.items!.length <= 3);
      seen.push(...page.items!.map((i) => `${i.id}:${i.port}`));
      token = page.nextToken;
      pages++;
    } while (token && pages < 10);
    assert.equal(pages, 2);
    assert.deepEqual(seen, all.map((i) => `${i.id}:${i.port}`));

    // A token belongs to the listing of its own group.
    const first = await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: tg.id, maxResults: 1 }));
    const other = await activeGroup(t, 'ip-listing-2', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    const res = await t.wire('POST', `/targetgroups/${other.id}/listtargets?nextToken=${encodeURIComponent(first.nextToken!)}`, {});
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
  });

  it('deregisters known targets and reports unknown ones as unsuccessful', async () => {
    const tg = await activeGroup(t, 'ip-dereg', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.2.0.1' }, { id: '127.2.0.2', port: 8000 }] }));
    const res = await t.wire('POST', `/targetgroups/${tg.id}/deregistertargets`, {
      targets: [{ id: '127.2.0.1' }, { id: '127.2.0.2' }, { id: '127.2.0.9', port: 80 }],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.successful, [{ id: '127.2.0.1', port: 80 }]);
    assert.deepEqual(res.json.unsuccessful.map((u: { id: string; failureCode: string }) => `${u.id}/${u.failureCode}`),
      ['127.2.0.2/ResourceNotFoundException', '127.2.0.9/ResourceNotFoundException']);
    assert.deepEqual((await list(t, tg.id)).map((i) => `${i.id}:${i.port}`), ['127.2.0.2:8000']);
  });

  it('takes IPv6 addresses in IPV6 groups only', async () => {
    const tg = await activeGroup(t, 'ip-six', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A, ipAddressType: 'IPV6' });
    const res = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: 'fd00::10' }, { id: '127.0.0.1' }] }));
    assert.deepEqual(res.successful, [{ id: 'fd00::10', port: 80 }]);
    assert.equal(res.unsuccessful![0]!.id, '127.0.0.1');
    assert.match(res.unsuccessful![0]!.failureMessage!, /IPv6/);
  });

  it('registers instances, learning new ones in the group\'s VPC', async () => {
    const a = await activeGroup(t, 'inst-a', 'INSTANCE', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    const res = await t.lattice.send(new RegisterTargetsCommand({
      targetGroupIdentifier: a.id, targets: [{ id: 'i-0123456789abcdef0' }, { id: 'i-nothex' }, { id: '127.0.0.1' }],
    }));
    assert.deepEqual(res.successful, [{ id: 'i-0123456789abcdef0', port: 80 }]);
    assert.deepEqual(res.unsuccessful!.map((u) => u.failureCode), ['InvalidParameterException', 'InvalidParameterException']);
    const inst = await t.store.get('instance', PLACE, 'i-0123456789abcdef0');
    assert.equal(inst?.doc.vpcId, VPC_A);

    const b = await activeGroup(t, 'inst-b', 'INSTANCE', { protocol: 'HTTP', vpcIdentifier: VPC_B });
    const elsewhere = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: b.id, targets: [{ id: 'i-0123456789abcdef0' }] }));
    assert.deepEqual(elsewhere.successful, []);
    assert.match(elsewhere.unsuccessful![0]!.failureMessage!, new RegExp(VPC_A));
  });

  it('holds exactly one Lambda function, without a port', async () => {
    const tg = await activeGroup(t, 'fn-targets', 'LAMBDA');
    const two = await t.wire('POST', `/targetgroups/${tg.id}/registertargets`, { targets: [{ id: LAMBDA_ARN }, { id: `${LAMBDA_ARN}-2` }] });
    assert.equal(two.status, 400);
    assert.deepEqual(two.json.fieldList.map((f: { name: string }) => f.name), ['targets']);

    const withPort = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: LAMBDA_ARN, port: 80 }] }));
    assert.equal(withPort.unsuccessful![0]!.failureCode, 'InvalidParameterException');
    const elsewhere = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: 'arn:aws:lambda:eu-west-1:111122223333:function:orders' }] }));
    assert.match(elsewhere.unsuccessful![0]!.failureMessage!, /same account and Region/);

    const ok = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: `${LAMBDA_ARN}:live` }] }));
    assert.deepEqual(ok.successful, [{ id: `${LAMBDA_ARN}:live` }]);
    const second = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: LAMBDA_ARN }] }));
    assert.equal(second.unsuccessful![0]!.failureCode, 'ConflictException');
    const items = await list(t, tg.id);
    assert.deepEqual(items.map((i) => i.id), [`${LAMBDA_ARN}:live`]);
    assert.equal(items[0]!.port, undefined);

    const dereg = await t.lattice.send(new DeregisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: `${LAMBDA_ARN}:live` }] }));
    assert.deepEqual(dereg.successful, [{ id: `${LAMBDA_ARN}:live` }]);
    assert.deepEqual(await list(t, tg.id), []);
  });

  it('holds exactly one Application Load Balancer', async () => {
    const tg = await activeGroup(t, 'alb-targets', 'ALB', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    const nlb = await t.lattice.send(new RegisterTargetsCommand({
      targetGroupIdentifier: tg.id, targets: [{ id: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/db/0123456789abcdef' }],
    }));
    assert.match(nlb.unsuccessful![0]!.failureMessage!, /Application Load Balancer/);
    const ok = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: ALB_ARN }] }));
    assert.deepEqual(ok.successful, [{ id: ALB_ARN, port: 80 }]);
  });

  it('reports INITIAL, then UNAVAILABLE when checks are off, once a listener forwards to the group', async () => {
    const tg = await activeGroup(t, 'ip-in-use', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.3.0.1' }] }));
    assert.equal((await list(t, tg.id))[0]!.status, 'UNUSED');
    await useGroup(t, 'uses-ip', tg.id);
    assert.deepEqual((await list(t, tg.id))[0], { id: '127.3.0.1', port: 80, status: 'INITIAL', reasonCode: 'Elb.RegistrationInProgress' });
    await t.lattice.send(new UpdateTargetGroupCommand({ targetGroupIdentifier: tg.id, healthCheck: { enabled: false } }));
    assert.deepEqual((await list(t, tg.id))[0], { id: '127.3.0.1', port: 80, status: 'UNAVAILABLE', reasonCode: 'Target.HealthCheckDisabled' });
  });

  it('reports UNAVAILABLE for in-use groups that are never health-checked (LAMBDA)', async () => {
    const tg = await activeGroup(t, 'fn-in-use', 'LAMBDA');
    await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: LAMBDA_ARN }] }));
    await useGroup(t, 'uses-fn', tg.id);
    assert.deepEqual((await list(t, tg.id))[0], { id: LAMBDA_ARN, status: 'UNAVAILABLE', reasonCode: 'Target.HealthCheckDisabled' });
  });

  it('answers 404 for a group that does not exist', async () => {
    const res = await t.wire('POST', '/targetgroups/tg-0123456789abcdef0/listtargets', {});
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(res.json.resourceType, 'TARGET_GROUP');
    const reg = await rejects(t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: 'tg-0123456789abcdef0', targets: [{ id: '127.0.0.1' }] })));
    assert.equal(reg.name, 'ResourceNotFoundException');
  });
});

describe('targets: group state and quota', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis({ quotas: { targetsPerTargetGroup: 2 } }); });
  after(async () => { await t.close(); });

  it('registers what fits the quota and reports the rest as unsuccessful', async () => {
    const tg = await activeGroup(t, 'ip-quota', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    const res = await t.lattice.send(new RegisterTargetsCommand({
      targetGroupIdentifier: tg.id, targets: [{ id: '127.4.0.1' }, { id: '127.4.0.2' }, { id: '127.4.0.3' }],
    }));
    assert.deepEqual(res.successful!.map((s) => s.id), ['127.4.0.1', '127.4.0.2']);
    assert.deepEqual(res.unsuccessful!.map((u) => `${u.id}/${u.failureCode}`), ['127.4.0.3/ServiceQuotaExceededException']);
    // Already registered targets still answer success at the quota.
    const again = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.4.0.2' }] }));
    assert.deepEqual(again.successful!.map((s) => s.id), ['127.4.0.2']);
  });

  it('counts draining targets against the quota until their drain ends or is cancelled', async () => {
    const tg = await activeGroup(t, 'ip-quota-drain', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    await useGroup(t, 'uses-quota-drain', tg.id);
    await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.4.1.1' }, { id: '127.4.1.2' }] }));
    await t.lattice.send(new DeregisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.4.1.1' }] }));
    const full = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.4.1.3' }] }));
    assert.deepEqual(full.unsuccessful!.map((u) => `${u.id}/${u.failureCode}`), ['127.4.1.3/ServiceQuotaExceededException']);
    // Registering the draining target again takes no new place: it cancels the drain.
    const back = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.4.1.1' }] }));
    assert.deepEqual(back.successful, [{ id: '127.4.1.1', port: 80 }]);
    assert.deepEqual((await list(t, tg.id)).map((i) => `${i.id}:${i.status}`), ['127.4.1.1:INITIAL', '127.4.1.2:INITIAL']);
  });
});

describe('targets: creation in progress', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis({ settleDelayMs: 60_000 }); });
  after(async () => { await t.close(); });

  it('answers 409 while the group is still being created, as AWS does', async () => {
    const tg = await t.lattice.send(new CreateTargetGroupCommand({ name: 'ip-creating', type: 'IP', config: { protocol: 'HTTP', vpcIdentifier: VPC_A } }));
    const res = await t.wire('POST', `/targetgroups/${tg.id}/registertargets`, { targets: [{ id: '127.5.0.1' }] });
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(res.json.resourceId, tg.id);
    assert.equal(res.json.resourceType, 'TARGET_GROUP');
    assert.match(res.json.message, /status: CREATE_IN_PROGRESS/);
    assert.deepEqual(await list(t, tg.id!), []);
  });
});

describe('targets: deregistration delay (DRAINING)', () => {
  let t: TestTrellis;
  // The default delay (1 minute): nothing ends a drain while these tests run.
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  const DRAINING = { status: 'DRAINING', reasonCode: 'Target.DeregistrationInProgress' };

  it('keeps a deregistered target of a group in use DRAINING for the delay, with its drain in the record', async () => {
    const tg = await activeGroup(t, 'ip-drain', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    await useGroup(t, 'uses-ip-drain', tg.id);
    await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.6.0.1' }, { id: '127.6.0.2' }] }));
    const before = Date.now();
    const res = await t.wire('POST', `/targetgroups/${tg.id}/deregistertargets`, { targets: [{ id: '127.6.0.1' }] });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { successful: [{ id: '127.6.0.1', port: 80 }], unsuccessful: [] });

    const listed = await t.wire('POST', `/targetgroups/${tg.id}/listtargets`, {});
    assert.deepEqual(listed.json.items, [
      { id: '127.6.0.1', port: 80, ...DRAINING },
      { id: '127.6.0.2', port: 80, status: 'INITIAL', reasonCode: 'Elb.RegistrationInProgress' },
    ]);
    const rec = await t.store.get('targetgroup', PLACE, tg.id);
    const entry = (rec!.doc.targets as { id: string; deregisteredAt?: string; drainUntil?: string }[])[0]!;
    const at = Date.parse(entry.deregisteredAt!);
    assert.ok(at >= before - 1000 && at <= Date.now(), 'deregisteredAt is when the call ran');
    assert.equal(Date.parse(entry.drainUntil!) - at, 60_000, 'the default delay is one minute');

    // Deregistering it again succeeds and keeps the drain as it was.
    const again = await t.lattice.send(new DeregisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.6.0.1' }] }));
    assert.deepEqual(again.successful, [{ id: '127.6.0.1', port: 80 }]);
    const after = await t.store.get('targetgroup', PLACE, tg.id);
    assert.deepEqual((after!.doc.targets as unknown[])[0], entry);
    // A filter finds a draining target like any other.
    const filtered = await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.6.0.1' }] }));
    assert.deepEqual(filtered.items, [{ id: '127.6.0.1', port: 80, ...DRAINING }]);
  });

  it('cancels the drain when the target is registered again', async () => {
    const tg = await activeGroup(t, 'ip-drain-back', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    await useGroup(t, 'uses-ip-drain-back', tg.id);
    await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.6.1.1', port: 8080 }] }));
    await t.lattice.send(new DeregisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.6.1.1', port: 8080 }] }));
    assert.equal((await list(t, tg.id))[0]!.status, 'DRAINING');
    const back = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.6.1.1', port: 8080 }] }));
    assert.deepEqual(back.successful, [{ id: '127.6.1.1', port: 8080 }]);
    assert.deepEqual(await list(t, tg.id), [{ id: '127.6.1.1', port: 8080, status: 'INITIAL', reasonCode: 'Elb.RegistrationInProgress' }]);
    const rec = await t.store.get('targetgroup', PLACE, tg.id);
    assert.deepEqual(rec!.doc.targets, [{ id: '127.6.1.1', port: 8080 }], 'no drain fields left behind');
  });

  it('keeps DRAINING when the listener goes away, and lets an ALB group take a new ALB meanwhile', async () => {
    const tg = await activeGroup(t, 'alb-drain', 'ALB', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    await useGroup(t, 'uses-alb-drain', tg.id);
    await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: ALB_ARN }] }));
    await t.lattice.send(new DeregisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: ALB_ARN }] }));
    const other = ALB_ARN.replace('internal-orders', 'internal-billing');
    const swap = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: other }] }));
    assert.deepEqual(swap.successful, [{ id: other, port: 80 }]);
    assert.deepEqual((await list(t, tg.id)).map((i) => `${i.id === ALB_ARN ? 'old' : 'new'}:${i.status}`), ['old:DRAINING', 'new:UNAVAILABLE']);
    // While the new one is registered, a third one is still a conflict.
    const third = await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: ALB_ARN.replace('internal-orders', 'internal-third') }] }));
    assert.equal(third.unsuccessful![0]!.failureCode, 'ConflictException');
    // The group falls out of use: the registered target is UNUSED, the draining one drains on.
    const svc = (await t.lattice.send(new ListServicesCommand({}))).items!.find((i) => i.name === 'uses-alb-drain')!;
    const listener = (await t.lattice.send(new ListListenersCommand({ serviceIdentifier: svc.id }))).items![0]!;
    await t.lattice.send(new DeleteListenerCommand({ serviceIdentifier: svc.id, listenerIdentifier: listener.id }));
    assert.deepEqual((await list(t, tg.id)).map((i) => i.status), ['DRAINING', 'UNUSED']);
  });

  it('removes the targets of a group nothing forwards to at once: there is nothing to drain', async () => {
    const tg = await activeGroup(t, 'ip-drain-unused', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.6.2.1' }, { id: '127.6.2.2' }] }));
    await t.lattice.send(new DeregisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.6.2.1' }] }));
    assert.deepEqual((await list(t, tg.id)).map((i) => `${i.id}:${i.status}`), ['127.6.2.2:UNUSED']);
  });
});

describe('targets: the end of a drain', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis({ deregistrationDelayMs: 300 }); });
  after(async () => { await t.close(); });

  it('removes the target from the group once the delay is over, with a write', async () => {
    const tg = await activeGroup(t, 'ip-drain-end', 'IP', { protocol: 'HTTP', vpcIdentifier: VPC_A });
    await useGroup(t, 'uses-ip-drain-end', tg.id);
    await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.7.0.1' }, { id: '127.7.0.2' }] }));
    await t.lattice.send(new DeregisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.7.0.1' }] }));
    const rec = await t.store.get('targetgroup', PLACE, tg.id);
    assert.equal((rec!.doc.targets as { drainUntil?: string }[])[0]!.drainUntil !== undefined, true, 'draining first');
    await eventually(async () => (await list(t, tg.id)).length === 1);
    assert.deepEqual((await list(t, tg.id)).map((i) => i.id), ['127.7.0.2']);
    // Gone from the record too (what the data plane compiles), not only hidden by ListTargets.
    await eventually(async () => ((await t.store.get('targetgroup', PLACE, tg.id))!.doc.targets as unknown[]).length === 1);
    const gone = await t.lattice.send(new DeregisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.7.0.1' }] }));
    assert.equal(gone.unsuccessful![0]!.failureCode, 'ResourceNotFoundException');
  });
});
