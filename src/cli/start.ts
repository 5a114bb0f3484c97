import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { SqliteStore, type Store } from '../store/index.js';
import { createControlPlane, type ControlConfig, type ControlPlane } from '../control/index.js';
import { createApiServer } from '../api/index.js';
import { createStackEngine } from '../cfn/index.js';
import type { Scope } from '../model/index.js';
import { logDirFor, startDataPlane, type DataPlaneRuntime } from './data-plane-runtime.js';
import { ensureBootstrapKey, type BootstrapKey } from '../iam/index.js';
import { startWorkerDataPlane } from './workers/primary.js';

export interface TrellisOptions {
  /** API port; 0 picks a free one. */
  readonly port: number;
  readonly host: string;
  /** Where the SQLite file lives; ':memory:' keeps nothing. */
  readonly dataDir: string;
  readonly region: string;
  readonly account: string;
  readonly partition?: string;
  readonly control?: Partial<ControlConfig>;
  /** The HTTP proxy gateway's port (0 picks a free one); null runs no data plane. */
  readonly gatewayPort: number | null;
  /**
   * How long a mutating CloudFormation call may wait for its stack operation to end before
   * answering (the engine's `settleWaitMs`; default $TRELLIS_CFN_SETTLE_WAIT_MS or 2000).
   * `aws cloudformation deploy` polls once at once and then every 30 s: with the outcome
   * ready on the first poll, a deploy takes about a second instead of thirty.
   */
  readonly cfnSettleWaitMs?: number;
  /**
   * `--enforce-iam`: every AWS API call must be signed by a known key (the bootstrap key in
   * `<dataDir>/credentials`, or an IAM user's or session's) and allowed by its policies.
   */
  readonly enforceIam?: boolean;
  /**
   * `--workers N`: with 2 or more, the request path runs in N `node:cluster` worker processes
   * and this process keeps the control plane, the API, the SQLite writer and the one health
   * checker (src/cli/workers/). Default 1: everything in this process.
   */
  readonly workers?: number;
  /** Fixed ports for VPC gateway addresses (the benchmark's); other VPCs get a free port. */
  readonly vpcPorts?: ReadonlyMap<string, number>;
  /** With workers: extra node/V8 flags for them (default workers/pool.ts DEFAULT_WORKER_FLAGS). */
  readonly workerFlags?: readonly string[];
}

export interface RunningTrellis {
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly scope: Scope;
  readonly version: string;
  /** The data plane, unless started with `gatewayPort: null`. */
  readonly dataPlane?: DataPlaneRuntime;
  /** `host:port` of the proxy gateway. */
  readonly gateway?: string;
  /** The control plane, for in-process callers (the CloudFormation providers' tests). */
  readonly cp?: ControlPlane;
  /** The bootstrap admin key (the account root), written to `<dataDir>/credentials`. */
  readonly bootstrap: BootstrapKey;
  readonly enforceIam: boolean;
  /** Data-plane worker processes (1: the request path runs in this process). */
  readonly workers: number;
  close(): Promise<void>;
}

export const defaultOptions: TrellisOptions = {
  port: 4590,
  host: '127.0.0.1',
  dataDir: '.trellis',
  region: 'us-east-1',
  account: '000000000000',
  gatewayPort: 4591,
};

export function trellisVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Starts everything `trellis up` runs, in this process. Tests boot Trellis through here. */
export async function startTrellis(opts: TrellisOptions): Promise<RunningTrellis> {
  const dbPath = opts.dataDir === ':memory:' ? ':memory:' : join(resolve(opts.dataDir), 'trellis.db');
  const store = new SqliteStore(dbPath);
  const cp = await createControlPlane({ store, ...(opts.control ? { config: opts.control } : {}) });
  const scope: Scope = { partition: opts.partition ?? 'aws', region: opts.region, account: opts.account };
  const version = trellisVersion();
  const bootstrap = ensureBootstrapKey(opts.dataDir, scope.account, scope.partition);
  const workers = opts.workers ?? 1;
  if (workers > 1 && opts.gatewayPort !== null && opts.dataDir === ':memory:') throw new Error('--workers needs a data dir: the workers read the SQLite file the API writes');
  const dataPlane = opts.gatewayPort === null ? undefined
    : workers > 1
      ? await startWorkerDataPlane({
        store, cp, dataDir: resolve(opts.dataDir), dbPath, host: opts.host, gatewayPort: opts.gatewayPort, workers,
        account: scope.account, partition: scope.partition,
        ...(opts.vpcPorts ? { vpcPorts: opts.vpcPorts } : {}), ...(opts.workerFlags ? { workerFlags: opts.workerFlags } : {}),
      })
      : await startDataPlane({
        store, cp, dataDir: logDirFor(opts.dataDir), host: opts.host, gatewayPort: opts.gatewayPort, bootstrapKeys: [bootstrap],
        ...(opts.vpcPorts ? { vpcPorts: opts.vpcPorts } : {}),
      });
  const cfn = createStackEngine(cp, {
    settleWaitMs: opts.cfnSettleWaitMs ?? Number(process.env.TRELLIS_CFN_SETTLE_WAIT_MS ?? 2000),
    ...(opts.dataDir === ':memory:' ? {} : { dataDir: resolve(opts.dataDir) }),
  });
  const enforceIam = opts.enforceIam ?? false;
  const server = createApiServer({ cp, defaults: scope, version, cfn, enforceIam, bootstrapKeys: [bootstrap], ...(dataPlane ? { dataPlane } : {}) });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host}:${port}`,
    port,
    store,
    cp,
    scope,
    version,
    bootstrap,
    enforceIam,
    workers: dataPlane ? workers : 0,
    ...(dataPlane ? { dataPlane, gateway: dataPlane.proxyAddress() } : {}),
    async close() {
      // Stack operations still running get a moment to end before the store goes away
      // (what they leave in progress is settled on the next start).
      await Promise.race([cfn.idle(), new Promise<void>((r) => setTimeout(r, 5000).unref())]);
      cp.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await dataPlane?.close();
      await store.close();
    },
  };
}
