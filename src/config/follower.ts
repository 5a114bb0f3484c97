import type { Store } from '../store/index.js';
import { checkSnapshot } from './check.js';
import { incrementalRebuild } from './incremental.js';
import type { Rebuild } from './rebuild.js';
import type { RoutingSnapshot } from './snapshot.js';

export interface SnapshotFollowerOptions {
  /**
   * Subscribes to commits, calling back with each new revision; returns an unsubscribe
   * function. In one process: `(l) => sqliteStore.onCommit(l)`; PostgreSQL's LISTEN/NOTIFY
   * plugs in the same way.
   */
  readonly subscribe?: (onRevision: (revision: number) => void) => () => void;
  /** How often to poll `store.revision()` as a fallback, in ms; 0 turns polling off. Default 1000. */
  readonly pollMs?: number;
  /**
   * How to build the next snapshot. Default `incrementalRebuild()`: from the change feed,
   * recompiling only what a change touches. `fullRebuild` scans and compiles everything per
   * change and holds nothing between rebuilds.
   */
  readonly rebuild?: Rebuild;
  /** Check each snapshot with `checkSnapshot` and refuse to publish one that fails. Default true. */
  readonly check?: boolean;
  /** Store failures, refused snapshots and listener errors; the follower keeps going. */
  readonly onError?: (err: unknown) => void;
}

/**
 * Holds the current RoutingSnapshot of a store and follows the store's changes: the data
 * plane reads `current()` (one reference, swapped whole) and never the store.
 *
 * A change is learnt from `poke(revision)` (the commit hook, or anyone), or from the poll.
 * At most one rebuild runs at a time; pokes that arrive meanwhile only note that another
 * is due, so a burst of commits costs one or two rebuilds, not one each. A rebuild that
 * fails (store error, failed check) keeps the current snapshot, and the next poke or poll
 * tries again.
 */
export class SnapshotFollower {
  private snapshot: RoutingSnapshot;
  /** Something changed since the last rebuild began. */
  private pending = false;
  private running: Promise<void> | undefined;
  private closed = false;
  private polling = false;
  private readonly listeners = new Set<(s: RoutingSnapshot) => void>();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void) | undefined;
  private readonly rebuild: Rebuild;

  private constructor(
    private readonly store: Store, first: RoutingSnapshot, private readonly opts: SnapshotFollowerOptions, rebuild: Rebuild, private verified: boolean,
  ) {
    this.snapshot = first;
    this.rebuild = rebuild;
    this.unsubscribe = opts.subscribe?.((revision) => this.poke(revision));
    const pollMs = opts.pollMs ?? 1000;
    if (pollMs > 0) {
      this.timer = setInterval(() => void this.poll(), pollMs);
      this.timer.unref();
    }
  }

  /** Compiles the store's current state, then follows it. */
  static async start(store: Store, opts: SnapshotFollowerOptions = {}): Promise<SnapshotFollower> {
    const rebuild = opts.rebuild ?? incrementalRebuild();
    const first = await rebuild(store, undefined);
    let verified = false;
    if (opts.check !== false) {
      // Nothing older to fall back on: route by it, but say it is wrong.
      const violations = checkSnapshot(first);
      if (violations.length) opts.onError?.(new Error(`snapshot ${first.revision} fails its checks: ${violations.join('; ')}`));
      verified = violations.length === 0;
    }
    return new SnapshotFollower(store, first, opts, rebuild, verified);
  }

  /** The snapshot in use: immutable; hold it for the whole of a request. */
  current(): RoutingSnapshot {
    return this.snapshot;
  }

  /** Calls `listener` with every snapshot published from now on; returns the unsubscribe. */
  onSnapshot(listener: (s: RoutingSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Says the store changed: up to `revision` when known (a commit hook; a revision the
   * snapshot already has is ignored), or to an unknown one. Cheap and safe to call often.
   */
  poke(revision?: number): void {
    if (this.closed || (revision !== undefined && revision <= this.snapshot.revision)) return;
    this.pending = true;
    this.kick();
  }

  /** Stops following; the current snapshot stays readable. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.running;
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.follow().finally(() => {
      this.running = undefined;
      // A poke that came while the loop was finishing found it still running.
      if (this.pending && !this.closed) this.kick();
    });
  }

  /**
   * Rebuilds while changes keep coming. A rebuild that fails, or that does not reach a
   * revision it was told of (not visible yet), ends the loop: the next poke or poll retries,
   * so nothing spins.
   */
  private async follow(): Promise<void> {
    while (this.pending && !this.closed) {
      this.pending = false;
      let next: RoutingSnapshot;
      try {
        next = await this.rebuild(this.store, this.snapshot);
      } catch (err) {
        this.report(err);
        return;
      }
      if (next.revision > this.snapshot.revision && !this.refused(next)) this.publish(next);
    }
  }

  private refused(next: RoutingSnapshot): boolean {
    if (this.opts.check === false) return false;
    // Entries shared with a verified snapshot are not checked again: the check costs what
    // the change does, not what the store holds.
    const violations = checkSnapshot(next, this.verified ? this.snapshot : undefined);
    if (violations.length === 0) {
      this.verified = true;
      return false;
    }
    this.report(new Error(`snapshot ${next.revision} fails its checks and is not used: ${violations.join('; ')}`));
    return true;
  }

  private publish(next: RoutingSnapshot): void {
    this.snapshot = next;
    for (const l of this.listeners) {
      try { l(next); } catch (err) { this.report(err); }
    }
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      this.poke(await this.store.revision());
    } catch (err) {
      this.report(err);
    } finally {
      this.polling = false;
    }
  }

  private report(err: unknown): void {
    this.opts.onError?.(err);
  }
}
