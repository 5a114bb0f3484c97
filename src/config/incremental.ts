import type { Change, ResourceRecord, Store } from '../store/index.js';
import { compile, SNAPSHOT_KINDS } from './compile.js';
import { CompileContext } from './context.js';
import { CompiledState, type Touched } from './incremental-state.js';
import { recordKey, ScannedSource, StoreSource } from './incremental-source.js';
import type { Rebuild } from './rebuild.js';
import type { RoutingSnapshot } from './snapshot.js';

export interface IncrementalRebuildOptions {
  /** Past this many changes since the last rebuild, compile everything again. Default 2,000. */
  readonly maxChanges?: number;
  /** Told how each rebuild went (benchmarks, tests, `trellis status` some day). */
  readonly onRebuild?: (info: RebuildInfo) => void;
}

export interface RebuildInfo {
  /** `incremental`: from the change feed; `full`: a scan, building a new state; `compile`: a scan the state cannot follow (see `CompiledState`). */
  readonly mode: 'incremental' | 'full' | 'compile';
  readonly revision: number;
  /** Records the change feed named (incremental steps). */
  readonly changes: number;
  readonly ms: number;
}

/**
 * The follower's default rebuild: recompiles only what a change touches. It reads the
 * change feed since the last rebuild, re-reads each changed record once (`store.get`),
 * and patches a `CompiledState`, which recompiles the affected target groups, services,
 * networks and VPCs and reuses every other entry of the last snapshot (entries are
 * immutable, so snapshots share them). The result is the snapshot `compile()` would build
 * from a full scan at that point (incremental.test.ts checks this on a real
 * store, step by step).
 *
 * It scans and compiles in full at start, when more than `maxChanges` changes piled up,
 * when a step is ambiguous for the state (an id in two places; a partition that may change),
 * and after a failed step (the state may be half-patched, so it is dropped). Each follower
 * needs its own instance: the state is its memory.
 */
export function incrementalRebuild(opts: IncrementalRebuildOptions = {}): Rebuild {
  const maxChanges = opts.maxChanges ?? 2000;
  const kinds = new Set<string>(SNAPSHOT_KINDS);
  let state: CompiledState | undefined;
  let at = -1;

  const report = (mode: RebuildInfo['mode'], revision: number, changes: number, t0: number): void => {
    opts.onRebuild?.({ mode, revision, changes, ms: performance.now() - t0 });
  };

  const full = async (store: Store, t0: number): Promise<RoutingSnapshot> => {
    state = undefined;
    const revision = await store.revision();
    const records = await store.scan(SNAPSHOT_KINDS);
    const next = new CompiledState();
    const touched: Touched[] = records.map((rec) => ({ kind: rec.kind, place: rec, id: rec.id, rec }));
    const snapshot = await next.apply(touched, new ScannedSource(new CompileContext(records)), revision, true);
    at = revision;
    if (!snapshot) {
      report('compile', revision, 0, t0);
      return compile(records, revision);
    }
    state = next;
    report('full', revision, 0, t0);
    return snapshot;
  };

  return async (store, previous) => {
    const t0 = performance.now();
    if (!state?.last || !previous) return full(store, t0);
    const revision = await store.revision();
    const changes = await store.changesSince(at, maxChanges);
    if (changes.length >= maxChanges) return full(store, t0);
    const reached = Math.max(revision, changes.length ? changes[changes.length - 1]!.revision : at);

    // The latest change of each record decides; each is read once, as it is now.
    const latest = new Map<string, Change>();
    for (const c of changes) if (kinds.has(c.kind)) latest.set(recordKey(c.kind, c, c.id), c);
    const fetched = new Map<string, ResourceRecord | undefined>();
    const touched: Touched[] = [];
    for (const [key, c] of latest) {
      const rec = await store.get(c.kind, c, c.id);
      fetched.set(key, rec);
      touched.push({ kind: c.kind, place: c, id: c.id, rec });
    }
    const current = state;
    let snapshot: RoutingSnapshot | undefined;
    try {
      snapshot = await current.apply(touched, new StoreSource(store, fetched, (p) => current.partitionOf(p)), reached);
    } catch (err) {
      state = undefined;
      throw err;
    }
    if (!snapshot) return full(store, t0);
    at = reached;
    report('incremental', reached, touched.length, t0);
    return snapshot;
  };
}
