import cluster from 'node:cluster';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SnapshotFollower, type RoutingSnapshot } from '../config/index.js';
import { SqliteStore, type Store } from '../store/index.js';
import { DataPlane, FileAccessLogSink, HealthChecker, MetricsRegistry, type GatewayAddress } from '../dataplane/index.js';
import { startTrellis, type RunningTrellis, type TrellisOptions } from './start.js';

/**
 * A data plane that can run outside `trellis up`'s process: `trellis gateway --workers N`
 * (issue 3, "using both cores"). One Node process runs the request path on one core, so the
 * gateway can instead run in N `node:cluster` workers:
 *
 * - the primary runs the control plane and the API (`startTrellis` without a data plane);
 * - each worker opens the same SQLite file (WAL: readers in other processes see every
 *   commit), follows it with its own SnapshotFollower (polling `revision()`, since the
 *   commit hook is in-process), and runs the whole request path: gateways, router,
 *   balancer, upstream pools, health checks, access log, metrics;
 * - the gateways listen through the cluster module, so every worker accepts on the same
 *   ports and the kernel/primary spreads connections over them.
 *
 * Known limits of this prototype (see bench/RESULTS.md, "Data plane"): every worker probes
 * targets itself (N × the health-check traffic), each keeps its own metrics (the primary's
 * `/_trellis/metrics` shows none) and appends to the same access-log files (one write per
 * flush, so lines do not interleave), and ListTargets reports no live health. The default
 * single-process `trellis up` is unchanged.
 */
export interface GatewayDataPlaneOptions {
  readonly store: Store;
  /** Where access-log files go (`<dataDir>/logs/`). */
  readonly dataDir: string;
  readonly host: string;
  /** The HTTP proxy gateway's port; null opens none. */
  readonly proxyPort: number | null;
  /** A fixed listening port per VPC id; other associated VPCs get a free port. */
  readonly vpcPorts?: ReadonlyMap<string, number>;
  /** In-process commit hook (same process as the writer); otherwise the follower polls. */
  readonly subscribe?: (onRevision: (revision: number) => void) => () => void;
  /** Poll period of the follower in ms (default 100 without `subscribe`, 1000 with). */
  readonly pollMs?: number;
}

export interface GatewayDataPlane {
  readonly dataPlane: DataPlane;
  readonly metrics: MetricsRegistry;
  readonly proxy: GatewayAddress | undefined;
  current(): RoutingSnapshot;
  close(): Promise<void>;
}

/** The request path of `trellis up`'s data plane, with the gateway ports chosen by the caller. */
export async function startGatewayDataPlane(opts: GatewayDataPlaneOptions): Promise<GatewayDataPlane> {
  mkdirSync(opts.dataDir, { recursive: true });
  const health = new HealthChecker();
  const metrics = new MetricsRegistry();
  const accessLog = new FileAccessLogSink({ dataDir: opts.dataDir });
  const dp = new DataPlane({ accessLog, metrics, health });
  const vpcGateways = new Map<string, Promise<GatewayAddress>>();
  const apply = (s: RoutingSnapshot): void => {
    health.update(s);
    metrics.update(s);
    dp.setSnapshot(s);
    for (const [vpcId, vpc] of s.vpcs) {
      if (vpc.association && !vpcGateways.has(vpcId)) vpcGateways.set(vpcId, dp.listenVpc(vpcId, opts.vpcPorts?.get(vpcId) ?? 0, opts.host));
    }
    for (const [vpcId, address] of vpcGateways) {
      if (!s.vpcs.get(vpcId)?.association) {
        vpcGateways.delete(vpcId);
        void address.then((a) => a.close());
      }
    }
  };
  const follower = await SnapshotFollower.start(opts.store, {
    ...(opts.subscribe ? { subscribe: opts.subscribe } : {}),
    pollMs: opts.pollMs ?? (opts.subscribe ? 1000 : 100),
    onError: (err) => console.error('snapshot:', err instanceof Error ? err.message : err),
  });
  apply(follower.current());
  follower.onSnapshot(apply);
  const proxy = opts.proxyPort === null ? undefined : await dp.listenProxy(opts.proxyPort, opts.host);
  return {
    dataPlane: dp,
    metrics,
    proxy,
    current: () => follower.current(),
    async close() {
      await follower.close();
      health.close();
      await dp.close();
      await accessLog.close();
    },
  };
}

export interface GatewayOptions extends Omit<TrellisOptions, 'gatewayPort'> {
  /** Worker processes running the request path (1 or more). */
  readonly workers: number;
  readonly gatewayPort: number | null;
  readonly vpcPorts?: ReadonlyMap<string, number>;
  /** Extra node/V8 flags for the workers (default DEFAULT_WORKER_FLAGS). */
  readonly workerFlags?: readonly string[];
}

/**
 * A larger young generation for the request path: every request leaves a few KB of
 * short-lived garbage (req/res objects, header lists, the access-log line) and with V8's
 * default semi-spaces the scavenges are frequent. Measured side by side (bench/RESULTS.md,
 * "Data plane"): −18% CPU per request in the clearest run (74.6 vs 90.9 µs), less in noisier ones.
 */
export const DEFAULT_WORKER_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/** The SQLite file of a data dir (as `startTrellis` names it). */
export function dbPathOf(dataDir: string): string {
  return join(resolve(dataDir), 'trellis.db');
}

/**
 * Primary side: the control plane and API in this process, then `workers` cluster workers
 * that run the data plane. `beforeWorkers` runs between the two (the benchmark configures
 * Trellis there, so the workers start on a complete snapshot).
 */
export async function startGatewayPrimary(
  o: GatewayOptions, beforeWorkers?: (t: RunningTrellis) => Promise<void>,
): Promise<{ trellis: RunningTrellis; workersOnline: Promise<void>; close(): Promise<void> }> {
  if (o.dataDir === ':memory:') throw new Error('trellis gateway needs a data dir: workers share the SQLite file');
  const trellis = await startTrellis({ ...o, gatewayPort: null });
  await beforeWorkers?.(trellis);
  const env = {
    TRELLIS_GATEWAY_WORKER: '1',
    TRELLIS_DB: dbPathOf(o.dataDir),
    TRELLIS_LOG_DIR: resolve(o.dataDir),
    TRELLIS_HOST: o.host,
    TRELLIS_GATEWAY_PORT: o.gatewayPort === null ? '' : String(o.gatewayPort),
    TRELLIS_VPC_PORTS: [...(o.vpcPorts ?? new Map())].map(([v, p]) => `${v}=${p}`).join(','),
  };
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...(o.workerFlags ?? DEFAULT_WORKER_FLAGS)] });
  const ready: Promise<void>[] = [];
  for (let i = 0; i < o.workers; i++) {
    const w = cluster.fork(env);
    ready.push(new Promise((ok, fail) => {
      w.once('message', (m: unknown) => (m === 'ready' ? ok() : fail(new Error(String(m)))));
      w.once('exit', (code) => fail(new Error(`gateway worker exited with ${code}`)));
    }));
  }
  return {
    trellis,
    workersOnline: Promise.all(ready).then(() => undefined),
    async close() {
      // Workers flush their access logs on SIGTERM: wait for them before the state goes.
      const exits = Object.values(cluster.workers ?? {}).map((w) => new Promise<void>((ok) => {
        if (w === undefined || w.isDead()) return ok();
        w.once('exit', () => ok());
        w.process.kill('SIGTERM');
      }));
      await Promise.race([Promise.all(exits), new Promise((ok) => setTimeout(ok, 5000).unref())]);
      await trellis.close();
    },
  };
}

/** Worker side: follow the shared SQLite file and serve the gateways until SIGTERM. */
export async function runGatewayWorker(): Promise<void> {
  const env = process.env;
  const store = new SqliteStore(env.TRELLIS_DB!);
  const vpcPorts = new Map<string, number>();
  for (const pair of (env.TRELLIS_VPC_PORTS ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) vpcPorts.set(pair.slice(0, eq), Number(pair.slice(eq + 1)));
  }
  const gw = await startGatewayDataPlane({
    store, dataDir: env.TRELLIS_LOG_DIR!, host: env.TRELLIS_HOST ?? '127.0.0.1',
    proxyPort: env.TRELLIS_GATEWAY_PORT ? Number(env.TRELLIS_GATEWAY_PORT) : null, vpcPorts,
  });
  process.send?.('ready');
  process.on('SIGTERM', () => void gw.close().then(() => store.close()).then(() => process.exit(0)));
}

/** True in a process forked by `startGatewayPrimary`. */
export function isGatewayWorker(): boolean {
  return cluster.isWorker && process.env.TRELLIS_GATEWAY_WORKER === '1';
}
