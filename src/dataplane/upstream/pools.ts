import { Http1Pool, type Http1PoolOptions, type UpstreamDispatcher } from '../http1/index.js';
import type { RoutingSnapshot, TargetEntry, TargetGroupEntry } from '../../config/index.js';
import { diffEntries, entryId } from '../snapshot-diff.js';
import { Http2Upstream } from './h2-pool.js';

/**
 * One pool per target origin (`http://address:port`), shared by every target group and
 * snapshot that names the origin: http1/'s keep-alive HTTP/1.1 pools (no pipelining).
 * HTTPS target groups connect with TLS and do not verify the target's certificate, as
 * Lattice does not (LATTICE.md §2.4).
 *
 * `poolFor` caches the pool on the snapshot's TargetEntry object (a WeakMap), so the request
 * path builds no origin string once a target has been used. `retain` closes the pools of
 * origins that no routed target uses any more: gracefully (the pool's `close()` lets running
 * and queued requests finish, `destroy()` would cut them), so a deregistered target's
 * in-flight requests complete while it drains. Such a pool is kept aside while its target
 * is in a group's `draining` list; when the drain ends (the target leaves the list) and the
 * pool has still not finished, it is destroyed — AWS also ends what is left of the
 * requests at the end of the deregistration delay. An origin routed again (the target
 * re-registered) gets a fresh pool; the closing one finishes on its own.
 *
 * `retain` costs what the change does: it counts, per origin, the routed and the draining
 * targets naming it, and moves those counts only for the groups whose entry is not the
 * previous snapshot's object (unchanged entries are shared between snapshots), then
 * re-decides only the origins those groups name. With 100,000 targets loaded a swap that
 * touches one group visits that group's targets, not every target's origin.
 */
/** What a pool is to this module: something to dispatch to, close and destroy. */
type Pool = UpstreamDispatcher;

export class UpstreamPools {
  private readonly byOrigin = new Map<string, Pool>();
  /** Pools closing while their target drains, by origin; each leaves when it has closed. */
  private readonly closing = new Map<string, Pool>();
  private byTarget = new WeakMap<TargetEntry, Pool>();
  /** Per origin: how many routed targets of the retained snapshot name it. */
  private readonly live = new Map<string, number>();
  /** Per origin: how many draining targets of the retained snapshot name it. */
  private readonly draining = new Map<string, number>();
  /** Pools opened for an origin the retained snapshot does not route: decided on the next `retain`. */
  private readonly strays = new Set<string>();
  private retained: RoutingSnapshot | undefined;
  private work: SwapWork = { groups: 0, origins: 0 };

  constructor(private readonly options: Http1PoolOptions = {}) {}

  poolFor(tg: TargetGroupEntry, target: TargetEntry): Pool {
    const cached = this.byTarget.get(target);
    if (cached !== undefined) return cached;
    const origin = originOf(tg, target);
    let pool = this.byOrigin.get(origin);
    if (pool === undefined) {
      const tls = tg.protocol === 'HTTPS';
      // HTTP2 / GRPC groups: one HTTP/2 session per origin (h2-pool.ts); their key is `h2+…`.
      pool = isHttp2(tg) ? new Http2Upstream(origin.slice(3)) : new Http1Pool(origin, { connections: 256, keepAliveTimeout: 4_000, tls, ...this.options });
      this.byOrigin.set(origin, pool);
      // A target of no retained snapshot (a caller that never retained): the next retain decides.
      if (!this.live.has(origin)) this.strays.add(origin);
    }
    this.byTarget.set(target, pool);
    return pool;
  }

  /**
   * Closes the pools of origins no routed target of `snapshot` uses (in-flight requests
   * finish), and destroys the closing pools of drains that ended before their requests did.
   * Only target groups whose entry differs from the previously retained snapshot's are
   * visited.
   */
  retain(snapshot: RoutingSnapshot): void {
    const touched = new Set<string>(this.strays);
    this.strays.clear();
    let groups = 0;
    diffEntries(this.retained?.targetGroups, snapshot.targetGroups, entryId, (_id, before, after) => {
      // A group that changed elsewhere (unused, health check) with the same target lists
      // names the same origins: nothing to count. The incremental rebuild keeps the arrays.
      if (before !== undefined && after !== undefined && sameOrigins(before, after)) return;
      groups++;
      if (before !== undefined) {
        this.count(before, -1, touched);
        // Its targets' cached pools may close; an old request path must not get them back.
        for (const t of before.targets) this.byTarget.delete(t);
      }
      if (after !== undefined) this.count(after, 1, touched);
    });
    this.retained = snapshot;
    for (const origin of touched) this.decide(origin);
    this.work = { groups, origins: touched.size };
  }

  /**
   * What the last `retain` walked: the target groups whose targets it counted and the
   * origins it re-decided. Zero for a swap that changes no group's targets (status, tests).
   */
  lastRetain(): SwapWork {
    return this.work;
  }

  /** The origins that currently have a pool (for tests and status). */
  origins(): string[] {
    return [...this.byOrigin.keys()];
  }

  /** The origins of draining targets whose pools still finish requests (tests, status). */
  drainingOrigins(): string[] {
    return [...this.closing.keys()];
  }

  async close(): Promise<void> {
    const pools = [...this.byOrigin.values(), ...this.closing.values()];
    this.byOrigin.clear();
    this.closing.clear();
    this.live.clear();
    this.draining.clear();
    this.strays.clear();
    this.byTarget = new WeakMap();
    this.retained = undefined;
    await Promise.all(pools.map((p) => p.destroy().catch(ignore)));
  }

  /** Adds `by` to the routed and draining counts of the origins `tg` names. */
  private count(tg: TargetGroupEntry, by: 1 | -1, touched: Set<string>): void {
    for (const t of tg.targets) if (t.address !== undefined) bump(this.live, originOf(tg, t), by, touched);
    if (tg.draining !== undefined) for (const t of tg.draining) if (t.address !== undefined) bump(this.draining, originOf(tg, t), by, touched);
  }

  /** Opens, keeps, closes or cuts the pools of one origin by its counts. */
  private decide(origin: string): void {
    const live = this.live.has(origin);
    const draining = this.draining.has(origin);
    const closing = this.closing.get(origin);
    if (closing !== undefined && !(draining && !live)) {
      this.closing.delete(origin);
      // The drain is over: what still runs is cut. Routed again: it finishes on its own.
      if (!live) void closing.destroy().catch(ignore);
    }
    const pool = this.byOrigin.get(origin);
    if (pool === undefined || live) return;
    this.byOrigin.delete(origin);
    if (draining) this.closing.set(origin, pool);
    void pool.close().then(() => {
      if (this.closing.get(origin) === pool) this.closing.delete(origin);
    }, ignore);
  }
}

/** What one `retain` walked. */
export interface SwapWork {
  readonly groups: number;
  readonly origins: number;
}

function sameOrigins(a: TargetGroupEntry, b: TargetGroupEntry): boolean {
  return a.targets === b.targets && a.draining === b.draining && a.protocol === b.protocol;
}

/** Moves a count; a count that reaches 0 leaves the map, so `has` means "named". */
function bump(counts: Map<string, number>, origin: string, by: 1 | -1, touched: Set<string>): void {
  const n = (counts.get(origin) ?? 0) + by;
  if (n > 0) counts.set(origin, n);
  else counts.delete(origin);
  touched.add(origin);
}

const ignore = (): undefined => undefined;

export function originOf(tg: TargetGroupEntry, t: TargetEntry): string {
  const host = t.address!.includes(':') ? `[${t.address}]` : t.address!;
  // An origin spoken to in HTTP/2 is another pool than the same address in HTTP/1.1.
  return `${isHttp2(tg) ? 'h2+' : ''}${tg.protocol === 'HTTPS' ? 'https' : 'http'}://${host}:${t.port}`;
}

/** Target groups whose targets speak HTTP/2 (LATTICE.md §2.4 protocolVersion). */
function isHttp2(tg: TargetGroupEntry): boolean {
  return tg.protocolVersion === 'HTTP2' || tg.protocolVersion === 'GRPC';
}
