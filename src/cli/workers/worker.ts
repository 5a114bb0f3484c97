import { SnapshotFollower, type RoutingSnapshot } from '../../config/index.js';
import { SqliteStore } from '../../store/index.js';
import { FileAccessLogSink, MetricsRegistry, RemoteHealth, type GatewayAddress } from '../../dataplane/index.js';
import { ensureBootstrapKey } from '../../iam/index.js';
import { createRequestPath, onNextTurn } from '../data-plane-runtime.js';
import { isToWorker, workerConfigFrom, type ToPrimary, type ToWorker } from './protocol.js';

/**
 * One worker of `trellis up --workers N` (started by the primary through
 * `cluster.setupPrimary({ exec: worker-entry.mjs })`, so it never runs the primary's command
 * line): the whole request path — gateways, router, balancer, upstream pools, TLS
 * termination, Lambda pools, access log, metrics — and nothing that must happen once.
 *
 * - Routing: its own SnapshotFollower over the primary's SQLite file (WAL: a commit is
 *   visible to readers in other processes at once), poked by the primary's `revision`
 *   message on every commit; a slow poll is the fallback.
 * - Health: a RemoteHealth fed by the primary's one HealthChecker (`health` messages).
 * - Gateways: listening through the cluster module, so every worker accepts on the same
 *   ports; the proxy port and each VPC address's port come from the primary.
 * - Metrics: its own registry, exported on the primary's `scrape`.
 * - Stop (`stop` message, SIGTERM, or the primary gone): close the listeners, let requests
 *   in flight end, flush the access log, exit 0.
 */
export async function runWorker(): Promise<void> {
  const cfg = workerConfigFrom(process.env);
  const send = (m: ToPrimary): void => { process.send?.(m); };
  const health = new RemoteHealth();
  let vpcPorts: ReadonlyMap<string, number> = new Map();
  let follower: SnapshotFollower | undefined;
  let onVpcs: (() => void) | undefined;
  let stop: (() => void) | undefined;
  let stopRequested = false;
  let metrics: MetricsRegistry | undefined;

  // Listen first: the primary answers `hello` with the health state, the VPC ports and the
  // revision, which may arrive before the follower has compiled its first snapshot.
  process.on('message', (raw: unknown) => {
    if (!isToWorker(raw)) return;
    const m: ToWorker = raw;
    switch (m.t) {
      case 'health': health.apply(m.m); return;
      case 'revision': follower?.poke(m.revision); return;
      case 'vpcs': vpcPorts = new Map(m.ports); onVpcs?.(); return;
      case 'scrape': send({ t: 'metrics', id: m.id, export: (metrics ?? new MetricsRegistry()).export() }); return;
      case 'stop': stopRequested = true; stop?.();
    }
  });
  // The primary gone (killed): nothing will stop this worker otherwise.
  process.on('disconnect', () => { stopRequested = true; stop?.(); });
  process.on('SIGTERM', () => { stopRequested = true; stop?.(); });
  process.on('SIGINT', () => { /* the primary decides: it sends `stop` */ });
  send({ t: 'hello' });

  const store = new SqliteStore(cfg.dbPath);
  metrics = new MetricsRegistry();
  const accessLog = new FileAccessLogSink({ dataDir: cfg.dataDir });
  const bootstrap = ensureBootstrapKey(cfg.dataDir, cfg.account, cfg.partition);
  const parts = createRequestPath({ store, dataDir: cfg.dataDir, bootstrapKeys: [bootstrap], health, metrics, accessLog });
  const dp = parts.dp;
  const registry = metrics;

  const gateways = new Map<string, { port: number; address: Promise<GatewayAddress> }>();
  const syncGateways = (): void => {
    for (const [vpcId, port] of vpcPorts) {
      const open = gateways.get(vpcId);
      if (open?.port === port) continue;
      if (open) void open.address.then((a) => a.close());
      const address = dp.listenVpc(vpcId, port, cfg.host);
      address.catch((err: unknown) => console.error(`worker ${process.pid}: VPC ${vpcId} gateway on ${port}:`, err instanceof Error ? err.message : err));
      gateways.set(vpcId, { port, address });
    }
    for (const [vpcId, open] of gateways) {
      if (vpcPorts.has(vpcId)) continue;
      gateways.delete(vpcId);
      void open.address.then((a) => a.close(), () => undefined);
    }
  };

  let applied: RoutingSnapshot | undefined;
  const apply = (s: RoutingSnapshot): void => {
    if (s === applied) return;
    applied = s;
    registry.update(s);
    dp.setSnapshot(s);
  };
  follower = await SnapshotFollower.start(store, {
    pollMs: cfg.pollMs,
    onError: (err) => console.error(`worker ${process.pid} snapshot:`, err instanceof Error ? err.message : err),
  });
  apply(follower.current());
  follower.onSnapshot(onNextTurn(apply));
  await dp.listenProxy(cfg.proxyPort, cfg.host);
  onVpcs = syncGateways;
  syncGateways();

  let stopping: Promise<void> | undefined;
  stop = () => {
    stopping ??= (async () => {
      // Stop accepting first (cluster: the primary stops handing this worker connections),
      // then let requests in flight end and the access log flush before the store goes.
      // (dp.close closes every gateway it opened: the proxy and the VPC addresses.)
      onVpcs = undefined;
      gateways.clear();
      await follower!.close();
      await dp.close();
      parts.close();
      await accessLog.close();
      await store.close();
      process.exit(0);
    })().catch((err: unknown) => {
      console.error(`worker ${process.pid}: stopping failed:`, err instanceof Error ? err.message : err);
      process.exit(1);
    });
  };
  send({ t: 'ready' });
  if (stopRequested) stop();
}
