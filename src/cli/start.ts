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
  const dataPlane = opts.gatewayPort === null ? undefined
    : await startDataPlane({ store, cp, dataDir: logDirFor(opts.dataDir), host: opts.host, gatewayPort: opts.gatewayPort, bootstrapKeys: [bootstrap] });
  const cfn = createStackEngine(cp, { settleWaitMs: opts.cfnSettleWaitMs ?? Number(process.env.TRELLIS_CFN_SETTLE_WAIT_MS ?? 2000) });
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
