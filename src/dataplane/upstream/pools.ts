import { Pool } from 'undici';
import type { RoutingSnapshot, TargetEntry, TargetGroupEntry } from '../../config/index.js';

/**
 * One undici Pool per target origin (`http://address:port`), shared by every target group
 * and snapshot that names the origin: keep-alive connections, HTTP/1.1, no pipelining.
 * HTTPS target groups connect with TLS and do not verify the target's certificate, as
 * Lattice does not (LATTICE.md §2.4).
 *
 * `poolFor` caches the pool on the snapshot's TargetEntry object (a WeakMap), so the request
 * path builds no origin string once a target has been used. `retain` closes the pools of
 * origins that no routed target uses any more: gracefully (undici's `close()` lets running
 * and queued requests finish, `destroy()` would cut them), so a deregistered target's
 * in-flight requests complete while it drains. Such a pool is kept aside while its target
 * is in a group's `draining` list; when the drain ends (the target leaves the list) and the
 * pool has still not finished, it is destroyed — AWS also ends what is left of the
 * requests at the end of the deregistration delay. An origin routed again (the target
 * re-registered) gets a fresh pool; the closing one finishes on its own.
 */
export class UpstreamPools {
  private readonly byOrigin = new Map<string, Pool>();
  /** Pools closing while their target drains, by origin; each leaves when it has closed. */
  private readonly closing = new Map<string, Pool>();
  private byTarget = new WeakMap<TargetEntry, Pool>();

  constructor(private readonly options: Pool.Options = {}) {}

  poolFor(tg: TargetGroupEntry, target: TargetEntry): Pool {
    const cached = this.byTarget.get(target);
    if (cached !== undefined) return cached;
    const origin = originOf(tg, target);
    let pool = this.byOrigin.get(origin);
    if (pool === undefined) {
      const tls = tg.protocol === 'HTTPS';
      pool = new Pool(origin, {
        connections: 256, pipelining: 1, keepAliveTimeout: 4_000,
        ...(tls ? { connect: { rejectUnauthorized: false } } : {}),
        ...this.options,
      });
      this.byOrigin.set(origin, pool);
    }
    this.byTarget.set(target, pool);
    return pool;
  }

  /**
   * Closes the pools of origins no routed target of `snapshot` uses (in-flight requests
   * finish), and destroys the closing pools of drains that ended before their requests did.
   */
  retain(snapshot: RoutingSnapshot): void {
    const live = new Set<string>();
    const draining = new Set<string>();
    for (const tg of snapshot.targetGroups.values()) {
      for (const t of tg.targets) if (t.address !== undefined) live.add(originOf(tg, t));
      if (tg.draining !== undefined) for (const t of tg.draining) if (t.address !== undefined) draining.add(originOf(tg, t));
    }
    for (const [origin, pool] of this.closing) {
      if (draining.has(origin) && !live.has(origin)) continue;
      this.closing.delete(origin);
      // The drain is over: what still runs is cut. Routed again: it finishes on its own.
      if (!live.has(origin)) void pool.destroy().catch(ignore);
    }
    for (const [origin, pool] of this.byOrigin) {
      if (live.has(origin)) continue;
      this.byOrigin.delete(origin);
      if (draining.has(origin)) this.closing.set(origin, pool);
      void pool.close().then(() => {
        if (this.closing.get(origin) === pool) this.closing.delete(origin);
      }, ignore);
    }
    // Entries of the old snapshot's targets must not resurrect closed pools.
    this.byTarget = new WeakMap();
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
    this.byTarget = new WeakMap();
    await Promise.all(pools.map((p) => p.destroy().catch(ignore)));
  }
}

const ignore = (): undefined => undefined;

export function originOf(tg: TargetGroupEntry, t: TargetEntry): string {
  const host = t.address!.includes(':') ? `[${t.address}]` : t.address!;
  return `${tg.protocol === 'HTTPS' ? 'https' : 'http'}://${host}:${t.port}`;
}
