import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateResourceConfigurationCommand, CreateResourceGatewayCommand, CreateServiceNetworkCommand,
  CreateServiceNetworkResourceAssociationCommand, DeleteResourceEndpointAssociationCommand, DeleteServiceNetworkCommand,
  DeleteServiceNetworkResourceAssociationCommand, GetServiceNetworkResourceAssociationCommand,
  ListResourceEndpointAssociationsCommand, ListServiceNetworkResourceAssociationsCommand, ListServiceNetworksCommand,
  UpdateResourceConfigurationCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, rejects, type TestTrellis } from '../support/trellis.js';

const SUBNETS = ['subnet-0a1b2c3d4e5f60001'];
const DNS = { dnsResource: { domainName: 'db.example.com', ipAddressType: 'IPV4' } } as const;
const PLACE = { account: '111122223333', region: 'us-east-1' };

describe('service-network resource associations', () => {
  let t: TestTrellis;
  let gw: string;
  let n = 0;
  const name = (p: string) => `${p}-${n++}`;

  async function single(extra: Record<string, unknown> = {}) {
    return t.lattice.send(new CreateResourceConfigurationCommand({
      name: name('rc'), type: 'SINGLE', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: DNS, ...extra,
    }));
  }
  async function network(sharing = false) {
    return t.lattice.send(new CreateServiceNetworkCommand({ name: name('net'), sharingConfig: { enabled: sharing } }));
  }

  before(async () => {
    t = await bootTrellis();
    gw = (await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-snra', vpcIdentifier: 'vpc-0a1b2c3d4e5f60718', subnetIds: SUBNETS }))).id!;
  });
  after(async () => { await t.close(); });

  it('associates, counts on the service network, blocks deletes, lists, and disassociates', async () => {
    const sn = await network();
    const rc = await single({ customDomainName: 'db.example.com' });
    const a = await t.lattice.send(new CreateServiceNetworkResourceAssociationCommand({
      serviceNetworkIdentifier: sn.id, resourceConfigurationIdentifier: rc.arn, privateDnsEnabled: true, tags: { k: 'v' },
    }));
    assert.equal(a.$metadata.httpStatusCode, 201);
    assert.match(a.id!, /^snra-[0-9a-f]{17}$/);
    assert.equal(a.arn, `arn:aws:vpc-lattice:us-east-1:111122223333:servicenetworkresourceassociation/${a.id}`);
    assert.equal(a.status, 'CREATE_IN_PROGRESS');
    assert.equal(a.createdBy, '111122223333');
    assert.equal(a.privateDnsEnabled, true);

    const got = await eventually(async () => {
      const g = await t.lattice.send(new GetServiceNetworkResourceAssociationCommand({ serviceNetworkResourceAssociationIdentifier: a.arn }));
      return g.status === 'ACTIVE' && g;
    });
    assert.equal(got.serviceNetworkId, sn.id);
    assert.equal(got.serviceNetworkName, sn.name);
    assert.equal(got.resourceConfigurationId, rc.id);
    assert.equal(got.resourceConfigurationName, rc.name);
    assert.equal(got.isManagedAssociation, false);
    assert.match(got.dnsEntry!.domainName!, new RegExp(`^${a.id}\\.${rc.id}\\..+\\.vpc-lattice-rsc\\.us-east-1\\.on\\.aws$`));
    assert.deepEqual(got.privateDnsEntry, { domainName: 'db.example.com' });

    // The model carries the count on ServiceNetworkSummary (ListServiceNetworks), not on Get.
    const associatedCount = async () => (await t.lattice.send(new ListServiceNetworksCommand({}))).items!.find((i) => i.id === sn.id)!.numberOfAssociatedResourceConfigurations;
    assert.equal(await associatedCount(), 1);

    const byNet = await t.lattice.send(new ListServiceNetworkResourceAssociationsCommand({ serviceNetworkIdentifier: sn.arn }));
    assert.deepEqual(byNet.items!.map((i) => i.id), [a.id]);
    const byRc = await t.lattice.send(new ListServiceNetworkResourceAssociationsCommand({ resourceConfigurationIdentifier: rc.id }));
    assert.deepEqual(byRc.items!.map((i) => i.id), [a.id]);

    const dup = await t.wire('POST', '/servicenetworkresourceassociations', { serviceNetworkIdentifier: sn.id, resourceConfigurationIdentifier: rc.id });
    assert.equal(dup.status, 409);
    assert.equal(dup.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(dup.json.resourceId, a.id);

    const snDel = await t.wire('DELETE', `/servicenetworks/${sn.id}`);
    assert.equal(snDel.status, 409);
    assert.equal(snDel.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(snDel.json.message, `ServiceNetwork ${sn.id} has resource(s) associated.`);
    const rcDel = await t.wire('DELETE', `/resourceconfigurations/${rc.id}`);
    assert.equal(rcDel.status, 409);
    assert.equal(rcDel.json.resourceType, 'RESOURCE_CONFIGURATION');

    const del = await t.lattice.send(new DeleteServiceNetworkResourceAssociationCommand({ serviceNetworkResourceAssociationIdentifier: a.id }));
    assert.equal(del.$metadata.httpStatusCode, 200);
    assert.equal(del.status, 'DELETE_IN_PROGRESS');
    assert.equal(del.id, a.id);
    const gone = await rejects(t.lattice.send(new GetServiceNetworkResourceAssociationCommand({ serviceNetworkResourceAssociationIdentifier: a.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    assert.equal(await associatedCount(), 0);
    await t.lattice.send(new DeleteServiceNetworkCommand({ serviceNetworkIdentifier: sn.id }));
  });

  it('answers 404 for a missing network, configuration or association', async () => {
    const sn = await network();
    const rc = await single();
    const noRc = await t.wire('POST', '/servicenetworkresourceassociations', { serviceNetworkIdentifier: sn.id, resourceConfigurationIdentifier: 'rcfg-0123456789abcdef0' });
    assert.equal(noRc.status, 404);
    assert.equal(noRc.json.resourceType, 'RESOURCE_CONFIGURATION');
    const noSn = await t.wire('POST', '/servicenetworkresourceassociations', { serviceNetworkIdentifier: 'sn-0123456789abcdef0', resourceConfigurationIdentifier: rc.id });
    assert.equal(noSn.status, 404);
    assert.equal(noSn.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(noSn.json.resourceType, 'SERVICE_NETWORK');
    assert.equal(noSn.json.resourceId, 'sn-0123456789abcdef0');
    for (const method of ['GET', 'DELETE']) {
      const res = await t.wire(method, '/servicenetworkresourceassociations/snra-0123456789abcdef0');
      assert.equal(res.status, 404, method);
      assert.equal(res.json.resourceType, 'SERVICE_NETWORK_RESOURCE_ASSOCIATION', method);
    }
  });

  it('lists only with a filter, and an unknown filter lists nothing', async () => {
    const res = await t.wire('GET', '/servicenetworkresourceassociations');
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(res.json.fieldList.map((f: { name: string }) => f.name), ['serviceNetworkIdentifier', 'resourceConfigurationIdentifier']);
    const empty = await t.wire('GET', '/servicenetworkresourceassociations?serviceNetworkIdentifier=sn-0123456789abcdef0');
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.json.items, []);
  });

  it('refuses CHILD and CIDR configurations, and a non-shareable one on a shareable network', async () => {
    const sn = await network();
    const group = await t.lattice.send(new CreateResourceConfigurationCommand({ name: name('rc-g'), type: 'GROUP', resourceGatewayIdentifier: gw, portRanges: ['443'] }));
    const child = await t.lattice.send(new CreateResourceConfigurationCommand({ name: name('rc-c'), type: 'CHILD', resourceConfigurationGroupIdentifier: group.id, resourceConfigurationDefinition: DNS }));
    const c = await t.wire('POST', '/servicenetworkresourceassociations', { serviceNetworkIdentifier: sn.id, resourceConfigurationIdentifier: child.id });
    assert.equal(c.status, 400);
    assert.deepEqual(c.json.fieldList.map((f: { name: string }) => f.name), ['resourceConfigurationIdentifier']);

    const inVpc = await t.lattice.send(new CreateResourceGatewayCommand({ name: name('gw-in'), vpcIdentifier: 'vpc-0a1b2c3d4e5f60719', subnetIds: SUBNETS, resourceConfigDnsResolution: 'IN_VPC' }));
    const cidr = await t.lattice.send(new CreateResourceConfigurationCommand({
      name: name('rc-cidr'), type: 'CIDR', resourceGatewayIdentifier: inVpc.id, portRanges: ['443'], resourceConfigurationDefinition: { cidrResource: { cidrRanges: ['10.0.0.0/16'] } },
    }));
    const r = await t.wire('POST', '/servicenetworkresourceassociations', { serviceNetworkIdentifier: sn.id, resourceConfigurationIdentifier: cidr.id });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /CIDR/);

    const shared = await network(true);
    const rc = await single();
    const s = await t.wire('POST', '/servicenetworkresourceassociations', { serviceNetworkIdentifier: shared.id, resourceConfigurationIdentifier: rc.id });
    assert.equal(s.status, 400);
    assert.match(s.json.message, /shareable/);
    await t.lattice.send(new UpdateResourceConfigurationCommand({ resourceConfigurationIdentifier: rc.id, allowAssociationToShareableServiceNetwork: true }));
    await t.lattice.send(new CreateServiceNetworkResourceAssociationCommand({ serviceNetworkIdentifier: shared.id, resourceConfigurationIdentifier: rc.id }));
    // Once in a shareable network, it must keep allowing it.
    const back = await t.wire('PATCH', `/resourceconfigurations/${rc.id}`, { allowAssociationToShareableServiceNetwork: false });
    assert.equal(back.status, 400);
    assert.deepEqual(back.json.fieldList.map((f: { name: string }) => f.name), ['allowAssociationToShareableServiceNetwork']);
  });

  it('associates a GROUP with its children, shown with includeChildren and managed through the group', async () => {
    const sn = await network();
    const group = await t.lattice.send(new CreateResourceConfigurationCommand({ name: name('rc-g'), type: 'GROUP', resourceGatewayIdentifier: gw, portRanges: ['443'] }));
    const c1 = await t.lattice.send(new CreateResourceConfigurationCommand({ name: name('rc-c'), type: 'CHILD', resourceConfigurationGroupIdentifier: group.id, resourceConfigurationDefinition: DNS }));
    const a = await t.lattice.send(new CreateServiceNetworkResourceAssociationCommand({ serviceNetworkIdentifier: sn.id, resourceConfigurationIdentifier: group.id }));
    // A child created later joins the group's networks.
    const c2 = await t.lattice.send(new CreateResourceConfigurationCommand({ name: name('rc-c'), type: 'CHILD', resourceConfigurationGroupIdentifier: group.id, resourceConfigurationDefinition: DNS }));

    const plain = await t.lattice.send(new ListServiceNetworkResourceAssociationsCommand({ resourceConfigurationIdentifier: group.id }));
    assert.deepEqual(plain.items!.map((i) => i.id), [a.id]);
    const withChildren = await t.lattice.send(new ListServiceNetworkResourceAssociationsCommand({ resourceConfigurationIdentifier: group.id, includeChildren: true }));
    assert.deepEqual(withChildren.items!.map((i) => i.resourceConfigurationId).sort(), [group.id, c1.id, c2.id].sort());
    const managed = withChildren.items!.filter((i) => i.isManagedAssociation);
    assert.equal(managed.length, 2);
    assert.ok(managed.every((m) => m.serviceNetworkId === sn.id));
    const byNet = await t.wire('GET', `/servicenetworkresourceassociations?serviceNetworkIdentifier=${sn.id}&includeChildren=true`);
    assert.equal(byNet.json.items.length, 3);
    const byNetPlain = await t.wire('GET', `/servicenetworkresourceassociations?serviceNetworkIdentifier=${sn.id}`);
    assert.equal(byNetPlain.json.items.length, 1);

    const alone = await t.wire('DELETE', `/servicenetworkresourceassociations/${managed[0]!.id}`);
    assert.equal(alone.status, 409);
    assert.equal(alone.headers.get('x-amzn-errortype'), 'ConflictException');

    // Deleting a child takes its managed association along; the group's stays.
    assert.equal((await t.wire('DELETE', `/resourceconfigurations/${c1.id}`)).status, 204);
    const after1 = await t.lattice.send(new ListServiceNetworkResourceAssociationsCommand({ resourceConfigurationIdentifier: group.id, includeChildren: true }));
    assert.deepEqual(after1.items!.map((i) => i.resourceConfigurationId).sort(), [group.id, c2.id].sort());

    await t.lattice.send(new DeleteServiceNetworkResourceAssociationCommand({ serviceNetworkResourceAssociationIdentifier: a.id }));
    const after2 = await t.lattice.send(new ListServiceNetworkResourceAssociationsCommand({ serviceNetworkIdentifier: sn.id, includeChildren: true }));
    assert.deepEqual(after2.items, []);
    await t.lattice.send(new DeleteServiceNetworkCommand({ serviceNetworkIdentifier: sn.id }));
  });

  it('replays a clientToken and enforces resource configurations per service network with 402', async () => {
    const sn = await network();
    const rc = await single();
    const body = { serviceNetworkIdentifier: sn.id, resourceConfigurationIdentifier: rc.id, clientToken: 'snra-tok' };
    const a = await t.wire('POST', '/servicenetworkresourceassociations', body);
    const b = await t.wire('POST', '/servicenetworkresourceassociations', body);
    assert.equal(a.status, 201);
    assert.equal(b.json.id, a.json.id);

    const q = await bootTrellis({ quotas: { resourceConfigurationsPerServiceNetwork: 1 } });
    try {
      const g = (await q.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-q', vpcIdentifier: 'vpc-0a1b2c3d4e5f60718', subnetIds: SUBNETS }))).id!;
      const net = (await q.lattice.send(new CreateServiceNetworkCommand({ name: 'net-q' }))).id!;
      const mk = async (nm: string) => (await q.lattice.send(new CreateResourceConfigurationCommand({
        name: nm, type: 'SINGLE', resourceGatewayIdentifier: g, portRanges: ['443'], resourceConfigurationDefinition: DNS,
      }))).id!;
      await q.lattice.send(new CreateServiceNetworkResourceAssociationCommand({ serviceNetworkIdentifier: net, resourceConfigurationIdentifier: await mk('rc-q1') }));
      const res = await q.wire('POST', '/servicenetworkresourceassociations', { serviceNetworkIdentifier: net, resourceConfigurationIdentifier: await mk('rc-q2') });
      assert.equal(res.status, 402);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
      assert.equal(res.json.resourceId, net);
    } finally {
      await q.close();
    }
  });
});

describe('resource endpoint associations', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('lists none for a configuration without VPC endpoints, and needs the configuration', async () => {
    const gw = (await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-rea', vpcIdentifier: 'vpc-0a1b2c3d4e5f60718', subnetIds: SUBNETS }))).id!;
    const rc = await t.lattice.send(new CreateResourceConfigurationCommand({ name: 'rc-rea', type: 'SINGLE', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: DNS }));
    const list = await t.lattice.send(new ListResourceEndpointAssociationsCommand({ resourceConfigurationIdentifier: rc.id }));
    assert.deepEqual(list.items, []);
    const missing = await t.wire('GET', '/resourceendpointassociations');
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json.fieldList.map((f: { name: string }) => f.name), ['resourceConfigurationIdentifier']);
  });

  it('answers 404 when deleting an unknown association', async () => {
    const res = await t.wire('DELETE', '/resourceendpointassociations/rea-0123456789abcdef0');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(res.json.resourceType, 'RESOURCE_ENDPOINT_ASSOCIATION');
    assert.equal(res.json.resourceId, 'rea-0123456789abcdef0');
  });

  it('lists, filters and deletes an association the EC2 side registered; it holds its configuration in use', async () => {
    const gw = (await t.lattice.send(new CreateResourceGatewayCommand({ name: 'gw-rea-2', vpcIdentifier: 'vpc-0a1b2c3d4e5f60718', subnetIds: SUBNETS }))).id!;
    const rc = await t.lattice.send(new CreateResourceConfigurationCommand({ name: 'rc-rea-2', type: 'SINGLE', resourceGatewayIdentifier: gw, portRanges: ['443'], resourceConfigurationDefinition: DNS }));
    // What CreateVpcEndpoint (type Resource) would register on AWS.
    const id = 'rea-0aaaabbbbccccdddd';
    const arn = `arn:aws:vpc-lattice:us-east-1:111122223333:resourceendpointassociation/${id}`;
    await t.store.transact((tx) => tx.put({
      kind: 'resourceendpointassociation', ...PLACE, id, parentId: '', name: '', refs: [rc.id!],
      doc: {
        id, arn, resourceConfigurationId: rc.id, resourceConfigurationArn: rc.arn, resourceConfigurationName: rc.name,
        vpcEndpointId: 'vpce-0123456789abcdef0', vpcEndpointOwner: '111122223333', createdBy: '111122223333', createdAt: new Date().toISOString(),
      },
    }));
    const list = await t.lattice.send(new ListResourceEndpointAssociationsCommand({ resourceConfigurationIdentifier: rc.arn }));
    assert.deepEqual(list.items!.map((i) => [i.id, i.vpcEndpointId, i.resourceConfigurationName]), [[id, 'vpce-0123456789abcdef0', rc.name]]);
    const other = await t.lattice.send(new ListResourceEndpointAssociationsCommand({ resourceConfigurationIdentifier: rc.id, vpcEndpointId: 'vpce-0ffffffffffffffff' }));
    assert.deepEqual(other.items, []);

    const busy = await t.wire('DELETE', `/resourceconfigurations/${rc.id}`);
    assert.equal(busy.status, 409);
    assert.match(busy.json.message, /VPC endpoint/);

    const del = await t.lattice.send(new DeleteResourceEndpointAssociationCommand({ resourceEndpointAssociationIdentifier: arn }));
    assert.equal(del.$metadata.httpStatusCode, 200);
    assert.equal(del.id, id);
    assert.equal(del.resourceConfigurationId, rc.id);
    assert.equal(del.vpcEndpointId, 'vpce-0123456789abcdef0');
    assert.deepEqual((await t.lattice.send(new ListResourceEndpointAssociationsCommand({ resourceConfigurationIdentifier: rc.id }))).items, []);
    assert.equal((await t.wire('DELETE', `/resourceconfigurations/${rc.id}`)).status, 204);
  });
});
