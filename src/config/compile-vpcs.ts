import { isIP } from 'node:net';
import { vpcArn } from '../model/index.js';
import type { Place, ResourceRecord } from '../store/index.js';
import type { CompileContext } from './context.js';
import { field, Fields, reasonOf } from './narrow.js';
import type { IngressRule, SecurityGroupEntry, ServiceNetworkEntry, VpcAssociationEntry, VpcEntry } from './snapshot.js';

/**
 * VPCs, their association with a service network, and the association's security groups.
 *
 * - Every `vpc` record is a VPC; a VPC named by a routable association but without a record
 *   (the control plane registers them, but an older store may not have) is added bare.
 * - A VPC association routes in the statuses where AWS keeps it connected: ACTIVE, and while
 *   an update is in progress or has failed (the association still exists). It does not while
 *   CREATE_IN_PROGRESS: AWS connects a VPC once its association is ACTIVE, and the control
 *   plane settles that shortly after the create. An association whose network did not
 *   compile is a problem and is left out.
 * - Security groups: the `securitygroup` record's `doc.ingress`, a list of
 *   `{ipProtocol|protocol, fromPort?, toPort?, cidrIp|cidrIpv6|cidr | sourceSecurityGroupId}`
 *   (EC2's field names, camelCase). A group without a record or without `ingress` has rules
 *   Trellis does not know: `ingress` stays undefined, which admits everything. A rule naming
 *   another group stands for that group's VPC CIDR; when that is unknown the rule is dropped
 *   (it admits nothing Trellis can place) and named in `problems`. A group whose rules are
 *   malformed admits nothing (`ingress: []`) and is named in `problems`: security rules fail
 *   closed, never open.
 */

export const ROUTABLE_VPC_ASSOCIATION_STATUSES: readonly string[] = ['ACTIVE', 'UPDATE_IN_PROGRESS', 'UPDATE_FAILED'];

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', 'all': '-1' };

export function compileVpcs(ctx: CompileContext, networks: ReadonlyMap<string, ServiceNetworkEntry>): Map<string, VpcEntry> {
  const associations = compileAssociations(ctx, networks);
  const out = new Map<string, VpcEntry>();
  const add = (place: Place, vpcId: string, cidrBlock: string | undefined): void => {
    const association = associations.get(placed(place, vpcId));
    const taken = out.get(vpcId);
    // The same VPC id registered in two accounts: the one with an association wins.
    if (taken && (taken.association || !association)) return;
    out.set(vpcId, {
      vpcId, vpcArn: vpcArn({ partition: ctx.partitionOf(place), ...place }, vpcId),
      account: place.account, region: place.region,
      ...(cidrBlock ? { cidrBlock } : {}),
      ...(association ? { association } : {}),
    });
  };
  for (const rec of ctx.all('vpc')) {
    const cidr = field(rec.doc, 'cidrBlock');
    let cidrBlock: string | undefined;
    if (typeof cidr === 'string' && isCidr(cidr)) cidrBlock = cidr;
    else if (cidr !== undefined) ctx.problem('vpc', rec.id, `cidrBlock ${JSON.stringify(cidr)} is not a CIDR block; the VPC is kept without one`);
    add(rec, rec.id, cidrBlock);
  }
  for (const key of associations.keys()) {
    const [account, region, vpcId] = key.split('\0') as [string, string, string];
    if (!ctx.get('vpc', { account, region }, vpcId)) add({ account, region }, vpcId, undefined);
  }
  return out;
}

/** Routable associations by place + VPC id (a VPC has at most one). */
function compileAssociations(ctx: CompileContext, networks: ReadonlyMap<string, ServiceNetworkEntry>): Map<string, VpcAssociationEntry> {
  const out = new Map<string, VpcAssociationEntry>();
  for (const rec of ctx.all('servicenetworkvpcassociation')) {
    try {
      const f = Fields.of(rec.doc, '');
      if (!ROUTABLE_VPC_ASSOCIATION_STATUSES.includes(f.str('status'))) continue;
      const vpcId = f.str('vpcId');
      const serviceNetworkId = f.str('serviceNetworkId');
      if (!networks.has(serviceNetworkId)) throw new Error(`its service network ${serviceNetworkId} ${ctx.get('servicenetwork', rec, serviceNetworkId) ? 'could not be compiled' : 'does not exist'}`);
      const key = placed(rec, vpcId);
      const taken = out.get(key);
      if (taken) throw new Error(`VPC ${vpcId} is already associated with service network ${taken.serviceNetworkId} by ${taken.id}`);
      const groupIds = f.optStrings('securityGroupIds') ?? [];
      out.set(key, {
        id: rec.id, arn: f.str('arn'), serviceNetworkId,
        securityGroups: groupIds.map((id) => compileSecurityGroup(ctx, rec, id)),
      });
    } catch (err) {
      ctx.problem('servicenetworkvpcassociation', rec.id, reasonOf(err));
    }
  }
  return out;
}

function compileSecurityGroup(ctx: CompileContext, place: Place, id: string): SecurityGroupEntry {
  const rec = ctx.get('securitygroup', place, id);
  if (!rec || field(rec.doc, 'ingress') === undefined) return { id };
  try {
    const rules = Fields.of(rec.doc, '').objects('ingress');
    const ingress: IngressRule[] = [];
    rules.forEach((r, i) => {
      const rule = compileIngress(ctx, rec, r, i);
      if (rule) ingress.push(rule);
    });
    return { id, ingress };
  } catch (err) {
    ctx.problem('securitygroup', id, `${reasonOf(err)}; the group admits nothing until its rules are fixed`);
    return { id, ingress: [] };
  }
}

function compileIngress(ctx: CompileContext, group: ResourceRecord, r: Fields, index: number): IngressRule | undefined {
  const raw = (r.optStr('ipProtocol') ?? r.optStr('protocol') ?? '-1').toLowerCase();
  const protocol = PROTOCOL_NAMES[raw] ?? raw;
  const all = protocol === '-1';
  // EC2 writes -1 (or nothing) for "every port" of an all-protocols rule.
  const from = r.optInt('fromPort', -1, 65535);
  const to = r.optInt('toPort', -1, 65535);
  const fromPort = all || from === undefined || from < 0 ? 0 : from;
  const toPort = all || to === undefined || to < 0 ? 65535 : to;
  let cidr = r.optStr('cidrIp') ?? r.optStr('cidrIpv6') ?? r.optStr('cidr');
  const source = r.optStr('sourceSecurityGroupId');
  if (cidr === undefined && source !== undefined) {
    cidr = vpcCidrOfGroup(ctx, group, source);
    if (cidr === undefined) {
      ctx.problem('securitygroup', group.id, `ingress[${index}] names security group ${source}, whose VPC CIDR is unknown; the rule admits nothing`);
      return undefined;
    }
  }
  if (cidr === undefined || !isCidr(cidr)) throw new Error(`ingress[${index}] has no valid CIDR block or source security group`);
  return { protocol, fromPort, toPort, cidr };
}

function vpcCidrOfGroup(ctx: CompileContext, place: Place, groupId: string): string | undefined {
  const vpcId = field(ctx.get('securitygroup', place, groupId)?.doc, 'vpcId');
  if (typeof vpcId !== 'string') return undefined;
  const cidr = field(ctx.get('vpc', place, vpcId)?.doc, 'cidrBlock');
  return typeof cidr === 'string' && isCidr(cidr) ? cidr : undefined;
}

/** `a.b.c.d/n` or `v6::/n`, with a prefix length the family allows. */
export function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const family = isIP(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function placed(place: Place, id: string): string {
  return `${place.account}\0${place.region}\0${id}`;
}
