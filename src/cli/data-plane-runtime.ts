import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SnapshotFollower, type RoutingSnapshot } from '../config/index.js';
import type { ControlPlane } from '../control/index.js';
import {
  DataPlane, FileAccessLogSink, diffEntries, vpcIdOf, HealthChecker, MetricsRegistry, PROMETHEUS_CONTENT_TYPE, healthView, type GatewayAddress,
  explainRequest, principalFromArn,
} from '../dataplane/index.js';
import { credentialLookup, staticLookup, type Credential } from '../iam/index.js';
import { identityPolicyCache, type IdentityPolicyCache } from './identity-policy-cache.js';
import { LocalCertificateAuthority } from './certificates.js';
import type { SqliteStore } from '../store/index.js';
import type { DataPlaneView } from '../api/index.js';
import type { TargetHealthSource } from '../dataplane/index.js';

export interface DataPlaneRuntimeOptions {
  readonly store: SqliteStore;
  readonly cp: ControlPlane;
  readonly dataDir: string;
  readonly host: string;
  /** The HTTP proxy gateway's port; 0 picks a free one. */
  readonly gatewayPort: number;
  /** Keys that authenticate besides the store's (the bootstrap key of `<data-dir>/credentials`). */
  readonly bootstrapKeys?: readonly Credential[];
  /** Fixed ports for VPC gateway addresses (the benchmark's); other VPCs get a free port. */
  readonly vpcPorts?: ReadonlyMap<string, number>;
}

export interface DataPlaneRuntime extends DataPlaneView {
  readonly proxy: GatewayAddress;
  current(): RoutingSnapshot;
  close(): Promise<void>;
}

/**
 * The data plane of `trellis up`, in the same process as the control plane: the follower
 * compiles the store into snapshots; each snapshot goes to the health checker, the metrics
 * registry and the request path, and opens a gateway address for every VPC that has an
 * association (closing those of VPCs that lost theirs).
 */
export async function startDataPlane(opts: DataPlaneRuntimeOptions): Promise<DataPlaneRuntime> {
  mkdirSync(opts.dataDir, { recursive: true });
  const health = new HealthChecker();
  const metrics = new MetricsRegistry();
  const accessLog = new FileAccessLogSink({ dataDir: opts.dataDir });
  const { dp, identity, close: closeParts } = createRequestPath({ ...opts, health, metrics, accessLog });
  const vpcGateways = new Map<string, Promise<GatewayAddress>>();

  let applied: RoutingSnapshot | undefined;
  let closed = false;
  const apply = (s: RoutingSnapshot): void => {
    if (closed || s === applied) return;
    const prev = applied;
    applied = s;
    health.update(s);
    metrics.update(s);
    dp.setSnapshot(s);
    // Only VPCs whose entry changed can have gained or lost their association.
    diffEntries(prev?.vpcs, s.vpcs, vpcIdOf, (vpcId, _before, vpc) => {
      if (vpc?.association) {
        if (!vpcGateways.has(vpcId)) vpcGateways.set(vpcId, dp.listenVpc(vpcId, opts.vpcPorts?.get(vpcId) ?? 0, opts.host));
        return;
      }
      const address = vpcGateways.get(vpcId);
      if (address === undefined) return;
      vpcGateways.delete(vpcId);
      void address.then((a) => a.close());
    });
  };
  // The follower publishes from the commit that the API is answering: the data plane takes
  // the snapshot on the next turn of the event loop (setImmediate), so the response is not
  // held behind it. Snapshots published meanwhile coalesce: only the latest is applied,
  // and every consumer diffs against what it applied last. (Measured at 10,000 services
  // against applying in the publish call: the same write → routed figures within noise,
  // since a swap now costs ~1-3 ms; kept for the coalescing and the API's tail.)
  const applyLater = onNextTurn(apply);

  const follower = await followStore(opts.store);
  apply(follower.current());
  follower.onSnapshot(applyLater);
  opts.cp.targetHealth = healthView(health);
  const proxy = await dp.listenProxy(opts.gatewayPort, opts.host);

  return {
    proxy,
    // What the data plane routes by (the follower's newest may be one turn ahead of it).
    current: () => applied ?? follower.current(),
    metrics: () => ({ contentType: PROMETHEUS_CONTENT_TYPE, body: metrics.render() }),
    async vpcEndpoints() {
      const out: { vpcId: string; address: string }[] = [];
      for (const [vpcId, address] of vpcGateways) {
        const a = await address;
        out.push({ vpcId, address: `${a.host}:${a.port}` });
      }
      return out;
    },
    proxyAddress: () => `${proxy.host}:${proxy.port}`,
    status: () => {
      const s = applied ?? follower.current();
      return { revision: s.revision, problems: s.problems };
    },
    explain: explainer(identity, () => applied ?? follower.current()),
    async close() {
      closed = true;
      closeParts();
      await follower.close();
      health.close();
      await dp.close();
      await accessLog.close();
    },
  };
}

/**
 * Calls `apply` with the latest value on the next turn of the event loop: values published
 * meanwhile coalesce (only the latest is applied), and the publisher (the commit the API is
 * answering) is not held behind the apply. Errors are logged, not thrown.
 */
export function onNextTurn<T>(apply: (value: T) => void): (value: T) => void {
  let next: { value: T } | undefined;
  return (value) => {
    const scheduled = next !== undefined;
    next = { value };
    if (scheduled) return;
    setImmediate(() => {
      const latest = next!.value;
      next = undefined;
      try { apply(latest); } catch (err) { console.error('snapshot apply:', err instanceof Error ? err.message : err); }
    });
  };
}

/**
 * The snapshot follower of a data plane beside the API (one process, or the primary of
 * `--workers N`): it rebuilds on the store's commit hook rather than polling.
 */
export function followStore(store: SqliteStore): Promise<SnapshotFollower> {
  return SnapshotFollower.start(store, {
    subscribe: (l) => store.onCommit(l),
    onError: (err) => console.error('snapshot:', err instanceof Error ? err.message : err),
  });
}

/**
 * `POST /_trellis/auth/explain` against `current()`, the snapshot the request path routes
 * by, with the caller's identity policies from the same cache the request path uses.
 */
export function explainer(identity: IdentityPolicyCache, current: () => RoutingSnapshot): NonNullable<DataPlaneView['explain']> {
  return async (request) => {
    const principal = principalFromArn(request.principal);
    const policies = await identity.get(principal);
    return explainRequest(current(), request, principal, policies, Date.now());
  };
}

export interface RequestPathOptions {
  readonly store: SqliteStore;
  readonly dataDir: string;
  readonly bootstrapKeys?: readonly Credential[];
  readonly health: TargetHealthSource;
  readonly metrics: MetricsRegistry;
  readonly accessLog: FileAccessLogSink;
}

/**
 * The request path with its auth and certificates, as every data-plane process builds it:
 * `trellis up`'s one process, or each worker of `trellis up --workers N` (which opens the
 * same data dir's local CA; it copes with concurrent opens).
 */
export function createRequestPath(opts: RequestPathOptions): { dp: DataPlane; identity: IdentityPolicyCache; close(): void } {
  const { health, metrics, accessLog } = opts;
  // Data-plane auth: the store's keys and sessions (kept current by the identity module) plus
  // the bootstrap key; identity policies compiled once per principal, dropped on any write.
  const keys = credentialLookup(opts.store);
  const identity = identityPolicyCache(opts.store);
  // HTTPS listeners: names without an imported certificate (the data plane presents those
  // from the snapshot) get a leaf from the data dir's local CA (created here on first start).
  const ca = LocalCertificateAuthority.open(opts.dataDir);
  const dp = new DataPlane({ accessLog, metrics, health, certificates: (name) => ca.leafFor(name), auth: { credentials: staticLookup(opts.bootstrapKeys ?? [], keys), identityPolicies: identity.get } });
  return { dp, identity, close: () => { keys.close(); identity.close(); } };
}

/** Where `trellis up` keeps access logs when state is in memory. */
export function logDirFor(dataDir: string): string {
  return dataDir === ':memory:' ? join(process.env.TMPDIR ?? '/tmp', `trellis-${process.pid}`) : dataDir;
}
