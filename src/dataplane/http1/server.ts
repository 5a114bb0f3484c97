import type { Socket } from 'node:net';
import { ChunkedDecoder } from './chunked.js';
import { headEnd, HttpParseError, latin1, parseRequestHead, type RequestHead } from './head.js';
import { Http1Request, RequestBody } from './request.js';
import { Http1Response } from './response.js';
import { sweeper, type Sweepable } from './sweeper.js';

/**
 * The server side of Trellis's HTTP/1.1 engine: one client connection, read and answered
 * without node:http. Why: node:http's parser, IncomingMessage (a Readable per request) and
 * ServerResponse cost more CPU per proxied request than all of Lattice's own work; here a
 * request without a body costs a head parse and two small objects.
 *
 * - Heads are parsed by head.ts (strict; RFC 9112 §6 rules against smuggling). A malformed
 *   head → `400` and close; a head still unfinished past `maxHeadBytes` (96 KB) → `431` and
 *   close. Neither reaches the handler (no access-log record, as with node:http's bare 400);
 *   Lattice's own 60 KB / 100-header limits are the request path's, answered and logged.
 * - Bodies: Content-Length or chunked (decoded), streamed through `req.bodyStream()` with
 *   backpressure (the socket pauses while the reader does not read). `Expect: 100-continue`
 *   is answered `100 Continue` at once, as node:http does by default. A response that ends
 *   before its request's body was read leaves the rest to be read and dropped, so the
 *   connection stays usable.
 * - Keep-alive per HTTP/1.1 and 1.0 rules (`Connection: close` / `keep-alive`); pipelined
 *   requests are answered one after the other, in order; read-ahead beyond `maxHeadBytes`
 *   pauses the socket until the current response is done.
 * - Timeouts: an idle keep-alive connection or an unfinished head is closed after
 *   `idleTimeoutMs` (60 s); nothing times out while a response is in progress (the upstream
 *   timeouts do).
 * - `CONNECT` hands the socket (and any bytes read past the head) to `onConnect`; without
 *   one the connection is closed, as node:http does with no 'connect' listener.
 */

export type Http1Handler = (req: Http1Request, res: Http1Response) => void;

export interface Http1ServerOptions {
  /** CONNECT requests; the engine lets go of the socket. Absent: the connection is closed. */
  readonly onConnect?: (req: Http1Request, socket: Socket, head: Buffer) => void;
  /** Largest request head (request line + headers) read; default 96 KB. */
  readonly maxHeadBytes?: number;
  /** Idle keep-alive and head timeout; default 60 s. */
  readonly idleTimeoutMs?: number;
}

const DEFAULT_MAX_HEAD = 96 * 1024;
const DEFAULT_IDLE = 60_000;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n';
const TOO_LARGE = 'HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n';

/** Serves HTTP/1.x on `socket` (a net.Socket, or a TLSSocket once its handshake is done). */
export function serveHttp1(socket: Socket, handler: Http1Handler, options: Http1ServerOptions = {}): void {
  new Http1Connection(socket, handler, options);
}

/** One client connection's state machine. Exported for the response/request objects. */
export class Http1Connection implements Sweepable {
  deadline = 0;
  private buf: Buffer | null = null;
  /** The request whose body is being read (also while its response is out). */
  private body: { req: Http1Request; length: number; chunked: ChunkedDecoder | undefined; stream: RequestBody | undefined } | undefined;
  /** The response in progress. */
  private res: Http1Response | undefined;
  private readonly maxHead: number;
  private readonly idle: number;
  private bodyPaused = false;
  private aheadPaused = false;
  private clientEnded = false;
  closed = false;

  constructor(readonly socket: Socket, private readonly handler: Http1Handler, private readonly options: Http1ServerOptions) {
    this.maxHead = options.maxHeadBytes ?? DEFAULT_MAX_HEAD;
    this.idle = options.idleTimeoutMs ?? DEFAULT_IDLE;
    socket.setNoDelay?.(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
    this.deadline = Date.now() + this.idle;
    sweeper.add(this);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.closed) return;
    if (this.res === undefined && this.body === undefined) this.deadline = Date.now() + this.idle;
    if (this.body !== undefined && this.buf === null) {
      const used = this.feedBody(chunk, 0);
      if (used < chunk.length) this.buf = chunk.subarray(used);
    } else {
      this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
      if (this.body !== undefined) this.drainBuffered();
    }
    this.advance();
  };

  /**
   * The client shut its side. As node:http does by default (httpAllowHalfOpen false), a
   * request in progress is taken as abandoned: the socket closes and the exchange learns
   * the client left (its upstream request is aborted).
   */
  private readonly onEnd = (): void => {
    this.clientEnded = true;
    if (this.body !== undefined) this.bodyAborted();
    if (this.res === undefined) this.socket.end();
    else this.socket.destroy();
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.closed = true;
    sweeper.delete(this);
    if (this.body !== undefined) this.bodyAborted();
    const res = this.res;
    this.res = undefined;
    res?.gone();
  };

  private readonly onDrain = (): void => {
    this.res?.drained();
  };

  /** The sweeper's call: an idle connection or an unfinished head timed out. */
  expire(): void {
    if (this.res === undefined) this.socket.destroy();
  }

  /** Parses and dispatches the next request(s) in the buffer while nothing is in progress. */
  private advance(): void {
    while (this.buf !== null && this.res === undefined && this.body === undefined && !this.closed) {
      const buf = this.buf;
      let start = 0;
      // RFC 9112 §2.2: empty lines before a request line are ignored.
      while (start + 1 < buf.length && buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2;
      const end = headEnd(buf, start);
      if (end < 0) {
        if (buf.length - start > this.maxHead) return this.refuse(TOO_LARGE);
        if (start > 0) this.buf = buf.subarray(start);
        this.updateFlow();
        return;
      }
      if (end - start > this.maxHead) return this.refuse(TOO_LARGE);
      let head: RequestHead;
      try {
        head = parseRequestHead(latin1(buf, start, end));
      } catch (err) {
        if (err instanceof HttpParseError) return this.refuse(BAD_REQUEST);
        throw err;
      }
      const rest = end + 4;
      this.buf = rest < buf.length ? buf.subarray(rest) : null;
      this.dispatch(head);
    }
    this.updateFlow();
  }

  private dispatch(head: RequestHead): void {
    const hasBody = head.chunked || head.contentLength > 0;
    const req = new Http1Request(head, this.socket, hasBody ? new RequestBody(this) : undefined);
    if (head.method === 'CONNECT') return this.handOver(req);
    const res = new Http1Response(this, head.method === 'HEAD', head.version, head.keepAlive && !this.clientEnded);
    this.res = res;
    this.deadline = Infinity;
    if (hasBody) {
      if (head.expectContinue && head.version === '1.1') this.socket.write(CONTINUE);
      this.body = { req, length: head.chunked ? -1 : head.contentLength, chunked: head.chunked ? new ChunkedDecoder() : undefined, stream: req.body };
      if (this.buf !== null) this.drainBuffered();
    }
    this.handler(req, res);
  }

  /** Feeds buffered bytes to the body being read. */
  private drainBuffered(): void {
    const buf = this.buf!;
    this.buf = null;
    const used = this.feedBody(buf, 0);
    if (used < buf.length) this.buf = buf.subarray(used);
  }

  /** Gives `chunk[from..]` to the request body; returns how much of it the body used. */
  private feedBody(chunk: Buffer, from: number): number {
    const b = this.body!;
    let used: number;
    if (b.chunked === undefined) {
      const take = Math.min(b.length, chunk.length - from);
      b.length -= take;
      used = from + take;
      if (take > 0) this.push(from === 0 && take === chunk.length ? chunk : chunk.subarray(from, used));
      if (b.length === 0) this.bodyDone();
      return used;
    }
    try {
      used = b.chunked.decode(chunk, from, this.pushPiece);
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err;
      this.bodyAborted(err);
      this.refuseLater();
      return chunk.length;
    }
    if (b.chunked.done) this.bodyDone();
    return used;
  }

  private readonly pushPiece = (piece: Buffer): void => {
    this.push(piece);
  };

  private push(piece: Buffer): void {
    const stream = this.body?.stream;
    // A body whose exchange is over is read and dropped (keep-alive stays usable).
    if (stream === undefined || stream.destroyed) return;
    if (!stream.push(piece)) {
      this.bodyPaused = true;
      this.updateFlow();
    }
  }

  /** The body's reader wants more. */
  bodyWanted(): void {
    if (!this.bodyPaused) return;
    this.bodyPaused = false;
    this.updateFlow();
  }

  private bodyDone(): void {
    const b = this.body!;
    this.body = undefined;
    this.bodyPaused = false;
    b.stream?.push(null);
    if (this.res === undefined) this.deadline = Date.now() + this.idle;
  }

  private bodyAborted(err?: Error): void {
    const b = this.body;
    if (b === undefined) return;
    this.body = undefined;
    this.bodyPaused = false;
    const stream = b.stream;
    if (stream === undefined || stream.destroyed) return;
    // An error only for a reader that listens for one: unread, it would be an uncaught 'error'.
    if (stream.listenerCount('error') > 0) stream.destroy(err ?? Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    else stream.destroy();
  }

  /** Pauses the socket while the body's reader is full or the read-ahead is too long. */
  private updateFlow(): void {
    this.aheadPaused = this.res !== undefined && this.body === undefined && this.buf !== null && this.buf.length > this.maxHead;
    const pause = this.bodyPaused || this.aheadPaused;
    if (pause) {
      if (!this.socket.isPaused()) this.socket.pause();
    } else if (this.socket.isPaused()) {
      this.socket.resume();
    }
  }

  /** The response in progress is complete (called by Http1Response.end). */
  responseDone(res: Http1Response, keepAlive: boolean): void {
    if (this.res !== res) return;
    this.res = undefined;
    if (!keepAlive || this.clientEnded) {
      this.closed = true;
      sweeper.delete(this);
      this.socket.end();
      if (this.body !== undefined) this.bodyAborted();
      return;
    }
    // The exchange is over; a body still arriving is read and dropped.
    if (this.body !== undefined) {
      const stream = this.body.stream;
      this.body.stream = undefined;
      this.bodyPaused = false;
      stream?.destroy();
    } else {
      this.deadline = Date.now() + this.idle;
    }
    if (this.buf !== null) this.advance();
    else this.updateFlow();
  }

  /** A response was cut short (destroy): nothing more can be said on this connection. */
  responseAborted(res: Http1Response): void {
    if (this.res === res) this.res = undefined;
    this.socket.destroy();
  }

  /** A malformed chunked body: close once the response in progress (if any) is out. */
  private refuseLater(): void {
    if (this.res === undefined) this.refuse(BAD_REQUEST);
    else this.clientEnded = true;
  }

  private refuse(answer: string): void {
    this.closed = true;
    this.buf = null;
    sweeper.delete(this);
    this.socket.removeListener('data', this.onData);
    if (this.socket.writable) this.socket.end(answer);
    else this.socket.destroy();
  }

  private handOver(req: Http1Request): void {
    const s = this.socket;
    const rest = this.buf ?? Buffer.alloc(0);
    this.buf = null;
    this.closed = true;
    sweeper.delete(this);
    s.removeListener('data', this.onData);
    s.removeListener('end', this.onEnd);
    s.removeListener('error', this.onError);
    s.removeListener('close', this.onClose);
    s.removeListener('drain', this.onDrain);
    if (this.options.onConnect === undefined) { s.destroy(); return; }
    // Paused so no byte is lost between our listener leaving and the next reader's arrival.
    s.pause();
    this.options.onConnect(req, s, rest);
  }
}
