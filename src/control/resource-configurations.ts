import { conflict, fieldError, parseIdentifier } from '../model/index.js';
import type * as T from '../model/index.js';
import type { Place, ResourceRecord, StoreReader, StoreTx } from '../store/index.js';
import {
  assertNameFree, cascadeDelete, checkQuota, checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve,
} from './common.js';
import type { CallContext, ControlPlane, Handlers } from './context.js';
import type { DomainVerificationDoc } from './domain-verifications.js';
import {
  checkDefinition, invalid, isDomainName, isWithinDomain, parsePortRanges, type GatewayFacts,
} from './resource-configuration-rules.js';
import type { ResourceGatewayDoc } from './resource-gateways.js';
import { associateNewChild, dropChildAssociations, ownAssociationCount } from './service-network-resource-associations.js';
import type { VpcDoc } from './vpcs.js';

/**
 * What a resource configuration record keeps: GetResourceConfiguration's members, except
 * `domainVerificationStatus`, which is read live from the verification. A CHILD stores
 * what it inherits from its group (gateway, protocol, and port ranges it does not set).
 */
export interface ResourceConfigurationDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly type: T.ResourceConfigurationType;
  readonly status: T.ResourceConfigurationStatus;
  readonly resourceGatewayId?: string;
  readonly resourceConfigurationGroupId?: string;
  readonly portRanges?: readonly string[];
  readonly protocol: T.ProtocolType;
  readonly resourceConfigurationDefinition?: T.ResourceConfigurationDefinition;
  readonly allowAssociationToShareableServiceNetwork: boolean;
  readonly customDomainName?: string;
  readonly groupDomain?: string;
  readonly domainVerificationId?: string;
  readonly domainVerificationArn?: string;
  readonly amazonManaged: boolean;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly failureReason?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

type Doc = ResourceConfigurationDoc;
type Input = T.CreateResourceConfigurationRequest;
const KIND = 'resourceconfiguration';

/** Types that name their own gateway; a CHILD inherits its group's. */
const OWN_GATEWAY: readonly T.ResourceConfigurationType[] = ['SINGLE', 'GROUP', 'ARN', 'CIDR'];
/** Types that take port ranges; an ARN resource's ports come from the AWS resource itself. */
const WITH_PORTS: readonly T.ResourceConfigurationType[] = ['SINGLE', 'GROUP', 'CHILD', 'CIDR'];
/** Types whose association to a shareable network is their own choice (a CHILD follows its group). */
const SHAREABLE_CHOICE: readonly T.ResourceConfigurationType[] = ['SINGLE', 'GROUP', 'ARN'];
/** Types that name one resource and so may carry a custom domain name. */
const CUSTOM_DOMAIN: readonly T.ResourceConfigurationType[] = ['SINGLE', 'CHILD', 'ARN'];

async function gatewayFacts(tx: StoreReader, place: Place, gw: ResourceGatewayDoc): Promise<GatewayFacts> {
  const vpc = await tx.get<VpcDoc>('vpc', place, gw.vpcId);
  return compact({ ipAddressType: gw.ipAddressType, vpcCidr: vpc?.doc.cidrBlock });
}

/** The rules between members that hold whatever the records say (no look-ups). */
function checkMembers(input: Input): void {
  const { type } = input;
  if (OWN_GATEWAY.includes(type)) {
    if (!input.resourceGatewayIdentifier) throw fieldError('resourceGatewayIdentifier', 'Member must not be null');
    if (input.resourceConfigurationGroupIdentifier) throw invalid('resourceConfigurationGroupIdentifier', `Only a CHILD resource configuration has a group; this one is ${type}.`);
  } else {
    if (!input.resourceConfigurationGroupIdentifier) throw fieldError('resourceConfigurationGroupIdentifier', 'Member must not be null');
    if (input.resourceGatewayIdentifier) throw invalid('resourceGatewayIdentifier', 'A CHILD resource configuration inherits the resource gateway of its group.');
    if (input.protocol) throw invalid('protocol', 'A CHILD resource configuration inherits the protocol of its group.');
  }
  if (input.protocol === 'TCP_UDP' && type !== 'CIDR') throw invalid('protocol', 'TCP_UDP is supported only for CIDR resource configurations.');
  if (input.portRanges) {
    if (!WITH_PORTS.includes(type)) throw invalid('portRanges', `A resource configuration of type ${type} has no port ranges.`);
    parsePortRanges(input.portRanges);
  } else if (type !== 'ARN' && type !== 'CHILD') {
    throw fieldError('portRanges', 'Member must not be null');
  }
  if (input.allowAssociationToShareableServiceNetwork && !SHAREABLE_CHOICE.includes(type)) {
    throw invalid('allowAssociationToShareableServiceNetwork', `A resource configuration of type ${type} cannot set allowAssociationToShareableServiceNetwork.`);
  }
  if (input.groupDomain !== undefined) {
    if (type !== 'GROUP') throw invalid('groupDomain', 'Only a GROUP resource configuration has a group domain.');
    if (!isDomainName(input.groupDomain)) throw invalid('groupDomain', `${input.groupDomain} is not a valid domain name`);
  }
  if (input.customDomainName !== undefined) {
    if (!CUSTOM_DOMAIN.includes(type)) throw invalid('customDomainName', `A resource configuration of type ${type} cannot have a custom domain name${type === 'GROUP' ? '; use groupDomain' : ''}.`);
    if (!isDomainName(input.customDomainName)) throw invalid('customDomainName', `${input.customDomainName} is not a valid domain name`);
  }
  if (input.domainVerificationIdentifier && input.customDomainName === undefined && input.groupDomain === undefined) {
    throw invalid('domainVerificationIdentifier', 'A domain verification proves a customDomainName or groupDomain; neither is given.');
  }
}

/** Resolves the verification and checks it covers the domain it is meant to prove. */
async function verification(tx: StoreReader, call: CallContext, identifier: string, domain: string): Promise<DomainVerificationDoc> {
  const dv = (await resolve<DomainVerificationDoc>(tx, call, 'domainverification', identifier)).doc;
  if (!isWithinDomain(domain, dv.domainName)) {
    throw invalid('domainVerificationIdentifier', `Domain verification ${dv.id} is for ${dv.domainName}, which does not cover ${domain}.`);
  }
  return dv;
}

async function create(cp: ControlPlane, tx: StoreTx, call: CallContext, input: Input): Promise<T.CreateResourceConfigurationResponse> {
  const place = placeOf(call);
  await assertNameFree(tx, KIND, place, '', input.name, 'Resource configuration');
  checkQuota(cp, 'resourceConfigurationsPerRegion', await tx.count(KIND, place), 'RESOURCE_CONFIGURATION', 'resource configurations per region');
  let group: Doc | undefined;
  let gateway: ResourceGatewayDoc;
  if (input.type === 'CHILD') {
    group = (await resolve<Doc>(tx, call, KIND, input.resourceConfigurationGroupIdentifier!)).doc;
    if (group.type !== 'GROUP') throw invalid('resourceConfigurationGroupIdentifier', `Resource configuration ${group.id} is of type ${group.type}, not GROUP.`);
    checkQuota(cp, 'childResourceConfigurationsPerGroup', await tx.count(KIND, place, { ref: group.id }), 'RESOURCE_CONFIGURATION', 'child resource configurations per group', group.id);
    gateway = (await resolve<ResourceGatewayDoc>(tx, call, 'resourcegateway', group.resourceGatewayId!)).doc;
    if (input.customDomainName && group.groupDomain && !isWithinDomain(input.customDomainName, group.groupDomain)) {
      throw invalid('customDomainName', `${input.customDomainName} is not within the group domain ${group.groupDomain} of ${group.id}.`);
    }
  } else {
    gateway = (await resolve<ResourceGatewayDoc>(tx, call, 'resourcegateway', input.resourceGatewayIdentifier!)).doc;
  }
  // How the gateway resolves DNS decides which types it can serve.
  if (input.type === 'CIDR' && gateway.resourceConfigDnsResolution !== 'IN_VPC') {
    throw invalid('resourceGatewayIdentifier', `A CIDR resource configuration needs a resource gateway whose resourceConfigDnsResolution is IN_VPC; ${gateway.id} is ${gateway.resourceConfigDnsResolution}.`);
  }
  if (input.type === 'ARN' && gateway.resourceConfigDnsResolution === 'IN_VPC') {
    throw invalid('resourceGatewayIdentifier', `An IN_VPC resource gateway (${gateway.id}) cannot be used for ARN resource configurations.`);
  }
  checkDefinition(input.type, input.resourceConfigurationDefinition, await gatewayFacts(tx, place, gateway));

  const domain = input.customDomainName ?? input.groupDomain;
  let dv = input.domainVerificationIdentifier ? await verification(tx, call, input.domainVerificationIdentifier, domain!) : undefined;
  // "Child resources inherit the verification status of the domain" of their group.
  if (!dv && group?.domainVerificationId && input.customDomainName) {
    dv = (await tx.get<DomainVerificationDoc>('domainverification', place, group.domainVerificationId))?.doc;
  }

  const { id, arn } = mint(call.scope, KIND);
  const now = isoNow(cp);
  const doc: Doc = compact({
    id, arn, name: input.name, type: input.type, status: 'CREATE_IN_PROGRESS' as const, resourceGatewayId: gateway.id,
    resourceConfigurationGroupId: group?.id, portRanges: input.portRanges ?? group?.portRanges,
    protocol: group?.protocol ?? input.protocol ?? 'TCP', resourceConfigurationDefinition: input.resourceConfigurationDefinition,
    allowAssociationToShareableServiceNetwork: group?.allowAssociationToShareableServiceNetwork ?? input.allowAssociationToShareableServiceNetwork ?? false,
    customDomainName: input.customDomainName, groupDomain: input.groupDomain, domainVerificationId: dv?.id, domainVerificationArn: dv?.arn,
    amazonManaged: false, createdAt: now, lastUpdatedAt: now, tags: input.tags,
  });
  const refs = [gateway.id, ...(group ? [group.id] : []), ...(dv ? [dv.id] : [])];
  await tx.put({ kind: KIND, ...place, id, parentId: '', name: input.name, refs, doc });
  cp.lifecycle.schedule(KIND, place, id);
  if (group) await associateNewChild(cp, tx, call, doc, group.id);
  return compact({
    id, name: doc.name, arn, resourceGatewayId: doc.resourceGatewayId, resourceConfigurationGroupId: doc.resourceConfigurationGroupId,
    type: doc.type, portRanges: doc.portRanges, protocol: doc.protocol, status: doc.status,
    resourceConfigurationDefinition: doc.resourceConfigurationDefinition,
    allowAssociationToShareableServiceNetwork: doc.allowAssociationToShareableServiceNetwork, createdAt: now,
    customDomainName: doc.customDomainName, domainVerificationId: doc.domainVerificationId, groupDomain: doc.groupDomain,
    domainVerificationArn: doc.domainVerificationArn,
  });
}

function summary(d: Doc): T.ResourceConfigurationSummary {
  return compact({
    id: d.id, name: d.name, arn: d.arn, resourceGatewayId: d.resourceGatewayId, resourceConfigurationGroupId: d.resourceConfigurationGroupId,
    type: d.type, status: d.status, amazonManaged: d.amazonManaged, createdAt: d.createdAt, lastUpdatedAt: d.lastUpdatedAt,
    customDomainName: d.customDomainName, domainVerificationId: d.domainVerificationId, groupDomain: d.groupDomain,
  });
}

/** The id a List filter names; null when it names nothing here, so the list is empty (List declares no 404). */
function filterId(call: CallContext, identifier: string | undefined, kind: 'resourcegateway' | 'resourceconfiguration' | 'domainverification'): string | undefined | null {
  if (identifier === undefined) return undefined;
  const ref = parseIdentifier(identifier);
  if (!ref || ref.kind !== kind) return null;
  if (ref.arn && (ref.arn.account !== call.scope.account || ref.arn.region !== call.scope.region)) return null;
  return ref.id;
}

export const resourceConfigurationHandlers: Handlers = {
  async CreateResourceConfiguration(cp, call, input) {
    checkTags(cp, input.tags);
    checkMembers(input);
    return cp.store.transact((tx) => idempotent(tx, call, 'CreateResourceConfiguration', input.clientToken, input, cp.now(), () => create(cp, tx, call, input)));
  },

  async GetResourceConfiguration(cp, call, input) {
    const { doc: d } = await resolve<Doc>(cp.store, call, KIND, input.resourceConfigurationIdentifier);
    const dv = d.domainVerificationId ? await cp.store.get<DomainVerificationDoc>('domainverification', placeOf(call), d.domainVerificationId) : undefined;
    return compact({
      ...summary(d), allowAssociationToShareableServiceNetwork: d.allowAssociationToShareableServiceNetwork, portRanges: d.portRanges,
      protocol: d.protocol, resourceConfigurationDefinition: d.resourceConfigurationDefinition, failureReason: d.failureReason,
      domainVerificationArn: d.domainVerificationArn, domainVerificationStatus: dv?.doc.status,
    });
  },

  async ListResourceConfigurations(cp, call, input) {
    const gw = filterId(call, input.resourceGatewayIdentifier, 'resourcegateway');
    const group = filterId(call, input.resourceConfigurationGroupIdentifier, 'resourceconfiguration');
    const dv = filterId(call, input.domainVerificationIdentifier, 'domainverification');
    if (gw === null || group === null || dv === null) return { items: [] };
    const ref = gw ?? group ?? dv;
    const keep = (r: ResourceRecord<Doc>): boolean => (gw === undefined || r.doc.resourceGatewayId === gw)
      && (group === undefined || r.doc.resourceConfigurationGroupId === group) && (dv === undefined || r.doc.domainVerificationId === dv);
    const page = await paginate<Doc, T.ResourceConfigurationSummary>(cp.store, placeOf(call), KIND, ref ? { ref } : {}, input, (r) => summary(r.doc), ref ? keep : undefined);
    return compact(page);
  },

  /**
   * Changes what the model lets change (definition, port ranges, shareability) under the
   * same per-type rules as create. An ACTIVE configuration reports UPDATE_IN_PROGRESS.
   */
  async UpdateResourceConfiguration(cp, call, input) {
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const rec = await resolve<Doc>(tx, call, KIND, input.resourceConfigurationIdentifier);
      const cur = rec.doc;
      if (input.resourceConfigurationDefinition !== undefined) {
        const gw = cur.resourceGatewayId ? await tx.get<ResourceGatewayDoc>('resourcegateway', place, cur.resourceGatewayId) : undefined;
        checkDefinition(cur.type, input.resourceConfigurationDefinition, gw ? await gatewayFacts(tx, place, gw.doc) : undefined);
      }
      if (input.portRanges !== undefined) {
        if (!WITH_PORTS.includes(cur.type)) throw invalid('portRanges', `A resource configuration of type ${cur.type} has no port ranges.`);
        parsePortRanges(input.portRanges);
      }
      const share = input.allowAssociationToShareableServiceNetwork;
      if (share !== undefined && share !== cur.allowAssociationToShareableServiceNetwork) {
        if (!SHAREABLE_CHOICE.includes(cur.type)) {
          throw invalid('allowAssociationToShareableServiceNetwork', `A resource configuration of type ${cur.type} cannot set allowAssociationToShareableServiceNetwork.`);
        }
        if (!share) await assertNotInShareableNetwork(tx, place, cur.id);
      }
      const next: Doc = compact({
        ...cur,
        resourceConfigurationDefinition: input.resourceConfigurationDefinition ?? cur.resourceConfigurationDefinition,
        portRanges: input.portRanges ?? cur.portRanges,
        allowAssociationToShareableServiceNetwork: share ?? cur.allowAssociationToShareableServiceNetwork,
      });
      const changed = JSON.stringify(next) !== JSON.stringify(cur);
      let doc = next;
      if (changed) {
        doc = { ...next, status: cur.status === 'ACTIVE' ? 'UPDATE_IN_PROGRESS' : cur.status, lastUpdatedAt: isoNow(cp) };
        await tx.put({ ...rec, doc });
        // A GROUP's shareability is its children's (they follow their group).
        if (cur.type === 'GROUP' && share !== undefined) {
          for (const child of await tx.list<Doc>(KIND, place, { ref: cur.id })) {
            await tx.put({ ...child, doc: { ...child.doc, allowAssociationToShareableServiceNetwork: share } });
          }
        }
        if (doc.status === 'UPDATE_IN_PROGRESS') cp.lifecycle.schedule(KIND, place, rec.id);
      }
      return compact({
        id: doc.id, name: doc.name, arn: doc.arn, resourceGatewayId: doc.resourceGatewayId, resourceConfigurationGroupId: doc.resourceConfigurationGroupId,
        type: doc.type, portRanges: doc.portRanges, allowAssociationToShareableServiceNetwork: doc.allowAssociationToShareableServiceNetwork,
        protocol: doc.protocol, status: doc.status, resourceConfigurationDefinition: doc.resourceConfigurationDefinition,
      });
    });
  },

  /**
   * Refused while the configuration is in use: associated with a service network, with a
   * VPC endpoint, or (a GROUP) still holding children. A CHILD's associations through its
   * group go with it; its policies and access-log subscriptions too.
   */
  async DeleteResourceConfiguration(cp, call, input) {
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const rec = await resolve<Doc>(tx, call, KIND, input.resourceConfigurationIdentifier);
      if (await ownAssociationCount(tx, place, rec.id) > 0) {
        throw conflict('RESOURCE_CONFIGURATION', rec.id, `ResourceConfiguration ${rec.id} is associated with service network(s).`);
      }
      if (await tx.count('resourceendpointassociation', place, { ref: rec.id }) > 0) {
        throw conflict('RESOURCE_CONFIGURATION', rec.id, `ResourceConfiguration ${rec.id} is associated with VPC endpoint(s).`);
      }
      if (rec.doc.type === 'GROUP' && await tx.count(KIND, place, { ref: rec.id }) > 0) {
        throw conflict('RESOURCE_CONFIGURATION', rec.id, `ResourceConfiguration ${rec.id} has child resource configuration(s).`);
      }
      await dropChildAssociations(tx, place, rec.id);
      await cascadeDelete(tx, place, rec.id, ['authpolicy', 'resourcepolicy', 'accesslogsubscription']);
      await tx.delete(KIND, place, rec.id);
      return {};
    });
  },
};

/** A configuration associated with a shareable network must keep allowing it. */
async function assertNotInShareableNetwork(tx: StoreReader, place: Place, rcfgId: string): Promise<void> {
  for (const a of await tx.list<{ serviceNetworkId: string }>('servicenetworkresourceassociation', place, { ref: rcfgId })) {
    const sn = await tx.get<{ sharingConfig?: { enabled?: boolean } }>('servicenetwork', place, a.doc.serviceNetworkId);
    if (sn?.doc.sharingConfig?.enabled) {
      throw invalid('allowAssociationToShareableServiceNetwork', `Resource configuration ${rcfgId} is associated with the shareable service network ${sn.id}.`);
    }
  }
}
