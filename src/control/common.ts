import { createHash } from 'node:crypto';
import {
  AwsError, conflict, fieldError, latticeArn, latticeKinds, newId, notFound, parseIdentifier, quotaExceeded,
  validationError, type LatticeKind, type Scope,
} from '../model/index.js';
import type { ListQuery, NewRecord, Place, ResourceRecord, StoreReader, StoreTx } from '../store/index.js';
import type { CallContext, ControlPlane } from './context.js';
import { quotaCodes, type Quotas } from './quotas.js';

export type Doc = Record<string, unknown>;

export function placeOf(call: CallContext): Place {
  return { account: call.scope.account, region: call.scope.region };
}

export function isoNow(cp: ControlPlane): string {
  return new Date(cp.now()).toISOString();
}

/**
 * Finds the resource an "ID or ARN" identifier names. An identifier of another kind, or an
 * ARN of another account or region, names nothing here: 404 like AWS.
 */
export async function resolve<D = Doc>(
  tx: StoreReader, call: CallContext, kind: LatticeKind, identifier: string,
): Promise<ResourceRecord<D>> {
  const ref = parseIdentifier(identifier);
  const errorType = latticeKinds[kind].errorType;
  if (!ref || ref.kind !== kind) throw notFound(errorType, identifier);
  if (ref.arn && (ref.arn.account !== call.scope.account || ref.arn.region !== call.scope.region)) throw notFound(errorType, identifier);
  const rec = await tx.get<D>(kind, placeOf(call), ref.id);
  if (!rec) throw notFound(errorType, ref.id);
  // A listener or rule ARN also names its parents; they must be the record's own.
  if (ref.parents.length > 0 && ref.parents[ref.parents.length - 1] !== rec.parentId) throw notFound(errorType, ref.id);
  return rec;
}

/** A new id and ARN for a resource of this kind. */
export function mint(scope: Scope, kind: LatticeKind, parents: readonly string[] = []): { id: string; arn: string } {
  const id = newId(latticeKinds[kind].prefix);
  return { id, arn: latticeArn(scope, kind, id, parents) };
}

// ---- pagination ---------------------------------------------------------------------------

interface PageToken { readonly v: 1; readonly after: number; readonly k: string }

/**
 * `nextToken` is opaque to clients: base64url of the position after which the next page
 * starts (the creation seq of the last item) and the kind it pages, so a token of one
 * listing is refused by another.
 */
export function encodeToken(kind: string, after: number): string {
  return Buffer.from(JSON.stringify({ v: 1, after, k: kind } satisfies PageToken)).toString('base64url');
}

export function decodeToken(kind: string, token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<PageToken>;
    if (t.v === 1 && t.k === kind && typeof t.after === 'number' && Number.isInteger(t.after) && t.after >= 0) return t.after;
  } catch { /* fall through */ }
  throw validationError('The nextToken is not valid.', 'fieldValidationFailed', [{ name: 'nextToken', message: 'Invalid pagination token' }]);
}

/** AWS's page size when `maxResults` is not given (LATTICE.md §10 #3). */
export const DEFAULT_PAGE_SIZE = 100;

export interface Page<T> { items: T[]; nextToken?: string }

/**
 * One page of a listing in creation order. Fetches one record more than the page to know
 * whether another page follows, so the last page never carries a token.
 */
export async function paginate<D, T>(
  tx: StoreReader, place: Place, kind: LatticeKind | 'vpc', query: Omit<ListQuery, 'afterSeq' | 'limit'>,
  input: { readonly maxResults?: number; readonly nextToken?: string },
  map: (rec: ResourceRecord<D>) => T,
  filter?: (rec: ResourceRecord<D>) => boolean,
): Promise<Page<T>> {
  const size = input.maxResults ?? DEFAULT_PAGE_SIZE;
  let after = decodeToken(kind, input.nextToken);
  const out: ResourceRecord<D>[] = [];
  // With a filter the store may return records that do not count; read on until full.
  for (;;) {
    const batch = await tx.list<D>(kind, place, { ...query, afterSeq: after, limit: size + 1 - out.length });
    for (const r of batch) if (!filter || filter(r)) out.push(r);
    if (batch.length === 0 || out.length > size || !filter) break;
    after = batch[batch.length - 1]!.seq;
  }
  const more = out.length > size;
  const items = out.slice(0, size);
  const page: Page<T> = { items: items.map(map) };
  if (more && items.length > 0) page.nextToken = encodeToken(kind, items[items.length - 1]!.seq);
  return page;
}

// ---- idempotency --------------------------------------------------------------------------

function inputHash(input: unknown, tokenMember: string): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).filter((k) => k !== tokenMember).sort().map((k) => [k, canon((v as Doc)[k])]));
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canon(input))).digest('hex');
}

/**
 * Runs a create at most once per client token: the same token with the same input answers
 * what the first call answered; with a different input it is a 409, as AWS documents
 * ("If the parameters aren't identical, the retry fails").
 */
export async function idempotent<T>(
  tx: StoreTx, call: CallContext, operation: string, token: string | undefined, input: unknown,
  now: number, create: () => Promise<T>,
): Promise<T> {
  if (token === undefined) return create();
  const place = placeOf(call);
  const hash = inputHash(input, 'clientToken');
  const seen = await tx.getIdempotency(place, operation, token);
  if (seen) {
    if (seen.inputHash !== hash) {
      throw new AwsError('ConflictException', `The client token ${token} was already used with different parameters.`, { resourceId: token, resourceType: 'CLIENT_TOKEN' });
    }
    return seen.response as T;
  }
  const result = await create();
  await tx.putIdempotency(place, operation, token, { inputHash: hash, response: result, createdAt: now });
  return result;
}

// ---- quotas -------------------------------------------------------------------------------

export function checkQuota(cp: ControlPlane, quota: keyof Quotas, used: number, resourceType: string, what: string, resourceId?: string): void {
  const limit = cp.config.quotas[quota];
  if (used >= limit) {
    throw quotaExceeded(resourceType, quotaCodes[quota], `You have reached the quota of ${limit} ${what}.`, resourceId);
  }
}

// ---- tags ---------------------------------------------------------------------------------

/**
 * Tags beyond the model's own checks: at most the per-resource quota (50, as the user
 * guide and CloudFormation say) and no `aws:` prefix, which AWS reserves.
 */
export function checkTags(cp: ControlPlane, tags: Readonly<Record<string, string>> | undefined, field = 'tags'): void {
  if (!tags) return;
  const keys = Object.keys(tags);
  if (keys.length > cp.config.quotas.tagsPerResource) {
    throw fieldError(field, `Member must have length less than or equal to ${cp.config.quotas.tagsPerResource}`);
  }
  const reserved = keys.find((k) => k.toLowerCase().startsWith('aws:'));
  if (reserved) throw fieldError(`${field}.${reserved}`, "Tag keys must not start with the reserved prefix 'aws:'");
}

// ---- names --------------------------------------------------------------------------------

export async function assertNameFree(tx: StoreReader, kind: LatticeKind, place: Place, parentId: string, name: string, label: string): Promise<void> {
  const clash = await tx.getByName(kind, place, parentId, name);
  if (clash) throw conflict(latticeKinds[kind].errorType, clash.id, `${label} with name ${name} already exists.`);
}

/** Drops undefined members so responses carry only what is set. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export type { NewRecord, ResourceRecord };

/**
 * Deletes the records that belong to a deleted resource (its auth and resource policies,
 * its access-log subscriptions...): every referrer of these kinds.
 */
export async function cascadeDelete(tx: StoreTx, place: Place, id: string, kinds: readonly import('../model/index.js').ResourceKind[]): Promise<void> {
  for (const rec of await tx.referrers(place, id, kinds)) await tx.delete(rec.kind, place, rec.id);
}
