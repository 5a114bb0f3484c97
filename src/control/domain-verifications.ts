/**
 * Domain verifications: proof that the caller owns a domain, so resource configurations
 * may use it as a custom domain name.
 *
 * On AWS, StartDomainVerification answers a TXT record to publish; AWS polls public DNS and
 * moves the verification from PENDING to VERIFIED when the record appears (or to
 * VERIFICATION_TIMED_OUT when it never does). Trellis cannot see public DNS, so:
 * - the TXT record is `_lattice-verification.<domain>` with a random 32-hex-digit value
 *   (AWS does not document its record name; this one is Trellis's choice);
 * - a verification stays PENDING on its own — it never times out and never verifies
 *   itself. An operator who has checked the record marks it VERIFIED with
 *   `markDomainVerified` (the hook for a `trellis` command), which also sets
 *   `lastVerifiedTime`. Nothing in the API flips it, so tests and users see AWS's
 *   documented first state and no invented transition.
 */
import { randomBytes } from 'node:crypto';
import { conflict, notFound, validationError } from '../model/index.js';
import type * as T from '../model/index.js';
import type { Place, ResourceRecord, Store } from '../store/index.js';
import { checkQuota, checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve } from './common.js';
import type { Handlers } from './context.js';
import { invalid, isDomainName } from './resource-configuration-rules.js';

export interface DomainVerificationDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly domainName: string;
  readonly status: T.VerificationStatus;
  readonly txtMethodConfig: { readonly name: string; readonly value: string };
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly lastVerifiedTime?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** The TXT record name Trellis asks for: one fixed label under the domain being verified. */
export function txtRecordName(domainName: string): string {
  return `_lattice-verification.${domainName.toLowerCase()}`;
}

function view(d: DomainVerificationDoc): T.DomainVerificationSummary {
  return compact({
    id: d.id, arn: d.arn, domainName: d.domainName, status: d.status, txtMethodConfig: d.txtMethodConfig,
    createdAt: d.createdAt, lastVerifiedTime: d.lastVerifiedTime, tags: d.tags,
  });
}

/**
 * Marks a verification VERIFIED: the operator's statement that the TXT record is published
 * (Trellis cannot look). Returns false when no such verification exists.
 */
export async function markDomainVerified(store: Store, place: Place, id: string, now: Date = new Date()): Promise<boolean> {
  return store.transact(async (tx) => {
    const rec = await tx.get<DomainVerificationDoc>('domainverification', place, id);
    if (!rec) return false;
    const at = now.toISOString();
    await tx.put({ ...rec, doc: { ...rec.doc, status: 'VERIFIED', lastVerifiedTime: at, lastUpdatedAt: at } });
    return true;
  });
}

export const domainVerificationHandlers: Handlers = {
  async StartDomainVerification(cp, call, input) {
    checkTags(cp, input.tags);
    if (!isDomainName(input.domainName)) throw invalid('domainName', `${input.domainName} is not a valid domain name`);
    const place = placeOf(call);
    return cp.store.transact((tx) => idempotent(tx, call, 'StartDomainVerification', input.clientToken, input, cp.now(), async () => {
      // One verification per domain: a second would ask for a second, conflicting TXT value.
      const wanted = input.domainName.toLowerCase();
      const existing = (await tx.list<DomainVerificationDoc>('domainverification', place)).find((r) => r.doc.domainName.toLowerCase() === wanted);
      if (existing) throw conflict('DOMAIN_VERIFICATION', existing.id, `A domain verification for ${input.domainName} already exists.`);
      checkQuota(cp, 'domainVerificationsPerRegion', await tx.count('domainverification', place), 'DOMAIN_VERIFICATION', 'domain verifications per region');
      const { id, arn } = mint(call.scope, 'domainverification');
      const now = isoNow(cp);
      const doc: DomainVerificationDoc = compact({
        id, arn, domainName: input.domainName, status: 'PENDING' as const,
        txtMethodConfig: { name: txtRecordName(input.domainName), value: randomBytes(16).toString('hex') },
        createdAt: now, lastUpdatedAt: now, tags: input.tags,
      });
      await tx.put({ kind: 'domainverification', ...place, id, parentId: '', name: '', refs: [], doc });
      return { id, arn, domainName: doc.domainName, status: doc.status, txtMethodConfig: doc.txtMethodConfig };
    }));
  },

  async GetDomainVerification(cp, call, input) {
    const rec = await resolve<DomainVerificationDoc>(cp.store, call, 'domainverification', input.domainVerificationIdentifier);
    return view(rec.doc);
  },

  async ListDomainVerifications(cp, call, input) {
    const page = await paginate<DomainVerificationDoc, T.DomainVerificationSummary>(cp.store, placeOf(call), 'domainverification', {}, input, (r) => view(r.doc));
    return compact(page);
  },

  /**
   * Refused while a resource configuration names the verification: its custom domain
   * would lose its proof. The operation declares no ConflictException, so this is a
   * ValidationException (reason `other`) naming the users.
   */
  async DeleteDomainVerification(cp, call, input) {
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const rec: ResourceRecord<DomainVerificationDoc> = await resolve<DomainVerificationDoc>(tx, call, 'domainverification', input.domainVerificationIdentifier);
      const users = await tx.list('resourceconfiguration', place, { ref: rec.id, limit: 5 });
      if (users.length > 0) {
        throw validationError(`Domain verification ${rec.id} is used by resource configuration(s) ${users.map((u) => u.id).join(', ')}.`, 'other');
      }
      if (!await tx.delete('domainverification', place, rec.id)) throw notFound('DOMAIN_VERIFICATION', rec.id);
      return {};
    });
  },
};
