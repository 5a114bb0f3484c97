import { AsyncResource } from 'node:async_hooks';
import {
  connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders,
} from 'node:http2';
import type { Readable } from 'node:stream';
import { headerList, type DispatchHandler, type DispatchOptions, type UpstreamDispatcher } from '../http1/index.js';
import { sweeper, type Sweepable } from '../http1/sweeper.js';

/**
 * The upstream of HTTP2 and GRPC target groups (LATTICE.md §2.4, §2.6): one node:http2
 * session per target origin — h2c (prior knowledge) for HTTP groups, h2 over TLS for HTTPS
 * groups without verifying the target's certificate, as Lattice does not — with every
 * request a stream on it. A session that received GOAWAY or closed is dropped (its running
 * streams finish) and the next request connects anew.
 *
 * It is an `UpstreamDispatcher` (http1/) with undici's legacy handler calls Exchange implements, so the
 * request path forwards to it exactly as to an HTTP/1.1 pool:
 * - `onConnect(abort)` first; `abort` resets the stream (RST_STREAM CANCEL);
 * - the request body (a Readable) is written to the stream with backpressure (`onBodySent`
 *   per chunk); a request whose body ends the stream later (gRPC client streaming) streams;
 * - `onHeaders(status, rawHeaders, resume)` with the response head as a flat string list,
 *   pseudo-headers left out; `false` (or `onData` returning false) pauses the stream until
 *   `resume` — flow control then holds the target back;
 * - `onComplete(trailers)` with the trailers as a flat list (gRPC's `grpc-status`); a
 *   trailers-only response (HEADERS with END_STREAM) completes at once, in the same tick,
 *   so the client side can send it on as trailers-only too; otherwise the response is
 *   complete when the stream closes cleanly (a reset after some data is an error, not an end);
 * - a bodiless request refused before processing (REFUSED_STREAM, a GOAWAY race) is retried
 *   once on a new session;
 * - `onError(err)` with a `code` errors.ts classifies: connection failures keep their system
 *   codes (ECONNREFUSED…), a reset stream or a lost session is `ERR_HTTP2_STREAM_ERROR` /
 *   `ERR_HTTP2_SESSION_ERROR` (502 `TargetConnectionClosed`), an invalid response
 *   `ERR_HTTP2_PROTOCOL_ERROR` (502 `TargetProtocolError`), and no response head or no data
 *   within the request's timeout `UND_ERR_HEADERS_TIMEOUT` / `UND_ERR_BODY_TIMEOUT` (504).
 *
 * Requests: `host` becomes `:authority`; headers HTTP/2 forbids (connection-specific ones)
 * are left out; every request carries `te: trailers` (the request path drops the client's
 * `te` as hop-by-hop; Trellis itself takes trailers from an HTTP/2 target, and gRPC servers
 * expect the header).
 */
export class Http2Upstream implements UpstreamDispatcher {
  private session: ClientHttp2Session | undefined;
  private readonly streams = new Set<ClientHttp2Stream>();
  private closed = false;

  /** `:scheme` of the requests. */
  readonly scheme: 'http' | 'https';

  /** `origin`: `http://host:port` (h2c) or `https://host:port` (h2 over TLS). */
  constructor(readonly origin: string) {
    this.scheme = origin.startsWith('https:') ? 'https' : 'http';
  }

  dispatch(opts: DispatchOptions, handler: DispatchHandler): boolean {
    new H2Exchange(this, opts, handler).start();
    return true;
  }

  /** Lets running streams finish, then closes the session. */
  close(): Promise<void> {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    if (s === undefined || s.closed || s.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Cuts the session and its running streams. */
  destroy(): Promise<void> {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    for (const st of this.streams) st.close(constants.NGHTTP2_CANCEL);
    s?.destroy();
    return Promise.resolve();
  }

  /** The open session, or a new one. */
  sessionFor(): ClientHttp2Session {
    const current = this.session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    if (this.closed) throw Object.assign(new Error('the upstream is closed'), { code: 'ERR_HTTP2_SESSION_ERROR' });
    const session = connect(this.origin, {
      rejectUnauthorized: false,
      settings: { enablePush: false, initialWindowSize: 1 << 20 },
      maxSessionMemory: 64,
    });
    session.on('error', (err: Error) => this.failSession(session, err));
    session.on('goaway', () => { if (this.session === session) this.session = undefined; });
    session.on('close', () => { if (this.session === session) this.session = undefined; });
    // An idle session must not keep the process alive; running streams do.
    session.unref();
    this.session = session;
    return session;
  }

  /** A session that refused a stream is not used for new ones. */
  forget(session: object | undefined): void {
    if (session !== undefined && this.session === session) this.session = undefined;
  }

  /** A running stream (cut by `destroy`); untracked by its 'close'. */
  track(stream: ClientHttp2Stream): void {
    this.streams.add(stream);
  }

  untrack(stream: ClientHttp2Stream): void {
    this.streams.delete(stream);
  }

  /** A session error (connect failure, protocol error): its streams fail with it. */
  private failSession(session: ClientHttp2Session, err: Error): void {
    if (this.session === session) this.session = undefined;
    for (const st of this.streams) if (st.session === session) st.destroy(err);
  }
}

type Bindable = (this: unknown, ...args: unknown[]) => unknown;

/**
 * `AsyncResource#bind` without its deprecated extras. Node 20's `ClientHttp2Session#request`
 * wraps the start of every request in `new AsyncResource('PendingRequest').bind(fn)`, and
 * `bind` defines on each bound function a deprecated `asyncResource` accessor pair (DEP0172)
 * made with `util.deprecate` — measured on this machine at ~17 µs of a ~87 µs gRPC call through
 * a bare node:http2 proxy (bench/grpc/bare-proxy.mjs), the largest single cost of the call.
 * This one keeps what `bind` means — the function runs in the resource's async context with
 * the call's `this` (or `thisArg`) and arguments — and drops only that property.
 */
function leanBind(this: AsyncResource, fn: Bindable, thisArg?: unknown): Bindable {
  const resource = this;
  if (thisArg !== undefined) return (...args: unknown[]) => resource.runInAsyncScope(fn, thisArg, ...args);
  // Anonymous: under tsx a named function expression costs a defineProperty per call (__name).
  return function (this: unknown, ...args: unknown[]) { return resource.runInAsyncScope(fn, this, ...args); };
}

/**
 * `session.request(...)` with `leanBind` as `AsyncResource#bind` for the duration of the
 * (synchronous) call only, restored in `finally`: the function node binds there stays inside
 * node:http2 (it is queued or called at once, never handed out), so nothing can miss the
 * dropped property, and no other code of the process sees the swap.
 */
function requestLean(session: ClientHttp2Session, headers: OutgoingHttpHeaders, options: object): ClientHttp2Stream {
  const proto = AsyncResource.prototype as unknown as { bind: unknown };
  const original = proto.bind;
  proto.bind = leanBind;
  try {
    return session.request(headers, options);
  } finally {
    proto.bind = original;
  }
}

// Request options, shared (node:http2 copies them); the priority fields preset so that
// node does not add them to its copy one by one.
const BODY = Object.freeze({ endStream: false, weight: constants.NGHTTP2_DEFAULT_WEIGHT, parent: 0, exclusive: false, silent: false });
const NO_BODY = Object.freeze({ endStream: true, weight: constants.NGHTTP2_DEFAULT_WEIGHT, parent: 0, exclusive: false, silent: false });

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'host', 'http2-settings']);

const kExchange = Symbol('trellis.h2exchange');
type TaggedStream = ClientHttp2Stream & { [kExchange]?: H2Exchange };

// Shared stream listeners, `this` the stream (no closures per request): the stream carries
// its exchange, and only the exchange's current stream (not one given up for a retry) counts.
function onResponse(this: TaggedStream, headers: IncomingHttpHeaders, flags: number, raw?: string[]): void {
  const ex = this[kExchange];
  if (ex !== undefined && ex.stream === this) ex.response(headers, flags, raw);
}
function onTrailers(this: TaggedStream, headers: IncomingHttpHeaders, _flags: number, raw?: string[]): void {
  const ex = this[kExchange];
  if (ex !== undefined && ex.stream === this) ex.trailers = raw === undefined ? flatList(headers) : rawList(raw);
}
function onData(this: TaggedStream, chunk: Buffer): void {
  const ex = this[kExchange];
  if (ex !== undefined && ex.stream === this) ex.data(chunk);
}
function onError(this: TaggedStream, err: Error): void {
  const ex = this[kExchange];
  if (ex !== undefined && ex.stream === this) ex.failOrRetry(err, this);
}
function onClose(this: TaggedStream): void {
  const ex = this[kExchange];
  if (ex === undefined) return;
  ex.up.untrack(this);
  if (ex.stream === this) ex.closed(this);
}

/**
 * One request on an HTTP/2 upstream. Its timeout is a deadline the shared sweeper
 * (http1/sweeper.ts, one coarse timer) checks, moved on by the response head and each data
 * chunk either way — not a node:http2 stream timer per request.
 */
class H2Exchange implements Sweepable {
  stream: ClientHttp2Stream | undefined;
  trailers: string[] | null = null;
  deadline = Infinity;
  private gotHeaders = false;
  private done = false;
  private retried = false;
  private readonly timeout: number;

  constructor(
    readonly up: Http2Upstream,
    private readonly opts: DispatchOptions,
    private readonly handler: DispatchHandler,
  ) {
    this.timeout = opts.headersTimeout ?? opts.bodyTimeout ?? 0;
  }

  start(): void {
    this.handler.onConnect?.((err?: Error) => this.abort(err));
    if (this.done) return;
    if (this.timeout > 0) {
      this.deadline = Date.now() + this.timeout;
      sweeper.add(this);
    }
    this.attempt();
  }

  /** Opens the stream (again, for the one retry of a refused bodiless request). */
  private attempt(): void {
    const body = this.opts.body;
    const hasBody = body !== null && body !== undefined;
    let stream: TaggedStream;
    try {
      stream = requestLean(this.up.sessionFor(), this.requestHeaders(), hasBody ? BODY : NO_BODY);
    } catch (err) {
      return this.fail(codeOf(err, 'ERR_HTTP2_SESSION_ERROR'));
    }
    this.stream = stream;
    stream[kExchange] = this;
    this.up.track(stream);
    stream.on('response', onResponse);
    stream.on('trailers', onTrailers);
    stream.on('data', onData);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (hasBody) this.sendBody(body, stream);
  }

  /** The sweeper's call: no response head, or no data, within the timeout. */
  expire(): void {
    this.timedOut();
  }

  data(chunk: Buffer): void {
    if (this.done) return;
    if (this.timeout > 0) this.deadline = Date.now() + this.timeout;
    if (this.handler.onData?.(chunk) === false) this.stream!.pause();
  }

  /**
   * The stream closed. Only a clean close after the whole response completes it: a reset
   * stream may still have emitted 'end' (so `readableEnded` is read with the close code).
   */
  closed(stream: ClientHttp2Stream): void {
    if (this.done) return;
    const code = stream.rstCode ?? constants.NGHTTP2_NO_ERROR;
    if (stream.readableEnded && code === constants.NGHTTP2_NO_ERROR) return this.complete();
    this.failOrRetry(Object.assign(new Error(`stream closed with code ${code} before the response ended`), { code: 'ERR_HTTP2_STREAM_ERROR' }), stream);
  }

  /**
   * A bodiless request the target refused before processing it (REFUSED_STREAM, or a stream
   * past a GOAWAY it had just sent — the race of a session closing under a new request) is
   * sent once more on a new session: it cannot have had an effect (RFC 9113 §8.7).
   */
  failOrRetry(err: Error, stream: ClientHttp2Stream): void {
    const refused = stream.rstCode === constants.NGHTTP2_REFUSED_STREAM || (err as { code?: unknown }).code === 'ERR_HTTP2_GOAWAY_SESSION';
    const bodiless = this.opts.body === null || this.opts.body === undefined;
    if (!this.done && refused && bodiless && !this.gotHeaders && !this.retried) {
      this.retried = true;
      this.up.forget(stream.session);
      this.attempt();
      return;
    }
    this.fail(err);
  }

  private requestHeaders(): OutgoingHttpHeaders {
    const o = this.opts;
    const out: OutgoingHttpHeaders = { ':method': o.method, ':path': o.path, ':scheme': this.up.scheme };
    const list = headerList(o);
    for (let i = 0; i + 1 < list.length; i += 2) {
      const name = String(list[i]).toLowerCase();
      const value = String(list[i + 1]);
      if (name === 'host') { out[':authority'] ??= value; continue; }
      if (HOP_BY_HOP.has(name)) continue;
      const prev = out[name];
      if (prev === undefined) out[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else out[name] = [String(prev), value];
    }
    // Trellis takes trailers from HTTP/2 targets (and relays them to clients that take them).
    out.te = 'trailers';
    return out;
  }

  private sendBody(body: Readable | Buffer | Uint8Array | string, stream: ClientHttp2Stream): void {
    if (typeof body === 'string' || body instanceof Uint8Array) {
      const b = typeof body === 'string' ? Buffer.from(body) : body;
      this.handler.onBodySent?.(b.length, b.length);
      stream.end(b);
      return;
    }
    let sent = 0;
    body.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      // Request bytes are activity too (a client-streaming call before its answer).
      if (this.timeout > 0 && !this.done) this.deadline = Date.now() + this.timeout;
      this.handler.onBodySent?.(chunk.length, sent);
      if (stream.destroyed) return;
      if (!stream.write(chunk)) {
        body.pause();
        stream.once('drain', () => body.resume());
      }
    });
    body.on('end', () => { if (!stream.destroyed) stream.end(); });
    body.on('error', (err: Error) => this.abort(err));
    // The client went away mid-body (its stream closed without an end): cut the upstream too.
    body.on('close', () => { if (!body.readableEnded && !this.done) this.abort(Object.assign(new Error('request body aborted'), { code: 'UND_ERR_SOCKET' })); });
    body.resume();
  }

  response(headers: IncomingHttpHeaders, flags: number, raw: string[] | undefined): void {
    if (this.done) return;
    this.gotHeaders = true;
    if (this.timeout > 0) this.deadline = Date.now() + this.timeout;
    const status = Number(headers[':status']);
    const list = raw === undefined ? flatList(headers) : rawList(raw);
    const stream = this.stream!;
    // An inline arrow: a named one costs a defineProperty per call under tsx (keepNames' __name).
    if (this.handler.onHeaders?.(status, list, () => { if (!stream.destroyed) stream.resume(); }, '') === false) stream.pause();
    // Trailers-only (gRPC errors): the answer is complete now; tell the client side at once.
    if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) this.complete();
  }

  private complete(): void {
    if (this.done) return;
    if (!this.gotHeaders) return this.fail(Object.assign(new Error('stream ended without a response'), { code: 'ERR_HTTP2_PROTOCOL_ERROR' }));
    this.settle();
    this.handler.onComplete?.(this.trailers);
  }

  /** Done: off the sweeper. */
  private settle(): void {
    this.done = true;
    if (this.deadline !== Infinity) {
      this.deadline = Infinity;
      sweeper.delete(this);
    }
  }

  private timedOut(): void {
    if (this.done) return;
    const code = this.gotHeaders ? 'UND_ERR_BODY_TIMEOUT' : 'UND_ERR_HEADERS_TIMEOUT';
    this.fail(Object.assign(new Error(this.gotHeaders ? 'no response data within the timeout' : 'no response head within the timeout'), { code }));
  }

  private abort(err?: Error): void {
    if (this.done) return;
    this.fail(err ?? Object.assign(new Error('request aborted'), { code: 'UND_ERR_ABORTED' }));
  }

  private fail(err: Error): void {
    if (this.done) return;
    this.settle();
    const s = this.stream;
    if (s !== undefined && !s.destroyed) s.close(constants.NGHTTP2_CANCEL);
    this.handler.onError?.(withH2Code(err));
  }
}

/**
 * node:http2 names a reset stream `ERR_HTTP2_STREAM_ERROR` and a nghttp2 protocol failure
 * `ERR_HTTP2_ERROR`; the latter becomes `ERR_HTTP2_PROTOCOL_ERROR` here so that errors.ts
 * need not know nghttp2's vocabulary. A stream cancelled because its session never
 * connected reports the connect error (ECONNREFUSED… → 500 TargetConnectionError).
 */
function withH2Code(err: Error): Error {
  const code = (err as { code?: unknown }).code;
  // A stream still pending when its session failed to connect: the connect error decides.
  const cause = (err as { cause?: unknown }).cause;
  if (code === 'ERR_HTTP2_STREAM_CANCEL' && cause instanceof Error && typeof (cause as { code?: unknown }).code === 'string') return cause;
  if (code === 'ERR_HTTP2_ERROR' || code === 'ERR_HTTP2_INVALID_HEADER_VALUE' || code === 'ERR_HTTP2_INVALID_CONNECTION_HEADERS') {
    return Object.assign(new Error(err.message), { code: 'ERR_HTTP2_PROTOCOL_ERROR', cause: err });
  }
  return err;
}

function codeOf(err: unknown, fallback: string): Error {
  if (err instanceof Error) return typeof (err as { code?: unknown }).code === 'string' ? err : Object.assign(err, { code: fallback });
  return Object.assign(new Error(String(err)), { code: fallback });
}

/** node:http2's raw header list without pseudo-headers. */
function rawList(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) !== 0x3a) out.push(name, raw[i + 1]!);
  }
  return out;
}

/** A header object (trailers) as a flat list, pseudo-headers left out. */
function flatList(headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.charCodeAt(0) === 0x3a || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push(name, String(v));
  }
  return out;
}
