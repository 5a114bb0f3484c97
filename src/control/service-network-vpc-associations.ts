import { conflict, fieldError, latticeKinds, validationError, type LatticeKind } from '../model/index.js';
import type * as T from '../model/index.js';
import type { Place, ResourceRecord, StoreTx } from '../store/index.js';
import {
  checkQuota, checkTags, compact, decodeToken, DEFAULT_PAGE_SIZE, encodeToken, idempotent, isoNow, mint, paginate, placeOf, resolve,
} from './common.js';
import type { Handlers } from './context.js';
import { filterId } from './service-network-service-associations.js';
import type { ServiceNetworkDoc } from './service-networks.js';
import { ensureSecurityGroup, ensureVpc } from './vpcs.js';

/**
 * What a service-network/VPC association keeps. `securityGroupIds` is the whole set: the
 * VPC gateway admits a source only through these groups when the set is not empty.
 */
export interface ServiceNetworkVpcAssociationDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly status: T.ServiceNetworkVpcAssociationStatus;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly serviceNetworkId: string;
  readonly serviceNetworkArn: string;
  readonly serviceNetworkName: string;
  readonly vpcId: string;
  readonly securityGroupIds: readonly string[];
  readonly privateDnsEnabled?: boolean;
  readonly dnsOptions?: T.DnsOptions;
  readonly failureCode?: string;
  readonly failureMessage?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

type Doc = ServiceNetworkVpcAssociationDoc;

const KIND = 'servicenetworkvpcassociation' satisfies LatticeKind;
const ENDPOINT_KIND = 'servicenetworkvpcendpointassociation';

/**
 * Registers the security groups (first use) and checks they can belong to this VPC: a group
 * already known in another VPC cannot guard this one, as on EC2. A repeated id counts once.
 */
async function securityGroups(tx: StoreTx, place: Place, vpcId: string, ids: readonly string[] | undefined, now: string): Promise<string[]> {
  const unique = [...new Set(ids ?? [])];
  for (const sgId of unique) {
    const sg = await ensureSecurityGroup(tx, place, sgId, vpcId, now);
    if (sg.doc.vpcId !== undefined && sg.doc.vpcId !== vpcId) {
      throw fieldError('securityGroupIds', `Security group ${sgId} belongs to VPC ${sg.doc.vpcId}, not to VPC ${vpcId}`);
    }
  }
  return unique;
}

function refsOf(d: Doc): string[] {
  return [d.serviceNetworkId, d.vpcId, ...d.securityGroupIds];
}

function summary(d: Doc): T.ServiceNetworkVpcAssociationSummary {
  return compact({
    id: d.id, arn: d.arn, status: d.status, createdBy: d.createdBy, createdAt: d.createdAt,
    serviceNetworkId: d.serviceNetworkId, serviceNetworkName: d.serviceNetworkName, serviceNetworkArn: d.serviceNetworkArn,
    privateDnsEnabled: d.privateDnsEnabled, dnsOptions: d.dnsOptions, vpcId: d.vpcId, lastUpdatedAt: d.lastUpdatedAt,
  });
}

/** The members Create and Update answer with. */
function brief(d: Doc) {
  return compact({
    id: d.id, arn: d.arn, status: d.status, createdBy: d.createdBy, securityGroupIds: [...d.securityGroupIds],
    privateDnsEnabled: d.privateDnsEnabled, dnsOptions: d.dnsOptions,
  });
}

export const serviceNetworkVpcAssociationHandlers: Handlers = {
  async CreateServiceNetworkVpcAssociation(cp, call, input) {
    checkTags(cp, input.tags);
    const place = placeOf(call);
    const out = await cp.store.transact((tx) => idempotent(tx, call, 'CreateServiceNetworkVpcAssociation', input.clientToken, input, cp.now(), async () => {
      const sn = await resolve<ServiceNetworkDoc>(tx, call, 'servicenetwork', input.serviceNetworkIdentifier);
      const vpcId = input.vpcIdentifier;
      // One service network per VPC (LATTICE.md §6.1), the same network included.
      const [held] = await tx.list<Doc>(KIND, place, { ref: vpcId, limit: 1 });
      if (held) {
        throw conflict(latticeKinds[KIND].errorType, held.id,
          `VPC ${vpcId} is already associated with service network ${held.doc.serviceNetworkId}; a VPC can be associated with only one service network.`);
      }
      checkQuota(cp, 'vpcAssociationsPerServiceNetwork', await tx.count(KIND, place, { ref: sn.id }),
        latticeKinds[KIND].errorType, 'VPC associations per service network', sn.id);
      const now = isoNow(cp);
      await ensureVpc(tx, place, vpcId, now);
      const sgIds = await securityGroups(tx, place, vpcId, input.securityGroupIds, now);
      const { id, arn } = mint(call.scope, KIND);
      const doc: Doc = compact({
        id, arn, status: 'CREATE_IN_PROGRESS' as const, createdBy: call.scope.account, createdAt: now, lastUpdatedAt: now,
        serviceNetworkId: sn.id, serviceNetworkArn: sn.doc.arn, serviceNetworkName: sn.doc.name,
        vpcId, securityGroupIds: sgIds, privateDnsEnabled: input.privateDnsEnabled, dnsOptions: input.dnsOptions,
        tags: input.tags,
      });
      await tx.put({ kind: KIND, ...place, id, parentId: '', name: '', refs: refsOf(doc), doc });
      return brief(doc);
    }));
    cp.lifecycle.schedule(KIND, place, out.id!);
    return out;
  },

  async GetServiceNetworkVpcAssociation(cp, call, input) {
    const d = (await resolve<Doc>(cp.store, call, KIND, input.serviceNetworkVpcAssociationIdentifier)).doc;
    return compact({
      ...summary(d), securityGroupIds: [...d.securityGroupIds], failureCode: d.failureCode, failureMessage: d.failureMessage,
    });
  },

  async ListServiceNetworkVpcAssociations(cp, call, input) {
    if (input.serviceNetworkIdentifier === undefined && input.vpcIdentifier === undefined) {
      throw validationError('You must provide either serviceNetworkIdentifier or vpcIdentifier.', 'other');
    }
    const snId = filterId(call, 'servicenetwork', input.serviceNetworkIdentifier);
    if (snId === null) return { items: [] };
    const vpcId = input.vpcIdentifier;
    const page = await paginate<Doc, T.ServiceNetworkVpcAssociationSummary>(
      cp.store, placeOf(call), KIND, { ref: snId ?? vpcId! }, input, (r) => summary(r.doc),
      snId !== undefined && vpcId !== undefined ? (r: ResourceRecord<Doc>) => r.doc.vpcId === vpcId : undefined,
    );
    return compact({ items: page.items, nextToken: page.nextToken });
  },

  async UpdateServiceNetworkVpcAssociation(cp, call, input) {
    const place = placeOf(call);
    const out = await cp.store.transact(async (tx) => {
      const rec = await resolve<Doc>(tx, call, KIND, input.serviceNetworkVpcAssociationIdentifier);
      const now = isoNow(cp);
      // The model asks for 1–5 groups here, so the set can change but never empty again.
      const sgIds = input.securityGroupIds === undefined
        ? rec.doc.securityGroupIds
        : await securityGroups(tx, place, rec.doc.vpcId, input.securityGroupIds, now);
      const doc: Doc = compact({
        ...rec.doc,
        securityGroupIds: sgIds,
        privateDnsEnabled: input.privateDnsEnabled ?? rec.doc.privateDnsEnabled,
        dnsOptions: input.dnsOptions ?? rec.doc.dnsOptions,
        // AWS reports the change as in progress; the lifecycle settles it like a create.
        status: rec.doc.status === 'CREATE_IN_PROGRESS' ? rec.doc.status : 'UPDATE_IN_PROGRESS' as const,
        lastUpdatedAt: now,
      });
      await tx.put<Doc>({ ...rec, refs: refsOf(doc), doc });
      return brief(doc);
    });
    cp.lifecycle.schedule(KIND, place, out.id!);
    return out;
  },

  async DeleteServiceNetworkVpcAssociation(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec = await resolve<Doc>(tx, call, KIND, input.serviceNetworkVpcAssociationIdentifier);
      await tx.delete(KIND, placeOf(call), rec.id);
      return { id: rec.id, arn: rec.doc.arn, status: 'DELETE_IN_PROGRESS' as const };
    });
  },

  async ListServiceNetworkVpcEndpointAssociations(cp, call, input) {
    const sn = await resolve<ServiceNetworkDoc>(cp.store, call, 'servicenetwork', input.serviceNetworkIdentifier);
    // VPC endpoints of type ServiceNetwork come from EC2, not this API, so this kind is not
    // a LatticeKind and `paginate` does not page it; the same token scheme is used here.
    const size = input.maxResults ?? DEFAULT_PAGE_SIZE;
    const after = decodeToken(ENDPOINT_KIND, input.nextToken);
    const recs = await cp.store.list(ENDPOINT_KIND, placeOf(call), { ref: sn.id, afterSeq: after, limit: size + 1 });
    const items = recs.slice(0, size).map((r): T.ServiceNetworkEndpointAssociation => {
      const text = (k: string): string | undefined => (typeof r.doc[k] === 'string' ? r.doc[k] : undefined);
      return compact({
        vpcEndpointId: text('vpcEndpointId'), vpcId: text('vpcId'), vpcEndpointOwnerId: text('vpcEndpointOwnerId'),
        id: text('id') ?? r.id, state: text('state'), serviceNetworkArn: sn.doc.arn, createdAt: text('createdAt'),
      });
    });
    const last = recs.length > size ? recs[size - 1] : undefined;
    return compact({ items, nextToken: last ? encodeToken(ENDPOINT_KIND, last.seq) : undefined });
  },
};
