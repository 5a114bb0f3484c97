import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateServiceCommand, CreateServiceNetworkCommand, CreateServiceNetworkServiceAssociationCommand, DeleteServiceCommand,
  DeleteServiceNetworkServiceAssociationCommand, GetServiceCommand, ListServicesCommand, UpdateServiceCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, rejects, type TestTrellis } from '../support/trellis.js';

const ACCOUNT = '111122223333';
const CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0a1b2c3d-1111-2222-3333-444455556666`;

describe('services', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('creates a service in progress with AWS defaults and its generated DNS name, then settles it to ACTIVE', async () => {
    const created = await t.lattice.send(new CreateServiceCommand({ name: 'billing', tags: { team: 'pay' } }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.match(created.id!, /^svc-0[0-9a-f]{16}$/);
    assert.equal(created.arn, `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:service/${created.id}`);
    assert.equal(created.name, 'billing');
    assert.equal(created.status, 'CREATE_IN_PROGRESS');
    assert.equal(created.authType, 'NONE');
    assert.equal(created.idleTimeoutSeconds, 60);
    assert.equal(created.customDomainName, undefined);
    assert.equal(created.certificateArn, undefined);
    assert.equal(created.dnsEntry!.domainName, `billing-${created.id!.slice('svc-'.length)}.7d67968.vpc-lattice-svcs.us-east-1.on.aws`);
    assert.match(created.dnsEntry!.hostedZoneId!, /^Z[0-9A-Z]+$/);

    const active = await eventually(async () => {
      const got = await t.lattice.send(new GetServiceCommand({ serviceIdentifier: created.id }));
      return got.status === 'ACTIVE' && got;
    });
    assert.deepEqual(active.dnsEntry, created.dnsEntry);
    assert.ok(active.createdAt instanceof Date);
    assert.ok(active.lastUpdatedAt instanceof Date);
    assert.equal(active.idleTimeoutSeconds, 60);
    assert.equal(active.failureCode, undefined);
  });

  it('keeps a custom domain name and certificate, and updates only certificate, auth type and idle timeout', async () => {
    const created = await t.lattice.send(new CreateServiceCommand({
      name: 'orders', customDomainName: 'orders.example.com', certificateArn: CERT, authType: 'AWS_IAM', idleTimeoutSeconds: 120,
    }));
    assert.equal(created.customDomainName, 'orders.example.com');
    assert.equal(created.certificateArn, CERT);
    assert.equal(created.authType, 'AWS_IAM');
    assert.equal(created.idleTimeoutSeconds, 120);

    const updated = await t.lattice.send(new UpdateServiceCommand({ serviceIdentifier: created.arn, authType: 'NONE', idleTimeoutSeconds: 600 }));
    assert.equal(updated.$metadata.httpStatusCode, 200);
    assert.deepEqual(
      { id: updated.id, arn: updated.arn, name: updated.name, customDomainName: updated.customDomainName, certificateArn: updated.certificateArn, authType: updated.authType, idleTimeoutSeconds: updated.idleTimeoutSeconds },
      { id: created.id, arn: created.arn, name: 'orders', customDomainName: 'orders.example.com', certificateArn: CERT, authType: 'NONE', idleTimeoutSeconds: 600 },
    );
    const cert2 = CERT.replace('0a1b2c3d', '9f8e7d6c');
    await t.lattice.send(new UpdateServiceCommand({ serviceIdentifier: created.id, certificateArn: cert2 }));
    const got = await t.lattice.send(new GetServiceCommand({ serviceIdentifier: created.id }));
    assert.equal(got.certificateArn, cert2);
    assert.equal(got.authType, 'NONE');
    assert.equal(got.idleTimeoutSeconds, 600);
    assert.equal(got.customDomainName, 'orders.example.com');

    // Members the operation does not have are not applied: the name stays.
    const res = await t.wire('PATCH', `/services/${created.id}`, { name: 'renamed', authType: 'AWS_IAM' });
    assert.equal(res.status, 200);
    assert.equal(res.json.name, 'orders');
    assert.equal(res.json.authType, 'AWS_IAM');
  });

  it('resolves ARN identifiers, percent-encoded in the path, and answers 404 with resourceType for unknown ones', async () => {
    const created = await t.lattice.send(new CreateServiceCommand({ name: 'by-arn' }));
    const viaSdk = await t.lattice.send(new GetServiceCommand({ serviceIdentifier: created.arn }));
    assert.equal(viaSdk.id, created.id);
    const viaWire = await t.wire('GET', `/services/${encodeURIComponent(created.arn!)}`);
    assert.equal(viaWire.status, 200);
    assert.equal(viaWire.json.id, created.id);
    assert.equal(typeof viaWire.json.createdAt, 'string');

    const missing = await t.wire('GET', '/services/svc-0123456789abcdef0');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(missing.json.resourceId, 'svc-0123456789abcdef0');
    assert.equal(missing.json.resourceType, 'SERVICE');

    const otherAccount = created.arn!.replace(ACCOUNT, '999988887777');
    const foreign = await t.wire('GET', `/services/${encodeURIComponent(otherAccount)}`);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.json.resourceType, 'SERVICE');

    for (const [method, body] of [['PATCH', { authType: 'NONE' }], ['DELETE', undefined]] as const) {
      const res = await t.wire(method, '/services/svc-0123456789abcdef0', body);
      assert.equal(res.status, 404, method);
      assert.equal(res.json.resourceType, 'SERVICE', method);
    }
    const err = await rejects(t.lattice.send(new GetServiceCommand({ serviceIdentifier: 'svc-0123456789abcdef0' })));
    assert.equal(err.name, 'ResourceNotFoundException');
    assert.equal(err.$metadata.httpStatusCode, 404);
  });

  it('refuses a duplicate name and a duplicate custom domain name with 409 "already exists"', async () => {
    const first = await t.lattice.send(new CreateServiceCommand({ name: 'dup-svc', customDomainName: 'api.example.com' }));
    const byName = await t.wire('POST', '/services', { name: 'dup-svc' });
    assert.equal(byName.status, 409);
    assert.equal(byName.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(byName.json.message, /already exists/);
    assert.equal(byName.json.resourceType, 'SERVICE');
    assert.equal(byName.json.resourceId, first.id);

    const byDomain = await t.wire('POST', '/services', { name: 'other-svc', customDomainName: 'API.example.com' });
    assert.equal(byDomain.status, 409);
    assert.equal(byDomain.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(byDomain.json.message, /already exists/);
    assert.equal(byDomain.json.resourceId, first.id);
    // Nothing was created by the refused calls.
    const names = (await t.lattice.send(new ListServicesCommand({}))).items!.map((i) => i.name);
    assert.ok(!names.includes('other-svc'));
  });

  it('validates against the model: reserved prefix, idle timeout range, bad certificate', async () => {
    const res = await t.wire('POST', '/services', { name: 'svc-nope', idleTimeoutSeconds: 30, certificateArn: 'not-a-cert' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.equal(res.json.reason, 'fieldValidationFailed');
    assert.deepEqual(res.json.fieldList.map((f: { name: string }) => f.name).sort(), ['certificateArn', 'idleTimeoutSeconds', 'name']);
    const upd = await t.wire('PATCH', '/services/svc-0123456789abcdef0', { idleTimeoutSeconds: 601 });
    assert.equal(upd.status, 400);
    assert.deepEqual(upd.json.fieldList.map((f: { name: string }) => f.name), ['idleTimeoutSeconds']);
  });

  it('answers the same service for a repeated clientToken, and 409 when the input differs', async () => {
    const a = await t.lattice.send(new CreateServiceCommand({ name: 'idem-svc', clientToken: 'svc-token-1' }));
    const b = await t.lattice.send(new CreateServiceCommand({ name: 'idem-svc', clientToken: 'svc-token-1' }));
    assert.equal(b.id, a.id);
    assert.deepEqual(b.dnsEntry, a.dnsEntry);
    const c = await t.wire('POST', '/services', { name: 'idem-svc-2', clientToken: 'svc-token-1' });
    assert.equal(c.status, 409);
    assert.equal(c.headers.get('x-amzn-errortype'), 'ConflictException');
    // Without the token the same name is a duplicate.
    const d = await t.wire('POST', '/services', { name: 'idem-svc' });
    assert.equal(d.status, 409);
  });

  it('lists ServiceSummary items page by page', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await t.lattice.send(new CreateServiceCommand({ name: `page-svc-${i}`, customDomainName: `p${i}.example.org` }))).id!);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await t.lattice.send(new ListServicesCommand({ maxResults: 2, nextToken: token }));
      assert.ok(page.items!.length <= 2);
      seen.push(...page.items!.map((i) => i.id!));
      token = page.nextToken;
      pages++;
    } while (token && pages < 100);
    assert.equal(token, undefined);
    assert.equal(new Set(seen).size, seen.length);
    for (const id of made) assert.ok(seen.includes(id));

    const wire = await t.wire('GET', '/services?maxResults=100');
    assert.equal(wire.status, 200);
    const item = wire.json.items.find((i: { id: string }) => i.id === made[0]);
    assert.deepEqual(Object.keys(item).sort(), ['arn', 'createdAt', 'customDomainName', 'dnsEntry', 'id', 'lastUpdatedAt', 'name', 'status']);
    assert.equal(item.customDomainName, 'p0.example.org');
    assert.match(item.dnsEntry.domainName, /^page-svc-0-[0-9a-f]{17}\.7d67968\.vpc-lattice-svcs\.us-east-1\.on\.aws$/);

    const bad = await t.wire('GET', '/services?nextToken=garbage');
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('x-amzn-errortype'), 'ValidationException');
  });

  it('refuses to delete an associated service with 409, and deletes it with 200 DELETE_IN_PROGRESS once free', async () => {
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'svc-delete-net' }));
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'doomed' }));
    const assoc = await t.lattice.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: svc.id }));

    const blocked = await t.wire('DELETE', `/services/${svc.id}`);
    assert.equal(blocked.status, 409);
    assert.equal(blocked.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(blocked.json.resourceId, svc.id);
    assert.equal(blocked.json.resourceType, 'SERVICE');
    assert.equal((await t.lattice.send(new GetServiceCommand({ serviceIdentifier: svc.id }))).id, svc.id);

    await t.lattice.send(new DeleteServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: assoc.id }));
    const del = await t.wire('DELETE', `/services/${encodeURIComponent(svc.arn!)}`);
    assert.equal(del.status, 200);
    assert.deepEqual(del.json, { id: svc.id, arn: svc.arn, name: 'doomed', status: 'DELETE_IN_PROGRESS' });
    const gone = await rejects(t.lattice.send(new GetServiceCommand({ serviceIdentifier: svc.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    // The name is free again.
    const again = await t.lattice.send(new CreateServiceCommand({ name: 'doomed' }));
    assert.notEqual(again.id, svc.id);
    const viaSdk = await t.lattice.send(new DeleteServiceCommand({ serviceIdentifier: again.id }));
    assert.equal(viaSdk.$metadata.httpStatusCode, 200);
    assert.equal(viaSdk.status, 'DELETE_IN_PROGRESS');
  });

  it('cascades listeners, rules, auth and resource policies and access-log subscriptions on delete, and nothing else', async () => {
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'cascade-me' }));
    const keep = await t.lattice.send(new CreateServiceCommand({ name: 'cascade-keep' }));
    const place = { account: ACCOUNT, region: 'us-east-1' };
    // The records other modules write for a service (PREAMBLE record conventions), seeded
    // straight into the store so this test does not depend on those modules' handlers.
    const seed = (serviceId: string, n: string) => t.store.transact(async (tx) => {
      const listenerId = `listener-0${n.repeat(16)}`;
      await tx.put({ kind: 'listener', ...place, id: listenerId, parentId: serviceId, name: 'web', refs: [serviceId], doc: { id: listenerId } });
      await tx.put({ kind: 'rule', ...place, id: `rule-0${n.repeat(16)}`, parentId: listenerId, name: 'default', refs: [serviceId, listenerId], doc: {} });
      await tx.put({ kind: 'authpolicy', ...place, id: serviceId, parentId: '', name: '', refs: [serviceId], doc: { policy: '{}' } });
      await tx.put({ kind: 'resourcepolicy', ...place, id: serviceId, parentId: '', name: '', refs: [serviceId], doc: { policy: '{}' } });
      await tx.put({ kind: 'accesslogsubscription', ...place, id: `als-0${n.repeat(16)}`, parentId: '', name: '', refs: [serviceId], doc: {} });
      return listenerId;
    });
    await seed(svc.id!, 'a');
    await seed(keep.id!, 'b');

    const del = await t.lattice.send(new DeleteServiceCommand({ serviceIdentifier: svc.id }));
    assert.equal(del.status, 'DELETE_IN_PROGRESS');
    const left = async (n: string, serviceId: string) => [
      await t.store.get('listener', place, `listener-0${n.repeat(16)}`),
      await t.store.get('rule', place, `rule-0${n.repeat(16)}`),
      await t.store.get('authpolicy', place, serviceId),
      await t.store.get('resourcepolicy', place, serviceId),
      await t.store.get('accesslogsubscription', place, `als-0${n.repeat(16)}`),
    ].filter(Boolean).length;
    assert.equal(await left('a', svc.id!), 0);
    assert.equal(await left('b', keep.id!), 5);
  });

  it('enforces the services-per-region quota with 402', async () => {
    const q = await bootTrellis({ quotas: { servicesPerRegion: 1 } });
    try {
      await q.lattice.send(new CreateServiceCommand({ name: 'only-one' }));
      const res = await q.wire('POST', '/services', { name: 'one-too-many' });
      assert.equal(res.status, 402);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
      assert.equal(res.json.serviceCode, 'vpc-lattice');
      assert.equal(res.json.resourceType, 'SERVICE');
      assert.equal(typeof res.json.quotaCode, 'string');
    } finally {
      await q.close();
    }
  });
});
