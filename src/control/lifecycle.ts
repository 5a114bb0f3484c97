import type { LatticeKind } from '../model/index.js';
import type { Place, Store } from '../store/index.js';
import { drainEnded, nextDrainEnd, type TargetRecordEntry } from './draining.js';

interface Pending {
  readonly kind: LatticeKind;
  readonly place: Place;
  readonly id: string;
  readonly due: number;
}

/** setTimeout's longest wait; a later drain end is reached in several waits, not at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Statuses that AWS reports while it works and Trellis settles after a short delay. */
const SETTLES: Readonly<Record<string, string>> = {
  CREATE_IN_PROGRESS: 'ACTIVE',
  UPDATE_IN_PROGRESS: 'ACTIVE',
};

/**
 * AWS creates services, target groups and associations asynchronously: the create call
 * answers `CREATE_IN_PROGRESS` and a later Get shows `ACTIVE`. Trellis answers the same way
 * and settles the record after `delayMs` with a real write, so the change feed and the data
 * plane see the transition like any other change. Records that fall due together settle in
 * one transaction (a burst of creates costs one extra write, not one each). On start,
 * `resume` settles what a previous process left in progress.
 *
 * It also ends target drains (draining.ts): `endDrains` asks for a target group's ended
 * drains to be removed at a given time, with a real write, so the snapshot drops them from
 * the data plane's `draining` lists like any other change. One timer serves every group;
 * groups due together are purged in one transaction; a group with later drains is asked for
 * again after each purge. `resume` also finds the drains a previous process left: those
 * already over are purged at once, the others at their end.
 */
export class Lifecycle {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Target groups with drains to end, by place and id: the earliest time asked for. */
  private drains = new Map<string, Pending>();
  private drainTimer: NodeJS.Timeout | undefined;
  private drainTimerDue = Infinity;

  constructor(private readonly store: Store, private readonly delayMs: number, private readonly now: () => number) {}

  schedule(kind: LatticeKind, place: Place, id: string): void {
    if (this.closed) return;
    this.queue.push({ kind, place, id, due: this.now() + this.delayMs });
    this.arm();
  }

  /**
   * Removes the ended drains of target group `id` at `dueMs` (on this lifecycle's clock) or
   * soon after. Asking again for a group keeps the earlier time.
   */
  endDrains(place: Place, id: string, dueMs: number): void {
    if (this.closed) return;
    const key = `${place.account}/${place.region}/${id}`;
    const prev = this.drains.get(key);
    if (prev && prev.due <= dueMs) return;
    this.drains.set(key, { kind: 'targetgroup', place: { account: place.account, region: place.region }, id, due: dueMs });
    this.armDrains();
  }

  /**
   * Settles every record of these kinds still in a transitional status, and schedules the
   * end of the drains of the target groups among them.
   */
  async resume(kinds: readonly LatticeKind[]): Promise<void> {
    for (const rec of await this.store.scan(kinds)) {
      const status = rec.doc.status;
      if (typeof status === 'string' && SETTLES[status]) this.schedule(rec.kind as LatticeKind, rec, rec.id);
      if (rec.kind === 'targetgroup' && Array.isArray(rec.doc.targets)) {
        const end = nextDrainEnd(rec.doc.targets as TargetRecordEntry[]);
        if (end !== undefined) this.endDrains(rec, rec.id, end);
      }
    }
  }

  private armDrains(): void {
    if (this.closed || this.drains.size === 0) return;
    let due = Infinity;
    for (const p of this.drains.values()) if (p.due < due) due = p.due;
    // A timer already set for this time or earlier serves; a later one is replaced.
    if (this.drainTimer && this.drainTimerDue <= due) return;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimerDue = due;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      this.drainTimerDue = Infinity;
      void this.purgeDue().finally(() => this.armDrains());
    }, Math.min(MAX_TIMER_MS, Math.max(0, due - this.now())));
    this.drainTimer.unref();
  }

  private async purgeDue(): Promise<void> {
    const now = this.now();
    const due: Pending[] = [];
    for (const [key, p] of this.drains) {
      if (p.due > now) continue;
      due.push(p);
      this.drains.delete(key);
    }
    if (due.length === 0 || this.closed) return;
    const later: Pending[] = [];
    try {
      await this.store.transact(async (tx) => {
        for (const p of due) {
          const rec = await tx.get(p.kind, p.place, p.id);
          if (!rec || !Array.isArray(rec.doc.targets)) continue;
          const targets = rec.doc.targets as TargetRecordEntry[];
          const kept = targets.filter((t) => !drainEnded(t, now));
          if (kept.length !== targets.length) await tx.put({ ...rec, doc: { ...rec.doc, targets: kept } });
          const next = nextDrainEnd(kept);
          if (next !== undefined) later.push({ ...p, due: next });
        }
      });
    } catch {
      // The store is closing; `resume` on the next start ends whatever drains remain.
      return;
    }
    for (const p of later) this.endDrains(p.place, p.id, p.due);
  }

  private arm(): void {
    if (this.timer || this.queue.length === 0 || this.closed) return;
    // The queue is in due order: every entry waits the same delay from its schedule call.
    const wait = Math.max(0, this.queue[0]!.due - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.settleDue().finally(() => this.arm());
    }, wait);
    this.timer.unref();
  }

  private async settleDue(): Promise<void> {
    const now = this.now();
    const cut = this.queue.findIndex((p) => p.due > now);
    const due = cut < 0 ? this.queue : this.queue.slice(0, cut);
    this.queue = cut < 0 ? [] : this.queue.slice(cut);
    if (due.length === 0 || this.closed) return;
    const at = new Date(now).toISOString();
    try {
      await this.store.transact(async (tx) => {
        for (const p of due) {
          const rec = await tx.get(p.kind, p.place, p.id);
          const status = rec?.doc.status;
          const next = typeof status === 'string' ? SETTLES[status] : undefined;
          if (rec && next) await tx.put({ ...rec, doc: { ...rec.doc, status: next, lastUpdatedAt: at } });
        }
      });
    } catch {
      // The store is closing; `resume` on the next start settles whatever is in progress.
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.drains.clear();
  }
}
