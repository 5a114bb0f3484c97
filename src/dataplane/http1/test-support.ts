import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Http1Request } from './request.js';
import type { Http1Response } from './response.js';
import { serveHttp1, type Http1ServerOptions } from './server.js';

/**
 * Test support for the engine's server side: a socket stand-in fed by the test (so a
 * request can be split at any byte) whose output is collected, and an echo handler.
 */
export class FakeSocket extends Duplex {
  readonly out: Buffer[] = [];
  remoteAddress = '127.0.0.1';
  remotePort = 40000;

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.out.push(Buffer.from(chunk));
    cb();
  }

  /** What a corked socket flushes at once, counted as one write (as a net.Socket's writev). */
  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.out.push(Buffer.concat(chunks.map((c) => c.chunk)));
    cb();
  }

  override _read(): void {}

  setNoDelay(): this {
    return this;
  }

  /** Everything written so far, latin1. */
  text(): string {
    return Buffer.concat(this.out).toString('latin1');
  }
}

/** What the echo handler saw of each request. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly version: string;
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

/**
 * Answers each request with `200` and a body naming method, url and the body's length,
 * after reading the whole body; records what it saw.
 */
export function echoHandler(seen: Seen[]): (req: Http1Request, res: Http1Response) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    const done = (): void => {
      const body = Buffer.concat(chunks).toString('latin1');
      seen.push({ method: req.method, url: req.url, version: req.httpVersion, rawHeaders: req.rawHeaders, body });
      const text = `${req.method} ${req.url} ${body.length}`;
      res.writeHead(200, ['content-type', 'text/plain', 'content-length', String(text.length), 'date', 'x']);
      res.end(text);
    };
    if (req.body === undefined) { done(); return; }
    const s = req.bodyStream();
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', done);
  };
}

/** Serves `handler` on a FakeSocket. */
export function fakeConnection(handler: (req: Http1Request, res: Http1Response) => void, opts?: Http1ServerOptions): FakeSocket {
  const s = new FakeSocket();
  serveHttp1(s as unknown as Socket, handler, opts);
  return s;
}

/** Waits for queued ticks and immediates to run. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(() => setImmediate(r)));
}

/** The shared seeded PRNG (mulberry32): the same splits on every run. */
export { prng } from '../../model/index.js';
