import { conflict, fieldError, validationError } from '../model/index.js';
import type * as T from '../model/index.js';
import type { Place, ResourceRecord, StoreTx } from '../store/index.js';
import {
  assertNameFree, checkQuota, checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve,
} from './common.js';
import type { Handlers } from './context.js';
import { ensureSecurityGroup, ensureVpc } from './vpcs.js';

/**
 * What a resource gateway record keeps: GetResourceGateway's members. The VPC is `vpcId`
 * here as Get names it; Create and List call the same value `vpcIdentifier`.
 */
export interface ResourceGatewayDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly status: T.ResourceGatewayStatus;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly ipAddressType: T.ResourceGatewayIpAddressType;
  /** Absent for IPV6 gateways, whose network interfaces have no IPv4 addresses. */
  readonly ipv4AddressesPerEni?: number;
  readonly resourceConfigDnsResolution: T.ResourceConfigDnsResolution;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** AWS's default number of IPv4 addresses per gateway network interface. */
export const DEFAULT_IPV4_ADDRESSES_PER_ENI = 16;

const SUBNET_ID = /^subnet-([0-9a-z]{8}|[0-9a-z]{17})$/;

/** A gateway's subnets: at least one (a gateway lives somewhere), each an EC2 subnet id, no repeats. */
function checkSubnets(subnetIds: readonly string[] | undefined): readonly string[] {
  if (!subnetIds || subnetIds.length === 0) throw fieldError('subnetIds', 'Member must not be null');
  const seen = new Set<string>();
  subnetIds.forEach((s, i) => {
    if (!SUBNET_ID.test(s)) throw fieldError(`subnetIds[${i}]`, 'Member must be a subnet ID (subnet-…)');
    if (seen.has(s)) throw fieldError(`subnetIds[${i}]`, `Duplicate subnet ID ${s}`);
    seen.add(s);
  });
  return subnetIds;
}

/**
 * Registers the security groups and checks they belong to the gateway's VPC, as AWS
 * requires ("The security groups must be in the same VPC"). A group seen before in another
 * VPC is refused; a new one is registered in this VPC.
 */
async function checkSecurityGroups(tx: StoreTx, place: Place, vpcId: string, groups: readonly string[], now: string): Promise<void> {
  const seen = new Set<string>();
  for (const [i, sg] of groups.entries()) {
    if (seen.has(sg)) throw fieldError(`securityGroupIds[${i}]`, `Duplicate security group ID ${sg}`);
    seen.add(sg);
    const rec = await ensureSecurityGroup(tx, place, sg, vpcId, now);
    if (rec.doc.vpcId !== undefined && rec.doc.vpcId !== vpcId) {
      throw validationError(`Security group ${sg} belongs to ${rec.doc.vpcId}, not to ${vpcId}. The security groups must be in the same VPC.`,
        'fieldValidationFailed', [{ name: `securityGroupIds[${i}]`, message: `Security group ${sg} is not in VPC ${vpcId}` }]);
    }
  }
}

function summary(d: ResourceGatewayDoc): T.ResourceGatewaySummary {
  return compact({
    name: d.name, id: d.id, arn: d.arn, status: d.status, vpcIdentifier: d.vpcId, subnetIds: d.subnetIds,
    securityGroupIds: d.securityGroupIds, ipAddressType: d.ipAddressType, ipv4AddressesPerEni: d.ipv4AddressesPerEni,
    resourceConfigDnsResolution: d.resourceConfigDnsResolution, createdAt: d.createdAt, lastUpdatedAt: d.lastUpdatedAt,
  });
}

export const resourceGatewayHandlers: Handlers = {
  async CreateResourceGateway(cp, call, input) {
    checkTags(cp, input.tags);
    if (!input.vpcIdentifier) throw fieldError('vpcIdentifier', 'Member must not be null');
    const subnetIds = checkSubnets(input.subnetIds);
    const ipAddressType = input.ipAddressType ?? 'IPV4';
    // An IPv6-only gateway has no IPv4 addresses to count.
    if (ipAddressType === 'IPV6' && input.ipv4AddressesPerEni !== undefined) {
      throw validationError('ipv4AddressesPerEni applies only to resource gateways of ipAddressType IPV4 or DUALSTACK.',
        'fieldValidationFailed', [{ name: 'ipv4AddressesPerEni', message: 'Not allowed for ipAddressType IPV6' }]);
    }
    const vpcId = input.vpcIdentifier;
    const place = placeOf(call);
    return cp.store.transact((tx) => idempotent(tx, call, 'CreateResourceGateway', input.clientToken, input, cp.now(), async () => {
      await assertNameFree(tx, 'resourcegateway', place, '', input.name, 'Resource gateway');
      const now = isoNow(cp);
      await ensureVpc(tx, place, vpcId, now);
      checkQuota(cp, 'resourceGatewaysPerVpc', await tx.count('resourcegateway', place, { ref: vpcId }), 'RESOURCE_GATEWAY', `resource gateways per VPC (${vpcId})`);
      const securityGroupIds = input.securityGroupIds ?? [];
      await checkSecurityGroups(tx, place, vpcId, securityGroupIds, now);
      const { id, arn } = mint(call.scope, 'resourcegateway');
      const doc: ResourceGatewayDoc = compact({
        id, arn, name: input.name, status: 'CREATE_IN_PROGRESS' as const, vpcId, subnetIds, securityGroupIds, ipAddressType,
        ipv4AddressesPerEni: ipAddressType === 'IPV6' ? undefined : input.ipv4AddressesPerEni ?? DEFAULT_IPV4_ADDRESSES_PER_ENI,
        resourceConfigDnsResolution: input.resourceConfigDnsResolution ?? 'PUBLIC', createdAt: now, lastUpdatedAt: now, tags: input.tags,
      });
      await tx.put({ kind: 'resourcegateway', ...place, id, parentId: '', name: input.name, refs: [vpcId, ...securityGroupIds], doc });
      cp.lifecycle.schedule('resourcegateway', place, id);
      return compact({
        name: doc.name, id, arn, status: doc.status, vpcIdentifier: vpcId, subnetIds, securityGroupIds, ipAddressType,
        ipv4AddressesPerEni: doc.ipv4AddressesPerEni, resourceConfigDnsResolution: doc.resourceConfigDnsResolution,
      });
    }));
  },

  async GetResourceGateway(cp, call, input) {
    const { doc: d } = await resolve<ResourceGatewayDoc>(cp.store, call, 'resourcegateway', input.resourceGatewayIdentifier);
    return compact({
      name: d.name, id: d.id, arn: d.arn, status: d.status, vpcId: d.vpcId, subnetIds: d.subnetIds, securityGroupIds: d.securityGroupIds,
      ipAddressType: d.ipAddressType, ipv4AddressesPerEni: d.ipv4AddressesPerEni, resourceConfigDnsResolution: d.resourceConfigDnsResolution,
      createdAt: d.createdAt, lastUpdatedAt: d.lastUpdatedAt,
    });
  },

  async ListResourceGateways(cp, call, input) {
    const page = await paginate<ResourceGatewayDoc, T.ResourceGatewaySummary>(cp.store, placeOf(call), 'resourcegateway', {}, input, (r) => summary(r.doc));
    return compact(page);
  },

  /**
   * Replaces the security groups (the only member AWS lets change). An ACTIVE gateway
   * reports UPDATE_IN_PROGRESS and settles to ACTIVE like a create.
   */
  async UpdateResourceGateway(cp, call, input) {
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const rec: ResourceRecord<ResourceGatewayDoc> = await resolve<ResourceGatewayDoc>(tx, call, 'resourcegateway', input.resourceGatewayIdentifier);
      let doc = rec.doc;
      if (input.securityGroupIds !== undefined) {
        const now = isoNow(cp);
        await checkSecurityGroups(tx, place, doc.vpcId, input.securityGroupIds, now);
        const changed = input.securityGroupIds.length !== doc.securityGroupIds.length || input.securityGroupIds.some((g, i) => g !== doc.securityGroupIds[i]);
        if (changed) {
          const status = doc.status === 'ACTIVE' ? 'UPDATE_IN_PROGRESS' : doc.status;
          doc = { ...doc, securityGroupIds: [...input.securityGroupIds], status, lastUpdatedAt: now };
          await tx.put({ ...rec, refs: [doc.vpcId, ...doc.securityGroupIds], doc });
          if (status === 'UPDATE_IN_PROGRESS') cp.lifecycle.schedule('resourcegateway', place, rec.id);
        }
      }
      return compact({
        name: doc.name, id: doc.id, arn: doc.arn, status: doc.status, vpcId: doc.vpcId, subnetIds: doc.subnetIds,
        securityGroupIds: doc.securityGroupIds, ipAddressType: doc.ipAddressType as T.IpAddressType,
      });
    });
  },

  /** Refused while any resource configuration (a CHILD through its inherited gateway too) uses the gateway. */
  async DeleteResourceGateway(cp, call, input) {
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const rec = await resolve<ResourceGatewayDoc>(tx, call, 'resourcegateway', input.resourceGatewayIdentifier);
      const users = await tx.count('resourceconfiguration', place, { ref: rec.id });
      if (users > 0) throw conflict('RESOURCE_GATEWAY', rec.id, `ResourceGateway ${rec.id} has ${users} resource configuration(s) associated.`);
      await tx.delete('resourcegateway', place, rec.id);
      return { id: rec.doc.id, arn: rec.doc.arn, name: rec.doc.name, status: 'DELETE_IN_PROGRESS' };
    });
  },
};
