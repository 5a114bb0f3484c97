import type { LatticeKind } from '../model/index.js';
import type { Place, Store } from '../store/index.js';

interface Pending {
  readonly kind: LatticeKind;
  readonly place: Place;
  readonly id: string;
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
 * plane see the transition like any other change. On start, `resume` settles what a
 * previous process left in progress.
 */
export class Lifecycle {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly store: Store, private readonly delayMs: number, private readonly now: () => number) {}

  schedule(kind: LatticeKind, place: Place, id: string): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.settle({ kind, place, id });
    }, this.delayMs);
    t.unref();
    this.timers.add(t);
  }

  /** Settles every record of these kinds still in a transitional status. */
  async resume(kinds: readonly LatticeKind[]): Promise<void> {
    for (const rec of await this.store.scan(kinds)) {
      const status = rec.doc.status;
      if (typeof status === 'string' && SETTLES[status]) this.schedule(rec.kind as LatticeKind, rec, rec.id);
    }
  }

  private async settle(p: Pending): Promise<void> {
    if (this.closed) return;
    try {
      await this.store.transact(async (tx) => {
        const rec = await tx.get(p.kind, p.place, p.id);
        const status = rec?.doc.status;
        const next = typeof status === 'string' ? SETTLES[status] : undefined;
        if (!rec || !next) return;
        await tx.put({ ...rec, doc: { ...rec.doc, status: next, lastUpdatedAt: new Date(this.now()).toISOString() } });
      });
    } catch {
      // The store is closing or the record changed under us; `resume` on the next start
      // settles whatever is still in progress.
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
