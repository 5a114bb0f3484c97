import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateServiceNetworkCommand, DeleteServiceNetworkCommand, GetServiceNetworkCommand, ListServiceNetworksCommand,
  UpdateServiceNetworkCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, rejects, type TestTrellis } from '../support/trellis.js';

describe('service networks', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('creates, reads, updates and deletes a service network', async () => {
    const created = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'awesome-service-network', tags: { Owner: 'kuba' } }));
    assert.match(created.id!, /^sn-0[0-9a-f]{16}$/);
    assert.equal(created.arn, `arn:aws:vpc-lattice:us-east-1:111122223333:servicenetwork/${created.id}`);
    assert.equal(created.authType, 'NONE');
    assert.deepEqual(created.sharingConfig, { enabled: false });
    assert.equal(created.$metadata.httpStatusCode, 201);

    const got = await t.lattice.send(new GetServiceNetworkCommand({ serviceNetworkIdentifier: created.arn }));
    assert.equal(got.id, created.id);
    assert.equal(got.numberOfAssociatedServices, 0);
    assert.equal(got.numberOfAssociatedVPCs, 0);
    assert.ok(got.createdAt instanceof Date);

    const updated = await t.lattice.send(new UpdateServiceNetworkCommand({ serviceNetworkIdentifier: created.id, authType: 'AWS_IAM' }));
    assert.equal(updated.authType, 'AWS_IAM');

    const del = await t.lattice.send(new DeleteServiceNetworkCommand({ serviceNetworkIdentifier: created.id }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const gone = await rejects(t.lattice.send(new GetServiceNetworkCommand({ serviceNetworkIdentifier: created.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
  });

  it('answers at the wire as AWS does: 404 with resourceId and resourceType', async () => {
    const res = await t.wire('GET', '/servicenetworks/sn-0123456789abcdef0');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.ok(res.headers.get('x-amzn-requestid'));
    assert.equal(res.json.resourceId, 'sn-0123456789abcdef0');
    assert.equal(res.json.resourceType, 'SERVICE_NETWORK');
    assert.equal(typeof res.json.message, 'string');
  });

  it('rejects a duplicate name with 409 "already exists"', async () => {
    await t.lattice.send(new CreateServiceNetworkCommand({ name: 'dup-net' }));
    const res = await t.wire('POST', '/servicenetworks', { name: 'dup-net' });
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(res.json.message, /already exists/);
  });

  it('validates names against the model and names every bad field', async () => {
    const res = await t.wire('POST', '/servicenetworks', { name: 'Bad--Name', authType: 'MAYBE' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.equal(res.json.reason, 'fieldValidationFailed');
    assert.deepEqual(res.json.fieldList.map((f: { name: string }) => f.name).sort(), ['authType', 'name']);
  });

  it('answers the same resource for a repeated clientToken, and 409 when the input differs', async () => {
    const a = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'idem-net', clientToken: 'tok-1' }));
    const b = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'idem-net', clientToken: 'tok-1' }));
    assert.equal(a.id, b.id);
    const c = await t.wire('POST', '/servicenetworks', { name: 'idem-net-2', clientToken: 'tok-1' });
    assert.equal(c.status, 409);
    assert.equal(c.headers.get('x-amzn-errortype'), 'ConflictException');
  });

  it('pages with maxResults and a nextToken that ends', async () => {
    for (let i = 0; i < 5; i++) await t.lattice.send(new CreateServiceNetworkCommand({ name: `page-net-${i}` }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await t.lattice.send(new ListServiceNetworksCommand({ maxResults: 2, nextToken: token }));
      assert.ok(page.items!.length <= 2);
      seen.push(...page.items!.map((i) => i.name!));
      token = page.nextToken;
      pages++;
    } while (token && pages < 50);
    assert.equal(token, undefined);
    for (let i = 0; i < 5; i++) assert.ok(seen.includes(`page-net-${i}`));
    assert.equal(new Set(seen).size, seen.length);
    const bad = await t.wire('GET', '/servicenetworks?nextToken=garbage');
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('x-amzn-errortype'), 'ValidationException');
    const tooMany = await t.wire('GET', '/servicenetworks?maxResults=101');
    assert.equal(tooMany.status, 400);
    assert.deepEqual(tooMany.json.fieldList.map((f: { name: string }) => f.name), ['maxResults']);
  });

  it('enforces the service-network quota with 402', async () => {
    const q = await bootTrellisWithQuota();
    try {
      await q.lattice.send(new CreateServiceNetworkCommand({ name: 'one' }));
      const res = await q.wire('POST', '/servicenetworks', { name: 'two' });
      assert.equal(res.status, 402);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
      assert.equal(res.json.serviceCode, 'vpc-lattice');
      assert.equal(res.json.resourceType, 'SERVICE_NETWORK');
    } finally {
      await q.close();
    }
  });
});

async function bootTrellisWithQuota() {
  const { bootTrellis } = await import('../support/trellis.js');
  return bootTrellis({ quotas: { serviceNetworksPerRegion: 1 } });
}
