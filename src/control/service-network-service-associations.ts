import { latticeKinds, parseIdentifier, validationError, conflict, type LatticeKind } from '../model/index.js';
import type * as T from '../model/index.js';
import type { ResourceRecord } from '../store/index.js';
import { checkQuota, checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve } from './common.js';
import type { CallContext, Handlers } from './context.js';
import type { ServiceNetworkDoc } from './service-networks.js';
import type { ServiceDoc } from './services.js';

/**
 * What a service-network/service association keeps. The names, ARNs and DNS entry of both
 * ends are copied at creation: neither name can change, and the service's DNS name is fixed.
 */
export interface ServiceNetworkServiceAssociationDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly status: T.ServiceNetworkServiceAssociationStatus;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly serviceNetworkId: string;
  readonly serviceNetworkArn: string;
  readonly serviceNetworkName: string;
  readonly serviceId: string;
  readonly serviceArn: string;
  readonly serviceName: string;
  readonly customDomainName?: string;
  readonly dnsEntry: T.DnsEntry;
  readonly failureCode?: string;
  readonly failureMessage?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

type Doc = ServiceNetworkServiceAssociationDoc;

const KIND = 'servicenetworkserviceassociation' satisfies LatticeKind;

/**
 * The id a List filter names, whether given as an id or an ARN of this account and region.
 * A List declares no ResourceNotFoundException, so a filter that names nothing here simply
 * matches nothing; `null` says so.
 */
export function filterId(call: CallContext, kind: LatticeKind, identifier: string | undefined): string | undefined | null {
  if (identifier === undefined) return undefined;
  const ref = parseIdentifier(identifier);
  if (!ref || ref.kind !== kind) return null;
  if (ref.arn && (ref.arn.account !== call.scope.account || ref.arn.region !== call.scope.region)) return null;
  return ref.id;
}

function summary(d: Doc): T.ServiceNetworkServiceAssociationSummary {
  return compact({
    id: d.id, status: d.status, arn: d.arn, createdBy: d.createdBy, createdAt: d.createdAt,
    serviceId: d.serviceId, serviceName: d.serviceName, serviceArn: d.serviceArn,
    serviceNetworkId: d.serviceNetworkId, serviceNetworkName: d.serviceNetworkName, serviceNetworkArn: d.serviceNetworkArn,
    dnsEntry: d.dnsEntry, customDomainName: d.customDomainName,
  });
}

export const serviceNetworkServiceAssociationHandlers: Handlers = {
  async CreateServiceNetworkServiceAssociation(cp, call, input) {
    checkTags(cp, input.tags);
    const place = placeOf(call);
    const out = await cp.store.transact((tx) => idempotent(tx, call, 'CreateServiceNetworkServiceAssociation', input.clientToken, input, cp.now(), async () => {
      const sn = await resolve<ServiceNetworkDoc>(tx, call, 'servicenetwork', input.serviceNetworkIdentifier);
      const svc = await resolve<ServiceDoc>(tx, call, 'service', input.serviceIdentifier);
      const existing = await tx.list<Doc>(KIND, place, { ref: sn.id });
      const clash = existing.find((r) => r.doc.serviceId === svc.id);
      if (clash) {
        throw conflict(latticeKinds[KIND].errorType, clash.id, `Service ${svc.id} is already associated with service network ${sn.id}.`);
      }
      checkQuota(cp, 'serviceAssociationsPerServiceNetwork', existing.length, latticeKinds[KIND].errorType, 'service associations per service network', sn.id);
      const { id, arn } = mint(call.scope, KIND);
      const doc: Doc = compact({
        id, arn, status: 'CREATE_IN_PROGRESS' as const, createdBy: call.scope.account, createdAt: isoNow(cp),
        serviceNetworkId: sn.id, serviceNetworkArn: sn.doc.arn, serviceNetworkName: sn.doc.name,
        serviceId: svc.id, serviceArn: svc.doc.arn, serviceName: svc.doc.name,
        customDomainName: svc.doc.customDomainName, dnsEntry: svc.doc.dnsEntry, tags: input.tags,
      });
      await tx.put({ kind: KIND, ...place, id, parentId: '', name: '', refs: [sn.id, svc.id], doc });
      return compact({
        id, status: doc.status, arn, createdBy: doc.createdBy, customDomainName: doc.customDomainName, dnsEntry: doc.dnsEntry,
      });
    }));
    cp.lifecycle.schedule(KIND, place, out.id!);
    return out;
  },

  async GetServiceNetworkServiceAssociation(cp, call, input) {
    const d = (await resolve<Doc>(cp.store, call, KIND, input.serviceNetworkServiceAssociationIdentifier)).doc;
    return compact({ ...summary(d), failureCode: d.failureCode, failureMessage: d.failureMessage });
  },

  async ListServiceNetworkServiceAssociations(cp, call, input) {
    if (input.serviceNetworkIdentifier === undefined && input.serviceIdentifier === undefined) {
      throw validationError('You must provide either serviceNetworkIdentifier or serviceIdentifier.', 'other');
    }
    const snId = filterId(call, 'servicenetwork', input.serviceNetworkIdentifier);
    const svcId = filterId(call, 'service', input.serviceIdentifier);
    if (snId === null || svcId === null) return { items: [] };
    // Page by one ref in the store; the other filter, when given too, is applied on top.
    const ref = snId ?? svcId!;
    const page = await paginate<Doc, T.ServiceNetworkServiceAssociationSummary>(
      cp.store, placeOf(call), KIND, { ref }, input, (r) => summary(r.doc),
      snId !== undefined && svcId !== undefined ? (r: ResourceRecord<Doc>) => r.doc.serviceId === svcId : undefined,
    );
    return compact({ items: page.items, nextToken: page.nextToken });
  },

  async DeleteServiceNetworkServiceAssociation(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec = await resolve<Doc>(tx, call, KIND, input.serviceNetworkServiceAssociationIdentifier);
      await tx.delete(KIND, placeOf(call), rec.id);
      return { id: rec.id, arn: rec.doc.arn, status: 'DELETE_IN_PROGRESS' as const };
    });
  },
};
