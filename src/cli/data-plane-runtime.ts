import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SnapshotFollower, type RoutingSnapshot } from '../config/index.js';
import type { ControlPlane } from '../control/index.js';
import {
  DataPlane, FileAccessLogSink, HealthChecker, MetricsRegistry, PROMETHEUS_CONTENT_TYPE, healthView, type GatewayAddress,
} from '../dataplane/index.js';
import type { SqliteStore } from '../store/index.js';
import type { DataPlaneView } from '../api/index.js';

export interface DataPlaneRuntimeOptions {
  readonly store: SqliteStore;
  readonly cp: ControlPlane;
  readonly dataDir: string;
  readonly host: string;
  /** The HTTP proxy gateway's port; 0 picks a free one. */
  readonly gatewayPort: number;
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
  const dp = new DataPlane({ accessLog, metrics, health });
  const vpcGateways = new Map<string, Promise<GatewayAddress>>();

  const apply = (s: RoutingSnapshot): void => {
    health.update(s);
    metrics.update(s);
    dp.setSnapshot(s);
    for (const [vpcId, vpc] of s.vpcs) {
      if (vpc.association && !vpcGateways.has(vpcId)) vpcGateways.set(vpcId, dp.listenVpc(vpcId, 0, opts.host));
    }
    for (const [vpcId, address] of vpcGateways) {
      if (!s.vpcs.get(vpcId)?.association) {
        vpcGateways.delete(vpcId);
        void address.then((a) => a.close());
      }
    }
  };

  const follower = await SnapshotFollower.start(opts.store, {
    subscribe: (l) => opts.store.onCommit(l),
    onError: (err) => console.error('snapshot:', err instanceof Error ? err.message : err),
  });
  apply(follower.current());
  follower.onSnapshot(apply);
  opts.cp.targetHealth = healthView(health);
  const proxy = await dp.listenProxy(opts.gatewayPort, opts.host);

  return {
    proxy,
    current: () => follower.current(),
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
      const s = follower.current();
      return { revision: s.revision, problems: s.problems };
    },
    async close() {
      await follower.close();
      health.close();
      await dp.close();
      await accessLog.close();
    },
  };
}

/** Where `trellis up` keeps access logs when state is in memory. */
export function logDirFor(dataDir: string): string {
  return dataDir === ':memory:' ? join(process.env.TMPDIR ?? '/tmp', `trellis-${process.pid}`) : dataDir;
}
