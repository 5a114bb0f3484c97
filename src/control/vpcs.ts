import type { Place, ResourceRecord, StoreReader, StoreTx } from '../store/index.js';

/**
 * The EC2 side that Lattice refers to: VPCs, security groups and instances. An AWS account
 * always has its VPCs and instances, so an id Trellis has not seen is registered on first
 * use (source `auto`); CloudFormation and `trellis vpc`/`trellis instance` register them
 * with their details (source `explicit`).
 */
export interface VpcDoc {
  [k: string]: unknown;
  readonly vpcId: string;
  readonly cidrBlock?: string;
  readonly source: 'auto' | 'explicit';
  readonly createdAt: string;
}

export interface SecurityGroupDoc {
  [k: string]: unknown;
  readonly groupId: string;
  readonly vpcId?: string;
  readonly source: 'auto' | 'explicit';
  readonly createdAt: string;
}

export interface InstanceDoc {
  [k: string]: unknown;
  readonly instanceId: string;
  readonly vpcId?: string;
  /** Unset until given: an instance without an address cannot receive traffic. */
  readonly privateIpAddress?: string;
  readonly source: 'auto' | 'explicit';
  readonly createdAt: string;
}

export async function ensureVpc(tx: StoreTx, place: Place, vpcId: string, now: string): Promise<ResourceRecord<VpcDoc>> {
  const seen = await tx.get<VpcDoc>('vpc', place, vpcId);
  if (seen) return seen;
  return tx.put<VpcDoc>({ kind: 'vpc', ...place, id: vpcId, parentId: '', name: '', refs: [], doc: { vpcId, source: 'auto', createdAt: now } });
}

export async function ensureSecurityGroup(tx: StoreTx, place: Place, groupId: string, vpcId: string | undefined, now: string): Promise<ResourceRecord<SecurityGroupDoc>> {
  const seen = await tx.get<SecurityGroupDoc>('securitygroup', place, groupId);
  if (seen) return seen;
  const doc: SecurityGroupDoc = vpcId ? { groupId, vpcId, source: 'auto', createdAt: now } : { groupId, source: 'auto', createdAt: now };
  return tx.put<SecurityGroupDoc>({ kind: 'securitygroup', ...place, id: groupId, parentId: vpcId ?? '', name: '', refs: vpcId ? [vpcId] : [], doc });
}

export async function ensureInstance(tx: StoreTx, place: Place, instanceId: string, vpcId: string | undefined, now: string): Promise<ResourceRecord<InstanceDoc>> {
  const seen = await tx.get<InstanceDoc>('instance', place, instanceId);
  if (seen) return seen;
  const doc: InstanceDoc = vpcId ? { instanceId, vpcId, source: 'auto', createdAt: now } : { instanceId, source: 'auto', createdAt: now };
  return tx.put<InstanceDoc>({ kind: 'instance', ...place, id: instanceId, parentId: vpcId ?? '', name: '', refs: vpcId ? [vpcId] : [], doc });
}

/** Registers or updates a VPC with its details (CloudFormation, `trellis vpc create`). */
export async function putVpc(tx: StoreTx, place: Place, vpcId: string, cidrBlock: string | undefined, now: string): Promise<ResourceRecord<VpcDoc>> {
  const seen = await tx.get<VpcDoc>('vpc', place, vpcId);
  const doc: VpcDoc = { vpcId, source: 'explicit', createdAt: seen?.doc.createdAt ?? now, ...(cidrBlock ? { cidrBlock } : {}) };
  return tx.put<VpcDoc>({ kind: 'vpc', ...place, id: vpcId, parentId: '', name: '', refs: [], doc });
}

/** Registers or updates an instance with its address (`trellis instance`, AWS::EC2::Instance). */
export async function putInstance(tx: StoreTx, place: Place, instanceId: string, vpcId: string | undefined, privateIpAddress: string | undefined, now: string): Promise<ResourceRecord<InstanceDoc>> {
  const seen = await tx.get<InstanceDoc>('instance', place, instanceId);
  const doc: InstanceDoc = {
    instanceId, source: 'explicit', createdAt: seen?.doc.createdAt ?? now,
    ...(vpcId ? { vpcId } : {}), ...(privateIpAddress ? { privateIpAddress } : {}),
  };
  return tx.put<InstanceDoc>({ kind: 'instance', ...place, id: instanceId, parentId: vpcId ?? '', name: '', refs: vpcId ? [vpcId] : [], doc });
}

export async function listVpcs(store: StoreReader, place: Place): Promise<ResourceRecord<VpcDoc>[]> {
  return store.list<VpcDoc>('vpc', place);
}

/**
 * A load balancer that ALB target groups point at. On AWS an ALB is its own service; here it
 * is a record giving the address that traffic for the ALB's ARN goes to (CloudFormation's
 * AWS::ElasticLoadBalancingV2::LoadBalancer and `trellis load-balancer` write it).
 */
export interface LoadBalancerDoc {
  [k: string]: unknown;
  readonly arn: string;
  /** An IP address; the target's port is used. */
  readonly address: string;
  readonly vpcId?: string;
  readonly createdAt: string;
}

export async function putLoadBalancer(tx: StoreTx, place: Place, arn: string, address: string, vpcId: string | undefined, now: string): Promise<ResourceRecord<LoadBalancerDoc>> {
  const seen = await tx.get<LoadBalancerDoc>('loadbalancer', place, arn);
  const doc: LoadBalancerDoc = { arn, address, createdAt: seen?.doc.createdAt ?? now, ...(vpcId ? { vpcId } : {}) };
  return tx.put<LoadBalancerDoc>({ kind: 'loadbalancer', ...place, id: arn, parentId: vpcId ?? '', name: '', refs: vpcId ? [vpcId] : [], doc });
}
