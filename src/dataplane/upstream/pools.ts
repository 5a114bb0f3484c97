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
 * origins that left the snapshot: gracefully, so in-flight requests finish (draining).
 */
export class UpstreamPools {
  private readonly byOrigin = new Map<string, Pool>();
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

  /** Closes the pools of origins no target of `snapshot` uses (in-flight requests finish). */
  retain(snapshot: RoutingSnapshot): void {
    const live = new Set<string>();
    for (const tg of snapshot.targetGroups.values()) {
      for (const t of tg.targets) if (t.address !== undefined) live.add(originOf(tg, t));
    }
    for (const [origin, pool] of this.byOrigin) {
      if (live.has(origin)) continue;
      this.byOrigin.delete(origin);
      void pool.close().catch(() => undefined);
    }
    // Entries of the old snapshot's targets must not resurrect closed pools.
    this.byTarget = new WeakMap();
  }

  /** The origins that currently have a pool (for tests and status). */
  origins(): string[] {
    return [...this.byOrigin.keys()];
  }

  async close(): Promise<void> {
    const pools = [...this.byOrigin.values()];
    this.byOrigin.clear();
    this.byTarget = new WeakMap();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

export function originOf(tg: TargetGroupEntry, t: TargetEntry): string {
  const host = t.address!.includes(':') ? `[${t.address}]` : t.address!;
  return `${tg.protocol === 'HTTPS' ? 'https' : 'http'}://${host}:${t.port}`;
}
