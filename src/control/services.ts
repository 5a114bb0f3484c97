import { conflict, hostedZoneId, serviceDnsName } from '../model/index.js';
import type * as T from '../model/index.js';
import type { Place, ResourceRecord, StoreReader, StoreTx } from '../store/index.js';
import {
  assertNameFree, cascadeDelete, checkQuota, checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve,
} from './common.js';
import type { Handlers } from './context.js';

/**
 * What a service record keeps: the API's own fields, so Get answers straight from the doc.
 * `dnsEntry` is fixed at creation (the name embeds the id, which never changes).
 */
export interface ServiceDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly customDomainName?: string;
  readonly certificateArn?: string;
  readonly authType: T.AuthType;
  readonly status: T.ServiceStatus;
  readonly dnsEntry: { readonly domainName: string; readonly hostedZoneId: string };
  readonly idleTimeoutSeconds: number;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly failureCode?: string;
  readonly failureMessage?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** AWS's idle timeout when none is given (LATTICE.md §7). */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

/** Records that belong to a service and go with it (LATTICE.md §1.4 DeleteService). */
const OWNED_KINDS = ['authpolicy', 'resourcepolicy', 'accesslogsubscription'] as const;

/**
 * A custom domain name routes requests by Host, so two services with the same one would be
 * ambiguous to the data plane. DNS names compare case-insensitively.
 */
async function assertCustomDomainFree(tx: StoreReader, place: Place, domain: string): Promise<void> {
  const wanted = domain.toLowerCase();
  for (const rec of await tx.list<ServiceDoc>('service', place)) {
    if (rec.doc.customDomainName?.toLowerCase() === wanted) {
      throw conflict('SERVICE', rec.id, `A service with custom domain name ${domain} already exists.`);
    }
  }
}

function summary(d: ServiceDoc): T.ServiceSummary {
  return compact({
    id: d.id, name: d.name, arn: d.arn, createdAt: d.createdAt, lastUpdatedAt: d.lastUpdatedAt,
    dnsEntry: d.dnsEntry, customDomainName: d.customDomainName, status: d.status,
  });
}

/** Removes the service's listeners and every rule under them before the service itself. */
async function deleteRouting(tx: StoreTx, place: Place, serviceId: string): Promise<void> {
  for (const rule of await tx.referrers(place, serviceId, ['rule'])) await tx.delete('rule', place, rule.id);
  for (const listener of await tx.list('listener', place, { parentId: serviceId })) await tx.delete('listener', place, listener.id);
}

export const serviceHandlers: Handlers = {
  async CreateService(cp, call, input) {
    checkTags(cp, input.tags);
    const place = placeOf(call);
    const out = await cp.store.transact((tx) => idempotent(tx, call, 'CreateService', input.clientToken, input, cp.now(), async () => {
      await assertNameFree(tx, 'service', place, '', input.name, 'Service');
      if (input.customDomainName !== undefined) await assertCustomDomainFree(tx, place, input.customDomainName);
      checkQuota(cp, 'servicesPerRegion', await tx.count('service', place), 'SERVICE', 'services per region');
      const { id, arn } = mint(call.scope, 'service');
      const now = isoNow(cp);
      const doc: ServiceDoc = compact({
        id, arn, name: input.name,
        customDomainName: input.customDomainName,
        // An empty certificate ARN (the model's pattern allows it) means "none".
        certificateArn: input.certificateArn || undefined,
        authType: input.authType ?? 'NONE',
        status: 'CREATE_IN_PROGRESS' as const,
        dnsEntry: { domainName: serviceDnsName(call.scope, input.name, id), hostedZoneId: hostedZoneId(call.scope) },
        idleTimeoutSeconds: input.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS,
        createdAt: now, lastUpdatedAt: now, tags: input.tags,
      });
      await tx.put({ kind: 'service', ...place, id, parentId: '', name: input.name, refs: [], doc });
      return compact({
        id, arn, name: doc.name, customDomainName: doc.customDomainName, certificateArn: doc.certificateArn,
        status: doc.status, authType: doc.authType, idleTimeoutSeconds: doc.idleTimeoutSeconds, dnsEntry: doc.dnsEntry,
      });
    }));
    // Scheduled after commit so the settle never races the creating transaction; a
    // repeated clientToken schedules again, which is harmless once the record is ACTIVE.
    cp.lifecycle.schedule('service', place, out.id!);
    return out;
  },

  async GetService(cp, call, input) {
    const d = (await resolve<ServiceDoc>(cp.store, call, 'service', input.serviceIdentifier)).doc;
    return compact({
      ...summary(d), certificateArn: d.certificateArn, authType: d.authType, idleTimeoutSeconds: d.idleTimeoutSeconds,
      failureCode: d.failureCode, failureMessage: d.failureMessage,
    });
  },

  async ListServices(cp, call, input) {
    const page = await paginate<ServiceDoc, T.ServiceSummary>(cp.store, placeOf(call), 'service', {}, input, (r) => summary(r.doc));
    return compact({ items: page.items, nextToken: page.nextToken });
  },

  async UpdateService(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec = await resolve<ServiceDoc>(tx, call, 'service', input.serviceIdentifier);
      // Only these three are mutable; name and custom domain name are fixed at creation.
      const certificateArn = input.certificateArn === undefined ? rec.doc.certificateArn : input.certificateArn || undefined;
      const doc: ServiceDoc = compact({
        ...rec.doc,
        certificateArn,
        authType: input.authType ?? rec.doc.authType,
        idleTimeoutSeconds: input.idleTimeoutSeconds ?? rec.doc.idleTimeoutSeconds,
        lastUpdatedAt: isoNow(cp),
      });
      await tx.put<ServiceDoc>({ ...rec, doc });
      return compact({
        id: doc.id, arn: doc.arn, name: doc.name, customDomainName: doc.customDomainName, certificateArn: doc.certificateArn,
        authType: doc.authType, idleTimeoutSeconds: doc.idleTimeoutSeconds,
      });
    });
  },

  async DeleteService(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec: ResourceRecord<ServiceDoc> = await resolve<ServiceDoc>(tx, call, 'service', input.serviceIdentifier);
      const place = placeOf(call);
      if (await tx.count('servicenetworkserviceassociation', place, { ref: rec.id }) > 0) {
        throw conflict('SERVICE', rec.id, `Service ${rec.id} has service network(s) associated.`);
      }
      await deleteRouting(tx, place, rec.id);
      await cascadeDelete(tx, place, rec.id, OWNED_KINDS);
      await tx.delete('service', place, rec.id);
      return { id: rec.doc.id, arn: rec.doc.arn, name: rec.doc.name, status: 'DELETE_IN_PROGRESS' as const };
    });
  },
};
