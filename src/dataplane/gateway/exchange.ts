import type {
  AccessLogDestination, ListenerEntry, ServiceEntry, ServiceNetworkEntry, TargetEntry, TargetGroupEntry, VpcEntry,
} from '../../config/index.js';
import type { Principal } from '../../iam/index.js';
import type { DispatchHandler, DispatchOptions, ResponseHeadBytes, UpstreamDispatcher } from '../http1/index.js';
import { principalTagsJson } from '../auth/identity-headers.js';
import type { AuthExchange } from '../auth/gate.js';
import type { AccessLogRecord, AccessLogSink, RequestMetrics, RequestOutcome } from '../contracts.js';
import { classifyUpstreamError } from '../upstream/errors.js';
import type { DownstreamRequest, DownstreamResponse, DownstreamSocket } from './downstream.js';
import { responseHeaders, responseHeadSize, type ScannedHeaders } from './headers.js';
import { newRequestId } from './request-id.js';

/** What an exchange needs from the data plane around it (one object, shared by all). */
export interface ExchangeContext {
  readonly accessLog: AccessLogSink;
  readonly metrics: RequestMetrics;
  readonly now: () => number;
}

const kExchange = Symbol('trellis.exchange');
type TaggedResponse = DownstreamResponse & { [kExchange]?: Exchange };

/** Shared 'close' listener: no closure per request; the response carries its exchange. */
function onResponseClose(this: TaggedResponse): void {
  const ex = this[kExchange];
  if (ex !== undefined && !ex.done) ex.clientClosed();
}
function onResponseDrain(this: TaggedResponse): void {
  this[kExchange]?.resumeUpstream();
}

const NO_DESTINATIONS: readonly AccessLogDestination[] = [];
/** `responseHeaders`' size output, reused: the request path is synchronous there. */
const SIZE_OUT = [0];

const ipPorts = new WeakMap<TargetEntry, string>();
/** `address:port` of a target, built once per snapshot entry. */
function ipPortOf(t: TargetEntry): string {
  let v = ipPorts.get(t);
  if (v === undefined) ipPorts.set(t, (v = `${t.address}:${t.port}`));
  return v;
}

/**
 * One request through the data plane, from the gateway to the access-log record: the state
 * the filters fill in (VPC, network, service, listener, target group, target), and the
 * dispatch handler that streams the target's response back (undici's legacy handler
 * interface, which the HTTP/1.1 pools of http1/, the Lambda dispatchers and HTTP/2 pools
 * call: no per-request promise or stream; header lists as strings, Buffers accepted).
 *
 * Invariant: `finish()` runs exactly once per exchange, so every request produces exactly
 * one access-log record and one metrics outcome, whatever path it took.
 */
export class Exchange implements ScannedHeaders, DispatchHandler, AuthExchange {
  // ScannedHeaders, filled by the gateway's header scan.
  headers: string[] = [];
  host: string | undefined = undefined;
  userAgent = '-';
  forwardedFor: string | undefined = undefined;
  requestId: string | undefined = undefined;
  proxyAuthorization: string | undefined = undefined;
  hasBody = false;
  headerBytes = 0;
  headerCount = 0;

  // Filled by the filters.
  vpcId = '';
  vpc: VpcEntry | undefined = undefined;
  network: ServiceNetworkEntry | undefined = undefined;
  service: ServiceEntry | undefined = undefined;
  listener: ListenerEntry | undefined = undefined;
  targetGroup: TargetGroupEntry | undefined = undefined;
  target: TargetEntry | undefined = undefined;
  sourceAddress: string;
  /** Request target: path and query, origin-form. */
  path = '/';
  listenerPort = 80;

  // Filled by the auth step (auth/gate.ts); untouched when auth does not apply.
  principal: Principal | undefined = undefined;
  resolvedUser: string | undefined = undefined;
  authDeniedReason = '-';
  authExplanation: string | undefined = undefined;
  identity: readonly string[] | undefined = undefined;

  readonly start: number;
  done = false;
  private status = 0;
  private failure = '-';
  private timedOut = false;
  private headersSent = false;
  private bodySent = 0;
  private responseBytes = 0;
  private sentToTargetAt = 0;
  private firstByteAt = 0;
  private abortUpstream: ((err?: Error) => void) | undefined = undefined;
  private resume: (() => void) | undefined = undefined;
  private started = false;

  constructor(
    private readonly ctx: ExchangeContext,
    readonly req: DownstreamRequest,
    readonly res: DownstreamResponse,
  ) {
    this.start = ctx.now();
    this.sourceAddress = req.socket.remoteAddress ?? '-';
    (res as TaggedResponse)[kExchange] = this;
    res.on('close', onResponseClose);
  }

  /** The request id: the client's (truncated to 512 bytes by the scan) or a new one (request-id.ts). */
  ensureRequestId(): string {
    return (this.requestId ??= newRequestId());
  }

  /**
   * Answers locally with a short text/plain reason (LATTICE.md §10 #8) and records why.
   * `extra` headers are appended (e.g. Proxy-Authenticate on a 407).
   */
  reply(status: number, failureReason: string, body: string, extra?: readonly string[]): void {
    if (this.done) return;
    this.status = status;
    this.failure = failureReason;
    const id = this.ensureRequestId();
    const text = body === '' ? '' : body + '\n';
    const headers = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(text)), 'x-amzn-requestid', id];
    if (extra !== undefined) headers.push(...extra);
    this.res.writeHead(status, headers);
    this.endResponse(text);
    this.responseBytes = text.length + 120;
    this.finish();
  }

  /** Resets the client connection without a response (no listener on that port, as AWS). */
  reset(failureReason: string): void {
    if (this.done) return;
    this.failure = failureReason;
    this.finish();
    this.req.socket.destroy();
  }

  /** Sends the request to the target through `dispatcher` (an upstream pool or Lambda). */
  forward(dispatcher: UpstreamDispatcher, opts: DispatchOptions): void {
    this.started = true;
    this.ctx.metrics.requestStarted(this.service!.id, this.targetGroup!.id);
    this.sentToTargetAt = this.hasBody ? 0 : this.ctx.now();
    dispatcher.dispatch(opts, this);
  }

  // --- dispatch handler (undici's legacy interface) ---

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.done) abort();
  }

  onHeaders(statusCode: number, rawHeaders: readonly (string | Buffer)[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx informational: not relayed
    if (!this.headArrived(statusCode, resume)) return false;
    this.res.writeHead(statusCode, responseHeaders(rawHeaders, this.requestId!, SIZE_OUT));
    this.responseBytes = SIZE_OUT[0]!;
    return true;
  }

  /**
   * The HTTP/1.1 pools' head (never 1xx: the pool skips those) as bytes: passed through as
   * bytes when the client's engine takes them (Http1Response), else materialised into the
   * flat list `onHeaders` takes (HTTP/2 clients). bytesSent counts the same either way.
   */
  onResponseHead(head: ResponseHeadBytes, resume: () => void): boolean {
    const res = this.res;
    if (res.writeHeadBytes === undefined) return this.onHeaders(head.status, head.rawHeaders(), resume);
    if (!this.headArrived(head.status, resume)) return false;
    const id = this.requestId!;
    res.writeHeadBytes(head, id);
    this.responseBytes = responseHeadSize(head.headerBytes, id);
    return true;
  }

  /** What every head path records when the target's answer starts; false when the exchange is already over. */
  private headArrived(status: number, resume: () => void): boolean {
    if (this.done) return false;
    this.firstByteAt = this.ctx.now();
    if (this.sentToTargetAt === 0) this.sentToTargetAt = this.firstByteAt;
    this.resume = resume;
    this.status = status;
    this.headersSent = true;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.responseBytes += chunk.length;
    const ok = this.res.write(chunk);
    if (!ok) this.res.once('drain', onResponseDrain);
    return ok;
  }

  /** The pool's read ended mid-response: what the response held back goes out now. */
  onReadEnd(): void {
    this.res.flushHeld?.();
  }

  onBodySent(chunkSize: number): void {
    this.bodySent += chunkSize;
  }

  onComplete(trailers?: readonly (string | Buffer)[] | null): void {
    if (this.done) return;
    if (trailers != null && trailers.length !== 0 && this.res.addTrailers !== undefined) this.res.addTrailers(trailerMap(trailers));
    this.endResponse();
    this.finish();
  }

  onError(err: Error): void {
    if (this.done) return;
    const f = classifyUpstreamError(err);
    this.timedOut = f.timedOut;
    if (!this.headersSent) {
      this.reply(f.status, f.reason, STATUS_TEXT[f.status] ?? 'Error');
      return;
    }
    // The response has started: the client sees it cut short, as from any proxy.
    this.failure = f.reason;
    this.finish();
    this.res.destroy();
  }

  /** Called when the client went away before the exchange finished: abort the upstream. */
  clientClosed(): void {
    if (this.done) return;
    this.failure = 'ClientConnectionClosed';
    if (!this.headersSent) this.status = 400;
    this.finish();
    this.abortUpstream?.(CLIENT_GONE);
  }

  resumeUpstream(): void {
    this.resume?.();
  }

  private finish(): void {
    this.done = true;
    const end = this.ctx.now();
    const svc = this.service;
    const net = this.network;
    const tg = this.targetGroup;
    const duration = end - this.start;
    const bytesReceived = this.headerBytes + this.bodySent + this.path.length + 16;
    const tls = this.req.socket.encrypted === true ? tlsFactsOf(this.req.socket) : undefined;
    const record: AccessLogRecord = {
      startTime: isoSecond(this.start),
      serviceNetworkArn: net?.arn ?? '-',
      serviceArn: svc?.arn ?? '-',
      targetGroupArn: tg?.arn ?? '-',
      sourceVpcArn: this.vpc?.vpcArn ?? '-',
      sourceVpcId: this.vpc?.vpcId ?? (this.vpcId || '-'),
      destinationVpcId: '-',
      sourceIpPort: `${this.sourceAddress}:${this.req.socket.remotePort ?? 0}`,
      targetIpPort: this.target === undefined ? '-' : ipPortOf(this.target),
      hostHeader: this.host ?? '-',
      serverNameIndication: tls === undefined ? '-' : tls.sni,
      sslCipher: tls === undefined ? '-' : tls.cipher,
      tlsVersion: tls === undefined ? '-' : tls.version,
      requestMethod: this.req.method ?? '-',
      requestPath: this.path,
      protocol: protocolOf(this.req.httpVersion),
      userAgent: this.userAgent,
      responseCode: this.status,
      // HTTP/2 responses (gateway/http2.ts) know the grpc-status they sent, from trailers or not.
      grpcResponseCode: (this.res as { readonly grpcStatus?: number }).grpcStatus ?? '-',
      bytesReceived,
      bytesSent: this.responseBytes,
      duration,
      requestToTargetDuration: this.sentToTargetAt === 0 ? 0 : this.sentToTargetAt - this.start,
      responseFromTargetDuration: this.firstByteAt === 0 ? 0 : end - this.firstByteAt,
      requestId: this.requestId ?? '-',
      resolvedUser: this.resolvedUser ?? resolvedUserOf(this.principal),
      authDeniedReason: this.authDeniedReason,
      callerPrincipal: this.principal === undefined || this.principal.type === 'Anonymous' ? '-' : this.principal.arn,
      callerPrincipalOrgID: this.principal?.orgId ?? '-',
      callerPrincipalTags: this.principal === undefined ? '-' : principalTagsJson(this.principal),
      callerX509SubjectCN: '-',
      callerX509IssuerOU: '-',
      callerX509SANNameCN: '-',
      callerX509SANDNS: '-',
      callerX509SANURI: '-',
      listenerId: this.listener?.id ?? '-',
      listenerType: this.listener?.protocol ?? '-',
      failureReason: this.failure,
    };
    if (this.authExplanation !== undefined) record.authExplanation = this.authExplanation;
    this.ctx.accessLog.write(record, destinationsOf(svc, net));
    const serviceId = svc?.id ?? '-';
    const tgId = tg?.id;
    const latticeCode = this.failure !== '-' && !this.headersSent && this.status !== 0 ? this.status : undefined;
    if (!this.started) this.ctx.metrics.requestStarted(serviceId, tgId);
    // The proxied case (a group, no Lattice code) gets one literal of a fixed shape: no
    // spreads of temporary objects on the hot path.
    const outcome: RequestOutcome = tgId !== undefined && latticeCode === undefined
      ? { serviceId, targetGroupId: tgId, responseCode: this.status, durationMs: duration, bytesReceived, bytesSent: this.responseBytes, timedOut: this.timedOut }
      : {
        serviceId, ...(tgId === undefined ? {} : { targetGroupId: tgId }), responseCode: this.status,
        ...(latticeCode === undefined ? {} : { latticeCode }), durationMs: duration, bytesReceived, bytesSent: this.responseBytes,
        timedOut: this.timedOut,
      };
    this.ctx.metrics.requestFinished(outcome);
  }

  /**
   * Ends the response (`finish` follows at once). The 'close' listener goes first: from here
   * the exchange is over, so the engine need not emit 'close' to it on a later tick.
   */
  private endResponse(text?: string): void {
    this.res.off?.('close', onResponseClose);
    this.res.end(text);
  }

  /** Marks the exchange as a configured local answer (fixed response): not a failure. */
  fixedResponse(status: number): void {
    if (this.done) return;
    this.status = status;
    const id = this.ensureRequestId();
    this.res.writeHead(status, ['content-length', '0', 'x-amzn-requestid', id]);
    this.endResponse();
    this.responseBytes = 80;
    this.finish();
  }
}

/** The access log's `protocol`. */
function protocolOf(httpVersion: string): string {
  return httpVersion === '1.1' ? 'HTTP/1.1' : httpVersion === '2.0' ? 'HTTP/2' : httpVersion === '1.0' ? 'HTTP/1.0' : `HTTP/${httpVersion}`;
}

interface TlsFacts { readonly sni: string; readonly cipher: string; readonly version: string }
const tlsFacts = new WeakMap<DownstreamSocket, TlsFacts>();
/** SNI, cipher and version of a TLS connection, read once per connection. */
function tlsFactsOf(socket: DownstreamSocket): TlsFacts {
  let f = tlsFacts.get(socket);
  if (f === undefined) {
    const sni = socket.servername;
    f = { sni: typeof sni === 'string' && sni !== '' ? sni : '-', cipher: socket.getCipher?.()?.name ?? '-', version: socket.getProtocol?.() ?? '-' };
    tlsFacts.set(socket, f);
  }
  return f;
}

/** Trailers come as a flat raw list (strings, or Buffers from undici); responses take a map. */
function trailerMap(raw: readonly (string | Buffer)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) out[raw[i]!.toString().toLowerCase()] = raw[i + 1]!.toString();
  return out;
}

/** `resolvedUser` of the access log: '-' when auth did not apply, `Anonymous` or the caller's ARN. */
function resolvedUserOf(p: Principal | undefined): string {
  return p === undefined ? '-' : p.type === 'Anonymous' ? 'Anonymous' : p.arn;
}

const CLIENT_GONE = Object.assign(new Error('client connection closed'), { code: 'TRELLIS_CLIENT_CLOSED' });

const STATUS_TEXT: Readonly<Record<number, string>> = { 500: 'Internal Server Error', 502: 'Bad Gateway', 504: 'Gateway Timeout' };

const merged = new WeakMap<ServiceEntry, { readonly net: ServiceNetworkEntry; readonly both: readonly AccessLogDestination[] }>();

/** The access-log destinations of a (service, network) pair: the service's, then the network's; built once per pair. */
export function destinationsOf(svc: ServiceEntry | undefined, net: ServiceNetworkEntry | undefined): readonly AccessLogDestination[] {
  const a = svc?.accessLogs ?? NO_DESTINATIONS;
  const b = net?.accessLogs ?? NO_DESTINATIONS;
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const c = merged.get(svc!);
  if (c !== undefined && c.net === net) return c.both;
  const both = [...a, ...b];
  merged.set(svc!, { net: net!, both });
  return both;
}

let lastSecond = -1;
let lastIso = '';
/** `YYYY-MM-DDTHH:MM:SSZ`, formatted once per second. */
export function isoSecond(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s !== lastSecond) {
    lastSecond = s;
    lastIso = new Date(s * 1000).toISOString().slice(0, 19) + 'Z';
  }
  return lastIso;
}
