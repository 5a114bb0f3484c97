import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateResourceConfigurationCommand, CreateResourceGatewayCommand, DeleteResourceConfigurationCommand, GetResourceConfigurationCommand,
  ListResourceConfigurationsCommand, ListTagsForResourceCommand, UpdateResourceConfigurationCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, rejects, type TestTrellis, type WireResponse } from '../support/trellis.js';
import { putVpc } from '../../src/control/vpcs.js';

const SUBNETS = ['subnet-0a1b2c3d4e5f60001'];
const DNS = { dnsResource: { domainName: 'db.example.com', ipAddressType: 'IPV4' } } as const;

function fields(res: WireResponse): string[] {
  return (res.json?.fieldList ?? []).map((f: { name: string }) => f.name);
}

describe('resource configurations', () => {
  let t: TestTrellis;
  /** PUBLIC, IPV4, in a VPC Trellis knows the CIDR of. */
  let gw: string;
  /** IN_VPC, for CIDR configurations. */
  let inVpcGw: string;
  let n = 0;
  const name = (p: string) => `${p}-${n++}`;

  before(async () => {
    t = await bootTrellis();
    await t.store.transact((tx) => putVpc(tx, { account: '111122223333', region: 'us-east-1' }, 'vpc-0a1b2c3d4e5f60718', '10.1.0.0/16', new Date().toISOString()));
    gw = (await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-public', vpcIdentifier: 'vpc-0a1b2c3d4e5f60718', subnetIds: SUBNETS }))).id!;
    inVpcGw = (await t.lattice.send(new CreateResourceGatewayCommand({
      name: 'gw-in-vpc', vpcIdentifier: 'vpc-0a1b2c3d4e5f60719', subnetIds: SUBNETS, resourceConfigDnsResolution: 'IN_VPC',
    }))).id!;
  });
  after(async () => { await t.close(); });

  it('creates a SINGLE configuration with defaults, settles, reads, lists, updates and deletes it', async () => {
    const c = await t.lattice.send(new CreateResourceConfigurationCommand({
      name: 'rc-single', type: 'SINGLE', resourceGatewayIdentifier: gw, portRanges: ['443', '8000-8080'],
      resourceConfigurationDefinition: DNS, tags: { env: 'test' },
    }));
    assert.equal(c.$metadata.httpStatusCode, 201);
    assert.match(c.id!, /^rcfg-0[0-9a-f]{16}$/);
    assert.equal(c.arn, `arn:aws:vpc-lattice:us-east-1:111122223333:resourceconfiguration/${c.id}`);
    assert.equal(c.status, 'CREATE_IN_PROGRESS');
    assert.equal(c.protocol, 'TCP');
    assert.equal(c.allowAssociationToShareableServiceNetwork, false);
    assert.equal(c.resourceGatewayId, gw);
    assert.deepEqual(c.portRanges, ['443', '8000-8080']);
    assert.deepEqual(c.resourceConfigurationDefinition, DNS);

    const got = await eventually(async () => {
      const g = await t.lattice.send(new GetResourceConfigurationCommand({ resourceConfigurationIdentifier: c.arn }));
      return g.status === 'ACTIVE' && g;
    });
    assert.equal(got.amazonManaged, false);
    assert.equal(got.type, 'SINGLE');
    assert.ok(got.lastUpdatedAt instanceof Date);
    assert.deepEqual((await t.lattice.send(new ListTagsForResourceCommand({ resourceArn: c.arn }))).tags, { env: 'test' });

    const list = await t.lattice.send(new ListResourceConfigurationsCommand({}));
    assert.ok(list.items!.some((i) => i.id === c.id && i.type === 'SINGLE' && i.resourceGatewayId === gw));

    const u = await t.lattice.send(new UpdateResourceConfigurationCommand({
      resourceConfigurationIdentifier: c.id, portRanges: ['5432'], allowAssociationToShareableServiceNetwork: true,
      resourceConfigurationDefinition: { ipResource: { ipAddress: '10.1.2.3' } },
    }));
    assert.equal(u.status, 'UPDATE_IN_PROGRESS');
    assert.deepEqual(u.portRanges, ['5432']);
    assert.equal(u.allowAssociationToShareableServiceNetwork, true);
    assert.deepEqual(u.resourceConfigurationDefinition, { ipResource: { ipAddress: '10.1.2.3' } });
    await eventually(async () => (await t.lattice.send(new GetResourceConfigurationCommand({ resourceConfigurationIdentifier: c.id }))).status === 'ACTIVE');

    const del = await t.lattice.send(new DeleteResourceConfigurationCommand({ resourceConfigurationIdentifier: c.id }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const gone = await rejects(t.lattice.send(new GetResourceConfigurationCommand({ resourceConfigurationIdentifier: c.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
  });

  it('builds a GROUP whose CHILD inherits gateway, protocol and ports; a GROUP with children cannot be deleted', async () => {
    const group = await t.lattice.send(new CreateResourceConfigurationCommand({
      name: 'rc-group', type: 'GROUP', resourceGatewayIdentifier: gw, portRanges: ['1-65535'], groupDomain: 'example.com',
    }));
    assert.equal(group.groupDomain, 'example.com');
    assert.equal(group.resourceConfigurationDefinition, undefined);
    const child = await t.lattice.send(new CreateResourceConfigurationCommand({
      name: 'rc-child', type: 'CHILD', resourceConfigurationGroupIdentifier: group.arn,
      resourceConfigurationDefinition: DNS, customDomainName: 'db.example.com',
    }));
    assert.equal(child.resourceGatewayId, gw);
    assert.equal(child.resourceConfigurationGroupId, group.id);
    assert.equal(child.protocol, 'TCP');
    assert.deepEqual(child.portRanges, ['1-65535']);
    assert.equal(child.customDomainName, 'db.example.com');

    const byGroup = await t.lattice.send(new ListResourceConfigurationsCommand({ resourceConfigurationGroupIdentifier: group.id }));
    assert.deepEqual(byGroup.items!.map((i) => i.id), [child.id]);
    const byGateway = await t.lattice.send(new ListResourceConfigurationsCommand({ resourceGatewayIdentifier: gw }));
    assert.ok(byGateway.items!.some((i) => i.id === group.id) && byGateway.items!.some((i) => i.id === child.id));
    const none = await t.lattice.send(new ListResourceConfigurationsCommand({ resourceGatewayIdentifier: 'rgw-0123456789abcdef0' }));
    assert.deepEqual(none.items, []);

    const outside = await t.wire('POST', '/resourceconfigurations', {
      name: name('rc-child'), type: 'CHILD', resourceConfigurationGroupIdentifier: group.id, resourceConfigurationDefinition: DNS, customDomainName: 'db.other.org',
    });
    assert.equal(outside.status, 400);
    assert.deepEqual(fields(outside), ['customDomainName']);

    const busy = await t.wire('DELETE', `/resourceconfigurations/${group.id}`);
    assert.equal(busy.status, 409);
    assert.equal(busy.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(busy.json.resourceType, 'RESOURCE_CONFIGURATION');
    assert.equal(busy.json.resourceId, group.id);
    assert.equal((await t.wire('DELETE', `/resourceconfigurations/${child.id}`)).status, 204);
    assert.equal((await t.wire('DELETE', `/resourceconfigurations/${group.id}`)).status, 204);
  });

  it('creates ARN and CIDR configurations on gateways that resolve DNS the way each needs', async () => {
    const arn = await t.lattice.send(new CreateResourceConfigurationCommand({
      name: 'rc-arn', type: 'ARN', resourceGatewayIdentifier: gw,
      resourceConfigurationDefinition: { arnResource: { arn: 'arn:aws:rds:us-east-1:111122223333:cluster:my-db' } },
    }));
    assert.equal(arn.type, 'ARN');
    assert.equal(arn.portRanges, undefined);
    const cidr = await t.lattice.send(new CreateResourceConfigurationCommand({
      name: 'rc-cidr', type: 'CIDR', resourceGatewayIdentifier: inVpcGw, protocol: 'TCP_UDP', portRanges: ['53', '443'],
      resourceConfigurationDefinition: { cidrResource: { cidrRanges: ['10.0.0.0/16', 'fd00:1::/64'] } },
    }));
    assert.equal(cidr.protocol, 'TCP_UDP');
    const all = await t.lattice.send(new CreateResourceConfigurationCommand({
      name: 'rc-cidr-all', type: 'CIDR', resourceGatewayIdentifier: inVpcGw, portRanges: ['1-65535'],
      resourceConfigurationDefinition: { cidrResource: { cidrRanges: ['0.0.0.0/0'] } },
    }));
    assert.equal(all.protocol, 'TCP');
  });

  it('applies the documented cross-field rules, naming the field at the wire', async () => {
    const group = (await t.lattice.send(new CreateResourceConfigurationCommand({ name: 'rc-rules-group', type: 'GROUP', resourceGatewayIdentifier: gw, portRanges: ['443'] }))).id!;
    const single = (await t.lattice.send(new CreateResourceConfigurationCommand({
      name: 'rc-rules-single', type: 'SINGLE', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: DNS,
    }))).id!;
    const base = { type: 'SINGLE', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: DNS };
    const cases: [string, Record<string, unknown>, string][] = [
      ['SINGLE needs a gateway', { ...base, resourceGatewayIdentifier: undefined }, 'resourceGatewayIdentifier'],
      ['SINGLE needs a definition', { ...base, resourceConfigurationDefinition: undefined }, 'resourceConfigurationDefinition'],
      ['SINGLE needs port ranges', { ...base, portRanges: undefined }, 'portRanges'],
      ['SINGLE takes no group', { ...base, resourceConfigurationGroupIdentifier: group }, 'resourceConfigurationGroupIdentifier'],
      ['SINGLE takes no CIDR', { ...base, resourceConfigurationDefinition: { cidrResource: { cidrRanges: ['10.0.0.0/8'] } } }, 'resourceConfigurationDefinition.cidrResource'],
      ['SINGLE takes no ARN', { ...base, resourceConfigurationDefinition: { arnResource: { arn: 'arn:aws:rds:us-east-1:111122223333:db:x' } } }, 'resourceConfigurationDefinition.arnResource'],
      ['TCP_UDP is for CIDR only', { ...base, protocol: 'TCP_UDP' }, 'protocol'],
      ['groupDomain is for GROUP only', { ...base, groupDomain: 'example.com' }, 'groupDomain'],
      ['port 0', { ...base, portRanges: ['0'] }, 'portRanges[0]'],
      ['port above 65535', { ...base, portRanges: ['443', '70000'] }, 'portRanges[1]'],
      ['reversed range', { ...base, portRanges: ['9-3'] }, 'portRanges[0]'],
      ['repeated range', { ...base, portRanges: ['80', '80'] }, 'portRanges[1]'],
      ['dualstack DNS resource', { ...base, resourceConfigurationDefinition: { dnsResource: { domainName: 'db.example.com', ipAddressType: 'DUALSTACK' } } }, 'resourceConfigurationDefinition.dnsResource.ipAddressType'],
      ['DNS resource without a name', { ...base, resourceConfigurationDefinition: { dnsResource: { ipAddressType: 'IPV4' } } }, 'resourceConfigurationDefinition.dnsResource.domainName'],
      ['IPv6 resource behind an IPv4 gateway', { ...base, resourceConfigurationDefinition: { ipResource: { ipAddress: 'fd00::5' } } }, 'resourceConfigurationDefinition'],
      ['IP outside the VPC', { ...base, resourceConfigurationDefinition: { ipResource: { ipAddress: '10.2.0.1' } } }, 'resourceConfigurationDefinition.ipResource.ipAddress'],
      ['not an IP', { ...base, resourceConfigurationDefinition: { ipResource: { ipAddress: '10.1.0.300' } } }, 'resourceConfigurationDefinition.ipResource.ipAddress'],
      ['GROUP takes no definition', { ...base, type: 'GROUP' }, 'resourceConfigurationDefinition'],
      ['GROUP takes no custom domain', { ...base, type: 'GROUP', resourceConfigurationDefinition: undefined, customDomainName: 'a.example.com' }, 'customDomainName'],
      ['CHILD needs a group', { type: 'CHILD', resourceConfigurationDefinition: DNS }, 'resourceConfigurationGroupIdentifier'],
      ['CHILD inherits the gateway', { type: 'CHILD', resourceConfigurationGroupIdentifier: group, resourceGatewayIdentifier: gw, resourceConfigurationDefinition: DNS }, 'resourceGatewayIdentifier'],
      ['CHILD inherits the protocol', { type: 'CHILD', resourceConfigurationGroupIdentifier: group, protocol: 'TCP', resourceConfigurationDefinition: DNS }, 'protocol'],
      ['CHILD of a SINGLE', { type: 'CHILD', resourceConfigurationGroupIdentifier: single, resourceConfigurationDefinition: DNS }, 'resourceConfigurationGroupIdentifier'],
      ['CHILD cannot choose shareability', { type: 'CHILD', resourceConfigurationGroupIdentifier: group, resourceConfigurationDefinition: DNS, allowAssociationToShareableServiceNetwork: true }, 'allowAssociationToShareableServiceNetwork'],
      ['ARN takes no ports', { type: 'ARN', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: { arnResource: { arn: 'arn:aws:rds:us-east-1:111122223333:db:x' } } }, 'portRanges'],
      ['ARN cannot use an IN_VPC gateway', { type: 'ARN', resourceGatewayIdentifier: inVpcGw, resourceConfigurationDefinition: { arnResource: { arn: 'arn:aws:rds:us-east-1:111122223333:db:x' } } }, 'resourceGatewayIdentifier'],
      ['CIDR needs an IN_VPC gateway', { type: 'CIDR', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: { cidrResource: { cidrRanges: ['10.0.0.0/16'] } } }, 'resourceGatewayIdentifier'],
      ['CIDR in a reserved range', { type: 'CIDR', resourceGatewayIdentifier: inVpcGw, portRanges: ['443'], resourceConfigurationDefinition: { cidrResource: { cidrRanges: ['10.0.0.0/8', '169.254.0.0/24'] } } }, 'resourceConfigurationDefinition.cidrResource.cidrRanges[1]'],
      ['CIDR with host bits', { type: 'CIDR', resourceGatewayIdentifier: inVpcGw, portRanges: ['443'], resourceConfigurationDefinition: { cidrResource: { cidrRanges: ['10.0.0.1/16'] } } }, 'resourceConfigurationDefinition.cidrResource.cidrRanges[0]'],
      ['0.0.0.0/0 beside another range', { type: 'CIDR', resourceGatewayIdentifier: inVpcGw, portRanges: ['443'], resourceConfigurationDefinition: { cidrResource: { cidrRanges: ['0.0.0.0/0', '10.0.0.0/8'] } } }, 'resourceConfigurationDefinition.cidrResource.cidrRanges[0]'],
      ['verification without a domain', { ...base, domainVerificationIdentifier: 'dv-0123456789abcdef0' }, 'domainVerificationIdentifier'],
    ];
    for (const [what, body, field] of cases) {
      const res = await t.wire('POST', '/resourceconfigurations', { name: name('rc-bad'), ...body });
      assert.equal(res.status, 400, `${what}: ${res.text}`);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException', what);
      assert.equal(res.json.reason, 'fieldValidationFailed', what);
      assert.deepEqual(fields(res), [field], `${what}: ${res.text}`);
    }
    // Inside the VPC's CIDR the same shape is fine.
    const inside = await t.wire('POST', '/resourceconfigurations', { name: name('rc-ip'), ...base, resourceConfigurationDefinition: { ipResource: { ipAddress: '10.1.200.7' } } });
    assert.equal(inside.status, 201, inside.text);
  });

  it('answers 404 for a missing gateway, group, verification or configuration', async () => {
    const noGw = await t.wire('POST', '/resourceconfigurations', { name: name('rc-404'), type: 'SINGLE', resourceGatewayIdentifier: 'rgw-0123456789abcdef0', portRanges: ['443'], resourceConfigurationDefinition: DNS });
    assert.equal(noGw.status, 404);
    assert.equal(noGw.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(noGw.json.resourceType, 'RESOURCE_GATEWAY');
    assert.equal(noGw.json.resourceId, 'rgw-0123456789abcdef0');
    const noGroup = await t.wire('POST', '/resourceconfigurations', { name: name('rc-404'), type: 'CHILD', resourceConfigurationGroupIdentifier: 'rcfg-0123456789abcdef0', resourceConfigurationDefinition: DNS });
    assert.equal(noGroup.status, 404);
    assert.equal(noGroup.json.resourceType, 'RESOURCE_CONFIGURATION');
    const noDv = await t.wire('POST', '/resourceconfigurations', {
      name: name('rc-404'), type: 'SINGLE', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: DNS,
      customDomainName: 'db.example.com', domainVerificationIdentifier: 'dv-0123456789abcdef0',
    });
    assert.equal(noDv.status, 404);
    assert.equal(noDv.json.resourceType, 'DOMAIN_VERIFICATION');
    for (const [method, body] of [['GET', undefined], ['PATCH', { portRanges: ['1'] }], ['DELETE', undefined]] as const) {
      const res = await t.wire(method, '/resourceconfigurations/rcfg-0123456789abcdef0', body);
      assert.equal(res.status, 404, method);
      assert.equal(res.json.resourceType, 'RESOURCE_CONFIGURATION', method);
    }
  });

  it('checks the model before the rules: type enum and name pattern', async () => {
    const res = await t.wire('POST', '/resourceconfigurations', { name: 'rcfg-taken-prefix', type: 'DOUBLE' });
    assert.equal(res.status, 400);
    assert.deepEqual(fields(res).sort(), ['name', 'type']);
  });

  it('refuses a duplicate name with 409 and replays a clientToken', async () => {
    const body = { name: 'rc-dup', type: 'SINGLE', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: DNS, clientToken: 'rc-tok' };
    const a = await t.wire('POST', '/resourceconfigurations', body);
    assert.equal(a.status, 201);
    const again = await t.wire('POST', '/resourceconfigurations', body);
    assert.equal(again.status, 201);
    assert.equal(again.json.id, a.json.id);
    const dup = await t.wire('POST', '/resourceconfigurations', { ...body, clientToken: undefined });
    assert.equal(dup.status, 409);
    assert.equal(dup.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(dup.json.message, /already exists/);
  });

  it('updates only what each type allows', async () => {
    const arn = (await t.lattice.send(new CreateResourceConfigurationCommand({
      name: 'rc-upd-arn', type: 'ARN', resourceGatewayIdentifier: gw,
      resourceConfigurationDefinition: { arnResource: { arn: 'arn:aws:rds:us-east-1:111122223333:db:x' } },
    }))).id!;
    const group = (await t.lattice.send(new CreateResourceConfigurationCommand({ name: 'rc-upd-group', type: 'GROUP', resourceGatewayIdentifier: gw, portRanges: ['443'] }))).id!;
    const child = (await t.lattice.send(new CreateResourceConfigurationCommand({ name: 'rc-upd-child', type: 'CHILD', resourceConfigurationGroupIdentifier: group, resourceConfigurationDefinition: DNS }))).id!;
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['ARN ports', arn, { portRanges: ['443'] }, 'portRanges'],
      ['ARN to DNS', arn, { resourceConfigurationDefinition: DNS }, 'resourceConfigurationDefinition.dnsResource'],
      ['GROUP definition', group, { resourceConfigurationDefinition: DNS }, 'resourceConfigurationDefinition'],
      ['CHILD shareability', child, { allowAssociationToShareableServiceNetwork: true }, 'allowAssociationToShareableServiceNetwork'],
      ['bad port', group, { portRanges: ['65536'] }, 'portRanges[0]'],
    ];
    for (const [what, id, body, field] of cases) {
      const res = await t.wire('PATCH', `/resourceconfigurations/${id}`, body);
      assert.equal(res.status, 400, `${what}: ${res.text}`);
      assert.deepEqual(fields(res), [field], `${what}: ${res.text}`);
    }
    // A GROUP's shareability is its children's.
    await t.lattice.send(new UpdateResourceConfigurationCommand({ resourceConfigurationIdentifier: group, allowAssociationToShareableServiceNetwork: true }));
    const c = await t.lattice.send(new GetResourceConfigurationCommand({ resourceConfigurationIdentifier: child }));
    assert.equal(c.allowAssociationToShareableServiceNetwork, true);
  });

  it('enforces resource configurations per region and children per group with 402', async () => {
    const q = await bootTrellis({ quotas: { resourceConfigurationsPerRegion: 3, childResourceConfigurationsPerGroup: 1 } });
    try {
      const g = (await q.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-q', vpcIdentifier: 'vpc-0a1b2c3d4e5f60718', subnetIds: SUBNETS }))).id!;
      const group = (await q.lattice.send(new CreateResourceConfigurationCommand({ name: 'rc-q-group', type: 'GROUP', resourceGatewayIdentifier: g, portRanges: ['443'] }))).id!;
      await q.lattice.send(new CreateResourceConfigurationCommand({ name: 'rc-q-child-1', type: 'CHILD', resourceConfigurationGroupIdentifier: group, resourceConfigurationDefinition: DNS }));
      const child = await q.wire('POST', '/resourceconfigurations', { name: 'rc-q-child-2', type: 'CHILD', resourceConfigurationGroupIdentifier: group, resourceConfigurationDefinition: DNS });
      assert.equal(child.status, 402);
      assert.equal(child.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
      assert.equal(child.json.resourceId, group);
      assert.equal(child.json.quotaCode, 'L-9BC96FEF');
      await q.lattice.send(new CreateResourceConfigurationCommand({ name: 'rc-q-3', type: 'SINGLE', resourceGatewayIdentifier: g, portRanges: ['1'], resourceConfigurationDefinition: DNS }));
      const region = await q.wire('POST', '/resourceconfigurations', { name: 'rc-q-4', type: 'SINGLE', resourceGatewayIdentifier: g, portRanges: ['1'], resourceConfigurationDefinition: DNS });
      assert.equal(region.status, 402);
      assert.equal(region.json.resourceType, 'RESOURCE_CONFIGURATION');
      assert.equal(region.json.serviceCode, 'vpc-lattice');
    } finally {
      await q.close();
    }
  });
});
