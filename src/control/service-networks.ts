import { conflict } from '../model/index.js';
import type * as T from '../model/index.js';
import type { ResourceRecord, StoreReader } from '../store/index.js';
import {
  assertNameFree, cascadeDelete, checkQuota, checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve,
} from './common.js';
import type { CallContext, Handlers } from './context.js';

/** What a service network record keeps. */
export interface ServiceNetworkDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly authType: T.AuthType;
  readonly sharingConfig: T.SharingConfig;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Kinds that hold a service network in use: it cannot be deleted while any exists. */
const ASSOCIATION_KINDS = [
  ['servicenetworkserviceassociation', 'service(s)'],
  ['servicenetworkvpcassociation', 'VPC(s)'],
  ['servicenetworkresourceassociation', 'resource(s)'],
  ['servicenetworkvpcendpointassociation', 'VPC endpoint(s)'],
] as const;

async function counts(tx: StoreReader, call: CallContext, id: string) {
  const place = placeOf(call);
  return {
    numberOfAssociatedVPCs: await tx.count('servicenetworkvpcassociation', place, { ref: id }),
    numberOfAssociatedServices: await tx.count('servicenetworkserviceassociation', place, { ref: id }),
    numberOfAssociatedResourceConfigurations: await tx.count('servicenetworkresourceassociation', place, { ref: id }),
  };
}

function summary(r: ResourceRecord<ServiceNetworkDoc>) {
  const d = r.doc;
  return { id: d.id, name: d.name, arn: d.arn, createdAt: d.createdAt, lastUpdatedAt: d.lastUpdatedAt };
}

export const serviceNetworkHandlers: Handlers = {
  async CreateServiceNetwork(cp, call, input) {
    checkTags(cp, input.tags);
    const place = placeOf(call);
    return cp.store.transact((tx) => idempotent(tx, call, 'CreateServiceNetwork', input.clientToken, input, cp.now(), async () => {
      await assertNameFree(tx, 'servicenetwork', place, '', input.name, 'Service network');
      checkQuota(cp, 'serviceNetworksPerRegion', await tx.count('servicenetwork', place), 'SERVICE_NETWORK', 'service networks per region');
      const { id, arn } = mint(call.scope, 'servicenetwork');
      const now = isoNow(cp);
      const doc: ServiceNetworkDoc = compact({
        id, arn, name: input.name, authType: input.authType ?? 'NONE',
        sharingConfig: { enabled: input.sharingConfig?.enabled ?? false }, createdAt: now, lastUpdatedAt: now, tags: input.tags,
      });
      await tx.put({ kind: 'servicenetwork', ...place, id, parentId: '', name: input.name, refs: [], doc });
      return { id, name: doc.name, arn, authType: doc.authType, sharingConfig: doc.sharingConfig };
    }));
  },

  async GetServiceNetwork(cp, call, input) {
    const rec = await resolve<ServiceNetworkDoc>(cp.store, call, 'servicenetwork', input.serviceNetworkIdentifier);
    const d = rec.doc;
    const { numberOfAssociatedVPCs, numberOfAssociatedServices } = await counts(cp.store, call, rec.id);
    return { ...summary(rec), authType: d.authType, sharingConfig: d.sharingConfig, numberOfAssociatedVPCs, numberOfAssociatedServices };
  },

  async ListServiceNetworks(cp, call, input) {
    const page = await paginate<ServiceNetworkDoc, ResourceRecord<ServiceNetworkDoc>>(cp.store, placeOf(call), 'servicenetwork', {}, input, (r) => r);
    const items = [];
    for (const r of page.items) items.push({ ...summary(r), ...await counts(cp.store, call, r.id) });
    return compact({ items, nextToken: page.nextToken });
  },

  async UpdateServiceNetwork(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec = await resolve<ServiceNetworkDoc>(tx, call, 'servicenetwork', input.serviceNetworkIdentifier);
      const doc: ServiceNetworkDoc = { ...rec.doc, authType: input.authType, lastUpdatedAt: isoNow(cp) };
      await tx.put({ ...rec, doc });
      return { id: doc.id, name: doc.name, arn: doc.arn, authType: doc.authType };
    });
  },

  async DeleteServiceNetwork(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec = await resolve<ServiceNetworkDoc>(tx, call, 'servicenetwork', input.serviceNetworkIdentifier);
      const place = placeOf(call);
      for (const [kind, what] of ASSOCIATION_KINDS) {
        if (await tx.count(kind, place, { ref: rec.id }) > 0) {
          throw conflict('SERVICE_NETWORK', rec.id, `ServiceNetwork ${rec.id} has ${what} associated.`);
        }
      }
      await cascadeDelete(tx, place, rec.id, ['authpolicy', 'resourcepolicy', 'accesslogsubscription']);
      await tx.delete('servicenetwork', place, rec.id);
      return {};
    });
  },
};
