import { conflict, hostedZoneId, parseIdentifier, PARTITION_HASH, validationError, type Scope } from '../model/index.js';
import type * as T from '../model/index.js';
import type { Place, ResourceRecord, StoreReader, StoreTx } from '../store/index.js';
import { checkQuota, checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve } from './common.js';
import type { CallContext, ControlPlane, Handlers } from './context.js';
import type { DomainVerificationDoc } from './domain-verifications.js';
import type { ResourceConfigurationDoc } from './resource-configurations.js';
import type { ServiceNetworkDoc } from './service-networks.js';

/**
 * What an association of a service network with a resource configuration keeps.
 *
 * Associating a GROUP makes its children reachable too. Trellis records that as one
 * *managed* association per child (`isManagedAssociation: true`, `parentAssociationId` =
 * the group's association): created with the group's association and with each new
 * child, deleted with either, hidden from listings unless `includeChildren` is set, and
 * never associated or disassociated on their own (a CHILD cannot be associated directly).
 */
export interface ServiceNetworkResourceAssociationDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly status: T.ServiceNetworkResourceAssociationStatus;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly resourceConfigurationId: string;
  readonly resourceConfigurationArn: string;
  readonly resourceConfigurationName: string;
  readonly serviceNetworkId: string;
  readonly serviceNetworkArn: string;
  readonly serviceNetworkName: string;
  readonly privateDnsEnabled?: boolean;
  readonly dnsEntry: T.DnsEntry;
  readonly privateDnsEntry?: T.DnsEntry;
  readonly isManagedAssociation: boolean;
  /** Managed (child) associations only: the group's association and the group. */
  readonly parentAssociationId?: string;
  readonly resourceConfigurationGroupId?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

type Doc = ServiceNetworkResourceAssociationDoc;
const KIND = 'servicenetworkresourceassociation';

/**
 * The name by which consumers reach a resource through the service network, formed like
 * AWS's (`snra-….rcfg-….<hash>.vpc-lattice-rsc.<region>.on.aws`).
 */
function dnsEntryFor(scope: Scope, snraId: string, rcfgId: string): T.DnsEntry {
  return { domainName: `${snraId}.${rcfgId}.${PARTITION_HASH}.vpc-lattice-rsc.${scope.region}.on.aws`, hostedZoneId: hostedZoneId(scope) };
}

interface NetworkFacts { readonly serviceNetworkId: string; readonly serviceNetworkArn: string; readonly serviceNetworkName: string }

async function putAssociation(
  cp: ControlPlane, tx: StoreTx, call: CallContext, net: NetworkFacts, rcfg: ResourceConfigurationDoc,
  extra: { privateDnsEnabled?: boolean; tags?: Readonly<Record<string, string>>; parent?: { associationId: string; groupId: string } },
): Promise<Doc> {
  const place = placeOf(call);
  const { id, arn } = mint(call.scope, KIND);
  const now = isoNow(cp);
  const doc: Doc = compact({
    id, arn, status: 'CREATE_IN_PROGRESS' as const, createdBy: call.scope.account, createdAt: now, lastUpdatedAt: now,
    resourceConfigurationId: rcfg.id, resourceConfigurationArn: rcfg.arn, resourceConfigurationName: rcfg.name, ...net,
    privateDnsEnabled: extra.privateDnsEnabled, dnsEntry: dnsEntryFor(call.scope, id, rcfg.id),
    // The private entry carries only the custom domain name, when private DNS is on.
    privateDnsEntry: extra.privateDnsEnabled && rcfg.customDomainName ? { domainName: rcfg.customDomainName } : undefined,
    isManagedAssociation: extra.parent !== undefined, parentAssociationId: extra.parent?.associationId,
    resourceConfigurationGroupId: extra.parent?.groupId, tags: extra.tags,
  });
  const refs = [net.serviceNetworkId, rcfg.id, ...(extra.parent ? [extra.parent.associationId, extra.parent.groupId] : [])];
  await tx.put({ kind: KIND, ...place, id, parentId: '', name: '', refs, doc });
  cp.lifecycle.schedule(KIND, place, id);
  return doc;
}

/** A configuration's own associations (for a GROUP, not those of its children). */
async function ownAssociations(tx: StoreReader, place: Place, groupId: string): Promise<ResourceRecord<Doc>[]> {
  return (await tx.list<Doc>(KIND, place, { ref: groupId })).filter((r) => !r.doc.isManagedAssociation && r.doc.resourceConfigurationId === groupId);
}

/** A new CHILD joins every service network its group is associated with. */
export async function associateNewChild(cp: ControlPlane, tx: StoreTx, call: CallContext, child: ResourceConfigurationDoc, groupId: string): Promise<void> {
  for (const g of await ownAssociations(tx, placeOf(call), groupId)) {
    const d = g.doc;
    await putAssociation(cp, tx, call, { serviceNetworkId: d.serviceNetworkId, serviceNetworkArn: d.serviceNetworkArn, serviceNetworkName: d.serviceNetworkName },
      child, { privateDnsEnabled: d.privateDnsEnabled, parent: { associationId: d.id, groupId } });
  }
}

/** Associations that hold a resource configuration in use: its own, not those managed through its group. */
export async function ownAssociationCount(tx: StoreReader, place: Place, rcfgId: string): Promise<number> {
  return (await tx.list<Doc>(KIND, place, { ref: rcfgId })).filter((r) => r.doc.resourceConfigurationId === rcfgId && !r.doc.isManagedAssociation).length;
}

/** Removes the managed associations a deleted CHILD had through its group. */
export async function dropChildAssociations(tx: StoreTx, place: Place, childId: string): Promise<void> {
  for (const r of await tx.list<Doc>(KIND, place, { ref: childId })) {
    if (r.doc.isManagedAssociation && r.doc.resourceConfigurationId === childId) await tx.delete(KIND, place, r.id);
  }
}

async function verificationStatus(tx: StoreReader, place: Place, rcfgId: string): Promise<T.VerificationStatus | undefined> {
  const rcfg = await tx.get<ResourceConfigurationDoc>('resourceconfiguration', place, rcfgId);
  const dvId = rcfg?.doc.domainVerificationId;
  return dvId ? (await tx.get<DomainVerificationDoc>('domainverification', place, dvId))?.doc.status : undefined;
}

function summary(d: Doc): T.ServiceNetworkResourceAssociationSummary {
  return compact({
    id: d.id, arn: d.arn, status: d.status, createdBy: d.createdBy, createdAt: d.createdAt,
    resourceConfigurationId: d.resourceConfigurationId, resourceConfigurationArn: d.resourceConfigurationArn,
    resourceConfigurationName: d.resourceConfigurationName, serviceNetworkId: d.serviceNetworkId,
    serviceNetworkArn: d.serviceNetworkArn, serviceNetworkName: d.serviceNetworkName, dnsEntry: d.dnsEntry,
    privateDnsEntry: d.privateDnsEntry, isManagedAssociation: d.isManagedAssociation, privateDnsEnabled: d.privateDnsEnabled,
  });
}

/** The id a List filter names, or null when it names nothing of this account and region (empty result). */
function filterId(call: CallContext, identifier: string | undefined, kind: 'servicenetwork' | 'resourceconfiguration'): string | undefined | null {
  if (identifier === undefined) return undefined;
  const ref = parseIdentifier(identifier);
  if (!ref || ref.kind !== kind) return null;
  if (ref.arn && (ref.arn.account !== call.scope.account || ref.arn.region !== call.scope.region)) return null;
  return ref.id;
}

export const serviceNetworkResourceAssociationHandlers: Handlers = {
  async CreateServiceNetworkResourceAssociation(cp, call, input) {
    checkTags(cp, input.tags);
    const place = placeOf(call);
    return cp.store.transact((tx) => idempotent(tx, call, 'CreateServiceNetworkResourceAssociation', input.clientToken, input, cp.now(), async () => {
      const rcfg = await resolve<ResourceConfigurationDoc>(tx, call, 'resourceconfiguration', input.resourceConfigurationIdentifier);
      const sn = await resolve<ServiceNetworkDoc>(tx, call, 'servicenetwork', input.serviceNetworkIdentifier);
      const r = rcfg.doc;
      if (r.type === 'CHILD') {
        throw validationError(`Resource configuration ${r.id} is a CHILD of ${r.resourceConfigurationGroupId ?? 'a group'}; associate the group instead.`,
          'fieldValidationFailed', [{ name: 'resourceConfigurationIdentifier', message: 'A CHILD resource configuration is associated through its group' }]);
      }
      if (r.type === 'CIDR') {
        throw validationError(`You can't add a CIDR resource configuration (${r.id}) to a service network.`,
          'fieldValidationFailed', [{ name: 'resourceConfigurationIdentifier', message: 'CIDR resource configurations cannot be associated with a service network' }]);
      }
      if (sn.doc.sharingConfig.enabled && !r.allowAssociationToShareableServiceNetwork) {
        throw validationError(`Service network ${sn.id} is shareable and resource configuration ${r.id} does not allow association to shareable service networks.`,
          'fieldValidationFailed', [{ name: 'resourceConfigurationIdentifier', message: 'allowAssociationToShareableServiceNetwork is false' }]);
      }
      const existing = (await ownAssociations(tx, place, r.id)).find((a) => a.doc.serviceNetworkId === sn.id);
      if (existing) {
        throw conflict('SERVICE_NETWORK_RESOURCE_ASSOCIATION', existing.id, `ResourceConfiguration ${r.id} is already associated with ServiceNetwork ${sn.id} (${existing.id}).`);
      }
      const children = r.type === 'GROUP' ? await tx.list<ResourceConfigurationDoc>('resourceconfiguration', place, { ref: r.id }) : [];
      // A group brings its children along, and each counts against the network's quota.
      const used = await tx.count(KIND, place, { ref: sn.id });
      checkQuota(cp, 'resourceConfigurationsPerServiceNetwork', used + children.length, 'SERVICE_NETWORK_RESOURCE_ASSOCIATION', 'resource configurations per service network', sn.id);
      const net = { serviceNetworkId: sn.id, serviceNetworkArn: sn.doc.arn, serviceNetworkName: sn.doc.name };
      const doc = await putAssociation(cp, tx, call, net, r, { privateDnsEnabled: input.privateDnsEnabled, tags: input.tags });
      for (const child of children) {
        await putAssociation(cp, tx, call, net, child.doc, { privateDnsEnabled: input.privateDnsEnabled, parent: { associationId: doc.id, groupId: r.id } });
      }
      return compact({ id: doc.id, arn: doc.arn, status: doc.status, createdBy: doc.createdBy, privateDnsEnabled: doc.privateDnsEnabled });
    }));
  },

  async GetServiceNetworkResourceAssociation(cp, call, input) {
    const rec = await resolve<Doc>(cp.store, call, KIND, input.serviceNetworkResourceAssociationIdentifier);
    const d = rec.doc;
    return compact({
      ...summary(d), lastUpdatedAt: d.lastUpdatedAt,
      domainVerificationStatus: await verificationStatus(cp.store, placeOf(call), d.resourceConfigurationId),
    });
  },

  /**
   * Needs a service network or a resource configuration to list by. Associations of
   * children through their group show with `includeChildren`, or when the filter names
   * the child itself.
   */
  async ListServiceNetworkResourceAssociations(cp, call, input) {
    if (input.serviceNetworkIdentifier === undefined && input.resourceConfigurationIdentifier === undefined) {
      throw validationError('Either serviceNetworkIdentifier or resourceConfigurationIdentifier is required.', 'fieldValidationFailed', [
        { name: 'serviceNetworkIdentifier', message: 'One of serviceNetworkIdentifier or resourceConfigurationIdentifier must be given' },
        { name: 'resourceConfigurationIdentifier', message: 'One of serviceNetworkIdentifier or resourceConfigurationIdentifier must be given' },
      ]);
    }
    const snId = filterId(call, input.serviceNetworkIdentifier, 'servicenetwork');
    const rcfgId = filterId(call, input.resourceConfigurationIdentifier, 'resourceconfiguration');
    if (snId === null || rcfgId === null) return { items: [] };
    const includeChildren = input.includeChildren ?? false;
    const keep = (r: ResourceRecord<Doc>): boolean => {
      const d = r.doc;
      if (snId !== undefined && d.serviceNetworkId !== snId) return false;
      if (rcfgId !== undefined && d.resourceConfigurationId !== rcfgId && !(includeChildren && d.resourceConfigurationGroupId === rcfgId)) return false;
      return !d.isManagedAssociation || includeChildren || d.resourceConfigurationId === rcfgId;
    };
    const page = await paginate<Doc, T.ServiceNetworkResourceAssociationSummary>(
      cp.store, placeOf(call), KIND, { ref: (snId ?? rcfgId)! }, input, (r) => summary(r.doc), keep);
    return compact(page);
  },

  /** Deleting a group's association takes its children's with it; those cannot be deleted alone. */
  async DeleteServiceNetworkResourceAssociation(cp, call, input) {
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const rec = await resolve<Doc>(tx, call, KIND, input.serviceNetworkResourceAssociationIdentifier);
      if (rec.doc.isManagedAssociation) {
        throw conflict('SERVICE_NETWORK_RESOURCE_ASSOCIATION', rec.id,
          `Association ${rec.id} is managed through the association ${rec.doc.parentAssociationId ?? ''} of group ${rec.doc.resourceConfigurationGroupId ?? ''}; delete that one.`);
      }
      for (const child of await tx.referrers(place, rec.id, [KIND])) await tx.delete(KIND, place, child.id);
      await tx.delete(KIND, place, rec.id);
      return { id: rec.doc.id, arn: rec.doc.arn, status: 'DELETE_IN_PROGRESS' };
    });
  },
};
