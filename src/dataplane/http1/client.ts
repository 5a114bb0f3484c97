import { connect as netConnect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { ChunkedDecoder } from './chunked.js';
import { headEnd, HttpParseError, latin1 } from './head.js';
import { readResponseHead, ResponseHeadBytes } from './response-head.js';
import { sweeper, type Sweepable } from './sweeper.js';
import { upstreamError, UpstreamRequest } from './upstream-request.js';

export { upstreamError } from './upstream-request.js';

/**
 * The upstream side of Trellis's HTTP/1.1 engine: a keep-alive connection pool for one
 * target origin, with the dispatch interface the request path used of undici
 * (`dispatch(opts, handler)` and undici's legacy handler: onConnect(abort),
 * onHeaders(status, rawHeaders, resume) → false pauses, onData(chunk) → false pauses until
 * resume, onBodySent, onComplete(trailers), onError). Header lists are flat strings
 * (latin1), not Buffers.
 *
 * - Up to `connections` (256) sockets per origin, a FIFO queue beyond; one request at a time
 *   per socket (no pipelining); idle sockets reused last-in first-out and closed after
 *   `keepAliveTimeout` (4 s, as undici's default) or when the target closes them.
 * - Responses: Content-Length, chunked (decoded, trailers collected) or close-delimited
 *   (the socket is then not reused); no body for HEAD, 204, 304; 1xx skipped, 101 refused
 *   (an error: upgrades are not proxied); `Connection: close` honoured.
 * - Request bodies: a Buffer/string, or a Readable streamed with backpressure, sent with
 *   the given content-length or chunked when there is none.
 * - Errors carry undici's codes, which upstream/errors.ts classifies: the socket's own
 *   (ECONNREFUSED, ECONNRESET…), `UND_ERR_SOCKET` (closed mid-response),
 *   `UND_ERR_HEADERS_TIMEOUT` / `UND_ERR_BODY_TIMEOUT`, `HPE_*` (invalid HTTP).
 * - A request without a body sent on a reused socket that the target had closed (reset or
 *   EOF before any response byte: the idle-close race every keep-alive client meets) is
 *   retried once on a new connection.
 */

export interface DispatchOptions {
  readonly path: string;
  readonly method: string;
  /** Flat [name, value, …] list. A `host` is added from the origin when absent. */
  readonly headers?: readonly string[] | null | undefined | Record<string, string> | Iterable<[string, string]>;
  readonly body?: Readable | Buffer | Uint8Array | string | null | undefined;
  /** ms from the request to the response head; 0 = none. */
  readonly headersTimeout?: number | null | undefined;
  /** ms between two pieces of the response body; 0 = none. */
  readonly bodyTimeout?: number | null | undefined;
  /** Headers sent after `headers`, the same for every request of a route (see RouteHeaders). */
  readonly routeHeaders?: RouteHeaders | undefined;
}

/**
 * Headers that every request of one route carries with the same values (the Lattice headers
 * naming the VPC, network, service and group, the forwarded port and proto): built once per
 * route and, for HTTP/1.1 targets, serialised once (`text`), so a request's head costs one
 * concatenation for them instead of four per header. Dispatchers that need a list (HTTP/2,
 * Lambda) read `list`.
 */
export class RouteHeaders {
  private serialised: string | undefined;

  /** `list`: flat [name, value, …], names and values already valid (Trellis's own). */
  constructor(readonly list: readonly string[]) {}

  /** `name: value\r\n` per header, as one flat string. */
  get text(): string {
    if (this.serialised === undefined) {
      let t = '';
      for (let i = 0; i + 1 < this.list.length; i += 2) t += `${this.list[i]!}: ${this.list[i + 1]!}\r\n`;
      // Flattened once here (a rope would be walked again by every head it joins).
      this.serialised = latin1(Buffer.from(t, 'latin1'), 0, t.length);
    }
    return this.serialised;
  }
}

/** Every header of a dispatch as one flat list: `headers`, then the route's (dispatchers that take lists). */
export function headerList(opts: DispatchOptions): readonly string[] {
  const own: readonly string[] = Array.isArray(opts.headers) ? opts.headers as readonly string[] : [];
  return opts.routeHeaders === undefined ? own : [...own, ...opts.routeHeaders.list];
}

/** undici's legacy dispatch handler, as Exchange implements it. */
export interface DispatchHandler {
  onConnect?(abort: (err?: Error) => void): void;
  onHeaders?(statusCode: number, headers: string[], resume: () => void, statusText: string): boolean;
  /**
   * The response head as the target's bytes (response-head.ts), called by Http1Pool
   * INSTEAD of `onHeaders` when present, so a proxy can pass the header lines through
   * without a string per header. `head` is valid only during the call. Other dispatchers
   * (HTTP/2 pools, Lambda) call `onHeaders`. False pauses, as for `onHeaders`.
   */
  onResponseHead?(head: ResponseHeadBytes, resume: () => void): boolean;
  onData?(chunk: Buffer): boolean;
  /**
   * Http1Pool: the bytes of one read from the target have been handed over and the response
   * is not complete. A handler that holds output back to coalesce it (the head until its
   * body) sends it now, instead of a tick per response to find out.
   */
  onReadEnd?(): void;
  onBodySent?(chunkSize: number, totalBytesSent: number): void;
  onComplete?(trailers: string[] | null): void;
  onError?(err: Error): void;
}

/** Anything requests can be dispatched to: this pool, HTTP/2 pools, Lambda dispatchers. */
export interface UpstreamDispatcher {
  dispatch(opts: DispatchOptions, handler: DispatchHandler): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export interface Http1PoolOptions {
  readonly connections?: number;
  readonly keepAliveTimeout?: number;
  /** TLS to the target: not verified (Lattice does not verify targets' certificates). */
  readonly tls?: boolean;
}

/**
 * The read buffer of every plaintext upstream socket (`net.connect`'s `onread`): a read lands
 * here rather than in a new ArrayBuffer of its own, and reaches `onData` without the socket's
 * Readable machinery ('data' events, a read-more tick per read). Each read is copied out at
 * once (small reads into a slice of Node's shared buffer pool), because pieces of it outlive
 * the callback: a partial head waits for the next read, a body piece may sit in a client
 * socket's write queue. TLS sockets read as streams ('data').
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const MAX_RESPONSE_HEAD = 96 * 1024;

export class Http1Pool implements UpstreamDispatcher {
  private readonly idle: UpstreamConnection[] = [];
  private readonly queue: UpstreamRequest[] = [];
  private readonly all = new Set<UpstreamConnection>();
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  readonly maxConnections: number;
  readonly keepAliveTimeout: number;
  readonly tls: boolean;
  private closing: { resolve: () => void; promise: Promise<void> } | undefined;
  private destroyed = false;
  /** Sockets opened over the pool's life (tests: keep-alive reuse). */
  opened = 0;

  constructor(origin: string, options: Http1PoolOptions = {}) {
    const u = new URL(origin);
    this.tls = options.tls ?? u.protocol === 'https:';
    this.host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    this.port = Number(u.port || (this.tls ? 443 : 80));
    this.hostHeader = u.host;
    this.maxConnections = options.connections ?? 256;
    this.keepAliveTimeout = options.keepAliveTimeout ?? 4_000;
  }

  dispatch(opts: DispatchOptions, handler: DispatchHandler): boolean {
    const r = new UpstreamRequest(this, opts, handler, this.hostHeader);
    handler.onConnect?.(r.abort);
    if (r.finished) return true;
    if (this.closing !== undefined || this.destroyed) {
      r.fail(upstreamError('UND_ERR_CLOSED', 'the pool is closed'));
      return true;
    }
    this.schedule(r, false);
    return true;
  }

  /** Runs `r` on an idle socket, a new one, or queues it. */
  schedule(r: UpstreamRequest, fresh: boolean): void {
    if (!fresh) {
      let c = this.idle.pop();
      while (c !== undefined && !c.usable()) c = this.idle.pop();
      if (c !== undefined) return c.start(r);
    }
    if (this.all.size < this.maxConnections) return this.open().start(r);
    this.queue.push(r);
  }

  /** A socket is free again: the next queued request, or the idle list. */
  release(c: UpstreamConnection): void {
    const next = this.queue.shift();
    if (next !== undefined) return c.start(next);
    if (this.closing !== undefined) { c.destroy(); return; }
    c.deadline = Date.now() + this.keepAliveTimeout;
    this.idle.push(c);
  }

  /** A socket is gone. */
  forget(c: UpstreamConnection): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    // A queued request may now get a socket of its own.
    if (this.queue.length > 0 && !this.destroyed && this.all.size < this.maxConnections) this.open().start(this.queue.shift()!);
    this.checkClosed();
  }

  unqueue(r: UpstreamRequest): void {
    const i = this.queue.indexOf(r);
    if (i >= 0) this.queue.splice(i, 1);
    this.checkClosed();
  }

  /** Sockets open now (tests, status). */
  get size(): number {
    return this.all.size;
  }

  /** Lets running and queued requests finish, then closes every socket. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing.promise;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => { resolve = r; });
    this.closing = { resolve, promise };
    for (const c of this.idle.splice(0)) c.destroy();
    this.checkClosed();
    return promise;
  }

  /** Cuts every request (their handlers get an error) and closes every socket. */
  destroy(): Promise<void> {
    this.destroyed = true;
    const err = upstreamError('UND_ERR_DESTROYED', 'the pool was destroyed');
    for (const r of this.queue.splice(0)) r.fail(err);
    for (const c of [...this.all]) c.destroy(err);
    this.closing?.resolve();
    return Promise.resolve();
  }

  private checkClosed(): void {
    if (this.closing !== undefined && this.all.size === 0 && this.queue.length === 0) this.closing.resolve();
  }

  private open(): UpstreamConnection {
    this.opened++;
    const socket = this.tls
      ? tlsConnect({ host: this.host, port: this.port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...(isIp(this.host) ? {} : { servername: this.host }) })
      : netConnect({ host: this.host, port: this.port, onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => { c.onData(Buffer.from(buf.subarray(0, n))); return true; } } });
    const c: UpstreamConnection = new UpstreamConnection(this, socket);
    this.all.add(c);
    return c;
  }
}

function isIp(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':');
}

const HEAD = 0;
const BODY_LENGTH = 1;
const BODY_CHUNKED = 2;
const BODY_CLOSE = 3;

/** One socket to the target (exported for upstream-request.ts's types). */
export class UpstreamConnection implements Sweepable {
  deadline = Infinity;
  private req: UpstreamRequest | undefined = undefined;
  private buf: Buffer | null = null;
  private phase = HEAD;
  private remaining = 0;
  private chunked: ChunkedDecoder | undefined = undefined;
  private reusable = true;
  private paused = false;
  private reused = false;
  private dead = false;
  private responseDone = false;
  private timeoutCode = 'UND_ERR_HEADERS_TIMEOUT';
  /** The response head reader's scratch (response-head.ts), made on the first response. */
  private headBytes: ResponseHeadBytes | undefined = undefined;

  constructor(private readonly pool: Http1Pool, readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    sweeper.add(this);
  }

  usable(): boolean {
    return !this.dead && !this.socket.destroyed;
  }

  start(r: UpstreamRequest): void {
    this.req = r;
    r.conn = this;
    this.phase = HEAD;
    this.responseDone = false;
    this.reusable = true;
    this.timeoutCode = 'UND_ERR_HEADERS_TIMEOUT';
    this.deadline = r.headersTimeout > 0 ? Date.now() + r.headersTimeout : Infinity;
    const s = this.socket;
    const b = r.body;
    if (b === undefined) {
      r.bodyDone = true;
      s.write(r.head, 'latin1');
    } else if (Buffer.isBuffer(b)) {
      s.cork();
      s.write(r.head, 'latin1');
      s.write(b);
      s.uncork();
      r.bodyDone = true;
      r.bodySent = b.length;
      r.handler.onBodySent?.(b.length, b.length);
    } else {
      s.write(r.head, 'latin1');
      r.pipeBody();
    }
  }

  /** The request body has been written whole. */
  bodyFinished(): void {
    if (this.responseDone) this.finishExchange();
  }

  private readonly resume = (): void => {
    if (!this.paused || this.dead) return;
    this.paused = false;
    if (this.req !== undefined && !this.req.finished) this.deadline = this.req.bodyTimeout > 0 ? Date.now() + this.req.bodyTimeout : Infinity;
    const buf = this.buf;
    this.buf = null;
    if (buf !== null) this.process(buf);
    if (!this.paused && !this.dead) this.socket.resume();
  };

  /** A read from the target ('data' of TLS sockets, `onread` of plaintext ones). */
  readonly onData = (chunk: Buffer): void => {
    const r = this.req;
    if (r === undefined || r.finished) {
      // Bytes on an idle socket (or after the response): nothing we can match them to.
      this.destroy();
      return;
    }
    r.answered = true;
    if (this.buf !== null) {
      this.buf = Buffer.concat([this.buf, chunk]);
      if (this.paused) return;
      const b = this.buf;
      this.buf = null;
      this.process(b);
    } else {
      this.process(chunk);
    }
  };

  /** Runs the response parser over `data`, then tells the handler the read is over. */
  private process(data: Buffer): void {
    this.parse(data);
    // A response still under way after this read: the handler may flush what it held back
    // to coalesce (the head, waiting for the body of the same read).
    const r = this.req;
    if (r !== undefined && !r.finished && !this.responseDone && this.phase !== HEAD && !this.dead) r.handler.onReadEnd?.();
  }

  /** Runs the response parser over `data`. */
  private parse(data: Buffer): void {
    let pos = 0;
    while (pos < data.length && !this.dead) {
      const r = this.req;
      if (r === undefined || this.responseDone) { this.reusable = false; return; }
      if (this.paused) { this.buf = pos === 0 ? data : data.subarray(pos); return; }
      if (this.phase === HEAD) {
        const end = headEnd(data, pos);
        if (end < 0) {
          if (data.length - pos > MAX_RESPONSE_HEAD) return this.protocolError(new HttpParseError('HPE_HEADER_OVERFLOW', 'response head too large'));
          this.buf = pos === 0 ? data : data.subarray(pos);
          return;
        }
        // One reader for every handler: the head is checked in place on the bytes.
        const head = (this.headBytes ??= new ResponseHeadBytes());
        try {
          readResponseHead(data, pos, end, head);
        } catch (err) {
          if (err instanceof HttpParseError) return this.protocolError(err);
          throw err;
        }
        pos = end + 4;
        if (head.status < 200) {
          if (head.status === 101) return this.protocolError(new HttpParseError('HPE_UPGRADE', 'the target switched protocols (101): upgrades are not proxied'));
          continue;
        }
        if (head.close) this.reusable = false;
        if (r.bodyless || head.status === 204 || head.status === 304) {
          this.phase = HEAD;
          this.responseDone = true;
        } else if (head.chunked) {
          this.phase = BODY_CHUNKED;
          this.chunked = new ChunkedDecoder();
        } else if (head.contentLength >= 0) {
          this.phase = BODY_LENGTH;
          this.remaining = head.contentLength;
          if (this.remaining === 0) this.responseDone = true;
        } else {
          this.phase = BODY_CLOSE;
          this.reusable = false;
        }
        this.timeoutCode = 'UND_ERR_BODY_TIMEOUT';
        this.deadline = r.bodyTimeout > 0 ? Date.now() + r.bodyTimeout : Infinity;
        // Handlers that take bytes get them; others (undici's interface) a header list.
        const h = r.handler;
        const go = h.onResponseHead !== undefined
          ? h.onResponseHead(head, this.resume)
          : h.onHeaders?.(head.status, head.rawHeaders(), this.resume, head.reason());
        head.release();
        if (go === false) this.pause();
        if (this.responseDone) { this.complete(null); continue; }
        continue;
      }
      this.deadline = r.bodyTimeout > 0 ? Date.now() + r.bodyTimeout : Infinity;
      if (this.phase === BODY_LENGTH) {
        const take = Math.min(this.remaining, data.length - pos);
        const piece = pos === 0 && take === data.length ? data : data.subarray(pos, pos + take);
        pos += take;
        this.remaining -= take;
        if (r.handler.onData?.(piece) === false) this.pause();
        if (this.remaining === 0) this.complete(null);
      } else if (this.phase === BODY_CHUNKED) {
        const dec = this.chunked!;
        try {
          pos = dec.decode(data, pos, this.onPiece);
        } catch (err) {
          if (err instanceof HttpParseError) return this.protocolError(err);
          throw err;
        }
        if (dec.done) this.complete(dec.trailers.length === 0 ? null : dec.trailers);
      } else {
        const piece = pos === 0 ? data : data.subarray(pos);
        pos = data.length;
        if (r.handler.onData?.(piece) === false) this.pause();
      }
    }
  }

  private readonly onPiece = (piece: Buffer): boolean => {
    const r = this.req!;
    if (r.handler.onData?.(piece) === false) { this.pause(); return false; }
    return true;
  };

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.deadline = Infinity;
    this.socket.pause();
  }

  /** The response is complete: hand it over, then reuse the socket or close it. */
  private complete(trailers: string[] | null): void {
    const r = this.req!;
    this.responseDone = true;
    if (!r.finished) {
      r.finished = true;
      r.handler.onComplete?.(trailers);
    }
    if (r.bodyDone) this.finishExchange();
    else {
      // The target answered before reading the whole body: the socket cannot carry more.
      r.unhookBody();
      this.reusable = false;
      this.finishExchange();
    }
  }

  private finishExchange(): void {
    const r = this.req;
    if (r === undefined) return;
    this.req = undefined;
    this.chunked = undefined;
    this.deadline = Infinity;
    if (!this.reusable || this.dead || this.buf !== null) { this.destroy(); return; }
    if (this.paused) { this.paused = false; this.socket.resume(); }
    this.reused = true;
    this.pool.release(this);
  }

  private protocolError(err: Error): void {
    this.reusable = false;
    this.destroy(err);
  }

  private readonly onEnd = (): void => {
    const r = this.req;
    if (r !== undefined && !r.finished && this.phase === BODY_CLOSE && !this.paused) {
      this.complete(null);
    }
    this.destroy();
  };

  private readonly onError = (err: Error): void => {
    this.destroy(err);
  };

  private readonly onClose = (): void => {
    this.destroy();
  };

  /** The sweeper's call: a timeout fired. */
  expire(): void {
    if (this.req === undefined) { this.destroy(); return; }
    const code = this.timeoutCode;
    this.destroy(upstreamError(code, code === 'UND_ERR_HEADERS_TIMEOUT' ? 'headers timeout' : 'body timeout'));
  }

  /** Closes the socket; the request in progress (if any) fails with `err` or is retried. */
  destroy(err?: Error): void {
    if (this.dead) return;
    this.dead = true;
    sweeper.delete(this);
    this.socket.destroy();
    this.pool.forget(this);
    const r = this.req;
    this.req = undefined;
    if (r === undefined || r.finished) return;
    // Only a stale keep-alive socket (reset or EOF before any byte of the answer) is retried.
    if (r.retriable && this.reused && !isTimeout(err) && !(err instanceof HttpParseError) && !isAbort(err)) {
      r.retried = true;
      r.conn = undefined;
      this.pool.schedule(r, true);
      return;
    }
    r.fail(err ?? upstreamError('UND_ERR_SOCKET', 'other side closed'));
  }
}

function isTimeout(err: Error | undefined): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

function isAbort(err: Error | undefined): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'UND_ERR_ABORTED' || code === 'TRELLIS_CLIENT_CLOSED' || code === 'UND_ERR_DESTROYED';
}
