import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateServiceCommand, CreateServiceNetworkCommand, CreateServiceNetworkServiceAssociationCommand,
  CreateServiceNetworkVpcAssociationCommand, DeleteServiceNetworkCommand, DeleteServiceNetworkServiceAssociationCommand,
  DeleteServiceNetworkVpcAssociationCommand, GetServiceCommand, GetServiceNetworkCommand, GetServiceNetworkServiceAssociationCommand,
  GetServiceNetworkVpcAssociationCommand, ListServiceNetworkServiceAssociationsCommand, ListServiceNetworkVpcAssociationsCommand,
  ListServiceNetworkVpcEndpointAssociationsCommand, UpdateServiceNetworkVpcAssociationCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, rejects, type TestTrellis } from '../support/trellis.js';

const ACCOUNT = '111122223333';
const PLACE = { account: ACCOUNT, region: 'us-east-1' };
const MISSING_SN = 'sn-0123456789abcdef0';
const MISSING_SVC = 'svc-0123456789abcdef0';

let counter = 0;
/** Distinct resource names and VPC/SG ids per test, so the tests share one Trellis. */
function uniq(prefix: string): string {
  return `${prefix}-${++counter}`;
}
function vpcId(): string {
  return `vpc-0${(++counter).toString(16).padStart(16, '0')}`;
}
function sgId(): string {
  return `sg-0${(++counter).toString(16).padStart(16, '0')}`;
}

describe('service-network service associations', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  const network = () => t.lattice.send(new CreateServiceNetworkCommand({ name: uniq('net') }));
  const service = (customDomainName?: string) => t.lattice.send(new CreateServiceCommand({ name: uniq('app'), customDomainName }));

  it('associates by ARN with 200, copies the service DNS entry, settles to ACTIVE and counts on the network', async () => {
    const sn = await network();
    const svc = await service('shop.example.com');
    const created = await t.lattice.send(new CreateServiceNetworkServiceAssociationCommand({
      serviceNetworkIdentifier: sn.arn, serviceIdentifier: svc.arn, tags: { env: 'test' },
    }));
    assert.equal(created.$metadata.httpStatusCode, 200);
    assert.match(created.id!, /^snsa-0[0-9a-f]{16}$/);
    assert.equal(created.arn, `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:servicenetworkserviceassociation/${created.id}`);
    assert.equal(created.status, 'CREATE_IN_PROGRESS');
    assert.equal(created.createdBy, ACCOUNT);
    assert.equal(created.customDomainName, 'shop.example.com');
    assert.deepEqual(created.dnsEntry, svc.dnsEntry);

    const got = await eventually(async () => {
      const g = await t.lattice.send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: created.arn }));
      return g.status === 'ACTIVE' && g;
    });
    assert.equal(got.serviceNetworkId, sn.id);
    assert.equal(got.serviceNetworkArn, sn.arn);
    assert.equal(got.serviceNetworkName, sn.name);
    assert.equal(got.serviceId, svc.id);
    assert.equal(got.serviceArn, svc.arn);
    assert.equal(got.serviceName, svc.name);
    assert.ok(got.createdAt instanceof Date);
    assert.deepEqual(got.dnsEntry, svc.dnsEntry);

    const net = await t.lattice.send(new GetServiceNetworkCommand({ serviceNetworkIdentifier: sn.id }));
    assert.equal(net.numberOfAssociatedServices, 1);
    assert.equal(net.numberOfAssociatedVPCs, 0);
  });

  it('answers 404 naming the missing side, and 409 when the pair is already associated', async () => {
    const sn = await network();
    const svc = await service();
    const noSn = await t.wire('POST', '/servicenetworkserviceassociations', { serviceNetworkIdentifier: MISSING_SN, serviceIdentifier: svc.id });
    assert.equal(noSn.status, 404);
    assert.equal(noSn.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(noSn.json.resourceType, 'SERVICE_NETWORK');
    assert.equal(noSn.json.resourceId, MISSING_SN);
    const noSvc = await t.wire('POST', '/servicenetworkserviceassociations', { serviceNetworkIdentifier: sn.id, serviceIdentifier: MISSING_SVC });
    assert.equal(noSvc.status, 404);
    assert.equal(noSvc.json.resourceType, 'SERVICE');
    assert.equal(noSvc.json.resourceId, MISSING_SVC);

    const first = await t.wire('POST', '/servicenetworkserviceassociations', { serviceNetworkIdentifier: sn.id, serviceIdentifier: svc.id });
    assert.equal(first.status, 200);
    assert.equal(first.json.status, 'CREATE_IN_PROGRESS');
    const again = await t.wire('POST', '/servicenetworkserviceassociations', { serviceNetworkIdentifier: sn.arn, serviceIdentifier: svc.id });
    assert.equal(again.status, 409);
    assert.equal(again.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(again.json.resourceId, first.json.id);
    assert.equal(again.json.resourceType, 'SERVICE_NETWORK_SERVICE_ASSOCIATION');

    const unknown = await t.wire('GET', '/servicenetworkserviceassociations/snsa-0123456789abcdef0');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.resourceType, 'SERVICE_NETWORK_SERVICE_ASSOCIATION');
    assert.equal(unknown.json.resourceId, 'snsa-0123456789abcdef0');
    const unknownDel = await t.wire('DELETE', '/servicenetworkserviceassociations/snsa-0123456789abcdef0');
    assert.equal(unknownDel.status, 404);
  });

  it('lists by network, by service, by both, and refuses a listing without either', async () => {
    const [sn1, sn2] = [await network(), await network()];
    const [svc1, svc2] = [await service(), await service()];
    const pairs = [[sn1, svc1], [sn1, svc2], [sn2, svc1]] as const;
    const ids: string[] = [];
    for (const [sn, svc] of pairs) {
      ids.push((await t.lattice.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: svc.id }))).id!);
    }
    const list = async (q: { serviceNetworkIdentifier?: string; serviceIdentifier?: string }) =>
      (await t.lattice.send(new ListServiceNetworkServiceAssociationsCommand(q))).items!.map((i) => i.id).sort();
    assert.deepEqual(await list({ serviceNetworkIdentifier: sn1.id }), [ids[0], ids[1]].sort());
    assert.deepEqual(await list({ serviceNetworkIdentifier: sn1.arn }), [ids[0], ids[1]].sort());
    assert.deepEqual(await list({ serviceIdentifier: svc1.arn }), [ids[0], ids[2]].sort());
    assert.deepEqual(await list({ serviceNetworkIdentifier: sn2.id, serviceIdentifier: svc1.id }), [ids[2]]);
    assert.deepEqual(await list({ serviceNetworkIdentifier: sn2.id, serviceIdentifier: svc2.id }), []);
    assert.deepEqual(await list({ serviceNetworkIdentifier: MISSING_SN }), []);

    const item = (await t.wire('GET', `/servicenetworkserviceassociations?serviceNetworkIdentifier=${sn2.id}`)).json.items[0];
    assert.deepEqual(Object.keys(item).sort(), [
      'arn', 'createdAt', 'createdBy', 'dnsEntry', 'id', 'serviceArn', 'serviceId', 'serviceName', 'serviceNetworkArn',
      'serviceNetworkId', 'serviceNetworkName', 'status',
    ]);

    const none = await t.wire('GET', '/servicenetworkserviceassociations');
    assert.equal(none.status, 400);
    assert.equal(none.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.equal(typeof none.json.reason, 'string');
  });

  it('pages a network\'s associations with a nextToken that ends', async () => {
    const sn = await network();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const svc = await service();
      made.push((await t.lattice.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: svc.id }))).id!);
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await t.lattice.send(new ListServiceNetworkServiceAssociationsCommand({ serviceNetworkIdentifier: sn.id, maxResults: 2, nextToken: token }));
      assert.ok(page.items!.length <= 2);
      seen.push(...page.items!.map((i) => i.id!));
      token = page.nextToken;
      pages++;
    } while (token && pages < 20);
    assert.equal(token, undefined);
    assert.equal(pages, 3);
    assert.deepEqual(seen, made);
  });

  it('answers the same association for a repeated clientToken', async () => {
    const sn = await network();
    const [svc1, svc2] = [await service(), await service()];
    const a = await t.lattice.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: svc1.id, clientToken: 'snsa-tok' }));
    const b = await t.lattice.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: svc1.id, clientToken: 'snsa-tok' }));
    assert.equal(b.id, a.id);
    const c = await t.wire('POST', '/servicenetworkserviceassociations', { serviceNetworkIdentifier: sn.id, serviceIdentifier: svc2.id, clientToken: 'snsa-tok' });
    assert.equal(c.status, 409);
    assert.equal(c.headers.get('x-amzn-errortype'), 'ConflictException');
  });

  it('deletes with 200 DELETE_IN_PROGRESS; the network counts down and can then be deleted with 204', async () => {
    const sn = await network();
    const svc = await service();
    const assoc = await t.lattice.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: svc.id }));

    const blocked = await t.wire('DELETE', `/servicenetworks/${sn.id}`);
    assert.equal(blocked.status, 409);
    assert.equal(blocked.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(blocked.json.message, /service\(s\)/);

    const del = await t.wire('DELETE', `/servicenetworkserviceassociations/${encodeURIComponent(assoc.arn!)}`);
    assert.equal(del.status, 200);
    assert.deepEqual(del.json, { id: assoc.id, arn: assoc.arn, status: 'DELETE_IN_PROGRESS' });
    const gone = await rejects(t.lattice.send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: assoc.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    assert.equal((await t.lattice.send(new GetServiceNetworkCommand({ serviceNetworkIdentifier: sn.id }))).numberOfAssociatedServices, 0);
    // The service itself is untouched.
    assert.equal((await t.lattice.send(new GetServiceCommand({ serviceIdentifier: svc.id }))).id, svc.id);

    const sdkDel = await t.lattice.send(new DeleteServiceNetworkCommand({ serviceNetworkIdentifier: sn.id }));
    assert.equal(sdkDel.$metadata.httpStatusCode, 204);
  });

  it('enforces the service-associations-per-network quota with 402', async () => {
    const q = await bootTrellis({ quotas: { serviceAssociationsPerServiceNetwork: 1 } });
    try {
      const sn = await q.lattice.send(new CreateServiceNetworkCommand({ name: 'quota-net' }));
      const a = await q.lattice.send(new CreateServiceCommand({ name: 'quota-a' }));
      const b = await q.lattice.send(new CreateServiceCommand({ name: 'quota-b' }));
      await q.lattice.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: a.id }));
      const res = await q.wire('POST', '/servicenetworkserviceassociations', { serviceNetworkIdentifier: sn.id, serviceIdentifier: b.id });
      assert.equal(res.status, 402);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
      assert.equal(res.json.serviceCode, 'vpc-lattice');
      assert.equal(res.json.resourceType, 'SERVICE_NETWORK_SERVICE_ASSOCIATION');
    } finally {
      await q.close();
    }
  });
});

describe('service-network VPC associations', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  const network = () => t.lattice.send(new CreateServiceNetworkCommand({ name: uniq('vnet') }));

  it('associates a VPC with 200, registers the VPC and groups, settles to ACTIVE and counts on the network', async () => {
    const sn = await network();
    const vpc = vpcId();
    const sgs = [sgId(), sgId()];
    const created = await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({
      serviceNetworkIdentifier: sn.arn, vpcIdentifier: vpc, securityGroupIds: sgs, tags: { env: 'test' },
    }));
    assert.equal(created.$metadata.httpStatusCode, 200);
    assert.match(created.id!, /^snva-0[0-9a-f]{16}$/);
    assert.equal(created.arn, `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:servicenetworkvpcassociation/${created.id}`);
    assert.equal(created.status, 'CREATE_IN_PROGRESS');
    assert.equal(created.createdBy, ACCOUNT);
    assert.deepEqual(created.securityGroupIds, sgs);
    assert.equal(created.privateDnsEnabled, undefined);

    const got = await eventually(async () => {
      const g = await t.lattice.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: created.arn }));
      return g.status === 'ACTIVE' && g;
    });
    assert.equal(got.vpcId, vpc);
    assert.deepEqual(got.securityGroupIds, sgs);
    assert.equal(got.serviceNetworkId, sn.id);
    assert.equal(got.serviceNetworkArn, sn.arn);
    assert.equal(got.serviceNetworkName, sn.name);
    assert.ok(got.createdAt instanceof Date);
    assert.ok(got.lastUpdatedAt instanceof Date);

    assert.ok(await t.store.get('vpc', PLACE, vpc));
    for (const sg of sgs) assert.equal((await t.store.get('securitygroup', PLACE, sg))?.doc.vpcId, vpc);

    const net = await t.lattice.send(new GetServiceNetworkCommand({ serviceNetworkIdentifier: sn.id }));
    assert.equal(net.numberOfAssociatedVPCs, 1);
    assert.equal(net.numberOfAssociatedServices, 0);
  });

  it('keeps privateDnsEnabled and dnsOptions as given', async () => {
    const sn = await network();
    const dnsOptions = { privateDnsPreference: 'SPECIFIED_DOMAINS_ONLY' as const, privateDnsSpecifiedDomains: ['*.example.com'] };
    const created = await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({
      serviceNetworkIdentifier: sn.id, vpcIdentifier: vpcId(), privateDnsEnabled: true, dnsOptions,
    }));
    assert.equal(created.privateDnsEnabled, true);
    assert.deepEqual(created.dnsOptions, dnsOptions);
    assert.deepEqual(created.securityGroupIds, []);
    const wire = await t.wire('GET', `/servicenetworkvpcassociations/${created.id}`);
    assert.equal(wire.json.privateDnsEnabled, true);
    assert.deepEqual(wire.json.dnsOptions, dnsOptions);
  });

  it('allows one service network per VPC: 409 naming the network it is in', async () => {
    const [sn1, sn2] = [await network(), await network()];
    const vpc = vpcId();
    const first = await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn1.id, vpcIdentifier: vpc }));
    for (const sn of [sn2, sn1]) {
      const res = await t.wire('POST', '/servicenetworkvpcassociations', { serviceNetworkIdentifier: sn.id, vpcIdentifier: vpc });
      assert.equal(res.status, 409);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ConflictException');
      assert.ok(res.json.message.includes(sn1.id!), res.json.message);
      assert.equal(res.json.resourceId, first.id);
      assert.equal(res.json.resourceType, 'SERVICE_NETWORK_VPC_ASSOCIATION');
    }
    assert.equal((await t.lattice.send(new GetServiceNetworkCommand({ serviceNetworkIdentifier: sn2.id }))).numberOfAssociatedVPCs, 0);

    // Once disassociated, the VPC is free for another network.
    await t.lattice.send(new DeleteServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: first.id }));
    const moved = await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn2.id, vpcIdentifier: vpc }));
    assert.equal(moved.status, 'CREATE_IN_PROGRESS');
  });

  it('answers 404 for an unknown network or association, and validates VPC and security-group ids', async () => {
    for (const id of [MISSING_SN, 'not-a-network']) {
      const res = await t.wire('POST', '/servicenetworkvpcassociations', { serviceNetworkIdentifier: id, vpcIdentifier: vpcId() });
      assert.equal(res.status, 404, id);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
      assert.equal(res.json.resourceType, 'SERVICE_NETWORK');
    }
    for (const [method, body] of [['GET', undefined], ['PATCH', { securityGroupIds: [sgId()] }], ['DELETE', undefined]] as const) {
      const res = await t.wire(method, '/servicenetworkvpcassociations/snva-0123456789abcdef0', body);
      assert.equal(res.status, 404, method);
      assert.equal(res.json.resourceType, 'SERVICE_NETWORK_VPC_ASSOCIATION', method);
      assert.equal(res.json.resourceId, 'snva-0123456789abcdef0', method);
    }
    const sn = await network();
    const bad = await t.wire('POST', '/servicenetworkvpcassociations', {
      serviceNetworkIdentifier: sn.id, vpcIdentifier: 'vpc-XYZ', securityGroupIds: [sgId(), sgId(), sgId(), sgId(), sgId(), sgId()],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(bad.json.fieldList.map((f: { name: string }) => f.name).sort(), ['securityGroupIds', 'vpcIdentifier']);

    // A group already known in another VPC cannot guard this one.
    const sg = sgId();
    await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: vpcId(), securityGroupIds: [sg] }));
    const other = await network();
    const vpc2 = vpcId();
    const cross = await t.wire('POST', '/servicenetworkvpcassociations', { serviceNetworkIdentifier: other.id, vpcIdentifier: vpc2, securityGroupIds: [sg] });
    assert.equal(cross.status, 400);
    assert.equal(cross.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(cross.json.fieldList.map((f: { name: string }) => f.name), ['securityGroupIds']);
    // The refused call left nothing behind.
    assert.equal(await t.store.get('vpc', PLACE, vpc2), undefined);
  });

  it('updates security groups (replacing the set, never back to none), private DNS and DNS options', async () => {
    const sn = await network();
    const vpc = vpcId();
    const [a, b, c] = [sgId(), sgId(), sgId()];
    const created = await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: vpc, securityGroupIds: [a, b] }));
    await eventually(async () => (await t.lattice.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: created.id }))).status === 'ACTIVE');

    const updated = await t.lattice.send(new UpdateServiceNetworkVpcAssociationCommand({
      serviceNetworkVpcAssociationIdentifier: created.arn, securityGroupIds: [c], privateDnsEnabled: true,
      dnsOptions: { privateDnsPreference: 'ALL_DOMAINS' },
    }));
    assert.equal(updated.$metadata.httpStatusCode, 200);
    assert.equal(updated.id, created.id);
    assert.equal(updated.createdBy, ACCOUNT);
    assert.deepEqual(updated.securityGroupIds, [c]);
    assert.equal(updated.privateDnsEnabled, true);
    assert.deepEqual(updated.dnsOptions, { privateDnsPreference: 'ALL_DOMAINS' });
    assert.equal(updated.status, 'UPDATE_IN_PROGRESS');
    const got = await eventually(async () => {
      const g = await t.lattice.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: created.id }));
      return g.status === 'ACTIVE' && g;
    });
    assert.deepEqual(got.securityGroupIds, [c]);
    assert.equal(got.privateDnsEnabled, true);

    // Leaving members out keeps them.
    const partial = await t.wire('PATCH', `/servicenetworkvpcassociations/${created.id}`, { privateDnsEnabled: false });
    assert.equal(partial.status, 200);
    assert.deepEqual(partial.json.securityGroupIds, [c]);
    assert.equal(partial.json.privateDnsEnabled, false);

    const empty = await t.wire('PATCH', `/servicenetworkvpcassociations/${created.id}`, { securityGroupIds: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(empty.json.fieldList.map((f: { name: string }) => f.name), ['securityGroupIds']);
  });

  it('lists by network, by VPC, by both, and refuses a listing without either', async () => {
    const [sn1, sn2] = [await network(), await network()];
    const [v1, v2, v3] = [vpcId(), vpcId(), vpcId()];
    const ids: string[] = [];
    for (const [sn, vpc] of [[sn1, v1], [sn1, v2], [sn2, v3]] as const) {
      ids.push((await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: vpc, privateDnsEnabled: false }))).id!);
    }
    const list = async (q: { serviceNetworkIdentifier?: string; vpcIdentifier?: string }) =>
      (await t.lattice.send(new ListServiceNetworkVpcAssociationsCommand(q))).items!.map((i) => i.id).sort();
    assert.deepEqual(await list({ serviceNetworkIdentifier: sn1.id }), [ids[0], ids[1]].sort());
    assert.deepEqual(await list({ serviceNetworkIdentifier: sn1.arn }), [ids[0], ids[1]].sort());
    assert.deepEqual(await list({ vpcIdentifier: v3 }), [ids[2]]);
    assert.deepEqual(await list({ serviceNetworkIdentifier: sn1.id, vpcIdentifier: v2 }), [ids[1]]);
    assert.deepEqual(await list({ serviceNetworkIdentifier: sn2.id, vpcIdentifier: v2 }), []);
    assert.deepEqual(await list({ vpcIdentifier: vpcId() }), []);

    const item = (await t.wire('GET', `/servicenetworkvpcassociations?vpcIdentifier=${v3}`)).json.items[0];
    assert.deepEqual(Object.keys(item).sort(), [
      'arn', 'createdAt', 'createdBy', 'id', 'lastUpdatedAt', 'privateDnsEnabled', 'serviceNetworkArn', 'serviceNetworkId',
      'serviceNetworkName', 'status', 'vpcId',
    ]);

    const none = await t.wire('GET', '/servicenetworkvpcassociations');
    assert.equal(none.status, 400);
    assert.equal(none.headers.get('x-amzn-errortype'), 'ValidationException');
  });

  it('pages a network\'s VPC associations, and is idempotent by clientToken', async () => {
    const sn = await network();
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      made.push((await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: vpcId() }))).id!);
    }
    const p1 = await t.lattice.send(new ListServiceNetworkVpcAssociationsCommand({ serviceNetworkIdentifier: sn.id, maxResults: 2 }));
    assert.equal(p1.items!.length, 2);
    assert.ok(p1.nextToken);
    const p2 = await t.lattice.send(new ListServiceNetworkVpcAssociationsCommand({ serviceNetworkIdentifier: sn.id, maxResults: 2, nextToken: p1.nextToken }));
    assert.equal(p2.nextToken, undefined);
    assert.deepEqual([...p1.items!, ...p2.items!].map((i) => i.id), made);

    const vpc = vpcId();
    const a = await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: vpc, clientToken: 'snva-tok' }));
    const b = await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: vpc, clientToken: 'snva-tok' }));
    assert.equal(b.id, a.id);
    const c = await t.wire('POST', '/servicenetworkvpcassociations', { serviceNetworkIdentifier: sn.id, vpcIdentifier: vpcId(), clientToken: 'snva-tok' });
    assert.equal(c.status, 409);
    assert.equal(c.headers.get('x-amzn-errortype'), 'ConflictException');
  });

  it('deletes with 200 DELETE_IN_PROGRESS; the network counts down and can then be deleted with 204', async () => {
    const sn = await network();
    const assoc = await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: vpcId() }));
    const blocked = await t.wire('DELETE', `/servicenetworks/${sn.id}`);
    assert.equal(blocked.status, 409);
    assert.equal(blocked.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(blocked.json.message, /VPC\(s\)/);

    const del = await t.wire('DELETE', `/servicenetworkvpcassociations/${encodeURIComponent(assoc.arn!)}`);
    assert.equal(del.status, 200);
    assert.deepEqual(del.json, { id: assoc.id, arn: assoc.arn, status: 'DELETE_IN_PROGRESS' });
    const gone = await rejects(t.lattice.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: assoc.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    assert.equal((await t.lattice.send(new GetServiceNetworkCommand({ serviceNetworkIdentifier: sn.id }))).numberOfAssociatedVPCs, 0);

    const netDel = await t.wire('DELETE', `/servicenetworks/${sn.id}`);
    assert.equal(netDel.status, 204);
    assert.equal(netDel.text, '');
  });

  it('enforces the VPC-associations-per-network quota with 402', async () => {
    const q = await bootTrellis({ quotas: { vpcAssociationsPerServiceNetwork: 1 } });
    try {
      const sn = await q.lattice.send(new CreateServiceNetworkCommand({ name: 'vpc-quota-net' }));
      await q.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: vpcId() }));
      const res = await q.wire('POST', '/servicenetworkvpcassociations', { serviceNetworkIdentifier: sn.id, vpcIdentifier: vpcId() });
      assert.equal(res.status, 402);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
      assert.equal(res.json.serviceCode, 'vpc-lattice');
      assert.equal(res.json.resourceType, 'SERVICE_NETWORK_VPC_ASSOCIATION');
    } finally {
      await q.close();
    }
  });

  it('lists VPC endpoint associations of a network: none through this API, 404 for an unknown network', async () => {
    const sn = await network();
    const empty = await t.lattice.send(new ListServiceNetworkVpcEndpointAssociationsCommand({ serviceNetworkIdentifier: sn.id }));
    assert.equal(empty.$metadata.httpStatusCode, 200);
    assert.deepEqual(empty.items, []);
    assert.equal(empty.nextToken, undefined);
    const wire = await t.wire('GET', `/servicenetworkvpcendpointassociations?serviceNetworkIdentifier=${encodeURIComponent(sn.arn!)}`);
    assert.equal(wire.status, 200);
    assert.deepEqual(wire.json, { items: [] });

    const missing = await t.wire('GET', `/servicenetworkvpcendpointassociations?serviceNetworkIdentifier=${MISSING_SN}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(missing.json.resourceType, 'SERVICE_NETWORK');
    assert.equal(missing.json.resourceId, MISSING_SN);
    const noFilter = await t.wire('GET', '/servicenetworkvpcendpointassociations');
    assert.equal(noFilter.status, 400);
    assert.equal(noFilter.headers.get('x-amzn-errortype'), 'ValidationException');

    // What EC2 would create (a ServiceNetwork-type endpoint) is listed, paged, and holds the network.
    const vpc = vpcId();
    await t.store.transact(async (tx) => {
      for (const n of ['1', '2']) {
        await tx.put({
          kind: 'servicenetworkvpcendpointassociation', ...PLACE, id: `vpce-0${n.repeat(16)}`, parentId: '', name: '', refs: [sn.id!, vpc],
          doc: { id: `vpce-0${n.repeat(16)}`, vpcEndpointId: `vpce-0${n.repeat(16)}`, vpcId: vpc, vpcEndpointOwnerId: ACCOUNT, state: 'Available', createdAt: '2025-01-01T00:00:00.000Z' },
        });
      }
    });
    const p1 = await t.lattice.send(new ListServiceNetworkVpcEndpointAssociationsCommand({ serviceNetworkIdentifier: sn.id, maxResults: 1 }));
    assert.equal(p1.items!.length, 1);
    assert.equal(p1.items![0]!.vpcEndpointId, 'vpce-01111111111111111');
    assert.equal(p1.items![0]!.serviceNetworkArn, sn.arn);
    assert.equal(p1.items![0]!.state, 'Available');
    assert.ok(p1.nextToken);
    const p2 = await t.lattice.send(new ListServiceNetworkVpcEndpointAssociationsCommand({ serviceNetworkIdentifier: sn.id, maxResults: 1, nextToken: p1.nextToken }));
    assert.equal(p2.items![0]!.vpcEndpointId, 'vpce-02222222222222222');
    assert.equal(p2.nextToken, undefined);
    const blocked = await t.wire('DELETE', `/servicenetworks/${sn.id}`);
    assert.equal(blocked.status, 409);
  });
});
