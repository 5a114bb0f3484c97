import { Readable } from 'node:stream';
import type { DispatchHandler, DispatchOptions, Http1Pool, UpstreamConnection } from './client.js';

/**
 * The request side of the upstream pool (client.ts): `UpstreamRequest`, one request from
 * dispatch to its end — its head serialised once, its body (a Buffer, or a Readable moved
 * by a `BodyPump` with backpressure), its retry and abort state — apart from the socket
 * and response parsing that client.ts keeps.
 */

/** An error with undici's `code`. */
export function upstreamError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}


/** One request to the target, from dispatch to its end. */
export class UpstreamRequest {
  conn: UpstreamConnection | undefined = undefined;
  finished = false;
  retried = false;
  /** A response byte has arrived (no retry after that). */
  answered = false;
  readonly head: string;
  readonly body: Readable | Buffer | undefined;
  readonly chunkedBody: boolean;
  readonly bodyless: boolean;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
  bodyDone = false;
  bodySent = 0;
  private pump: BodyPump | undefined = undefined;

  constructor(private readonly pool: Http1Pool, readonly opts: DispatchOptions, readonly handler: DispatchHandler, hostHeader: string) {
    let head = `${opts.method} ${opts.path} HTTP/1.1\r\n`;
    let hasHost = false;
    let hasLength = false;
    const h = opts.headers;
    if (Array.isArray(h)) {
      for (let i = 0; i + 1 < h.length; i += 2) {
        const name = h[i] as string;
        const value = h[i + 1] as string;
        const n = name.length;
        if (n === 4 && name.toLowerCase() === 'host') hasHost = true;
        else if (n === 14 && name.toLowerCase() === 'content-length') hasLength = true;
        head += name + ': ' + value + '\r\n';
      }
    } else if (h != null) {
      for (const [name, value] of (Symbol.iterator in h ? h as Iterable<[string, string]> : Object.entries(h))) {
        if (name.toLowerCase() === 'host') hasHost = true;
        else if (name.toLowerCase() === 'content-length') hasLength = true;
        head += name + ': ' + value + '\r\n';
      }
    }
    if (opts.routeHeaders !== undefined) head += opts.routeHeaders.text;
    if (!hasHost) head += 'host: ' + hostHeader + '\r\n';
    const b = opts.body;
    let body: Readable | Buffer | undefined;
    let chunked = false;
    if (b instanceof Readable) {
      body = b;
      if (!hasLength) { chunked = true; head += 'transfer-encoding: chunked\r\n'; }
    } else if (b != null) {
      body = typeof b === 'string' ? Buffer.from(b) : Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      if (!hasLength) head += 'content-length: ' + body.length + '\r\n';
    } else if (!hasLength && (opts.method === 'POST' || opts.method === 'PUT' || opts.method === 'PATCH')) {
      head += 'content-length: 0\r\n';
    }
    this.head = head + '\r\n';
    this.body = body;
    this.chunkedBody = chunked;
    this.bodyless = opts.method === 'HEAD';
    this.headersTimeout = opts.headersTimeout ?? 300_000;
    this.bodyTimeout = opts.bodyTimeout ?? 300_000;
  }

  /** Whether a failure before any response byte may be retried on another socket. */
  get retriable(): boolean {
    return !this.retried && !this.answered && !(this.body instanceof Readable);
  }

  /** The abort function handed to onConnect (Exchange calls it when the client is gone). */
  readonly abort: (err?: Error) => void = abortOf(this);

  cancel(err?: Error): void {
    if (this.finished) return;
    const e = err ?? upstreamError('UND_ERR_ABORTED', 'request aborted');
    if (this.conn !== undefined) this.conn.destroy(e);
    else { this.pool.unqueue(this); this.fail(e); }
  }

  fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.unhookBody();
    this.handler.onError?.(err);
  }

  unhookBody(): void {
    this.pump?.unhook();
  }

  /** Streams a Readable body to the connection, with backpressure. */
  pipeBody(): void {
    this.pump = new BodyPump(this, this.body as Readable);
  }
}

/** An unnamed closure (tsx's keepNames wraps named ones in a per-call helper). */
function abortOf(r: UpstreamRequest): (err?: Error) => void {
  return (err) => r.cancel(err);
}

/** Moves a Readable request body to the socket: made only for requests with a stream body. */
class BodyPump {
  constructor(private readonly r: UpstreamRequest, private readonly stream: Readable) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
  }

  unhook(): void {
    const b = this.stream;
    b.off('data', this.onData);
    b.off('end', this.onEnd);
    b.off('error', this.onError);
    b.off('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    const r = this.r;
    const c = r.conn;
    if (c === undefined || r.finished) return;
    const socket = c.socket;
    let ok: boolean;
    if (r.chunkedBody) {
      if (chunk.length === 0) return;
      socket.write(chunk.length.toString(16) + '\r\n', 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
    } else {
      ok = socket.write(chunk);
    }
    r.bodySent += chunk.length;
    r.handler.onBodySent?.(chunk.length, r.bodySent);
    if (!ok) {
      const b = this.stream;
      b.pause();
      socket.once('drain', () => b.resume());
    }
  };

  private readonly onEnd = (): void => {
    const r = this.r;
    r.bodyDone = true;
    if (r.chunkedBody && r.conn !== undefined && !r.finished) r.conn.socket.write('0\r\n\r\n', 'latin1');
    this.unhook();
    r.conn?.bodyFinished();
  };

  private readonly onError = (err: Error): void => {
    this.r.abort(err);
  };

  private readonly onClose = (): void => {
    if (!this.r.bodyDone) this.r.abort(upstreamError('UND_ERR_ABORTED', 'the request body ended early'));
  };
}

