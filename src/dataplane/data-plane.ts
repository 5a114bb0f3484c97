import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { RoutingSnapshot } from '../config/index.js';
import { Balancer } from './balancer/balancer.js';
import type { AccessLogSink, RequestMetrics, TargetHealthSource } from './contracts.js';
import type { ExchangeContext } from './gateway/exchange.js';
import { createGatewayServer } from './gateway/gateways.js';
import { RequestPath } from './gateway/request-path.js';
import { UpstreamPools } from './upstream/pools.js';

export interface DataPlaneOptions {
  readonly accessLog: AccessLogSink;
  readonly metrics: RequestMetrics;
  readonly health: TargetHealthSource;
  /** Milliseconds since the epoch; injected by tests. Default `Date.now`. */
  readonly now?: () => number;
  /** The snapshot to start with; default: an empty one (every request answers 403/404). */
  readonly snapshot?: RoutingSnapshot;
}

/** A gateway's listening address. */
export interface GatewayAddress {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface VpcGatewayOptions {
  /** The listener port of the services this address serves (default 80). */
  readonly listenerPort?: number;
}

export const EMPTY_SNAPSHOT: RoutingSnapshot = {
  revision: 0, vpcs: new Map(), serviceNetworks: new Map(), services: new Map(), targetGroups: new Map(), problems: [],
};

/**
 * The data plane's request path, assembled: gateways → router → balancer → upstream pools,
 * with the access-log sink, the metrics and the health source given as contracts. It holds
 * one RoutingSnapshot by reference; `setSnapshot` swaps it atomically (requests in flight
 * finish on the snapshot they started with), keeps the balancers' state of rules and groups
 * that remain, and closes the upstream pools of targets that left (gracefully: a draining
 * target's in-flight requests finish; see upstream/pools.ts).
 */
export class DataPlane {
  private readonly path: RequestPath;
  private readonly ctx: ExchangeContext;
  private readonly balancer: Balancer;
  private readonly pools = new UpstreamPools();
  private readonly servers = new Set<Server>();

  constructor(opts: DataPlaneOptions) {
    this.ctx = { accessLog: opts.accessLog, metrics: opts.metrics, now: opts.now ?? Date.now };
    this.balancer = new Balancer(opts.health);
    this.path = new RequestPath(opts.snapshot ?? EMPTY_SNAPSHOT, this.balancer, this.pools);
  }

  get snapshot(): RoutingSnapshot {
    return this.path.snapshot;
  }

  setSnapshot(s: RoutingSnapshot): void {
    this.path.snapshot = s;
    const rules = new Set<string>();
    for (const svc of s.services.values()) {
      for (const l of svc.listeners.values()) for (const r of l.rules) rules.add(r.id);
    }
    this.balancer.retain(rules, new Set(s.targetGroups.keys()));
    this.pools.retain(s);
  }

  /** The origins that have an upstream pool (for tests and `trellis status`). */
  upstreamOrigins(): string[] {
    return this.pools.origins();
  }

  /** The origins of draining targets whose requests are still finishing (tests, status). */
  drainingOrigins(): string[] {
    return this.pools.drainingOrigins();
  }

  /** Starts the HTTP forward-proxy gateway (user name = VPC id). Port 0 picks a free port. */
  listenProxy(port = 0, host = '127.0.0.1'): Promise<GatewayAddress> {
    return this.listen(createGatewayServer(this.ctx, this.path, 'proxy', '', 80), port, host);
  }

  /**
   * Starts a gateway address for `vpcId`: requests there come from that VPC, the Host header
   * names the service, and the listener port is `opts.listenerPort` (80 by default).
   */
  listenVpc(vpcId: string, port = 0, host = '127.0.0.1', opts: VpcGatewayOptions = {}): Promise<GatewayAddress> {
    return this.listen(createGatewayServer(this.ctx, this.path, 'vpc', vpcId, opts.listenerPort ?? 80), port, host);
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers].map((s) => closeServer(s)));
    this.servers.clear();
    await this.pools.close();
  }

  private listen(server: Server, port: number, host: string): Promise<GatewayAddress> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        this.servers.add(server);
        const addr = server.address() as AddressInfo;
        resolve({
          host, port: addr.port,
          close: async () => { this.servers.delete(server); await closeServer(server); },
        });
      });
    });
  }
}

function closeServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}
