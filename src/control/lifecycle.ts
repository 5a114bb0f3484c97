import type { LatticeKind } from '../model/index.js';
import type { Place, Store } from '../store/index.js';

interface Pending {
  readonly kind: LatticeKind;
  readonly place: Place;
  readonly id: string;
  readonly due: number;
}

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
 */
export class Lifecycle {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly store: Store, private readonly delayMs: number, private readonly now: () => number) {}

  schedule(kind: LatticeKind, place: Place, id: string): void {
    if (this.closed) return;
    this.queue.push({ kind, place, id, due: this.now() + this.delayMs });
    this.arm();
  }

  /** Settles every record of these kinds still in a transitional status. */
  async resume(kinds: readonly LatticeKind[]): Promise<void> {
    for (const rec of await this.store.scan(kinds)) {
      const status = rec.doc.status;
      if (typeof status === 'string' && SETTLES[status]) this.schedule(rec.kind as LatticeKind, rec, rec.id);
    }
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
  }
}
