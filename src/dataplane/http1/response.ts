import { STATUS_CODES } from 'node:http';
import { chunkHeader, lastChunk } from './chunked.js';
import type { ResponseHeadBytes } from './response-head.js';
import type { Http1Connection } from './server.js';

/**
 * One response as the engine hands it to the handler: the gateway's DownstreamResponse
 * (gateway/downstream.ts). The handler gives status and a flat header list; the engine
 * adds the framing:
 * - the given `content-length` is kept (a target's length passes through);
 * - without one, HTTP/1.1 clients get `transfer-encoding: chunked` and HTTP/1.0 clients a
 *   body delimited by the connection's close;
 * - HEAD, 204, 304 and 1xx responses carry no body (a HEAD's content-length stays).
 * Hop-by-hop headers given by the handler (connection, keep-alive, transfer-encoding) are
 * replaced by the engine's own; `date` is added when absent. Names and values are written
 * as given, unchecked: every source of them validates already (targets' heads by head.ts,
 * Lambda responses by lambda/response.ts, the rest are Trellis's constants or the client's
 * own validated request id), and a per-header scan here cost ~1% of a proxied request.
 *
 * The head is built as one Buffer — the status line (cached per status), the header lines
 * (from the list, or for a proxied target's head its kept lines copied as they arrived:
 * `writeHeadBytes`, response-head.ts, no string per header), the framing lines — with room
 * after it for a Content-Length body of up to 64 KB or a chunked body's last chunk, and held
 * (not written) until the body's first piece that does not fit, `end()`, or the flush: the
 * next tick after `writeHead`, the caller's `flushHeld()` after `writeHeadBytes`. So a
 * response whose body fits — nearly every proxied response — leaves as ONE Buffer in one
 * `write`: one call through the socket's Writable machinery instead of a cork, several
 * buffered writes, an uncork and a `writev`. Anything else (chunked framing, a larger body)
 * corks the socket, writes the head and streams on, uncorked at `end()` or at the flush.
 */

/** Largest body piece copied into the head's Buffer (larger ones are written as they are). */
const COALESCE_MAX = 64 * 1024;

const NONE = 0;
const LENGTH = 1;
const CHUNKED = 2;
const CLOSE = 3;

type Listener = (this: Http1Response) => void;

export class Http1Response {
  private framing = NONE;
  private headSent = false;
  private finished = false;
  private trailers: Record<string, string> | undefined;
  /** The head, built but not yet written: `[0, headFill)` is filled, the rest is room for the body (see the class comment). */
  private headBuf: Buffer | undefined;
  private headFill = 0;
  /** A body piece that did not fit the room, held to leave with the head. */
  private pendingBody: Buffer | undefined;
  /** The socket was corked by this response and not yet uncorked. */
  private corked = false;
  private closeListeners: Listener[] | undefined;
  private drainListeners: Listener[] | undefined;

  constructor(
    private readonly conn: Http1Connection,
    private readonly isHead: boolean,
    private readonly version: '1.0' | '1.1',
    private keepAlive: boolean,
  ) {}

  get headersSent(): boolean {
    return this.headSent;
  }

  writeHead(status: number, headers: readonly string[]): this {
    if (this.headSent || this.finished) return this;
    this.headSent = true;
    const bodyless = this.isHead || status === 204 || status === 304 || status < 200;
    let lines = '';
    let length = -1;
    let hasDate = false;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      const n = name.length;
      if (n === 14 || n === 17 || n === 10 || n === 4) {
        const lower = name.toLowerCase();
        if (lower === 'content-length') length = Number(value);
        else if (lower === 'transfer-encoding' || lower === 'connection' || lower === 'keep-alive') continue;
        else if (lower === 'date') hasDate = true;
      }
      lines += name + ': ' + value + '\r\n';
    }
    this.frame(length !== -1, bodyless);
    const date = hasDate ? undefined : dateLine();
    const out = this.allocHead(status, lines.length + (date === undefined ? 0 : date.length), length);
    let at = put(statusLine(status), out, 0);
    at += writeLatin1(out, lines, at);
    if (date !== undefined) at += put(date, out, at);
    this.closeHead(out, at);
    process.nextTick(flushLater, this);
    return this;
  }

  /**
   * The head from a target's head bytes: its kept header lines (hop-by-hop and its
   * x-amzn-requestid flagged by the reader) copied as they are, then `x-amzn-requestid:
   * <requestId>` and the engine's framing, as `writeHead` would write them. `head` is read
   * now and not kept. Held until the body's first piece, `end()` or `flushHeld()`, which the
   * caller owes when it returns to the event loop with the response unfinished (no tick).
   */
  writeHeadBytes(head: ResponseHeadBytes, requestId: string): this {
    if (this.headSent || this.finished) return this;
    this.headSent = true;
    const status = head.status;
    this.frame(head.contentLength >= 0, this.isHead || status === 204 || status === 304 || status < 200);
    const date = head.hasDate ? undefined : dateLine();
    const lines = head.keptBytes + REQUEST_ID.length + requestId.length + 2 + (date === undefined ? 0 : date.length);
    const out = this.allocHead(status, lines, head.contentLength);
    let at = put(statusLine(status), out, 0);
    at += head.copyKept(out, at);
    at += put(REQUEST_ID, out, at);
    at += writeLatin1(out, requestId, at);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
    if (date !== undefined) at += put(date, out, at);
    this.closeHead(out, at);
    return this;
  }

  /**
   * A Buffer for the head: the status line, `lines` bytes of header lines, the framing lines
   * and the blank line, then room for a Content-Length body of up to 64 KB or a chunked
   * body's last chunk (after `frame`).
   */
  private allocHead(status: number, lines: number, contentLength: number): Buffer {
    const conn = this.connectionLine();
    const size = statusLine(status).length + lines + (this.framing === CHUNKED ? TE_CHUNKED.length : 0)
      + (conn === undefined ? 0 : conn.length) + 2;
    const room = this.framing === LENGTH ? (contentLength >= 0 && contentLength <= COALESCE_MAX ? contentLength : 0)
      : this.framing === CHUNKED ? LAST_CHUNK_BYTES : 0;
    return Buffer.allocUnsafe(size + room);
  }

  /** Writes the framing lines and the blank line at `at`; the head is held from here. */
  private closeHead(out: Buffer, at: number): void {
    if (this.framing === CHUNKED) at += put(TE_CHUNKED, out, at);
    const conn = this.connectionLine();
    if (conn !== undefined) at += put(conn, out, at);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
    this.headBuf = out;
    this.headFill = at;
  }

  /** `connection: close` when the connection ends after this response, `keep-alive` for a 1.0 client that keeps it. */
  private connectionLine(): Buffer | undefined {
    return !this.keepAlive ? CONN_CLOSE : this.version === '1.0' ? CONN_KEEP_ALIVE : undefined;
  }

  /** The body's framing from what the head says; the response's keep-alive follows. */
  private frame(hasLength: boolean, bodyless: boolean): void {
    if (hasLength) {
      this.framing = bodyless ? NONE : LENGTH;
    } else if (bodyless) {
      this.framing = NONE;
    } else if (this.version === '1.1') {
      this.framing = CHUNKED;
    } else {
      this.framing = CLOSE;
      this.keepAlive = false;
    }
  }

  write(chunk: Buffer): boolean {
    if (this.finished || this.framing === NONE || chunk.length === 0) return true;
    const hb = this.headBuf;
    if (hb !== undefined) {
      if (this.framing !== CHUNKED && this.pendingBody === undefined) {
        // Room left after the head (a Content-Length body): copied in, written at end().
        if (this.headFill + chunk.length <= hb.length) {
          this.headFill += chunk.copy(hb, this.headFill);
          return true;
        }
        if (chunk.length <= COALESCE_MAX) { this.pendingBody = chunk; return true; }
      }
      this.streamOn();
    }
    const socket = this.conn.socket;
    if (this.framing !== CHUNKED) return socket.write(chunk);
    socket.write(chunkHeader(chunk.length), 'latin1');
    socket.write(chunk);
    return socket.write('\r\n', 'latin1');
  }

  end(data?: string | Buffer): this {
    if (this.finished) return this;
    if (!this.headSent) this.writeHead(200, []);
    if (data !== undefined && data.length !== 0) this.write(typeof data === 'string' ? Buffer.from(data) : data);
    this.finished = true;
    const socket = this.conn.socket;
    const hb = this.headBuf;
    if (hb !== undefined) {
      // The common case: head and body (or last chunk) in the one Buffer, one write.
      this.headBuf = undefined;
      let fill = this.headFill;
      let tail: Buffer | undefined = this.pendingBody;
      this.pendingBody = undefined;
      if (this.framing === CHUNKED) {
        const last = lastChunk(this.trailers);
        if (fill + last.length <= hb.length) fill += writeLatin1(hb, last, fill);
        else tail = Buffer.from(last, 'latin1');
      }
      const out = fill === hb.length ? hb : hb.subarray(0, fill);
      socket.write(tail === undefined ? out : Buffer.concat([out, tail]));
    } else {
      if (this.framing === CHUNKED) socket.write(lastChunk(this.trailers), 'latin1');
      if (this.corked) { this.corked = false; socket.uncork(); }
    }
    this.conn.responseDone(this, this.keepAlive);
    // After the caller's own bookkeeping, as node:http emits it (Exchange tells a finished
    // response from a client that left by whether it has finished by then).
    if (this.closeListeners !== undefined) process.nextTick(emitClose, this);
    return this;
  }

  /** The body streams (or is chunked): the held head (and piece) go out on a corked socket. */
  private streamOn(): void {
    const socket = this.conn.socket;
    if (!this.corked) { this.corked = true; socket.cork(); }
    const hb = this.headBuf!;
    this.headBuf = undefined;
    socket.write(this.headFill === hb.length ? hb : hb.subarray(0, this.headFill));
    const body = this.pendingBody;
    if (body === undefined) return;
    this.pendingBody = undefined;
    socket.write(body);
  }

  /**
   * What is held goes out, and the socket is uncorked: on the tick after `writeHead`, or when
   * the caller of `writeHeadBytes` says the target's read ended before the response did.
   */
  flushHeld(): void {
    if (this.finished) return;
    if (this.headBuf !== undefined) this.streamOn();
    if (this.corked) { this.corked = false; this.conn.socket.uncork(); }
  }

  /** Trailers after a chunked body (dropped for other framings, which cannot carry them). */
  addTrailers(trailers: Record<string, string>): void {
    this.trailers = trailers;
  }

  /** Cuts the response short: the client sees the connection close mid-response. */
  destroy(): this {
    if (this.finished) return this;
    this.finished = true;
    this.conn.responseAborted(this);
    this.emitClose();
    return this;
  }

  once(event: 'drain' | 'close', listener: Listener): this {
    if (event === 'drain') (this.drainListeners ??= []).push(listener);
    else (this.closeListeners ??= []).push(listener);
    return this;
  }

  on(event: 'drain' | 'close', listener: Listener): this {
    return this.once(event, listener);
  }

  /**
   * Removes a 'close' listener. An exchange that ends its response takes its listener off
   * first: with none left, `end()` schedules no tick to emit 'close' to nobody.
   */
  off(event: 'close', listener: Listener): this {
    const ls = this.closeListeners;
    if (ls === undefined) return this;
    const i = ls.indexOf(listener);
    if (i >= 0) ls.splice(i, 1);
    if (ls.length === 0) this.closeListeners = undefined;
    return this;
  }

  /** The socket drained: 'drain' listeners run once. */
  drained(): void {
    const ls = this.drainListeners;
    if (ls === undefined || ls.length === 0) return;
    this.drainListeners = undefined;
    for (const l of ls) l.call(this);
  }

  /** The client went away before the response ended. */
  gone(): void {
    if (this.finished) return;
    this.finished = true;
    this.emitClose();
  }

  /** Runs the 'close' listeners once. */
  emitClose(): void {
    const ls = this.closeListeners;
    if (ls === undefined) return;
    this.closeListeners = undefined;
    for (const l of ls) l.call(this);
  }
}

function emitClose(res: Http1Response): void {
  res.emitClose();
}

function flushLater(res: Http1Response): void {
  res.flushHeld();
}

const latin1Bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const REQUEST_ID = latin1Bytes('x-amzn-requestid: ');
/** `0\r\n\r\n`: a chunked body's end without trailers. */
const LAST_CHUNK_BYTES = 5;
const TE_CHUNKED = latin1Bytes('transfer-encoding: chunked\r\n');
const CONN_CLOSE = latin1Bytes('connection: close\r\n');
const CONN_KEEP_ALIVE = latin1Bytes('connection: keep-alive\r\n');

/**
 * Copies a short constant line into `out` at `at`: a byte loop below 48 bytes, where it
 * beats `Buffer.copy`'s native call (~30 vs ~65 ns on the bench machine).
 */
function put(src: Buffer, out: Buffer, at: number): number {
  const n = src.length;
  if (n >= 48) return src.copy(out, at);
  for (let i = 0; i < n; i++) out[at + i] = src[i]!;
  return n;
}

type Latin1Writable = Buffer & { latin1Write?(s: string, offset: number, length: number): number };
/** Writes `s` at `at` as latin1; Node's direct `latin1Write` (what `write(s, at, 'latin1')` ends in) when present. */
function writeLatin1(out: Buffer, s: string, at: number): number {
  const b = out as Latin1Writable;
  return b.latin1Write !== undefined ? b.latin1Write(s, at, s.length) : out.write(s, at, s.length, 'latin1');
}

const statusLines: (Buffer | undefined)[] = [];
/** `HTTP/1.1 <status> <reason>\r\n` (node's reason phrases, as writeHead), built once per status. */
function statusLine(status: number): Buffer {
  return statusLines[status] ??= latin1Bytes(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`);
}

let dateSecond = -1;
let dateLineBytes = latin1Bytes('');
/** `date: <IMF-fixdate of now>\r\n` as bytes, built once per second. */
function dateLine(): Buffer {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLineBytes = latin1Bytes(`date: ${new Date(now).toUTCString()}\r\n`);
  }
  return dateLineBytes;
}
