import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import {
  CreateServiceNetworkCommand, CreateServiceNetworkVpcAssociationCommand, DeleteServiceNetworkVpcAssociationCommand,
  GetServiceNetworkVpcAssociationCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';

/**
 * `trellis up`'s data-plane runtime applies each snapshot by difference: a VPC gateway
 * address opens when its VPC gains an association and closes when it loses it, while the
 * other VPCs' addresses stay as they are, and unrelated writes open or close nothing.
 */

const KEPT = 'vpc-0d1ff0000000000a1';
const CHURN = 'vpc-0d1ff0000000000a2';

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

describe('data-plane runtime: VPC gateways follow the snapshot by difference', () => {
  let t: TestTrellis;
  let sn: string;

  /** `vpcId → endpoint` as GET /_trellis/vpcs lists them (VPCs without a gateway left out). */
  const endpoints = async (): Promise<Record<string, string>> => {
    const items = (await t.wire('GET', '/_trellis/vpcs')).json.items as { vpcId: string; endpoint?: string }[];
    return Object.fromEntries(items.filter((i) => i.endpoint).map((i) => [i.vpcId, i.endpoint!]));
  };
  const portOf = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
  const associate = async (vpcId: string): Promise<string> => {
    const a = await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn, vpcIdentifier: vpcId }));
    await eventually(async () => (await t.lattice.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: a.id }))).status === 'ACTIVE');
    return a.id!;
  };

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    for (const [vpcId, cidrBlock] of [[KEPT, '10.31.0.0/16'], [CHURN, '10.32.0.0/16']]) {
      assert.equal((await t.wire('POST', '/_trellis/vpcs', { vpcId, cidrBlock })).status, 200);
    }
    sn = (await t.lattice.send(new CreateServiceNetworkCommand({ name: 'runtime-diff', authType: 'NONE' }))).id!;
  });
  after(() => t.close());

  it('opens an address for a VPC that gains an association and closes it when it loses it; the others stay', async () => {
    await associate(KEPT);
    const kept = (await eventually(async () => (await endpoints())[KEPT]))!;
    const churn = await associate(CHURN);
    const opened = (await eventually(async () => (await endpoints())[CHURN]))!;
    assert.ok(await accepts(portOf(opened)));

    await t.lattice.send(new DeleteServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: churn }));
    await eventually(async () => (await endpoints())[CHURN] === undefined);
    await eventually(async () => !(await accepts(portOf(opened))));
    assert.equal((await endpoints())[KEPT], kept, 'the other VPC keeps the same address');
    assert.ok(await accepts(portOf(kept)));

    // Associated again: a new address (the old one is closed).
    await associate(CHURN);
    const again = (await eventually(async () => (await endpoints())[CHURN]))!;
    assert.ok(await accepts(portOf(again)));
    assert.equal((await endpoints())[KEPT], kept);
  });

  it('reports as current the snapshot the data plane routes by, which catches up with the store', async () => {
    assert.equal((await t.wire('POST', '/_trellis/vpcs', { vpcId: 'vpc-0d1ff0000000000a3' })).status, 200);
    const store = (await t.wire('GET', '/_trellis/status')).json.revision as number;
    await eventually(async () => t.dataPlane!.current().revision >= store);
    assert.ok(t.dataPlane!.current().vpcs.has('vpc-0d1ff0000000000a3'));
    assert.equal(((await t.wire('GET', '/_trellis/status')).json.dataPlane.revision as number) >= store, true);
  });
});
