/**
 * Time for the health checker, injected so that state transitions are tested
 * deterministically: the real scheduler runs on Node's timers, the manual one only moves when
 * a test advances it.
 */
export interface Scheduler {
  /** Milliseconds since the epoch (or since the manual clock's origin). */
  now(): number;
  /** Runs `fn` once after `delayMs`; the handle cancels it. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque to callers: only the scheduler that made it can cancel it. */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

/**
 * Node's timers. Timers are unref'd: health probes and drain expiries must never keep a
 * process alive on their own (the servers do that).
 */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  },
};

interface ManualTimer {
  readonly seq: number;
  readonly due: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only through `advance`. Timers fire in due order (ties in creation
 * order), and between timers `advance` yields to the event loop so that promise chains
 * started by one timer (a probe settling) run before the next timer fires, as they would in
 * real time.
 */
export class ManualScheduler implements Scheduler {
  private time: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer: ManualTimer = { seq: this.seq++, due: this.time + Math.max(0, delayMs), fn, cancelled: false };
    this.timers.push(timer);
    return timer as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    (handle as unknown as ManualTimer).cancelled = true;
  }

  /** Timers not yet fired nor cancelled. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves the clock forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = next.due;
      next.fn();
      await settle();
    }
    this.time = target;
  }
}

/** Lets pending promise reactions and immediates run (a few turns, for chained awaits). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}
