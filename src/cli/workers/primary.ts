import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RoutingSnapshot } from '../../config/index.js';
import type { ControlPlane } from '../../control/index.js';
import type { SqliteStore } from '../../store/index.js';
import {
  HealthChecker, MetricsRegistry, PROMETHEUS_CONTENT_TYPE, changedHealth, diffEntries, fullHealth, healthView, transitionHealth, vpcIdOf,
} from '../../dataplane/index.js';
import { identityPolicyCache } from '../identity-policy-cache.js';
import { LocalCertificateAuthority } from '../certificates.js';
import { explainer, followStore, onNextTurn, type DataPlaneRuntime } from '../data-plane-runtime.js';
import { WorkerPool, requestsOf } from './pool.js';
import type { ToWorker } from './protocol.js';

export interface WorkerDataPlaneOptions {
  readonly store: SqliteStore;
  readonly cp: ControlPlane;
  /** The data dir (not ':memory:': the workers open its SQLite file). */
  readonly dataDir: string;
  readonly dbPath: string;
  readonly host: string;
  /** The proxy gateway's port; 0 picks a free one (the primary picks it, for every worker). */
  readonly gatewayPort: number;
  readonly workers: number;
  readonly account: string;
  readonly partition: string;
  /** Fixed ports for VPC gateway addresses (the benchmark's); other VPCs get a free port. */
  readonly vpcPorts?: ReadonlyMap<string, number>;
  readonly workerFlags?: readonly string[];
  /** The workers' fallback poll of the store, should a `revision` message be lost. Default 1000 ms. */
  readonly pollMs?: number;
}

/** The runtime `trellis up --workers N` gives the API: the same view as one process, plus the workers. */
export interface WorkerDataPlaneRuntime extends DataPlaneRuntime {
  /** The live workers' pids, by slot (tests). */
  workerPids(): (number | undefined)[];
}

/**
 * The primary's side of `trellis up --workers N`. Everything that must happen once runs
 * here, beside the control plane, the API and the SQLite writer; the request path runs in
 * the workers (worker.ts):
 * - one SnapshotFollower (on the commit hook) feeds the one HealthChecker — one probe per
 *   target per interval, however many workers — whose transitions, and the groups each
 *   swap changes, go to every worker (`health`); ListTargets reads it (`cp.targetHealth`);
 * - every commit is sent on (`revision`), so the workers rebuild at once rather than on
 *   their slow poll;
 * - the primary picks the proxy port and one port per associated VPC (`vpcs`), so every
 *   worker listens on the same addresses (through the cluster module);
 * - `/_trellis/metrics` sums the workers' registries (`scrape`); `/_trellis/status` lists
 *   the workers with their request counts.
 */
export async function startWorkerDataPlane(opts: WorkerDataPlaneOptions): Promise<WorkerDataPlaneRuntime> {
  mkdirSync(opts.dataDir, { recursive: true });
  // The CA is made here, once, before N workers open it.
  LocalCertificateAuthority.open(opts.dataDir);
  const proxyPort = opts.gatewayPort === 0 ? await freePort(opts.host) : opts.gatewayPort;
  let pool: WorkerPool | undefined;
  const send = (m: ToWorker): void => pool?.broadcast(m);

  const health = new HealthChecker({ onTransition: (t) => send({ t: 'health', m: transitionHealth(t) }) });
  const identity = identityPolicyCache(opts.store);
  const vpcPorts = new Map<string, number>();
  const vpcsMessage = (): ToWorker => ({ t: 'vpcs', ports: [...vpcPorts] });
  let applied: RoutingSnapshot | undefined;
  let closed = false;
  // Ports are picked asynchronously: one reconciliation at a time, in snapshot order.
  let vpcWork: Promise<void> = Promise.resolve();

  const apply = (s: RoutingSnapshot): void => {
    if (closed || s === applied) return;
    const prev = applied;
    applied = s;
    health.update(s);
    const changed = changedHealth(health, prev, s);
    if (changed) send({ t: 'health', m: changed });
    const gained: string[] = [];
    let lost = false;
    diffEntries(prev?.vpcs, s.vpcs, vpcIdOf, (vpcId, _before, vpc) => {
      if (vpc?.association) { if (!vpcPorts.has(vpcId)) gained.push(vpcId); } else if (vpcPorts.delete(vpcId)) lost = true;
    });
    if (gained.length === 0) { if (lost) send(vpcsMessage()); return; }
    vpcWork = vpcWork.then(async () => {
      for (const vpcId of gained) {
        if (closed || !applied?.vpcs.get(vpcId)?.association || vpcPorts.has(vpcId)) continue;
        vpcPorts.set(vpcId, opts.vpcPorts?.get(vpcId) ?? await freePort(opts.host));
      }
      send(vpcsMessage());
    }).catch((err: unknown) => console.error('VPC gateway ports:', err instanceof Error ? err.message : err));
  };

  const follower = await followStore(opts.store);
  apply(follower.current());
  await vpcWork;
  follower.onSnapshot(onNextTurn(apply));
  const offCommit = opts.store.onCommit((revision) => send({ t: 'revision', revision }));
  opts.cp.targetHealth = healthView(health);

  try {
    pool = await WorkerPool.start({
      workers: opts.workers,
      ...(opts.workerFlags ? { workerFlags: opts.workerFlags } : {}),
      config: {
        dbPath: opts.dbPath, dataDir: opts.dataDir, host: opts.host, proxyPort,
        account: opts.account, partition: opts.partition, pollMs: opts.pollMs ?? 1000,
      },
      greeting: () => [
        { t: 'health', m: fullHealth(health, applied ?? follower.current()) },
        vpcsMessage(),
        { t: 'revision', revision: (applied ?? follower.current()).revision },
      ],
    });
  } catch (err) {
    closed = true;
    offCommit();
    await follower.close();
    health.close();
    identity.close();
    throw err;
  }
  const workers = pool;

  return {
    proxy: { host: opts.host, port: proxyPort, close: async () => undefined },
    current: () => applied ?? follower.current(),
    workerPids: () => workers.pids(),
    async metrics() {
      const scrapes = await workers.scrape();
      const sum = new MetricsRegistry();
      const lines: string[] = [];
      for (const s of scrapes) {
        if (s.export) sum.merge(s.export);
        else lines.push(`# worker ${s.slot} (pid ${s.pid ?? 'none'}) did not answer within the scrape timeout: its counts are left out`);
      }
      lines.push(
        '# HELP trellis_worker_requests_total Requests completed by each data-plane worker process (trellis up --workers N).',
        '# TYPE trellis_worker_requests_total counter',
      );
      for (const s of scrapes) {
        const n = requestsOf(s);
        if (n !== undefined) lines.push(`trellis_worker_requests_total{worker="${s.slot}"} ${n}`);
      }
      return { contentType: PROMETHEUS_CONTENT_TYPE, body: `${sum.render()}${lines.join('\n')}\n` };
    },
    async vpcEndpoints() {
      return [...vpcPorts].map(([vpcId, port]) => ({ vpcId, address: `${opts.host}:${port}` }));
    },
    proxyAddress: () => `${opts.host}:${proxyPort}`,
    async status() {
      const s = applied ?? follower.current();
      const scrapes = await workers.scrape();
      return {
        revision: s.revision, problems: s.problems,
        workers: scrapes.map((w) => ({ worker: w.slot, pid: w.pid, restarts: w.restarts, requests: requestsOf(w) ?? null })),
      };
    },
    explain: explainer(identity, () => applied ?? follower.current()),
    async close() {
      closed = true;
      offCommit();
      // Workers first: they stop accepting, finish, flush their access logs and exit; the
      // store (closed by the caller afterwards) outlives every reader.
      await workers.stop();
      await follower.close();
      health.close();
      identity.close();
    },
  };
}

/** A port free on `host` now (bound and released): the workers then listen on it through the cluster. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
