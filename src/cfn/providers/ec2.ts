import { isIP, isIPv4, isIPv6 } from 'node:net';
import { environment } from '../../control/index.js';
import { createOnlyPaths } from './schema-facts.js';
import type { Properties, ProviderContext, ResourceProvider } from '../contracts.js';
import { generateName } from './names.js';
import { calling, handlerFailed, invalidProperty } from './provider-error.js';
import { PropReader, defined } from './props.js';

/*
 * AWS::EC2::VPC, ::SecurityGroup and ::Instance. EC2 is not Trellis's API: these are the
 * records that Lattice and the data plane read (a VPC's CIDR, a group's rules, an instance's
 * address), written through control/environment-records.ts. What Trellis cannot honour fails
 * the resource with the reason (IPAM pools, prefix lists, EC2-Classic group names) rather
 * than being skipped.
 *
 * How an instance is placed, since Trellis has no subnets:
 *   - its address is `PrivateIpAddress` (or the first network interface's), an IP address.
 *     Traffic from the local data plane reaches it only on a loopback address (127.0.0.0/8 or
 *     ::1), e.g. `PrivateIpAddress: 127.0.0.2` for a backend listening there. Without one the
 *     instance has no address: Lattice targets naming it stay unresolved (no traffic).
 *   - its VPC is the tag `trellis:vpc` when present, else the VPC of its SecurityGroupIds (or
 *     its network interfaces' GroupSet). One of them is required: an instance Trellis cannot
 *     place fails with that reason.
 */

type Tags = Record<string, string>;

function reader(ctx: ProviderContext, props: Properties): PropReader {
  return new PropReader(ctx, props);
}

/** EC2 answers are EC2's errors; a stack event names the service as CloudFormation does. */
const ec2 = <T>(ctx: ProviderContext, fn: () => Promise<T>) => calling(ctx, fn, 'Ec2');

function isCidr(s: string, family: 4 | 6): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  return family === 4 ? isIPv4(ip) && Number(bits) <= 32 : isIPv6(ip) && Number(bits) <= 128;
}

/** The template's tags (Trellis's own `trellis:` placement tags included: EC2 keeps any tag). */
function tagsOf(p: PropReader): Tags {
  return p.tags() ?? {};
}

// ---- VPC ------------------------------------------------------------------------------------

function vpcAttributes(d: environment.ExplicitVpcDoc): Record<string, unknown> {
  return {
    VpcId: d.vpcId, CidrBlock: d.cidrBlock, DefaultSecurityGroup: d.defaultSecurityGroup, DefaultNetworkAcl: d.defaultNetworkAcl,
    CidrBlockAssociations: d.cidrBlockAssociations, Ipv6CidrBlocks: [],
  };
}

export const vpcProvider: ResourceProvider = {
  type: 'AWS::EC2::VPC',
  replacementPaths: createOnlyPaths('AWS::EC2::VPC'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    if (p.has('Ipv4IpamPoolId')) throw handlerFailed(ctx, 'Ipv4IpamPoolId is not supported by Trellis: give the VPC a CidrBlock.');
    const cidrBlock = p.str('CidrBlock');
    if (!isCidr(cidrBlock, 4)) throw handlerFailed(ctx, `Value (${cidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
    const doc = await ec2(ctx, () => environment.createVpc(ctx.cp, ctx.call, defined({
      cidrBlock, enableDnsSupport: p.optBool('EnableDnsSupport'), enableDnsHostnames: p.optBool('EnableDnsHostnames'),
      instanceTenancy: p.optStr('InstanceTenancy'), tags: tagsOf(p),
    })));
    return { physicalId: doc.vpcId, attributes: vpcAttributes(doc) };
  },
  async update(ctx, vpcId, props) {
    const p = reader(ctx, props);
    const doc = await ec2(ctx, () => environment.updateVpc(ctx.cp, ctx.call, vpcId, defined({
      enableDnsSupport: p.optBool('EnableDnsSupport'), enableDnsHostnames: p.optBool('EnableDnsHostnames'),
      instanceTenancy: p.optStr('InstanceTenancy'), tags: tagsOf(p),
    })));
    return { physicalId: doc.vpcId, attributes: vpcAttributes(doc) };
  },
  async delete(ctx, vpcId) {
    await ec2(ctx, () => environment.deleteVpc(ctx.cp, ctx.call, vpcId));
  },
};

// ---- SecurityGroup --------------------------------------------------------------------------

/** EC2 writes protocols by name or number; "-1" (or "all") is every protocol. */
function protocolOf(raw: string): string {
  const p = raw.trim().toLowerCase();
  return p === 'all' ? '-1' : p;
}

function ruleOf(ctx: ProviderContext, r: PropReader, direction: 'ingress' | 'egress', pointer: string): environment.SecurityGroupRule {
  const peerGroup = direction === 'ingress' ? 'SourceSecurityGroupId' : 'DestinationSecurityGroupId';
  const prefixList = direction === 'ingress' ? 'SourcePrefixListId' : 'DestinationPrefixListId';
  if (r.has(prefixList)) throw handlerFailed(ctx, `${pointer}: ${prefixList} is not supported by Trellis (prefix lists are not modelled); use CidrIp.`);
  if (direction === 'ingress' && r.has('SourceSecurityGroupName')) {
    throw handlerFailed(ctx, `${pointer}: SourceSecurityGroupName is EC2-Classic and not supported; use SourceSecurityGroupId.`);
  }
  const peers = ['CidrIp', 'CidrIpv6', peerGroup].filter((k) => r.has(k));
  if (peers.length !== 1) {
    throw invalidProperty(ctx, pointer, `exactly one of CidrIp, CidrIpv6, ${peerGroup} is required (found ${peers.length})`);
  }
  const cidrIp = r.optStr('CidrIp');
  const cidrIpv6 = r.optStr('CidrIpv6');
  if (cidrIp !== undefined && !isCidr(cidrIp, 4)) throw handlerFailed(ctx, `${pointer}: CidrIp ${cidrIp} is not a valid IPv4 CIDR block.`);
  if (cidrIpv6 !== undefined && !isCidr(cidrIpv6, 6)) throw handlerFailed(ctx, `${pointer}: CidrIpv6 ${cidrIpv6} is not a valid IPv6 CIDR block.`);
  const peer = r.optStr(peerGroup);
  return defined({
    ipProtocol: protocolOf(r.str('IpProtocol')),
    fromPort: r.optInt('FromPort'),
    toPort: r.optInt('ToPort'),
    cidrIp, cidrIpv6,
    ...(direction === 'ingress' ? { sourceSecurityGroupId: peer } : { destinationSecurityGroupId: peer }),
    description: r.optStr('Description'),
  });
}

/** EC2's default egress rule, which a group gets when the template gives none. */
const ALLOW_ALL_OUT: environment.SecurityGroupRule = { ipProtocol: '-1', cidrIp: '0.0.0.0/0' };

function rulesOf(ctx: ProviderContext, p: PropReader): { ingress: environment.SecurityGroupRule[]; egress: environment.SecurityGroupRule[] } {
  const ingress = p.objects('SecurityGroupIngress').map((r, i) => ruleOf(ctx, r, 'ingress', `#/SecurityGroupIngress/${i}`));
  const egress = p.has('SecurityGroupEgress')
    ? p.objects('SecurityGroupEgress').map((r, i) => ruleOf(ctx, r, 'egress', `#/SecurityGroupEgress/${i}`))
    : [ALLOW_ALL_OUT];
  return { ingress, egress };
}

function groupResource(d: environment.ExplicitSecurityGroupDoc) {
  return { physicalId: d.groupId, attributes: { GroupId: d.groupId, Id: d.groupId, VpcId: d.vpcId } };
}

export const securityGroupProvider: ResourceProvider = {
  type: 'AWS::EC2::SecurityGroup',
  replacementPaths: createOnlyPaths('AWS::EC2::SecurityGroup'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const groupDescription = p.str('GroupDescription');
    // There is no default VPC in Trellis for a group without one to land in.
    if (!p.has('VpcId')) throw handlerFailed(ctx, 'VpcId is required: Trellis has no default VPC.');
    const doc = await ec2(ctx, () => environment.createSecurityGroup(ctx.cp, ctx.call, {
      vpcId: p.str('VpcId'), groupDescription,
      groupName: p.optStr('GroupName') ?? generateName(ctx, { maxLength: 255, lattice: false }),
      ...rulesOf(ctx, p), tags: tagsOf(p),
    }));
    return groupResource(doc);
  },
  async update(ctx, groupId, props) {
    const p = reader(ctx, props);
    const doc = await ec2(ctx, () => environment.updateSecurityGroup(ctx.cp, ctx.call, groupId, { ...rulesOf(ctx, p), tags: tagsOf(p) }));
    return groupResource(doc);
  },
  async delete(ctx, groupId) {
    await ec2(ctx, () => environment.deleteSecurityGroup(ctx.cp, ctx.call, groupId));
  },
};

// ---- Instance -------------------------------------------------------------------------------

/** The tag that names an instance's or load balancer's VPC where EC2 would know it from a subnet. */
export const VPC_TAG = 'trellis:vpc';

/** The instance's VPC: the `trellis:vpc` tag, else the VPC of its security groups. */
export async function placeByGroups(ctx: ProviderContext, tags: Tags, groupIds: readonly string[]): Promise<string | undefined> {
  const tagged = tags[VPC_TAG];
  if (tagged) return tagged;
  for (const g of groupIds) {
    const vpcId = await environment.vpcOfSecurityGroup(ctx.cp, ctx.call, g);
    if (vpcId) return vpcId;
  }
  return undefined;
}

interface InstancePlacement { readonly vpcId: string; readonly privateIpAddress?: string; readonly groupIds: readonly string[] }

async function placementOf(ctx: ProviderContext, p: PropReader): Promise<InstancePlacement> {
  const nics = p.objects('NetworkInterfaces');
  const primary = nics.find((n) => n.optStr('DeviceIndex') === '0') ?? nics[0];
  const groupIds = [...p.optStrings('SecurityGroupIds') ?? [], ...nics.flatMap((n) => n.optStrings('GroupSet') ?? [])];
  const vpcId = await placeByGroups(ctx, tagsOf(p), groupIds);
  if (!vpcId) {
    throw handlerFailed(ctx, `Trellis cannot tell the VPC of instance ${ctx.logicalId}: give it SecurityGroupIds of a security group in the VPC, or the tag ${VPC_TAG} with the VPC id.`);
  }
  const privateIpAddress = p.optStr('PrivateIpAddress') ?? primary?.optStr('PrivateIpAddress');
  if (privateIpAddress !== undefined && isIP(privateIpAddress) === 0) {
    throw handlerFailed(ctx, `PrivateIpAddress ${privateIpAddress} is not an IP address.`);
  }
  return defined({ vpcId, privateIpAddress, groupIds });
}

function privateDnsName(region: string, ip: string | undefined): string | undefined {
  if (!ip || !isIPv4(ip)) return undefined;
  const host = `ip-${ip.replaceAll('.', '-')}`;
  return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

async function putInstance(ctx: ProviderContext, props: Properties, instanceId?: string) {
  const p = reader(ctx, props);
  const at = await placementOf(ctx, p);
  const availabilityZone = p.optStr('AvailabilityZone') ?? `${ctx.call.scope.region}a`;
  const dns = privateDnsName(ctx.call.scope.region, at.privateIpAddress);
  const extra = defined({
    availabilityZone, privateDnsName: dns, securityGroupIds: at.groupIds, subnetId: p.optStr('SubnetId'),
    imageId: p.optStr('ImageId'), instanceType: p.optStr('InstanceType') ?? 'm1.small', tags: tagsOf(p), state: 'running',
  });
  const spec = defined({ vpcId: at.vpcId, privateIpAddress: at.privateIpAddress, extra });
  const doc = await ec2(ctx, () => instanceId
    ? environment.putInstanceRecord(ctx.cp, ctx.call, spec, instanceId)
    : environment.putInstanceRecord(ctx.cp, ctx.call, spec));
  return {
    physicalId: doc.instanceId,
    attributes: defined({
      InstanceId: doc.instanceId, VpcId: at.vpcId, PrivateIp: at.privateIpAddress, PrivateDnsName: dns,
      AvailabilityZone: availabilityZone, State: { Code: '16', Name: 'running' }, 'State.Name': 'running', 'State.Code': '16',
    }),
  };
}

export const instanceProvider: ResourceProvider = {
  type: 'AWS::EC2::Instance',
  replacementPaths: createOnlyPaths('AWS::EC2::Instance'),
  async create(ctx, props) {
    return putInstance(ctx, props);
  },
  async update(ctx, instanceId, props, previous) {
    const before = await placementOf(ctx, reader(ctx, previous)).catch(() => undefined);
    const after = await placementOf(ctx, reader(ctx, props));
    if (before && before.vpcId !== after.vpcId) {
      throw handlerFailed(ctx, `An instance cannot move from ${before.vpcId} to ${after.vpcId}; change its SubnetId (or logical id) to replace it.`, 'NotUpdatable');
    }
    return putInstance(ctx, props, instanceId);
  },
  async delete(ctx, instanceId) {
    await ec2(ctx, () => environment.deleteEnvironmentRecord(ctx.cp, ctx.call, 'instance', instanceId));
  },
};
