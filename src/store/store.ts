import type { ResourceKind } from '../model/index.js';

/** Account and region: every record lives in exactly one. */
export interface Place {
  readonly account: string;
  readonly region: string;
}

/**
 * One stored resource. The store knows nothing of Lattice's rules: it keeps a JSON document
 * plus the few columns the control plane looks things up by.
 */
export interface ResourceRecord<D = Record<string, unknown>> extends Place {
  readonly kind: ResourceKind;
  readonly id: string;
  /** The enclosing resource (a listener's service, a rule's listener), or ''. */
  readonly parentId: string;
  /** Unique within (kind, place, parentId) by the control plane's rules; '' when unnamed. */
  readonly name: string;
  /** Ids this record points at, for reverse look-ups ("who forwards to tg-…?"). */
  readonly refs: readonly string[];
  readonly doc: D;
  /** Creation order, assigned by the store on first put; lists page by it. */
  readonly seq: number;
}

export type NewRecord<D = Record<string, unknown>> = Omit<ResourceRecord<D>, 'seq'>;

export interface ListQuery {
  readonly parentId?: string;
  /** Only records whose refs contain this id. */
  readonly ref?: string;
  /** Only records created after this seq (exclusive). */
  readonly afterSeq?: number;
  readonly limit?: number;
}

/** One entry of the change feed: which record a revision touched. */
export interface Change extends Place {
  readonly revision: number;
  readonly kind: ResourceKind;
  readonly id: string;
  readonly op: 'put' | 'delete';
}

export interface IdempotencyEntry {
  readonly inputHash: string;
  readonly response: unknown;
  readonly createdAt: number;
}

export interface StoreReader {
  get<D = Record<string, unknown>>(kind: ResourceKind, place: Place, id: string): Promise<ResourceRecord<D> | undefined>;
  getByName<D = Record<string, unknown>>(kind: ResourceKind, place: Place, parentId: string, name: string): Promise<ResourceRecord<D> | undefined>;
  /** Records of a kind in creation order. */
  list<D = Record<string, unknown>>(kind: ResourceKind, place: Place, query?: ListQuery): Promise<ResourceRecord<D>[]>;
  count(kind: ResourceKind, place: Place, query?: Omit<ListQuery, 'afterSeq' | 'limit'>): Promise<number>;
  /** Every record (of any kind, or of the given kinds) whose refs contain this id. */
  referrers(place: Place, id: string, kinds?: readonly ResourceKind[]): Promise<ResourceRecord[]>;
  getIdempotency(place: Place, operation: string, token: string): Promise<IdempotencyEntry | undefined>;
}

export interface StoreTx extends StoreReader {
  /** Inserts or replaces; returns the record with its seq. */
  put<D = Record<string, unknown>>(record: NewRecord<D>): Promise<ResourceRecord<D>>;
  delete(kind: ResourceKind, place: Place, id: string): Promise<boolean>;
  putIdempotency(place: Place, operation: string, token: string, entry: IdempotencyEntry): Promise<void>;
}

/**
 * The durable state of Trellis. Every write happens inside `transact`: one transaction per
 * API call, committed before the call is acknowledged; a transaction that wrote anything
 * bumps the global revision once and appends its changes to the feed that the data plane
 * follows. Implementations: SQLite (embedded, default) and PostgreSQL (shared, many nodes).
 */
export interface Store extends StoreReader {
  transact<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** The revision of the last committed write (0 for an empty store). */
  revision(): Promise<number>;
  /** Changes with revision > `after`, oldest first. */
  changesSince(after: number, limit?: number): Promise<Change[]>;
  /** Every record of every place of the given kinds (snapshot compilation, listings). */
  scan(kinds: readonly ResourceKind[]): Promise<ResourceRecord[]>;
  close(): Promise<void>;
}
