/**
 * One coarse timer for every deadline of the engine (idle keep-alive, head, upstream
 * headers/body timeouts), instead of a timer per connection or request: arming a deadline
 * is a field store (`deadline = Date.now() + ms`), and a 100 ms tick expires what is due.
 * Timeouts are thus late by up to one tick, which no Lattice timeout (≥ 1 s, tests 0.3 s)
 * notices. The tick is unref'd and stops when nothing is registered.
 */

/** Something with a deadline (ms since the epoch; Infinity = none). */
export interface Sweepable {
  deadline: number;
  expire(): void;
}

const TICK_MS = 100;

class Sweeper {
  private readonly items = new Set<Sweepable>();
  private timer: NodeJS.Timeout | undefined;

  add(item: Sweepable): void {
    this.items.add(item);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), TICK_MS);
      this.timer.unref();
    }
  }

  delete(item: Sweepable): void {
    this.items.delete(item);
    if (this.items.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const item of this.items) {
      if (item.deadline <= now) item.expire();
    }
  }
}

/** The process-wide sweeper. */
export const sweeper = new Sweeper();
