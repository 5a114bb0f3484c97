import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateResourceConfigurationCommand, CreateResourceGatewayCommand, DeleteResourceConfigurationCommand, DeleteResourceGatewayCommand,
  GetResourceGatewayCommand, ListResourceGatewaysCommand, ListTagsForResourceCommand, UpdateResourceGatewayCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, rejects, type TestTrellis } from '../support/trellis.js';

const VPC = 'vpc-0a1b2c3d4e5f60718';
const SUBNETS = ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'];

describe('resource gateways', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('creates a gateway with AWS defaults, settles it to ACTIVE, updates and deletes it', async () => {
    const created = await t.lattice.send(new CreateResourceGatewayCommand({
      name: 'gw-happy', vpcIdentifier: VPC, subnetIds: SUBNETS, securityGroupIds: ['sg-0a1b2c3d4e5f60001'], tags: { team: 'net' },
    }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.match(created.id!, /^rgw-0[0-9a-f]{16}$/);
    assert.equal(created.arn, `arn:aws:vpc-lattice:us-east-1:111122223333:resourcegateway/${created.id}`);
    assert.equal(created.status, 'CREATE_IN_PROGRESS');
    assert.equal(created.vpcIdentifier, VPC);
    assert.deepEqual(created.subnetIds, SUBNETS);
    assert.deepEqual(created.securityGroupIds, ['sg-0a1b2c3d4e5f60001']);
    assert.equal(created.ipAddressType, 'IPV4');
    assert.equal(created.ipv4AddressesPerEni, 16);
    assert.equal(created.resourceConfigDnsResolution, 'PUBLIC');

    const active = await eventually(async () => {
      const g = await t.lattice.send(new GetResourceGatewayCommand({ resourceGatewayIdentifier: created.arn }));
      return g.status === 'ACTIVE' && g;
    });
    assert.equal(active.vpcId, VPC);
    assert.ok(active.createdAt instanceof Date);
    assert.ok(active.lastUpdatedAt instanceof Date);
    assert.deepEqual((await t.lattice.send(new ListTagsForResourceCommand({ resourceArn: created.arn }))).tags, { team: 'net' });

    // The security groups and the VPC are registered on the EC2 side.
    assert.ok(await t.store.get('vpc', { account: '111122223333', region: 'us-east-1' }, VPC));
    assert.ok(await t.store.get('securitygroup', { account: '111122223333', region: 'us-east-1' }, 'sg-0a1b2c3d4e5f60001'));

    const updated = await t.lattice.send(new UpdateResourceGatewayCommand({
      resourceGatewayIdentifier: created.id, securityGroupIds: ['sg-0a1b2c3d4e5f60002', 'sg-0a1b2c3d4e5f60003'],
    }));
    assert.deepEqual(updated.securityGroupIds, ['sg-0a1b2c3d4e5f60002', 'sg-0a1b2c3d4e5f60003']);
    assert.equal(updated.status, 'UPDATE_IN_PROGRESS');
    await eventually(async () => (await t.lattice.send(new GetResourceGatewayCommand({ resourceGatewayIdentifier: created.id }))).status === 'ACTIVE');

    const del = await t.lattice.send(new DeleteResourceGatewayCommand({ resourceGatewayIdentifier: created.id }));
    assert.equal(del.$metadata.httpStatusCode, 200);
    assert.equal(del.status, 'DELETE_IN_PROGRESS');
    assert.equal(del.id, created.id);
    assert.equal(del.name, 'gw-happy');
    const gone = await rejects(t.lattice.send(new GetResourceGatewayCommand({ resourceGatewayIdentifier: created.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
  });

  it('keeps IPv6 and dual-stack choices; an IPv6 gateway has no IPv4 addresses per ENI', async () => {
    const v6 = await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-six', vpcIdentifier: VPC, subnetIds: SUBNETS, ipAddressType: 'IPV6' }));
    assert.equal(v6.ipAddressType, 'IPV6');
    assert.equal(v6.ipv4AddressesPerEni, undefined);
    const dual = await t.lattice.send(new CreateResourceGatewayCommand({
      name: 'gw-dual', vpcIdentifier: VPC, subnetIds: SUBNETS, ipAddressType: 'DUALSTACK', ipv4AddressesPerEni: 4, resourceConfigDnsResolution: 'IN_VPC',
    }));
    assert.equal(dual.ipAddressType, 'DUALSTACK');
    assert.equal(dual.ipv4AddressesPerEni, 4);
    assert.equal(dual.resourceConfigDnsResolution, 'IN_VPC');
    const bad = await t.wire('POST', '/resourcegateways', { name: 'gw-bad-six', vpcIdentifier: VPC, subnetIds: SUBNETS, ipAddressType: 'IPV6', ipv4AddressesPerEni: 2 });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(bad.json.fieldList.map((f: { name: string }) => f.name), ['ipv4AddressesPerEni']);
  });

  it('answers 404 at the wire for an unknown gateway, by id and by ARN', async () => {
    const res = await t.wire('GET', '/resourcegateways/rgw-0123456789abcdef0');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(res.json.resourceId, 'rgw-0123456789abcdef0');
    assert.equal(res.json.resourceType, 'RESOURCE_GATEWAY');
    const arn = encodeURIComponent('arn:aws:vpc-lattice:us-east-1:999999999999:resourcegateway/rgw-0123456789abcdef0');
    const other = await t.wire('DELETE', `/resourcegateways/${arn}`);
    assert.equal(other.status, 404);
    const upd = await t.wire('PATCH', '/resourcegateways/rgw-0123456789abcdef0', { securityGroupIds: [] });
    assert.equal(upd.status, 404);
  });

  it('refuses a duplicate name with 409 "already exists"', async () => {
    await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-dup', vpcIdentifier: VPC, subnetIds: SUBNETS }));
    const res = await t.wire('POST', '/resourcegateways', { name: 'gw-dup', vpcIdentifier: 'vpc-0ffffffffffffffff', subnetIds: SUBNETS });
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(res.json.message, /already exists/);
    assert.equal(res.json.resourceType, 'RESOURCE_GATEWAY');
  });

  it('needs a VPC and subnets, and validates the model\'s patterns', async () => {
    const noVpc = await t.wire('POST', '/resourcegateways', { name: 'gw-novpc', subnetIds: SUBNETS });
    assert.equal(noVpc.status, 400);
    assert.deepEqual(noVpc.json.fieldList.map((f: { name: string }) => f.name), ['vpcIdentifier']);
    const noSubnets = await t.wire('POST', '/resourcegateways', { name: 'gw-nosub', vpcIdentifier: VPC });
    assert.equal(noSubnets.status, 400);
    assert.deepEqual(noSubnets.json.fieldList.map((f: { name: string }) => f.name), ['subnetIds']);
    const badSubnet = await t.wire('POST', '/resourcegateways', { name: 'gw-badsub', vpcIdentifier: VPC, subnetIds: ['net-12345'] });
    assert.equal(badSubnet.status, 400);
    assert.deepEqual(badSubnet.json.fieldList.map((f: { name: string }) => f.name), ['subnetIds[0]']);
    const model = await t.wire('POST', '/resourcegateways', { name: 'rgw-x', vpcIdentifier: 'vpc-x', subnetIds: SUBNETS, ipAddressType: 'IPV5' });
    assert.equal(model.status, 400);
    assert.equal(model.json.reason, 'fieldValidationFailed');
    assert.deepEqual(model.json.fieldList.map((f: { name: string }) => f.name).sort(), ['ipAddressType', 'name', 'vpcIdentifier']);
  });

  it('refuses security groups of another VPC', async () => {
    await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-sg-a', vpcIdentifier: 'vpc-0aaaaaaaaaaaaaaaa', subnetIds: SUBNETS, securityGroupIds: ['sg-0aaaaaaaaaaaaaaaa'] }));
    const res = await t.wire('POST', '/resourcegateways', { name: 'gw-sg-b', vpcIdentifier: 'vpc-0bbbbbbbbbbbbbbbb', subnetIds: SUBNETS, securityGroupIds: ['sg-0aaaaaaaaaaaaaaaa'] });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.match(res.json.message, /same VPC/);
    assert.deepEqual(res.json.fieldList.map((f: { name: string }) => f.name), ['securityGroupIds[0]']);
  });

  it('answers the same gateway for a repeated clientToken, and 409 when the input differs', async () => {
    const a = await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-idem', vpcIdentifier: VPC, subnetIds: SUBNETS, clientToken: 'rgw-tok' }));
    const b = await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-idem', vpcIdentifier: VPC, subnetIds: SUBNETS, clientToken: 'rgw-tok' }));
    assert.equal(a.id, b.id);
    const c = await t.wire('POST', '/resourcegateways', { name: 'gw-idem-2', vpcIdentifier: VPC, subnetIds: SUBNETS, clientToken: 'rgw-tok' });
    assert.equal(c.status, 409);
  });

  it('lists gateways in pages with their summaries', async () => {
    for (let i = 0; i < 3; i++) await t.lattice.send(new CreateResourceGatewayCommand({ name: `gw-page-${i}`, vpcIdentifier: VPC, subnetIds: SUBNETS }));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await t.lattice.send(new ListResourceGatewaysCommand({ maxResults: 2, nextToken: token }));
      assert.ok(page.items!.length <= 2);
      for (const g of page.items!) {
        seen.push(g.name!);
        assert.equal(typeof g.vpcIdentifier, 'string');
        assert.ok(g.createdAt instanceof Date);
      }
      token = page.nextToken;
    } while (token);
    for (let i = 0; i < 3; i++) assert.ok(seen.includes(`gw-page-${i}`));
    assert.equal(new Set(seen).size, seen.length);
  });

  it('refuses to delete a gateway that resource configurations use (409), then deletes it', async () => {
    const gw = await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-used', vpcIdentifier: VPC, subnetIds: SUBNETS }));
    const rc = await t.lattice.send(new CreateResourceConfigurationCommand({
      name: 'rc-on-used', type: 'SINGLE', resourceGatewayIdentifier: gw.id, portRanges: ['443'],
      resourceConfigurationDefinition: { dnsResource: { domainName: 'db.example.com', ipAddressType: 'IPV4' } },
    }));
    const res = await t.wire('DELETE', `/resourcegateways/${gw.id}`);
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(res.json.resourceId, gw.id);
    assert.equal(res.json.resourceType, 'RESOURCE_GATEWAY');
    await t.lattice.send(new DeleteResourceConfigurationCommand({ resourceConfigurationIdentifier: rc.id }));
    const ok = await t.wire('DELETE', `/resourcegateways/${gw.id}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.status, 'DELETE_IN_PROGRESS');
  });

  it('enforces resource gateways per VPC with 402', async () => {
    const q = await bootTrellis({ quotas: { resourceGatewaysPerVpc: 1 } });
    try {
      await q.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-one', vpcIdentifier: VPC, subnetIds: SUBNETS }));
      const res = await q.wire('POST', '/resourcegateways', { name: 'gw-two', vpcIdentifier: VPC, subnetIds: SUBNETS });
      assert.equal(res.status, 402);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
      assert.equal(res.json.resourceType, 'RESOURCE_GATEWAY');
      assert.equal(res.json.serviceCode, 'vpc-lattice');
      assert.equal(typeof res.json.quotaCode, 'string');
      // Another VPC has its own allowance.
      await q.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-three', vpcIdentifier: 'vpc-0cccccccccccccccc', subnetIds: SUBNETS }));
    } finally {
      await q.close();
    }
  });
});
