import { connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenerEntry, ServiceEntry, ServiceNetworkEntry, TargetEntry, TargetGroupEntry, VpcEntry } from '../../config/index.js';
import { ANONYMOUS, authorizeLatticeRequest, formatLatticeAuth, latticeInvokeContext } from '../../iam/index.js';
import { authPolicyOf, enforced } from '../auth/policies.js';
import { recordFor } from '../access-log/record.js';
import { networkOf } from '../router/router.js';
import { parseClientHello } from './client-hello.js';
import { destinationsOf, isoSecond, type ExchangeContext } from './exchange.js';
import type { RequestPath } from './request-path.js';
import { admitsCached, presentedAddress } from './source.js';

/**
 * TLS_PASSTHROUGH listeners (LATTICE.md §2.2): the connection is routed by the SNI of the
 * client's ClientHello to a TCP target group and its bytes are relayed untouched — the
 * target terminates TLS with its own certificate.
 *
 * tls.ts hands every TLS connection here first (`dispatch`). When no service of the VPC's
 * network has a TLS_PASSTHROUGH listener on the port, the connection goes straight on to
 * termination, untouched (one walk of the network's services per network entry: entries are
 * immutable and shared between snapshots, so only a change in that network walks again). Otherwise the ClientHello is
 * buffered (up to `maxHelloBytes`, within `helloTimeoutMs`) and read (client-hello.ts):
 * - its SNI is the **custom domain name** of a service whose listener on the port is
 *   TLS_PASSTHROUGH (UG tls-listeners: the custom domain is the SNI match; the generated
 *   name does not match a passthrough listener) → relayed to a target;
 * - anything else (an HTTPS service, an unknown name, no SNI) → the buffered bytes are put
 *   back and termination takes the connection exactly as it would have (its handshake then
 *   fails for names it does not serve: the connection is closed);
 * - not a ClientHello, too big, too slow → closed.
 *
 * Relaying: security groups as for HTTP; auth policies see an anonymous principal with
 * action `vpc-lattice-svcs:Connect` on the service ARN (UG: "Auth policies are limited to
 * anonymous principals"; SAR: TCP services); the default rule's forward action picks a group
 * by weight and a target by the balancer (healthy first, fail-open). The buffered bytes are
 * written to the target, then both directions are piped with backpressure; an end from one
 * side half-closes the other; an error on either side closes both. Idle timeout = the
 * service's `idleTimeoutSeconds` with no byte either way (§2.8); lifetime ≤ 10 minutes.
 *
 * One access-log record per connection when it closes, and one metrics outcome (a
 * connection counts as one request: Active/TotalRequestCount, RequestTime = connection
 * duration; no HTTP code).
 */

/** Lattice's fixed connection lifetime for TLS listeners (UG tls-listeners: 10 minutes). */
export const MAX_CONNECTION_MS = 10 * 60_000;

export interface PassthroughOptions {
  /** How long a client may take to send its whole ClientHello (default 10 s). */
  readonly helloTimeoutMs?: number;
  /** Bytes buffered while waiting for the ClientHello (default 16 KB). */
  readonly maxHelloBytes?: number;
  /** Connection lifetime (default 10 minutes). */
  readonly maxLifetimeMs?: number;
}

/** The TLS_PASSTHROUGH side of the gateways; one per TlsTermination. */
export class Passthrough {
  private readonly open = new Set<PassthroughConnection>();
  /** Per snapshot: `<network id>:<port>` → whether some service there passes TLS through. */
  /** Per network entry: listener port → whether any of its services passes TLS through there. */
  private readonly ports = new WeakMap<ServiceNetworkEntry, Map<number, boolean>>();
  readonly helloTimeoutMs: number;
  readonly maxHelloBytes: number;
  readonly maxLifetimeMs: number;

  constructor(readonly ctx: ExchangeContext, readonly path: RequestPath, opts: PassthroughOptions = {}) {
    this.helloTimeoutMs = opts.helloTimeoutMs ?? 10_000;
    this.maxHelloBytes = opts.maxHelloBytes ?? 16 * 1024;
    this.maxLifetimeMs = opts.maxLifetimeMs ?? MAX_CONNECTION_MS;
  }

  /**
   * Takes a TLS connection of `vpcId` to listener port `port`; `terminate` hands it (with any
   * bytes read put back) to TLS termination, which is also where it goes at once when no
   * passthrough listener could want it.
   */
  dispatch(socket: Duplex, vpcId: string, port: number, terminate: () => void): void {
    const snap = this.path.snapshot;
    const vpc = snap.vpcs.get(vpcId);
    const net = networkOf(snap, vpc);
    if (typeof net === 'string' || !this.passesThrough(net, port)) return terminate();
    const c = new PassthroughConnection(this, socket as Duplex & Partial<Socket>, vpc!, net, port, terminate);
    this.open.add(c);
    c.readHello();
  }

  /** @internal */
  forget(c: PassthroughConnection): void {
    this.open.delete(c);
  }

  /** Ends every connection (the data plane is closing). */
  close(): void {
    for (const c of [...this.open]) c.abort('-');
    this.open.clear();
  }

  /** How many connections are open (waiting for a ClientHello or relaying); for tests. */
  get size(): number {
    return this.open.size;
  }

  private passesThrough(net: ServiceNetworkEntry, port: number): boolean {
    let byPort = this.ports.get(net);
    if (byPort === undefined) this.ports.set(net, (byPort = new Map()));
    let v = byPort.get(port);
    if (v === undefined) {
      v = false;
      for (const svc of net.servicesByHost.values()) {
        if (svc.listeners.get(port)?.protocol === 'TLS_PASSTHROUGH') { v = true; break; }
      }
      byPort.set(port, v);
    }
    return v;
  }
}

/** One client connection: waiting for its ClientHello, then relayed, then logged. */
class PassthroughConnection {
  private readonly start: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | undefined;
  private lifetime: NodeJS.Timeout | undefined;
  private upstream: Socket | undefined;
  private relaying = false;
  private done = false;
  private sni = '-';
  private svc: ServiceEntry | undefined;
  private listener: ListenerEntry | undefined;
  private tg: TargetGroupEntry | undefined;
  private target: TargetEntry | undefined;
  private readonly source: string;
  private failure = '-';
  private resolvedUser = '-';
  private authDeniedReason = '-';
  private authExplanation: string | undefined;
  private received = 0;
  private sent = 0;
  private connectedAt = 0;
  private firstByteAt = 0;
  private closes = 0;

  constructor(
    private readonly owner: Passthrough,
    private readonly client: Duplex & Partial<Socket>,
    private readonly vpc: VpcEntry,
    private readonly net: ServiceNetworkEntry,
    private readonly port: number,
    private readonly terminate: () => void,
  ) {
    this.start = owner.ctx.now();
    this.source = presentedAddress(vpc, client.remoteAddress ?? '-');
  }

  readHello(): void {
    const c = this.client;
    c.on('data', this.onHelloData);
    c.once('close', this.onClientClose);
    this.timer = setTimeout(() => this.abort('ClientProtocolError'), this.owner.helloTimeoutMs);
    this.timer.unref();
    // The sniffing gateway paused the socket with the first bytes unshifted: flow again.
    c.resume();
  }

  private readonly onHelloData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const all = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
    const hello = parseClientHello(all);
    if (hello.kind === 'incomplete') {
      if (this.buffered > this.owner.maxHelloBytes) this.abort('ClientProtocolError');
      return;
    }
    this.client.off('data', this.onHelloData);
    this.client.pause();
    clearTimeout(this.timer);
    this.chunks = [all];
    if (hello.kind === 'invalid') return this.abort('ClientProtocolError');
    this.sni = hello.serverName ?? '-';
    const svc = hello.serverName === undefined ? undefined : this.net.servicesByHost.get(hello.serverName);
    const listener = svc?.listeners.get(this.port);
    // Only the custom domain (never the generated name, index 0) is a passthrough SNI match.
    if (svc === undefined || listener?.protocol !== 'TLS_PASSTHROUGH' || svc.hostNames.indexOf(hello.serverName!) < 1) {
      return this.handOver();
    }
    this.svc = svc;
    this.listener = listener;
    this.route(svc, listener);
  };

  /** Not ours: put the bytes back and let TLS termination take the connection as it is. */
  private handOver(): void {
    this.done = true;
    this.client.off('close', this.onClientClose);
    this.owner.forget(this);
    this.client.unshift(this.chunks[0]!);
    this.chunks = [];
    this.terminate();
  }

  private route(svc: ServiceEntry, listener: ListenerEntry): void {
    const vpc = this.vpc;
    if (!admitsCached(vpc, vpc.association!, this.source, this.port)) return this.abort('SecurityGroupDenied');
    if (enforced(this.net, svc) && !this.authorize(svc)) return this.abort('ClientAccessDenied');
    const rule = listener.rules[listener.rules.length - 1];
    const action = rule?.action;
    if (rule === undefined || action === undefined || action.type !== 'forward') return this.abort('NoTargetGroup');
    const balancer = this.owner.path.balancer;
    const weighted = balancer.pickGroup(rule, action.targetGroups);
    const tg = weighted === undefined ? undefined : this.owner.path.snapshot.targetGroups.get(weighted.targetGroupId);
    if (tg === undefined) return this.abort('NoTargetGroup');
    this.tg = tg;
    const target = balancer.pickTarget(tg);
    if (target?.address === undefined) return this.abort('TargetConnectionError');
    this.target = target;
    this.owner.ctx.metrics.requestStarted(svc.id, tg.id);
    this.relay(svc, target.address, target.port);
  }

  /** Auth policies for a connection: anonymous, `vpc-lattice-svcs:Connect` on the service. */
  private authorize(svc: ServiceEntry): boolean {
    const net = this.net;
    const input = (explain: boolean) => {
      const networkPolicy = authPolicyOf(net);
      const servicePolicy = authPolicyOf(svc);
      return {
        networkAuthType: net.authType, ...(networkPolicy ? { networkPolicy } : {}),
        serviceAuthType: svc.authType, ...(servicePolicy ? { servicePolicy } : {}),
        ctx: latticeInvokeContext({
          principal: ANONYMOUS, serviceArn: svc.arn, serviceNetworkArn: net.arn, method: '', path: '', port: this.port,
          sourceVpc: this.vpc.vpcId, sourceVpcOwnerAccount: this.vpc.account, sourceIp: this.source,
          secureTransport: true, tcp: true, now: this.owner.ctx.now(),
        }),
        explain,
      };
    };
    this.resolvedUser = 'Anonymous';
    const result = authorizeLatticeRequest(input(false));
    if (result.allowed) return true;
    this.authDeniedReason = result.authDeniedReason ?? '-';
    this.authExplanation = formatLatticeAuth(authorizeLatticeRequest(input(true)));
    return false;
  }

  private relay(svc: ServiceEntry, address: string, port: number): void {
    this.relaying = true;
    const client = this.client;
    const up = tcpConnect({ host: address, port, allowHalfOpen: true });
    this.upstream = up;
    up.setNoDelay(true);
    const idleMs = svc.idleTimeoutSeconds * 1000;
    this.timer = setTimeout(() => this.abort('IdleTimeout'), idleMs);
    this.timer.unref();
    this.lifetime = setTimeout(() => this.abort('ConnectionDurationExceeded'), this.owner.maxLifetimeMs);
    this.lifetime.unref();
    up.once('connect', () => {
      this.connectedAt = this.owner.ctx.now();
      const hello = this.chunks[0]!;
      this.chunks = [];
      this.received += hello.length;
      up.write(hello);
      client.on('data', (b: Buffer) => { this.received += b.length; this.timer?.refresh(); });
      up.on('data', (b: Buffer) => {
        if (this.firstByteAt === 0) this.firstByteAt = this.owner.ctx.now();
        this.sent += b.length;
        this.timer?.refresh();
      });
      // pipe: backpressure both ways, and an end from one side ends the other's writes.
      client.pipe(up);
      up.pipe(client);
      client.resume();
    });
    up.on('error', () => {
      if (this.failure === '-') this.failure = this.connectedAt === 0 ? 'TargetConnectionError' : 'TargetConnectionClosed';
      client.destroy();
    });
    up.once('close', this.onUpstreamClose);
    client.on('error', () => {
      if (this.failure === '-') this.failure = 'ClientConnectionClosed';
      up.destroy();
    });
  }

  private readonly onClientClose = (hadError: boolean): void => {
    if (!this.relaying) {
      // Gone before its ClientHello was whole (or refused above).
      if (!this.done && this.failure === '-') this.failure = 'ClientConnectionClosed';
      this.closes = 2;
      return this.finish();
    }
    const up = this.upstream!;
    // Not connected yet: there is nothing to half-close (and the ClientHello must not follow).
    if (hadError || this.connectedAt === 0 || up.destroyed) up.destroy();
    else up.end();
    this.closed();
  };

  private readonly onUpstreamClose = (hadError: boolean): void => {
    if (hadError) this.client.destroy();
    else this.client.end();
    this.closed();
  };

  private closed(): void {
    if (++this.closes >= 2) this.finish();
  }

  /** Closes the connection (both sides) and records why. */
  abort(failure: string): void {
    if (this.done) return;
    if (this.failure === '-') this.failure = failure;
    if (!this.relaying) {
      this.closes = 2;
      this.finish();
    }
    this.upstream?.destroy();
    this.client.destroy();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    clearTimeout(this.lifetime);
    this.owner.forget(this);
    const ctx = this.owner.ctx;
    const end = ctx.now();
    const svc = this.svc;
    const tg = this.tg;
    const duration = end - this.start;
    // Encrypted end to end: nothing of HTTP is seen, so every HTTP field keeps recordFor's
    // '-' (0 for the code), as do the caller and X.509 fields.
    const record = recordFor({
      startTime: isoSecond(this.start),
      serviceNetworkArn: this.net.arn,
      serviceArn: svc?.arn,
      targetGroupArn: tg?.arn,
      sourceVpcArn: this.vpc.vpcArn,
      sourceVpcId: this.vpc.vpcId,
      sourceIpPort: `${this.source}:${this.client.remotePort ?? 0}`,
      targetIpPort: this.target === undefined ? undefined : `${this.target.address}:${this.target.port}`,
      serverNameIndication: this.sni,
      bytesReceived: this.received,
      bytesSent: this.sent,
      duration,
      requestToTargetDuration: this.connectedAt === 0 ? 0 : this.connectedAt - this.start,
      responseFromTargetDuration: this.firstByteAt === 0 ? 0 : end - this.firstByteAt,
      resolvedUser: this.resolvedUser,
      authDeniedReason: this.authDeniedReason,
      listenerId: this.listener?.id,
      listenerType: 'TLS_PASSTHROUGH',
      failureReason: this.failure,
    });
    if (this.authExplanation !== undefined) record.authExplanation = this.authExplanation;
    ctx.accessLog.write(record, destinationsOf(svc, this.net));
    if (svc === undefined) return;
    if (!this.relaying) ctx.metrics.requestStarted(svc.id, tg?.id);
    ctx.metrics.requestFinished({
      serviceId: svc.id, ...(tg === undefined ? {} : { targetGroupId: tg.id }), responseCode: 0,
      durationMs: duration, bytesReceived: this.received, bytesSent: this.sent, timedOut: this.failure === 'IdleTimeout',
    });
  }
}
