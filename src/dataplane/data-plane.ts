import type { AddressInfo } from 'node:net';
import type { RoutingSnapshot, ServiceEntry } from '../config/index.js';
import { Balancer } from './balancer/balancer.js';
import type { DataPlaneAuthOptions } from './auth/contracts.js';
import type { AccessLogSink, RequestMetrics, TargetHealthSource } from './contracts.js';
import type { ExchangeContext } from './gateway/exchange.js';
import { createGatewayServer, type GatewayServer } from './gateway/gateways.js';
import { RequestPath } from './gateway/request-path.js';
import { TlsTermination, type CertificateProvider } from './gateway/tls.js';
import { diffEntries, entryId } from './snapshot-diff.js';
import { UpstreamPools } from './upstream/pools.js';

export interface DataPlaneOptions {
  readonly accessLog: AccessLogSink;
  readonly metrics: RequestMetrics;
  readonly health: TargetHealthSource;
  /** Milliseconds since the epoch; injected by tests. Default `Date.now`. */
  readonly now?: () => number;
  /** The snapshot to start with; default: an empty one (every request answers 403/404). */
  readonly snapshot?: RoutingSnapshot;
  /**
   * Certificates for HTTPS listeners by server name (gateway/tls.ts). Absent: no TLS
   * termination (CONNECT answers 501, the VPC addresses are plaintext only).
   */
  readonly certificates?: CertificateProvider;
  /** Credentials and identity policies for data-plane auth (auth/); absent: signed requests fail, identity layer skipped. */
  readonly auth?: DataPlaneAuthOptions;
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
  /** The listener port that TLS on this address reaches, with certificates (default 443). */
  readonly tlsListenerPort?: number;
}

/** What one `setSnapshot` walked (see `DataPlane.lastSwap`). */
export interface SwapWork {
  readonly services: number;
  readonly targetGroups: number;
  readonly origins: number;
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
 * target's in-flight requests finish; see upstream/pools.ts). A swap walks only the
 * entries that are not the previous snapshot's objects, so it costs what changed.
 */
export class DataPlane {
  private readonly path: RequestPath;
  private readonly ctx: ExchangeContext;
  private readonly balancer: Balancer;
  private readonly pools = new UpstreamPools();
  private readonly servers = new Set<GatewayServer>();
  private readonly tls: TlsTermination | undefined;
  private work: SwapWork = { services: 0, targetGroups: 0, origins: 0 };

  constructor(opts: DataPlaneOptions) {
    this.ctx = { accessLog: opts.accessLog, metrics: opts.metrics, now: opts.now ?? Date.now };
    this.balancer = new Balancer(opts.health);
    const first = opts.snapshot ?? EMPTY_SNAPSHOT;
    this.path = new RequestPath(first, this.balancer, this.pools, opts.auth, this.ctx.now);
    this.tls = opts.certificates === undefined ? undefined : new TlsTermination(this.ctx, this.path, opts.certificates);
    // The pools count origins from here on; later swaps move the counts by the difference.
    this.pools.retain(first);
  }

  get snapshot(): RoutingSnapshot {
    return this.path.snapshot;
  }

  /**
   * Swaps the snapshot, then reconciles the balancer and the upstream pools with it by entry
   * identity (see snapshot-diff.ts): only services and target groups whose entry is not the
   * previous snapshot's object are walked, so a swap costs what changed.
   */
  setSnapshot(s: RoutingSnapshot): void {
    const prev = this.path.snapshot;
    this.path.snapshot = s;
    // Rules and groups that left: their balancer state goes. A changed service's rules that
    // it still has keep theirs (an unrelated change must not restart 10/10's A,B,A,B). A
    // rule belongs to one service for life (its listener's), so comparing the two entries
    // of that service finds every rule that left.
    const rulesLeft: string[] = [];
    const groupsLeft: string[] = [];
    let services = 0;
    diffEntries(prev.services, s.services, entryId, (_id, before, after) => {
      services++;
      if (before === undefined) return;
      const kept = new Set<string>();
      if (after !== undefined) forEachRule(after, (id) => kept.add(id));
      forEachRule(before, (id) => { if (!kept.has(id)) rulesLeft.push(id); });
    });
    diffEntries(prev.targetGroups, s.targetGroups, entryId, (id, _before, after) => {
      if (after === undefined) groupsLeft.push(id);
    });
    if (rulesLeft.length !== 0 || groupsLeft.length !== 0) this.balancer.forget(rulesLeft, groupsLeft);
    this.pools.retain(s);
    const pools = this.pools.lastRetain();
    this.work = { services, targetGroups: pools.groups, origins: pools.origins };
  }

  /**
   * What the last `setSnapshot` walked: services compared for balancer state, target groups
   * whose targets the pools counted, origins re-decided. All 0 for a swap to a snapshot
   * whose services and groups are the previous one's objects (tests; the cost of a swap).
   */
  lastSwap(): SwapWork {
    return this.work;
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
    return this.listen(createGatewayServer(this.ctx, this.path, 'proxy', '', 80, this.tls), port, host);
  }

  /**
   * Starts a gateway address for `vpcId`: requests there come from that VPC, the Host header
   * names the service, and the listener port is `opts.listenerPort` (80 by default).
   */
  listenVpc(vpcId: string, port = 0, host = '127.0.0.1', opts: VpcGatewayOptions = {}): Promise<GatewayAddress> {
    const server = createGatewayServer(this.ctx, this.path, 'vpc', vpcId, opts.listenerPort ?? 80);
    this.tls?.sniff(server, vpcId, opts.tlsListenerPort ?? 443);
    return this.listen(server, port, host);
  }

  async close(): Promise<void> {
    // TLS connections first: a VPC address's close waits for the sockets it handed to TLS.
    this.tls?.close();
    await Promise.all([...this.servers].map((s) => closeServer(s)));
    this.servers.clear();
    await this.pools.close();
    await this.path.lambda.close();
  }

  private listen(server: GatewayServer, port: number, host: string): Promise<GatewayAddress> {
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

function forEachRule(svc: ServiceEntry, f: (ruleId: string) => void): void {
  for (const l of svc.listeners.values()) for (const r of l.rules) f(r.id);
}

function closeServer(s: GatewayServer): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}
