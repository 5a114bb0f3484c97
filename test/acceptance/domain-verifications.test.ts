import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateResourceConfigurationCommand, CreateResourceGatewayCommand, DeleteDomainVerificationCommand, GetDomainVerificationCommand,
  GetResourceConfigurationCommand, GetServiceNetworkResourceAssociationCommand, CreateServiceNetworkCommand,
  CreateServiceNetworkResourceAssociationCommand, ListDomainVerificationsCommand, ListResourceConfigurationsCommand,
  StartDomainVerificationCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, rejects, type TestTrellis } from '../support/trellis.js';
import { markDomainVerified } from '../../src/control/domain-verifications.js';

const PLACE = { account: '111122223333', region: 'us-east-1' };
const DNS = { dnsResource: { domainName: 'db.internal.example', ipAddressType: 'IPV4' } } as const;

describe('domain verifications', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('starts a verification (PENDING, with a TXT record to publish), reads, lists and deletes it', async () => {
    const dv = await t.lattice.send(new StartDomainVerificationCommand({ domainName: 'example.com', tags: { owner: 'web' } }));
    assert.equal(dv.$metadata.httpStatusCode, 201);
    assert.match(dv.id!, /^dv-[0-9a-f]{17}$/);
    assert.equal(dv.arn, `arn:aws:vpc-lattice:us-east-1:111122223333:domainverification/${dv.id}`);
    assert.equal(dv.domainName, 'example.com');
    assert.equal(dv.status, 'PENDING');
    assert.equal(dv.txtMethodConfig!.name, '_lattice-verification.example.com');
    assert.match(dv.txtMethodConfig!.value!, /^[0-9a-f]{32}$/);

    const got = await t.lattice.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: dv.arn }));
    assert.equal(got.id, dv.id);
    assert.equal(got.status, 'PENDING');
    assert.deepEqual(got.txtMethodConfig, dv.txtMethodConfig);
    assert.deepEqual(got.tags, { owner: 'web' });
    assert.ok(got.createdAt instanceof Date);
    assert.equal(got.lastVerifiedTime, undefined);

    const list = await t.lattice.send(new ListDomainVerificationsCommand({}));
    const item = list.items!.find((i) => i.id === dv.id)!;
    assert.equal(item.domainName, 'example.com');
    assert.deepEqual(item.tags, { owner: 'web' });

    const del = await t.lattice.send(new DeleteDomainVerificationCommand({ domainVerificationIdentifier: dv.id }));
    assert.equal(del.$metadata.httpStatusCode, 200);
    const gone = await rejects(t.lattice.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: dv.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
  });

  it('answers 404 at the wire for an unknown verification', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await t.wire(method, '/domainverifications/dv-0123456789abcdef0');
      assert.equal(res.status, 404, method);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
      assert.equal(res.json.resourceType, 'DOMAIN_VERIFICATION');
      assert.equal(res.json.resourceId, 'dv-0123456789abcdef0');
    }
  });

  it('refuses a name that is not a domain, and a second verification of the same domain', async () => {
    for (const domainName of ['not_a_domain', 'localhost', 'a..b.com', '-bad.example.com']) {
      const res = await t.wire('POST', '/domainverifications', { domainName });
      assert.equal(res.status, 400, domainName);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.deepEqual(res.json.fieldList.map((f: { name: string }) => f.name), ['domainName'], domainName);
    }
    const first = await t.lattice.send(new StartDomainVerificationCommand({ domainName: 'twice.example.org' }));
    const again = await t.wire('POST', '/domainverifications', { domainName: 'Twice.Example.org' });
    assert.equal(again.status, 409);
    assert.equal(again.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(again.json.resourceId, first.id);
    assert.equal(again.json.resourceType, 'DOMAIN_VERIFICATION');
  });

  it('replays a clientToken, and answers 409 when the input differs', async () => {
    const a = await t.lattice.send(new StartDomainVerificationCommand({ domainName: 'idem.example.net', clientToken: 'dv-tok' }));
    const b = await t.lattice.send(new StartDomainVerificationCommand({ domainName: 'idem.example.net', clientToken: 'dv-tok' }));
    assert.equal(a.id, b.id);
    assert.equal(a.txtMethodConfig!.value, b.txtMethodConfig!.value);
    const c = await t.wire('POST', '/domainverifications', { domainName: 'other.example.net', clientToken: 'dv-tok' });
    assert.equal(c.status, 409);
  });

  it('proves custom domains of resource configurations; VERIFIED only when an operator says so', async () => {
    const dv = await t.lattice.send(new StartDomainVerificationCommand({ domainName: 'corp.example' }));
    const gw = (await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-dv', vpcIdentifier: 'vpc-0a1b2c3d4e5f60718', subnetIds: ['subnet-0a1b2c3d4e5f60001'] }))).id!;
    const rc = await t.lattice.send(new CreateResourceConfigurationCommand({
      name: 'rc-dv', type: 'SINGLE', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: DNS,
      customDomainName: 'db.corp.example', domainVerificationIdentifier: dv.arn,
    }));
    assert.equal(rc.domainVerificationId, dv.id);
    assert.equal(rc.domainVerificationArn, dv.arn);
    const pending = await t.lattice.send(new GetResourceConfigurationCommand({ resourceConfigurationIdentifier: rc.id }));
    assert.equal(pending.domainVerificationStatus, 'PENDING');
    const byDv = await t.lattice.send(new ListResourceConfigurationsCommand({ domainVerificationIdentifier: dv.id }));
    assert.deepEqual(byDv.items!.map((i) => i.id), [rc.id]);

    const elsewhere = await t.wire('POST', '/resourceconfigurations', {
      name: 'rc-dv-other', type: 'SINGLE', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: DNS,
      customDomainName: 'db.other.example', domainVerificationIdentifier: dv.id,
    });
    assert.equal(elsewhere.status, 400);
    assert.deepEqual(elsewhere.json.fieldList.map((f: { name: string }) => f.name), ['domainVerificationIdentifier']);

    const inUse = await t.wire('DELETE', `/domainverifications/${dv.id}`);
    assert.equal(inUse.status, 400);
    assert.equal(inUse.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.match(inUse.json.message, new RegExp(rc.id!));

    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'net-dv' }));
    const a = await t.lattice.send(new CreateServiceNetworkResourceAssociationCommand({ serviceNetworkIdentifier: sn.id, resourceConfigurationIdentifier: rc.id }));
    assert.equal((await t.lattice.send(new GetServiceNetworkResourceAssociationCommand({ serviceNetworkResourceAssociationIdentifier: a.id }))).domainVerificationStatus, 'PENDING');

    assert.equal(await markDomainVerified(t.store, PLACE, dv.id!), true);
    assert.equal(await markDomainVerified(t.store, PLACE, 'dv-0123456789abcdef0'), false);
    const verified = await t.lattice.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: dv.id }));
    assert.equal(verified.status, 'VERIFIED');
    assert.ok(verified.lastVerifiedTime instanceof Date);
    assert.equal((await t.lattice.send(new GetResourceConfigurationCommand({ resourceConfigurationIdentifier: rc.id }))).domainVerificationStatus, 'VERIFIED');
    assert.equal((await t.lattice.send(new GetServiceNetworkResourceAssociationCommand({ serviceNetworkResourceAssociationIdentifier: a.id }))).domainVerificationStatus, 'VERIFIED');
  });

  it('allows five verifications per region by default, then answers 402', async () => {
    const q = await bootTrellis();
    try {
      for (let i = 0; i < 5; i++) await q.lattice.send(new StartDomainVerificationCommand({ domainName: `d${i}.example.com` }));
      const res = await q.wire('POST', '/domainverifications', { domainName: 'd5.example.com' });
      assert.equal(res.status, 402);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
      assert.equal(res.json.resourceType, 'DOMAIN_VERIFICATION');
      assert.equal(res.json.quotaCode, 'L-73D0F278');
      assert.equal(res.json.serviceCode, 'vpc-lattice');
    } finally {
      await q.close();
    }
  });
});
