import type { Change, ResourceRecord, Store } from '../store/index.js';
import { compile, SNAPSHOT_KINDS } from './compile.js';
import type { RoutingSnapshot } from './snapshot.js';

/**
 * Builds the next snapshot from the store, given the one in use (undefined at start). The
 * follower calls one at a time. Strategies: `incrementalRebuild()` (incremental.ts, the
 * follower's default: recompiles only what a change touches), `fullRebuild` (scan and compile
 * everything) and `cachedRebuild` (keep the records, patch them from the change feed, compile).
 */
export type Rebuild = (store: Store, previous: RoutingSnapshot | undefined) => Promise<RoutingSnapshot>;

/**
 * Scans every snapshot kind and compiles it. The revision is read *before* the scan, so a
 * commit landing in between makes the snapshot at least as new as its label, never older;
 * the follower then sees the newer revision and compiles again. Holds no memory between
 * rebuilds; the scan is most of its time on a large store.
 */
export const fullRebuild: Rebuild = async (store) => {
  const revision = await store.revision();
  return compile(await store.scan(SNAPSHOT_KINDS), revision);
};

export interface CachedRebuildOptions {
  /** Past this many changes since the last rebuild, scan everything again. Default 5,000. */
  readonly maxChanges?: number;
}

/**
 * Keeps the records of the last rebuild and brings them up to date from
 * `store.changesSince`, re-reading only the records that changed, then compiles. Trades the
 * records' memory (about as much as the snapshot again) for not scanning the store on each
 * change. Each follower needs its own instance: the cache is its state.
 */
export function cachedRebuild(opts: CachedRebuildOptions = {}): Rebuild {
  const maxChanges = opts.maxChanges ?? 5000;
  const kinds = new Set<string>(SNAPSHOT_KINDS);
  // Insertion order is creation order: a new record has the highest seq so far, and
  // replacing a key keeps its place, so compile() never has to sort.
  const records = new Map<string, ResourceRecord>();
  let at = -1;

  const full = async (store: Store): Promise<RoutingSnapshot> => {
    const revision = await store.revision();
    const all = await store.scan(SNAPSHOT_KINDS);
    records.clear();
    for (const r of all) records.set(keyOf(r), r);
    at = revision;
    return compile(all, revision);
  };

  return async (store, previous) => {
    if (at < 0 || !previous) return full(store);
    const revision = await store.revision();
    const changes = await store.changesSince(at, maxChanges);
    if (changes.length >= maxChanges) return full(store);
    // The latest change of each record decides; each is read once, as it is now.
    const touched = new Map<string, Change>();
    for (const c of changes) if (kinds.has(c.kind)) touched.set(keyOf(c), c);
    for (const [key, c] of touched) {
      const rec = await store.get(c.kind, c, c.id);
      if (rec) records.set(key, rec);
      else records.delete(key);
    }
    // Every change up to the last one read is applied (records read later can only be newer).
    at = Math.max(revision, changes.length ? changes[changes.length - 1]!.revision : at);
    return compile([...records.values()], at);
  };
}

function keyOf(r: { readonly kind: string; readonly account: string; readonly region: string; readonly id: string }): string {
  return `${r.kind}\0${r.account}\0${r.region}\0${r.id}`;
}
