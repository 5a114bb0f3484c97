import type { HealthCheckEntry, RoutingSnapshot, TargetEntry, TargetGroupEntry } from '../../config/index.js';
import type { TargetHealthSource, TargetStatus } from '../contracts.js';
import { httpProber, type Prober } from './probe.js';
import { realScheduler, type Scheduler, type TimerHandle } from './scheduler.js';
import { TargetMap } from './target-map.js';
import { diffEntries, entryId } from '../snapshot-diff.js';

/**
 * ELB's reason-code vocabulary, which LATTICE.md §10 #11 recommends for ListTargets.
 * `Target.InvalidState` is reported for a target whose address cannot be resolved (an
 * instance Trellis does not know), since no probe can reach it.
 */
export type HealthReasonCode =
  | 'Elb.RegistrationInProgress'
  | 'Target.Timeout'
  | 'Target.ResponseCodeMismatch'
  | 'Target.FailedHealthChecks'
  | 'Target.InvalidState'
  | 'Target.NotInUse'
  | 'Target.DeregistrationInProgress'
  | 'Target.HealthCheckDisabled';

type ProbeFailure = 'Target.Timeout' | 'Target.ResponseCodeMismatch' | 'Target.FailedHealthChecks' | 'Target.InvalidState';

/** What ListTargets shows for one target. */
export interface TargetHealthReport {
  readonly status: TargetStatus;
  readonly reasonCode?: HealthReasonCode;
}

/** A state change, for the process log and for tests. */
export interface HealthTransition {
  readonly targetGroupId: string;
  readonly target: TargetEntry;
  readonly from: 'INITIAL' | 'HEALTHY' | 'UNHEALTHY';
  readonly to: 'HEALTHY' | 'UNHEALTHY';
  readonly reasonCode?: HealthReasonCode;
}

export interface HealthCheckerOptions {
  readonly scheduler?: Scheduler;
  readonly prober?: Prober;
  /** In [0, 1); spreads first probes. Tests pass `() => 0`. */
  readonly random?: () => number;
  /**
   * A new target's first probe runs within this many ms (never later than one interval),
   * spread at random so that a boot with many targets does not open every probe connection
   * at once. Default 1000.
   */
  readonly firstProbeSpreadMs?: number;
  readonly onTransition?: (t: HealthTransition) => void;
}

interface TargetProbe {
  entry: TargetEntry;
  state: 'INITIAL' | 'HEALTHY' | 'UNHEALTHY';
  reason?: ProbeFailure;
  okRun: number;
  failRun: number;
  /** When the pending tick is planned: the schedule advances from here, not from results. */
  plannedAt: number;
  timer?: TimerHandle;
  inFlight?: InFlight;
  alive: boolean;
}

interface InFlight {
  readonly abort: AbortController;
  readonly timeout: TimerHandle;
}

interface GroupState {
  entry: TargetGroupEntry;
  /** The health-check config the probes run with; undefined when the group is not probed. */
  checkKey?: string;
  probes: TargetMap<TargetProbe>;
}

/**
 * Active health checks (LATTICE.md §2.5, §2.7), reconciled with each RoutingSnapshot.
 *
 * Every target of a group that has a health check and is in use gets its own schedule: a
 * probe every `intervalMs` from its first tick (a slow probe never shifts the schedule; a
 * tick that finds the previous probe still running is skipped), each on a fresh connection
 * and bounded by `timeoutMs` on the injected clock. States: INITIAL until the first success
 * (→ HEALTHY) or `unhealthyThreshold` consecutive failures (→ UNHEALTHY); HEALTHY →
 * UNHEALTHY after `unhealthyThreshold` consecutive failures; UNHEALTHY → HEALTHY after
 * `healthyThreshold` consecutive successes. A changed health-check config restarts the
 * group's schedules and run counts but keeps each target's state (a new interval should not
 * make an unhealthy target routable again). Targets and groups that leave the snapshot are
 * forgotten; `drain` overlays DRAINING for the deregistration delay.
 *
 * `status` is on the request path: two map lookups, no allocation.
 */
export class HealthChecker implements TargetHealthSource {
  private readonly scheduler: Scheduler;
  private readonly prober: Prober;
  private readonly random: () => number;
  private readonly firstProbeSpreadMs: number;
  private readonly onTransition: ((t: HealthTransition) => void) | undefined;
  private readonly groups = new Map<string, GroupState>();
  private readonly drains = new Map<string, TargetMap<{ until: number; timer: TimerHandle }>>();
  private closed = false;
  /** The snapshot of the last `update`: the next one is compared with it by identity. */
  private last: RoutingSnapshot | undefined;
  private visited = 0;

  constructor(opts: HealthCheckerOptions = {}) {
    this.scheduler = opts.scheduler ?? realScheduler;
    this.prober = opts.prober ?? httpProber;
    this.random = opts.random ?? Math.random;
    this.firstProbeSpreadMs = opts.firstProbeSpreadMs ?? 1000;
    this.onTransition = opts.onTransition;
  }

  /**
   * Reconciles probes with `snapshot`. Only target groups whose entry is not the previous
   * update's object are visited (see snapshot-diff.ts): an unchanged group's probes, timers
   * and states are left as they are, so a swap costs what changed.
   */
  update(snapshot: RoutingSnapshot): void {
    if (this.closed) return;
    let visited = 0;
    diffEntries(this.last?.targetGroups, snapshot.targetGroups, entryId, (id, prevEntry, tg) => {
      visited++;
      const g = this.groups.get(id);
      if (tg === undefined) {
        if (g) {
          this.stopAll(g);
          this.groups.delete(id);
        }
        return;
      }
      if (g?.entry === tg) return;
      const checkKey = tg.healthCheck && !tg.unused ? JSON.stringify(tg.healthCheck) : undefined;
      if (!g) {
        const fresh: GroupState = { entry: tg, checkKey, probes: new TargetMap() };
        this.groups.set(tg.id, fresh);
        this.reconcileTargets(fresh);
        return;
      }
      const before = g.checkKey;
      g.entry = tg;
      g.checkKey = checkKey;
      if (before !== checkKey) {
        if (checkKey === undefined || before === undefined) this.stopAll(g);
        else for (const p of g.probes.values()) this.restart(p, g);
      }
      // The same target list and the same schedule: every probe stands as it is.
      if (before === checkKey && prevEntry?.targets === tg.targets) return;
      this.reconcileTargets(g);
    });
    this.last = snapshot;
    this.visited = visited;
  }

  /**
   * How many target groups the last `update` visited: those whose entry is not the
   * previous snapshot's object. 0 for a swap that changes no group (tests; swap cost).
   */
  lastUpdateVisited(): number {
    return this.visited;
  }

  status(targetGroupId: string, target: TargetEntry): TargetStatus {
    if (this.drains.size !== 0 && this.drainingUntil(targetGroupId, target) !== undefined) return 'DRAINING';
    const g = this.groups.get(targetGroupId);
    // A group newer than the last update: its targets have not been checked yet.
    if (!g) return 'INITIAL';
    if (g.entry.unused) return 'UNUSED';
    if (!g.entry.healthCheck) return 'UNAVAILABLE';
    return g.probes.get(target)?.state ?? 'INITIAL';
  }

  /** The reason ListTargets shows beside `status`; undefined for HEALTHY. */
  reasonCode(targetGroupId: string, target: Pick<TargetEntry, 'id' | 'port'>): HealthReasonCode | undefined {
    return this.health(targetGroupId, target)?.reasonCode;
  }

  /** Status and reason together; undefined for a group the checker has not seen (nor drains). */
  health(targetGroupId: string, target: Pick<TargetEntry, 'id' | 'port'>): TargetHealthReport | undefined {
    if (this.drainingUntil(targetGroupId, target) !== undefined) {
      return { status: 'DRAINING', reasonCode: 'Target.DeregistrationInProgress' };
    }
    const g = this.groups.get(targetGroupId);
    if (!g) return undefined;
    if (g.entry.unused) return { status: 'UNUSED', reasonCode: 'Target.NotInUse' };
    if (!g.entry.healthCheck) return { status: 'UNAVAILABLE', reasonCode: 'Target.HealthCheckDisabled' };
    const p = g.probes.get(target);
    if (!p || p.state === 'INITIAL') return { status: 'INITIAL', reasonCode: 'Elb.RegistrationInProgress' };
    return p.state === 'HEALTHY' ? { status: 'HEALTHY' } : { status: 'UNHEALTHY', reasonCode: p.reason ?? 'Target.FailedHealthChecks' };
  }

  /**
   * Reports the target DRAINING until `untilMs` (on the checker's clock), whatever the
   * snapshot says: the request path calls this when a target is deregistered, for the
   * group's deregistration delay. A later call replaces the deadline.
   */
  drain(targetGroupId: string, target: Pick<TargetEntry, 'id' | 'port'>, untilMs: number): void {
    if (this.closed) return;
    let m = this.drains.get(targetGroupId);
    if (!m) this.drains.set(targetGroupId, (m = new TargetMap()));
    const prev = m.get(target);
    if (prev) this.scheduler.clearTimeout(prev.timer);
    const key = { id: target.id, port: target.port };
    const timer = this.scheduler.setTimeout(() => this.undrain(targetGroupId, key), untilMs - this.scheduler.now());
    m.set(key, { until: untilMs, timer });
  }

  /** Stops every probe and drain timer; the checker answers nothing afterwards. */
  close(): void {
    this.closed = true;
    for (const g of this.groups.values()) this.stopAll(g);
    this.groups.clear();
    for (const m of this.drains.values()) for (const d of m.values()) this.scheduler.clearTimeout(d.timer);
    this.drains.clear();
  }

  private drainingUntil(targetGroupId: string, target: Pick<TargetEntry, 'id' | 'port'>): number | undefined {
    const d = this.drains.get(targetGroupId)?.get(target);
    return d && d.until > this.scheduler.now() ? d.until : undefined;
  }

  private undrain(targetGroupId: string, target: Pick<TargetEntry, 'id' | 'port'>): void {
    const m = this.drains.get(targetGroupId);
    if (!m) return;
    m.delete(target);
    if (m.size === 0) this.drains.delete(targetGroupId);
  }

  private reconcileTargets(g: GroupState): void {
    if (g.checkKey === undefined) return;
    const keep = new TargetMap<TargetProbe>();
    for (const t of g.entry.targets) {
      if (keep.get(t)) continue;
      let p = g.probes.get(t);
      if (p) {
        p.entry = t;
      } else {
        p = { entry: t, state: 'INITIAL', okRun: 0, failRun: 0, plannedAt: 0, alive: true };
        this.scheduleFirst(p, g);
      }
      keep.set(t, p);
    }
    for (const p of g.probes.values()) if (keep.get(p.entry) !== p) this.stop(p);
    g.probes = keep;
  }

  private scheduleFirst(p: TargetProbe, g: GroupState): void {
    const interval = g.entry.healthCheck!.intervalMs;
    const delay = Math.floor(this.random() * Math.min(interval, this.firstProbeSpreadMs));
    p.plannedAt = this.scheduler.now() + delay;
    p.timer = this.scheduler.setTimeout(() => this.tick(p, g), delay);
  }

  private restart(p: TargetProbe, g: GroupState): void {
    this.cancel(p);
    p.okRun = 0;
    p.failRun = 0;
    this.scheduleFirst(p, g);
  }

  private tick(p: TargetProbe, g: GroupState): void {
    p.timer = undefined;
    if (!p.alive) return;
    const hc = g.entry.healthCheck;
    if (!hc) return;
    // The next tick is planned from this one's planned time, so probe durations never shift
    // the schedule; ticks missed while the process was busy are skipped, not bunched.
    const now = this.scheduler.now();
    let next = p.plannedAt + hc.intervalMs;
    if (next <= now) next += Math.ceil((now - next + 1) / hc.intervalMs) * hc.intervalMs;
    p.plannedAt = next;
    p.timer = this.scheduler.setTimeout(() => this.tick(p, g), next - now);
    if (!p.inFlight) this.probe(p, g, hc);
  }

  private probe(p: TargetProbe, g: GroupState, hc: HealthCheckEntry): void {
    const address = p.entry.address;
    if (address === undefined) {
      this.record(p, g, hc, 'Target.InvalidState');
      return;
    }
    const abort = new AbortController();
    const timeout = this.scheduler.setTimeout(() => {
      if (p.inFlight !== flight) return;
      p.inFlight = undefined;
      abort.abort();
      this.record(p, g, hc, 'Target.Timeout');
    }, hc.timeoutMs);
    const flight: InFlight = { abort, timeout };
    p.inFlight = flight;
    const settle = (failure: ProbeFailure | undefined): void => {
      // A result that arrives after the timeout, a restart or a removal counts for nothing.
      if (p.inFlight !== flight) return;
      p.inFlight = undefined;
      this.scheduler.clearTimeout(timeout);
      this.record(p, g, hc, failure);
    };
    let pending: Promise<number>;
    try {
      pending = this.prober({ protocol: hc.protocol, address, port: hc.port ?? p.entry.port, path: hc.path, ...(hc.protocolVersion === 'HTTP2' ? { protocolVersion: 'HTTP2' as const } : {}) }, abort.signal);
    } catch {
      pending = Promise.reject(new Error('prober threw'));
    }
    pending.then(
      (code) => settle(matches(hc.matcher, code) ? undefined : 'Target.ResponseCodeMismatch'),
      () => settle('Target.FailedHealthChecks'),
    );
  }

  private record(p: TargetProbe, g: GroupState, hc: HealthCheckEntry, failure: ProbeFailure | undefined): void {
    if (!p.alive) return;
    const from = p.state;
    if (failure === undefined) {
      p.failRun = 0;
      p.okRun++;
      if (from === 'INITIAL' || (from === 'UNHEALTHY' && p.okRun >= hc.healthyThreshold)) {
        p.state = 'HEALTHY';
        p.reason = undefined;
      }
    } else {
      p.okRun = 0;
      p.failRun++;
      if (from === 'UNHEALTHY') p.reason = failure;
      else if (p.failRun >= hc.unhealthyThreshold) {
        p.state = 'UNHEALTHY';
        p.reason = failure;
      }
    }
    if (p.state !== from && this.onTransition) {
      const to = p.state as 'HEALTHY' | 'UNHEALTHY';
      this.onTransition({ targetGroupId: g.entry.id, target: p.entry, from, to, ...(p.reason ? { reasonCode: p.reason } : {}) });
    }
  }

  private cancel(p: TargetProbe): void {
    if (p.timer) this.scheduler.clearTimeout(p.timer);
    p.timer = undefined;
    if (p.inFlight) {
      this.scheduler.clearTimeout(p.inFlight.timeout);
      p.inFlight.abort.abort();
      p.inFlight = undefined;
    }
  }

  private stop(p: TargetProbe): void {
    p.alive = false;
    this.cancel(p);
  }

  private stopAll(g: GroupState): void {
    for (const p of g.probes.values()) this.stop(p);
    g.probes = new TargetMap();
  }
}

/** Whether `code` is in one of the matcher's inclusive ranges. */
export function matches(ranges: readonly (readonly [number, number])[], code: number): boolean {
  for (const [lo, hi] of ranges) if (code >= lo && code <= hi) return true;
  return false;
}

/** The control plane's TargetHealthView, structurally (dataplane/ does not import control/). */
export interface TargetHealthViewLike {
  health(targetGroupId: string, targetId: string, port: number): TargetHealthReport | undefined;
}

/** Adapts the checker to the view ListTargets reads (`cp.targetHealth = healthView(checker)`). */
export function healthView(checker: HealthChecker): TargetHealthViewLike {
  return { health: (targetGroupId, id, port) => checker.health(targetGroupId, { id, port }) };
}
