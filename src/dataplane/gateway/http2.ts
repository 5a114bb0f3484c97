import {
  constants, createServer, type Http2Server, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { BodySource, DownstreamHead, DownstreamResponse, DownstreamSocket } from './downstream.js';
import { Exchange, type ExchangeContext } from './exchange.js';
import { encodeGrpcMessage, grpcStatusOfHttp } from './grpc-status.js';
import { scanRequestHeaders } from './headers.js';
import { isGrpcContentType } from './protocol-versions.js';
import type { RequestPath } from './request-path.js';

/**
 * HTTP/2 from clients (issue 6; LATTICE.md §2.2, §2.6): HTTPS listeners offer ALPN `h2`
 * before `http/1.1` (Lattice's `HTTP2Preferred`), and tls.ts hands every connection that
 * negotiated `h2` here.
 *
 * One node:http2 server per data plane, never listening, is fed those TLS sockets
 * (`serveTls`); which VPC and listener port a connection belongs to, and the SNI that chose
 * its service, are recorded per session when it is created. Each stream becomes an Exchange
 * exactly as an HTTP/1.1 request does, on node:http2's core API (no compatibility objects):
 * the request path sees a `DownstreamRequest` (`Http2Request`: the head fields, the stream
 * as the body) and a `DownstreamResponse` written straight onto the stream. Translation to
 * the HTTP/1.1 shape the request path expects: pseudo-headers are never forwarded, `:authority` becomes `host`
 * (first, where HTTP/1.1 puts it), split `cookie` fields are joined with `; ` (RFC 9113
 * §8.2.3), and a request has a body when its HEADERS frame did not end the stream (gRPC
 * sends no content-length). The service is the one the SNI chose, as for HTTP/1.1 over TLS.
 *
 * Responses: the head is sent on the first body chunk or at the end of the current tick, so
 * a response that ends at once (a local answer, a target's trailers-only gRPC answer) goes
 * out as one HEADERS frame with END_STREAM — gRPC's trailers-only form. Trailers (gRPC's
 * `grpc-status`) follow the body when the client announced `te: trailers` (every gRPC
 * client does). To a gRPC client (`content-type: application/grpc*`) Trellis never answers
 * a non-200 status: its local answers, and a target's non-200 ones, become trailers-only
 * gRPC errors (grpc-status.ts), the logged `responseCode` staying the HTTP status decided.
 *
 * Cleartext HTTP/2 (h2c, prior knowledge) is not served: Lattice's HTTP listeners speak
 * HTTP/1.1 only (LATTICE.md §10 #17) and HTTP2/GRPC target groups need an HTTPS listener.
 * A VPC address that sees the h2c preface answers, in HTTP/2, GOAWAY with
 * HTTP_1_1_REQUIRED (RFC 9113 §7) — an h2c client learns why — and closes
 * (`refuseCleartextHttp2`).
 */
export class Http2Gateway {
  private readonly server: Http2Server;
  private readonly connections = new WeakMap<object, Http2Connection>();
  private readonly sessions = new Set<ServerHttp2Session>();
  /** The connection being handed to the server: its 'session' event fires synchronously. */
  private pending: Http2Connection | undefined;

  constructor(private readonly ctx: ExchangeContext, private readonly path: RequestPath) {
    this.server = createServer({
      // Lattice's idle timeout: a connection with no stream activity for 60 s is closed.
      settings: { enablePush: false, initialWindowSize: 1 << 20 },
      maxSessionMemory: 64,
    });
    this.server.setTimeout(60_000);
    this.server.on('session', (session: ServerHttp2Session) => this.session(session));
    this.server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, raw: string[]) => this.stream(stream, headers, raw));
    // Protocol errors of a client end its session; they are not the data plane's.
    this.server.on('sessionError', noop);
  }

  /** Serves HTTP/2 on a TLS socket whose handshake negotiated `h2`. */
  serveTls(socket: TLSSocket, vpcId: string, port: number): void {
    this.pending = new Http2Connection(socket, vpcId, port);
    try {
      this.server.emit('connection', socket);
    } finally {
      this.pending = undefined;
    }
  }

  /** Ends every HTTP/2 connection (the data plane is closing). */
  close(): void {
    for (const s of this.sessions) s.destroy();
    this.sessions.clear();
  }

  private session(session: ServerHttp2Session): void {
    const conn = this.pending;
    if (conn === undefined) { session.destroy(); return; }
    conn.session = session;
    this.connections.set(session, conn);
    this.sessions.add(session);
    session.on('error', noop);
    session.once('close', () => this.sessions.delete(session));
  }

  private stream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, raw: readonly string[]): void {
    stream.on('error', noop);
    const conn = stream.session === undefined ? undefined : this.connections.get(stream.session);
    if (conn === undefined) { stream.close(constants.NGHTTP2_REFUSED_STREAM); return; }
    const req = requestOf(stream, headers, raw, conn);
    const res = new Http2Response(stream, req.grpc, headers.te === 'trailers');
    const ex = new Exchange(this.ctx, req, res);
    ex.vpcId = conn.vpcId;
    ex.listenerPort = conn.port;
    scanRequestHeaders(req.rawHeaders, ex, false);
    ex.hasBody = !stream.endAfterHeaders && headers['content-length'] !== '0';
    ex.path = req.url;
    if (req.method === 'CONNECT' || req.url === '') return ex.reply(400, 'ClientProtocolError', 'Bad Request: CONNECT is not supported over HTTP/2');
    // The filters run synchronously up to the listener check, the only place that resets
    // (`socket.destroy()`): during it the connection's socket resets this stream.
    conn.routing = stream;
    try {
      this.path.route(ex, conn.sni ?? ex.host ?? '');
    } finally {
      conn.routing = undefined;
    }
  }
}

/**
 * A connection as its requests see it (`DownstreamSocket`), one object per HTTP/2
 * connection shared by all its streams: the client's address and the TLS facts, read once
 * — the access log's per-socket cache (exchange.ts) then holds one entry per connection, not
 * one per stream. `destroy()` answers a request with a reset (no listener on the port, as
 * AWS resets the TCP connection): it resets the stream being routed (RST_STREAM CANCEL), the
 * other streams of the connection being other requests; called outside routing, it drops the
 * connection, which is what the contract says.
 */
class Http2Connection implements DownstreamSocket {
  readonly encrypted = true;
  readonly sni: string | undefined;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  private readonly cipher: { readonly name: string } | undefined;
  private readonly tlsVersion: string | null;
  session: ServerHttp2Session | undefined = undefined;
  /** The stream whose request is being routed, synchronously (Http2Gateway.stream). */
  routing: ServerHttp2Stream | undefined = undefined;

  constructor(socket: TLSSocket, readonly vpcId: string, readonly port: number) {
    const sni = socket.servername;
    this.sni = typeof sni === 'string' ? sni : undefined;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    const cipher = socket.getCipher()?.name;
    this.cipher = cipher === undefined ? undefined : { name: cipher };
    this.tlsVersion = socket.getProtocol() ?? null;
  }

  get servername(): string | false { return this.sni ?? false; }
  getCipher(): { readonly name: string } | undefined { return this.cipher; }
  getProtocol(): string | null { return this.tlsVersion; }
  destroy(): void {
    const stream = this.routing;
    if (stream !== undefined) {
      if (!stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
      return;
    }
    this.session?.destroy();
  }
}

/**
 * One stream's request (`DownstreamRequest`): the head fields as plain properties, the
 * stream itself as the body (`bodyStream`). A separate object rather than fields set on the
 * stream: a ServerHttp2Stream given eight more properties after construction leaves V8's
 * fast property mode, which node:http2's own accesses to it then pay for.
 */
export class Http2Request implements DownstreamHead, BodySource {
  readonly httpVersion = '2.0';
  private map: IncomingHttpHeaders | undefined = undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    readonly method: string,
    readonly url: string,
    /** Translated to HTTP/1.1's shape (see the class of the gateway). */
    readonly rawHeaders: string[],
    readonly socket: Http2Connection,
    /** True for gRPC requests (`content-type: application/grpc*`). */
    readonly grpc: boolean,
  ) {}

  bodyStream(): ServerHttp2Stream {
    return this.stream;
  }

  /** Lower-cased header map (auth's condition keys read it), built on first use. */
  get headers(): IncomingHttpHeaders {
    if (this.map !== undefined) return this.map;
    const map: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    const raw = this.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      const value = raw[i + 1]!;
      const prev = map[name];
      if (name === 'set-cookie') {
        if (prev === undefined) map[name] = [value];
        else (prev as string[]).push(value);
      } else {
        map[name] = prev === undefined ? value : `${prev as string}, ${value}`;
      }
    }
    this.map = map as IncomingHttpHeaders;
    return this.map;
  }
}

/**
 * The request of a stream. Headers are translated to HTTP/1.1's shape (see the class of the
 * gateway): no pseudo-headers, `:authority` as a first `host` unless one was sent, split
 * `cookie` fields joined (HTTP/2 names are lower case already).
 */
function requestOf(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, raw: readonly string[], conn: Http2Connection): Http2Request {
  const rawHeaders: string[] = [];
  let authority: string | undefined;
  let hasHost = false;
  let cookie: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.charCodeAt(0) === 0x3a /* : */) {
      if (name === ':authority') authority = value;
      continue;
    }
    if (name === 'cookie') { cookie = cookie === undefined ? value : `${cookie}; ${value}`; continue; }
    if (name === 'host') hasHost = true;
    rawHeaders.push(name, value);
  }
  if (cookie !== undefined) rawHeaders.push('cookie', cookie);
  if (!hasHost && authority !== undefined) rawHeaders.unshift('host', authority);
  const method = headers[':method'];
  const path = headers[':path'];
  const type = headers['content-type'];
  return new Http2Request(
    stream, typeof method === 'string' ? method : 'GET', typeof path === 'string' ? path : '', rawHeaders, conn,
    isGrpcContentType(typeof type === 'string' ? type : undefined),
  );
}

/** Response headers that HTTP/2 forbids (RFC 9113 §8.2.2); Exchange drops most already. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

const kResponse = Symbol('trellis.h2response');
// `respond` options, shared (node:http2 copies them).
const END_STREAM = Object.freeze({ endStream: true });
const WAIT_FOR_TRAILERS = Object.freeze({ waitForTrailers: true });
const NO_OPTIONS = Object.freeze({});
type TaggedStream = ServerHttp2Stream & { [kResponse]?: Http2Response };

// Shared stream listeners (no closures per stream): the stream carries its response.
function onStreamClose(this: TaggedStream): void {
  this[kResponse]?.streamClosed();
}
function onWantTrailers(this: TaggedStream): void {
  this[kResponse]?.sendTrailers();
}

/**
 * A `DownstreamResponse` written onto an HTTP/2 stream. Not an EventEmitter: its one
 * 'close' listener (the Exchange's) is kept in a field and called from a shared stream
 * listener, and 'drain' is the stream's own.
 */
export class Http2Response implements DownstreamResponse {
  /** The gRPC status sent (the access log's `grpcResponseCode`), once known. */
  grpcStatus: number | undefined = undefined;
  private head: OutgoingHttpHeaders | undefined = undefined;
  private responded = false;
  private ended = false;
  private noBody = false;
  /** A gRPC client's non-200 answer: sent at the end as a trailers-only gRPC error. */
  private grpcError = false;
  private trailers: Record<string, string> | undefined = undefined;
  private flushQueued = false;
  private closeListeners: (() => void)[] | undefined = undefined;

  constructor(private readonly stream: ServerHttp2Stream, private readonly grpc: boolean, private readonly acceptsTrailers: boolean) {
    (stream as TaggedStream)[kResponse] = this;
    stream.on('close', onStreamClose);
    if (acceptsTrailers) stream.on('wantTrailers', onWantTrailers);
  }

  /** 'close': once, when the stream is closed (response finished, or the client gone). */
  on(event: 'close', listener: () => void): this {
    if (event === 'close') (this.closeListeners ??= []).push(listener);
    return this;
  }

  once(event: 'drain', listener: () => void): this {
    if (event === 'drain') this.stream.once('drain', () => listener.call(this));
    return this;
  }

  /** From the stream's 'close'. */
  streamClosed(): void {
    const ls = this.closeListeners;
    if (ls === undefined) return;
    this.closeListeners = undefined;
    for (const l of ls) l.call(this);
  }

  writeHead(status: number, headers: string[]): this {
    if (this.head !== undefined || this.responded) return this;
    if (this.grpc && status !== 200) {
      this.grpcError = true;
      this.head = { ':status': 200, 'content-type': 'application/grpc' };
      const code = headerIn(headers, 'grpc-status');
      this.grpcStatus = code !== undefined && /^\d+$/.test(code) ? Number(code) : grpcStatusOfHttp(status);
      this.head['grpc-status'] = String(this.grpcStatus);
      this.head['grpc-message'] = encodeGrpcMessage(`${status} ${STATUS_PHRASES[status] ?? 'Error'}`);
      const id = headerIn(headers, 'x-amzn-requestid');
      if (id !== undefined) this.head['x-amzn-requestid'] = id;
      return this;
    }
    const out: OutgoingHttpHeaders = { ':status': status };
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i]!.toLowerCase();
      if (CONNECTION_SPECIFIC.has(name)) continue;
      const value = headers[i + 1]!;
      const prev = out[name];
      if (prev === undefined) out[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else out[name] = [String(prev), value];
    }
    const gs = out['grpc-status'];
    if (typeof gs === 'string' && /^\d+$/.test(gs)) this.grpcStatus = Number(gs);
    this.noBody = (this.stream as { headRequest?: boolean }).headRequest === true || status === 204 || status === 205 || status === 304;
    this.head = out;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush(false));
    }
    return this;
  }

  write(chunk: Buffer): boolean {
    if (this.grpcError || this.noBody || this.ended) return true;
    this.flush(false);
    if (this.stream.destroyed) return true;
    return this.stream.write(chunk);
  }

  end(data?: string): this {
    if (this.ended) return this;
    this.ended = true;
    if (this.stream.destroyed) return this;
    if (this.grpcError) {
      // The local reason text (LATTICE.md §10 #8) is the gRPC message.
      const text = data?.trim();
      if (text !== undefined && text !== '') this.head!['grpc-message'] = encodeGrpcMessage(text);
      this.respond(true);
      return this;
    }
    const hasData = !this.noBody && data !== undefined && data !== '';
    if (!this.responded && !hasData && this.trailers === undefined) {
      this.respond(true);
      return this;
    }
    this.flush(false);
    if (hasData) this.stream.end(data);
    else this.stream.end();
    return this;
  }

  addTrailers(trailers: Record<string, string>): void {
    if (this.grpcError) return;
    this.trailers = trailers;
    const gs = trailers['grpc-status'];
    if (gs !== undefined && /^\d+$/.test(gs)) this.grpcStatus = Number(gs);
  }

  destroy(): this {
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return this;
  }

  private flush(endStream: boolean): void {
    if (this.responded || this.head === undefined) return;
    this.respond(endStream);
  }

  private respond(endStream: boolean): void {
    if (this.responded || this.stream.destroyed) return;
    this.responded = true;
    const head = this.head ?? { ':status': 200 };
    try {
      this.stream.respond(head, endStream || this.noBody ? END_STREAM : this.acceptsTrailers ? WAIT_FOR_TRAILERS : NO_OPTIONS);
    } catch {
      // A header value HTTP/2 cannot carry: the client sees the stream reset.
      this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
  }

  /** From the stream's 'wantTrailers'. */
  sendTrailers(): void {
    const t = this.trailers ?? {};
    try {
      this.stream.sendTrailers(t);
    } catch {
      this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
  }
}

function headerIn(headers: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i + 1 < headers.length; i += 2) if (headers[i]!.toLowerCase() === lowerName) return headers[i + 1];
  return undefined;
}

const STATUS_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 413: 'Payload Too Large', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** The client connection preface of HTTP/2 (RFC 9113 §3.4), as a cleartext client sends it first. */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** True when `first` (the first bytes read) is, or begins, the HTTP/2 preface. */
export function startsHttp2Preface(first: Buffer): boolean {
  const n = Math.min(first.length, HTTP2_PREFACE.length);
  return n >= 3 && first.compare(HTTP2_PREFACE, 0, n, 0, n) === 0;
}

/**
 * h2c on an HTTP listener's address: an empty SETTINGS frame (the server preface), then
 * GOAWAY(last stream 0, HTTP_1_1_REQUIRED) with a short reason as debug data, then close.
 * No request was read: no access-log record, as for a failed handshake.
 */
export function refuseCleartextHttp2(socket: Duplex): void {
  const debug = Buffer.from('HTTP/2 needs an HTTPS listener (ALPN h2); HTTP listeners speak HTTP/1.1', 'latin1');
  const settings = Buffer.from([0, 0, 0, 0x04, 0, 0, 0, 0, 0]);
  const goaway = Buffer.alloc(9 + 8 + debug.length);
  goaway.writeUIntBE(8 + debug.length, 0, 3);
  goaway[3] = 0x07; // GOAWAY
  goaway.writeUInt32BE(0, 9); // last stream id
  goaway.writeUInt32BE(constants.NGHTTP2_HTTP_1_1_REQUIRED, 13);
  debug.copy(goaway, 17);
  socket.on('error', noop);
  // Whatever the client sends next is read and dropped, so the close is not a reset.
  socket.on('data', noop);
  socket.resume();
  socket.end(Buffer.concat([settings, goaway]));
}

function noop(): void {}
