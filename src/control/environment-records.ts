import { randomBytes } from 'node:crypto';
import { AwsError, newId } from '../model/index.js';
import type { Place, ResourceRecord, StoreTx } from '../store/index.js';
import { isoNow, placeOf } from './common.js';
import type { CallContext, ControlPlane } from './context.js';
import { putInstance, putLoadBalancer, type InstanceDoc, type LoadBalancerDoc, type SecurityGroupDoc, type VpcDoc } from './vpcs.js';

/*
 * The EC2, ELB and IAM objects that CloudFormation declares beside Lattice's (AWS::EC2::VPC,
 * ::SecurityGroup, ::Instance, AWS::ElasticLoadBalancingV2::LoadBalancer, AWS::IAM::Role,
 * ::OIDCProvider). On AWS each is another service's; here each is a record that Lattice and
 * the data plane read: a VPC's CIDR, a security group's rules, an instance's address, a load
 * balancer's address, a role's trust policy. Every write is one transaction, as for Lattice's
 * own calls; errors carry the other services' own codes (EC2's DependencyViolation, IAM's
 * EntityAlreadyExists) so a stack event reads as it would on AWS.
 */

type Tags = Readonly<Record<string, string>>;

/** One EC2 rule, in the shape the snapshot compiler reads (config/compile-vpcs.ts). */
export interface SecurityGroupRule {
  readonly ipProtocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrIp?: string;
  readonly cidrIpv6?: string;
  readonly sourceSecurityGroupId?: string;
  readonly destinationSecurityGroupId?: string;
  readonly description?: string;
}

export interface ExplicitVpcDoc extends VpcDoc {
  readonly defaultSecurityGroup: string;
  readonly defaultNetworkAcl: string;
  readonly cidrBlockAssociations: readonly string[];
  readonly enableDnsSupport: boolean;
  readonly enableDnsHostnames: boolean;
  readonly instanceTenancy: string;
  readonly tags: Tags;
}

export interface ExplicitSecurityGroupDoc extends SecurityGroupDoc {
  readonly groupName: string;
  readonly groupDescription: string;
  readonly ingress: readonly SecurityGroupRule[];
  readonly egress: readonly SecurityGroupRule[];
  /** The group EC2 creates with each VPC; it goes with its VPC. */
  readonly isDefault?: boolean;
  readonly tags: Tags;
}

function ec2Id(prefix: string): string {
  return newId(prefix);
}

function dependencyViolation(message: string): AwsError {
  return new AwsError('DependencyViolation', message, {}, 400);
}

// ---- VPCs -----------------------------------------------------------------------------------

export interface VpcSpec {
  readonly cidrBlock: string;
  readonly enableDnsSupport?: boolean;
  readonly enableDnsHostnames?: boolean;
  readonly instanceTenancy?: string;
  readonly tags?: Tags;
}

/**
 * Creates a VPC with its default security group (which admits traffic from its own members,
 * i.e. the VPC's CIDR, as EC2's default group does) and the ids EC2 reports with it.
 */
export async function createVpc(cp: ControlPlane, call: CallContext, spec: VpcSpec): Promise<ExplicitVpcDoc> {
  const place = placeOf(call);
  const now = isoNow(cp);
  const vpcId = ec2Id('vpc');
  const groupId = ec2Id('sg');
  const doc: ExplicitVpcDoc = {
    vpcId, cidrBlock: spec.cidrBlock, source: 'explicit', createdAt: now,
    defaultSecurityGroup: groupId, defaultNetworkAcl: ec2Id('acl'), cidrBlockAssociations: [ec2Id('vpc-cidr-assoc')],
    enableDnsSupport: spec.enableDnsSupport ?? true, enableDnsHostnames: spec.enableDnsHostnames ?? false,
    instanceTenancy: spec.instanceTenancy ?? 'default', tags: spec.tags ?? {},
  };
  const group: ExplicitSecurityGroupDoc = {
    groupId, vpcId, source: 'explicit', createdAt: now, groupName: 'default', groupDescription: 'default VPC security group',
    ingress: [{ ipProtocol: '-1', sourceSecurityGroupId: groupId }], egress: [{ ipProtocol: '-1', cidrIp: '0.0.0.0/0' }],
    isDefault: true, tags: {},
  };
  await cp.store.transact(async (tx) => {
    await tx.put({ kind: 'vpc', ...place, id: vpcId, parentId: '', name: '', refs: [], doc });
    await putGroup(tx, place, group);
  });
  return doc;
}

/** Changes what may change in place (DNS settings, tenancy, tags); the CIDR is fixed. */
export async function updateVpc(cp: ControlPlane, call: CallContext, vpcId: string, spec: Omit<VpcSpec, 'cidrBlock'>): Promise<ExplicitVpcDoc> {
  return cp.store.transact(async (tx) => {
    const rec = await mustGet<ExplicitVpcDoc>(tx, 'vpc', placeOf(call), vpcId, 'InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
    const doc: ExplicitVpcDoc = {
      ...rec.doc,
      enableDnsSupport: spec.enableDnsSupport ?? true, enableDnsHostnames: spec.enableDnsHostnames ?? false,
      instanceTenancy: spec.instanceTenancy ?? rec.doc.instanceTenancy, tags: spec.tags ?? {},
    };
    await tx.put({ ...rec, doc });
    return doc;
  });
}

/**
 * Deletes a VPC and its default security group. Like EC2, refuses while something lives in
 * it: its other security groups, instances, load balancers, service-network associations and
 * resource gateways (registered explicitly: ids Trellis only saw in passing hold nothing).
 * A VPC that is already gone is not an error (returns false).
 */
export async function deleteVpc(cp: ControlPlane, call: CallContext, vpcId: string): Promise<boolean> {
  const place = placeOf(call);
  return cp.store.transact(async (tx) => {
    const rec = await tx.get<VpcDoc>('vpc', place, vpcId);
    if (!rec) return false;
    const users = (await tx.referrers(place, vpcId, ['securitygroup', 'instance', 'loadbalancer', 'servicenetworkvpcassociation', 'resourcegateway']))
      .filter((r) => !(r.kind === 'securitygroup' && r.doc.isDefault === true) && r.doc.source !== 'auto');
    if (users.length > 0) {
      throw dependencyViolation(`The vpc '${vpcId}' has dependencies and cannot be deleted. (In use by ${users.map((u) => u.id).join(', ')}.)`);
    }
    for (const g of await tx.referrers(place, vpcId, ['securitygroup'])) await tx.delete('securitygroup', place, g.id);
    await tx.delete('vpc', place, vpcId);
    return true;
  });
}

// ---- security groups ------------------------------------------------------------------------

export interface SecurityGroupSpec {
  readonly vpcId: string;
  readonly groupName: string;
  readonly groupDescription: string;
  readonly ingress: readonly SecurityGroupRule[];
  readonly egress: readonly SecurityGroupRule[];
  readonly tags?: Tags;
}

async function putGroup(tx: StoreTx, place: Place, doc: ExplicitSecurityGroupDoc): Promise<void> {
  await tx.put({ kind: 'securitygroup', ...place, id: doc.groupId, parentId: doc.vpcId ?? '', name: doc.groupName, refs: doc.vpcId ? [doc.vpcId] : [], doc });
}

/**
 * Creates a security group in a VPC Trellis knows (EC2 answers InvalidVpcID.NotFound
 * otherwise); names are unique per VPC (InvalidGroup.Duplicate).
 */
export async function createSecurityGroup(cp: ControlPlane, call: CallContext, spec: SecurityGroupSpec): Promise<ExplicitSecurityGroupDoc> {
  const place = placeOf(call);
  return cp.store.transact(async (tx) => {
    await mustGet(tx, 'vpc', place, spec.vpcId, 'InvalidVpcID.NotFound', `The vpc ID '${spec.vpcId}' does not exist`);
    if (await tx.getByName('securitygroup', place, spec.vpcId, spec.groupName)) {
      throw new AwsError('InvalidGroup.Duplicate', `The security group '${spec.groupName}' already exists for VPC '${spec.vpcId}'`, {}, 400);
    }
    const doc: ExplicitSecurityGroupDoc = {
      groupId: ec2Id('sg'), vpcId: spec.vpcId, source: 'explicit', createdAt: isoNow(cp), groupName: spec.groupName,
      groupDescription: spec.groupDescription, ingress: spec.ingress, egress: spec.egress, tags: spec.tags ?? {},
    };
    await putGroup(tx, place, doc);
    return doc;
  });
}

/** Replaces a group's rules and tags (what EC2 changes in place). */
export async function updateSecurityGroup(
  cp: ControlPlane, call: CallContext, groupId: string, change: Pick<SecurityGroupSpec, 'ingress' | 'egress' | 'tags'>,
): Promise<ExplicitSecurityGroupDoc> {
  return cp.store.transact(async (tx) => {
    const place = placeOf(call);
    const rec = await mustGet<ExplicitSecurityGroupDoc>(tx, 'securitygroup', place, groupId, 'InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
    const doc: ExplicitSecurityGroupDoc = { ...rec.doc, ingress: change.ingress, egress: change.egress, tags: change.tags ?? {} };
    await putGroup(tx, place, doc);
    return doc;
  });
}

/**
 * Deletes a security group unless a VPC association or resource gateway uses it (EC2: "resource
 * sg-… has a dependent object"). A group that is already gone answers false.
 */
export async function deleteSecurityGroup(cp: ControlPlane, call: CallContext, groupId: string): Promise<boolean> {
  const place = placeOf(call);
  return cp.store.transact(async (tx) => {
    const rec = await tx.get<ExplicitSecurityGroupDoc>('securitygroup', place, groupId);
    if (!rec) return false;
    if (rec.doc.isDefault) throw new AwsError('CannotDelete', `the specified group: "${groupId}" name: "default" cannot be deleted by a user`, {}, 400);
    const users = await tx.referrers(place, groupId, ['servicenetworkvpcassociation', 'resourcegateway']);
    if (users.length > 0) throw dependencyViolation(`resource ${groupId} has a dependent object (${users.map((u) => u.id).join(', ')})`);
    await tx.delete('securitygroup', place, groupId);
    return true;
  });
}

/** The VPC of a known security group, so an instance or load balancer can be placed by its groups. */
export async function vpcOfSecurityGroup(cp: ControlPlane, call: CallContext, groupId: string): Promise<string | undefined> {
  const rec = await cp.store.get<SecurityGroupDoc>('securitygroup', placeOf(call), groupId);
  return rec?.doc.vpcId;
}

// ---- instances and load balancers -----------------------------------------------------------

export interface InstanceSpec {
  readonly vpcId: string;
  readonly privateIpAddress?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Registers an instance (a new id unless `instanceId` is given) with its VPC and address. */
export async function putInstanceRecord(cp: ControlPlane, call: CallContext, spec: InstanceSpec, instanceId = newId('i')): Promise<InstanceDoc> {
  const place = placeOf(call);
  return cp.store.transact(async (tx) => {
    await mustGet(tx, 'vpc', place, spec.vpcId, 'InvalidVpcID.NotFound', `The vpc ID '${spec.vpcId}' does not exist`);
    const rec = await putInstance(tx, place, instanceId, spec.vpcId, spec.privateIpAddress, isoNow(cp));
    if (!spec.extra) return rec.doc;
    const doc: InstanceDoc = { ...spec.extra, ...rec.doc };
    await tx.put({ ...rec, doc });
    return doc;
  });
}

export interface LoadBalancerSpec {
  readonly arn: string;
  readonly address: string;
  readonly vpcId?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Registers (or re-registers) an application load balancer by its ARN with the address traffic goes to. */
export async function putLoadBalancerRecord(cp: ControlPlane, call: CallContext, spec: LoadBalancerSpec): Promise<LoadBalancerDoc> {
  const place = placeOf(call);
  return cp.store.transact(async (tx) => {
    const rec = await putLoadBalancer(tx, place, spec.arn, spec.address, spec.vpcId, isoNow(cp));
    if (!spec.extra) return rec.doc;
    const doc: LoadBalancerDoc = { ...spec.extra, ...rec.doc };
    await tx.put({ ...rec, doc });
    return doc;
  });
}

/** Removes an environment record of these kinds; false when it was already gone. */
export async function deleteEnvironmentRecord(cp: ControlPlane, call: CallContext, kind: 'instance' | 'loadbalancer', id: string): Promise<boolean> {
  return cp.store.transact((tx) => tx.delete(kind, placeOf(call), id));
}

// ---- IAM ------------------------------------------------------------------------------------

/**
 * IAM is global: its records live in the account with region '' so that every Region sees
 * the same roles and providers. The auth issue reads them through `getIamRole` /
 * `getOidcProvider` and these place rules.
 */
export function iamPlace(call: CallContext): Place {
  return { account: call.scope.account, region: '' };
}

/** What a template says of a role. */
export interface IamRoleSpec {
  readonly roleName: string;
  readonly path: string;
  /** The trust policy, parsed. */
  readonly assumeRolePolicyDocument: unknown;
  readonly description?: string;
  readonly maxSessionDuration: number;
  readonly managedPolicyArns: readonly string[];
  /** Inline policies, their documents parsed. */
  readonly policies: readonly { readonly policyName: string; readonly policyDocument: unknown }[];
  readonly permissionsBoundary?: string;
  readonly tags: Tags;
}

export interface IamRoleDoc extends IamRoleSpec {
  [k: string]: unknown;
  readonly roleId: string;
  readonly arn: string;
  readonly createDate: string;
}

const ROLE_ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function roleId(): string {
  return 'AROA' + [...randomBytes(17)].map((b) => ROLE_ID_CHARS[b % ROLE_ID_CHARS.length]).join('');
}

/** Role names are unique per account, case-insensitively, as IAM's are. */
function roleKey(name: string): string {
  return name.toLowerCase();
}

export async function createIamRole(cp: ControlPlane, call: CallContext, spec: IamRoleSpec): Promise<IamRoleDoc> {
  const place = iamPlace(call);
  return cp.store.transact(async (tx) => {
    if (await tx.get('iamrole', place, roleKey(spec.roleName))) {
      throw new AwsError('EntityAlreadyExists', `Role with name ${spec.roleName} already exists.`, {}, 409);
    }
    const doc: IamRoleDoc = {
      ...spec, roleId: roleId(), createDate: isoNow(cp),
      arn: `arn:${call.scope.partition}:iam::${call.scope.account}:role${spec.path}${spec.roleName}`,
    };
    await tx.put({ kind: 'iamrole', ...place, id: roleKey(spec.roleName), parentId: '', name: spec.roleName, refs: [], doc });
    return doc;
  });
}

export async function updateIamRole(cp: ControlPlane, call: CallContext, spec: IamRoleSpec): Promise<IamRoleDoc> {
  const place = iamPlace(call);
  return cp.store.transact(async (tx) => {
    const rec = await mustGet<IamRoleDoc>(tx, 'iamrole', place, roleKey(spec.roleName), 'NoSuchEntity', `The role with name ${spec.roleName} cannot be found.`, 404);
    const doc: IamRoleDoc = { ...spec, roleId: rec.doc.roleId, arn: rec.doc.arn, createDate: rec.doc.createDate, path: rec.doc.path };
    await tx.put({ ...rec, doc });
    return doc;
  });
}

export async function getIamRole(cp: ControlPlane, call: CallContext, roleName: string): Promise<IamRoleDoc | undefined> {
  return (await cp.store.get<IamRoleDoc>('iamrole', iamPlace(call), roleKey(roleName)))?.doc;
}

export async function deleteIamRole(cp: ControlPlane, call: CallContext, roleName: string): Promise<boolean> {
  return cp.store.transact((tx) => tx.delete('iamrole', iamPlace(call), roleKey(roleName)));
}

export interface OidcProviderSpec {
  readonly url: string;
  readonly clientIdList: readonly string[];
  readonly thumbprintList: readonly string[];
  readonly tags: Tags;
}

export interface OidcProviderDoc extends OidcProviderSpec {
  [k: string]: unknown;
  readonly arn: string;
  readonly createDate: string;
}

/** `https://token.actions.githubusercontent.com/x` → `token.actions.githubusercontent.com/x`: the ARN's resource part. */
export function oidcProviderKey(url: string): string {
  return url.replace(/^https:\/\//i, '').replace(/\/+$/, '');
}

export async function createOidcProvider(cp: ControlPlane, call: CallContext, spec: OidcProviderSpec): Promise<OidcProviderDoc> {
  const place = iamPlace(call);
  const key = oidcProviderKey(spec.url);
  return cp.store.transact(async (tx) => {
    if (await tx.get('oidcprovider', place, key)) {
      throw new AwsError('EntityAlreadyExists', `Provider with url ${spec.url} already exists.`, {}, 409);
    }
    const doc: OidcProviderDoc = { ...spec, arn: `arn:${call.scope.partition}:iam::${call.scope.account}:oidc-provider/${key}`, createDate: isoNow(cp) };
    await tx.put({ kind: 'oidcprovider', ...place, id: key, parentId: '', name: '', refs: [], doc });
    return doc;
  });
}

export async function updateOidcProvider(cp: ControlPlane, call: CallContext, spec: OidcProviderSpec): Promise<OidcProviderDoc> {
  const place = iamPlace(call);
  const key = oidcProviderKey(spec.url);
  return cp.store.transact(async (tx) => {
    const rec = await mustGet<OidcProviderDoc>(tx, 'oidcprovider', place, key, 'NoSuchEntity', `OpenIDConnect provider ${key} not found.`, 404);
    const doc: OidcProviderDoc = { ...spec, arn: rec.doc.arn, createDate: rec.doc.createDate };
    await tx.put({ ...rec, doc });
    return doc;
  });
}

const OIDC_MARK = ':oidc-provider/';

function oidcKeyOf(arnOrUrl: string): string {
  return arnOrUrl.startsWith('arn:') && arnOrUrl.includes(OIDC_MARK) ? arnOrUrl.slice(arnOrUrl.indexOf(OIDC_MARK) + OIDC_MARK.length) : oidcProviderKey(arnOrUrl);
}

/** The provider an ARN or URL names. */
export async function getOidcProvider(cp: ControlPlane, call: CallContext, arnOrUrl: string): Promise<OidcProviderDoc | undefined> {
  return (await cp.store.get<OidcProviderDoc>('oidcprovider', iamPlace(call), oidcKeyOf(arnOrUrl)))?.doc;
}

/** Deletes the provider an ARN or URL names; false when it was already gone. */
export async function deleteOidcProvider(cp: ControlPlane, call: CallContext, arnOrUrl: string): Promise<boolean> {
  return cp.store.transact((tx) => tx.delete('oidcprovider', iamPlace(call), oidcKeyOf(arnOrUrl)));
}

// ---- shared ---------------------------------------------------------------------------------

async function mustGet<D>(
  tx: StoreTx, kind: 'vpc' | 'securitygroup' | 'iamrole' | 'oidcprovider', place: Place, id: string, code: string, message: string, status = 400,
): Promise<ResourceRecord<D>> {
  const rec = await tx.get<D>(kind, place, id);
  if (!rec) throw new AwsError(code, message, {}, status);
  return rec;
}
