import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createServer, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { DispatchHandler, DispatchOptions } from '../http1/index.js';
import { classifyUpstreamError } from './errors.js';
import { Http2Upstream } from './h2-pool.js';

/**
 * The HTTP/2 upstream against a real h2c target on a loopback port: the handler calls
 * Exchange relies on (head, data with backpressure, trailers, trailers-only in one tick),
 * request bodies streamed, and each failure with the `code` errors.ts classifies.
 */

interface Recorded {
  status: number;
  headers: string[];
  body: Buffer[];
  trailers: string[] | null | undefined;
  error: (Error & { code?: string }) | undefined;
  sent: number;
  done: Promise<void>;
  /** True when onComplete ran in the same tick as onHeaders. */
  sameTick: boolean;
}

function record(onData?: (chunk: Buffer, r: Recorded) => boolean): { handler: DispatchHandler; r: Recorded } {
  let finish!: () => void;
  let headersTick = -1;
  let tick = 0;
  const r: Recorded = { status: 0, headers: [], body: [], trailers: undefined, error: undefined, sent: 0, done: new Promise((res) => { finish = res; }), sameTick: false };
  const handler: DispatchHandler = {
    onConnect: () => undefined,
    onHeaders: (status, headers) => { r.status = status; r.headers = headers; headersTick = tick; queueMicrotask(() => { tick++; }); return true; },
    onData: (chunk) => { r.body.push(chunk); return onData === undefined ? true : onData(chunk, r); },
    onBodySent: (n) => { r.sent += n; },
    onComplete: (trailers) => { r.trailers = trailers; r.sameTick = headersTick === tick; finish(); },
    onError: (err) => { r.error = err; finish(); },
  };
  return { handler, r };
}

const get = (path: string, extra: Partial<DispatchOptions> = {}): DispatchOptions => ({ path, method: 'GET', headers: ['host', 'svc.example', 'x-a', '1'], body: null, ...extra });

describe('Http2Upstream (h2c to a real target)', () => {
  let server: Http2Server;
  let origin: string;
  let sessions = 0;
  const open = new Set<ServerHttp2Session>();
  const seen: Record<string, unknown>[] = [];
  const handlers: Record<string, (s: ServerHttp2Stream, body: Buffer) => void> = {
    '/ok': (s, body) => {
      s.respond({ ':status': 200, 'x-b': '2' }, { waitForTrailers: true });
      s.once('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0', 'x-len': String(body.length) }));
      s.end('hello');
    },
    '/trailers-only': (s) => s.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'nope' }, { endStream: true }),
    '/reset': (s) => s.close(constants.NGHTTP2_REFUSED_STREAM),
    '/reset-mid-body': (s) => { s.respond({ ':status': 200 }); s.write('part'); setImmediate(() => s.destroy(new Error('target failed'))); },
    '/drop-mid-body': (s) => { s.respond({ ':status': 200 }); s.write('part'); setImmediate(() => s.session?.destroy()); },
    '/hang': () => undefined,
    '/head-then-hang': (s) => { s.respond({ ':status': 200 }); s.write('x'); },
    '/slow-body': (s) => {
      s.respond({ ':status': 200 });
      let n = 0;
      const t = setInterval(() => { if (++n === 5) { clearInterval(t); s.end(String(n)); } else s.write(String(n)); }, 80);
    },
    '/big': (s) => { s.respond({ ':status': 200 }); s.end(Buffer.alloc(3 << 20, 97)); },
    '/goaway': (s) => { s.respond({ ':status': 204 }, { endStream: true }); s.session?.goaway(); },
  };

  before(async () => {
    server = createServer();
    server.on('session', (s) => { sessions++; open.add(s); s.once('close', () => open.delete(s)); });
    server.on('stream', (stream, headers) => {
      seen.push({ ...headers });
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', () => undefined);
      const path = String(headers[':path']);
      stream.on('end', () => handlers[path]?.(stream, Buffer.concat(chunks)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const s of open) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('a response: status, headers as a flat string list, body, trailers; the request head translated', async () => {
    const up = new Http2Upstream(origin);
    const { handler, r } = record();
    up.dispatch(get('/ok', { method: 'POST', body: Readable.from([Buffer.from('abc'), Buffer.from('de')]) }), handler);
    await r.done;
    assert.equal(r.error, undefined);
    assert.equal(r.status, 200);
    assert.equal(r.headers[r.headers.indexOf('x-b') + 1], '2');
    assert.ok(!r.headers.some((h, i) => i % 2 === 0 && h.startsWith(':')));
    assert.equal(Buffer.concat(r.body).toString(), 'hello');
    assert.deepEqual(r.trailers, ['grpc-status', '0', 'x-len', '5']);
    assert.equal(r.sent, 5);
    const h = seen.at(-1)!;
    assert.equal(h[':authority'], 'svc.example');
    assert.equal(h[':method'], 'POST');
    assert.equal(h.te, 'trailers');
    assert.equal(h.host, undefined);
    assert.equal(h['x-a'], '1');
    await up.destroy();
  });

  it('trailers-only (a gRPC error): onComplete in the same tick as onHeaders', async () => {
    const up = new Http2Upstream(origin);
    const { handler, r } = record();
    up.dispatch(get('/trailers-only'), handler);
    await r.done;
    assert.equal(r.status, 200);
    assert.equal(r.headers[r.headers.indexOf('grpc-status') + 1], '5');
    assert.equal(r.sameTick, true);
    await up.destroy();
  });

  it('one session for many requests; GOAWAY → the next request opens a new one', async () => {
    const up = new Http2Upstream(origin);
    const before = sessions;
    await Promise.all(Array.from({ length: 10 }, async () => { const { handler, r } = record(); up.dispatch(get('/ok'), handler); await r.done; }));
    assert.equal(sessions, before + 1);
    const g = record();
    up.dispatch(get('/goaway'), g.handler);
    await g.r.done;
    assert.equal(g.r.status, 204);
    const n = record();
    up.dispatch(get('/ok'), n.handler);
    await n.r.done;
    assert.equal(n.r.status, 200);
    assert.equal(sessions, before + 2);
    await up.destroy();
  });

  it('backpressure: onData false pauses the stream until resume', async () => {
    const up = new Http2Upstream(origin);
    let resume: (() => void) | undefined;
    let paused = 0;
    const { handler, r } = record((_c, rec) => { if (rec.body.length === 1) { paused++; return false; } return true; });
    const inner = handler.onHeaders!;
    handler.onHeaders = (s, h, res, t) => { resume = res; return inner(s, h, res, t); };
    up.dispatch(get('/big'), handler);
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(paused, 1);
    assert.equal(r.body.length, 1, 'nothing more while paused');
    resume!();
    await r.done;
    assert.equal(Buffer.concat(r.body).length, 3 << 20);
    await up.destroy();
  });

  it('failures carry codes errors.ts classifies: reset → 502 closed, refused → 500, no head in time → 504', async () => {
    const up = new Http2Upstream(origin);
    const reset = record();
    up.dispatch(get('/reset'), reset.handler);
    await reset.r.done;
    assert.equal(classifyUpstreamError(reset.r.error).reason, 'TargetConnectionClosed', 'a refused stream (retried once, refused again)');
    const mid = record();
    up.dispatch(get('/reset-mid-body'), mid.handler);
    await mid.r.done;
    assert.equal(mid.r.status, 200);
    assert.equal(classifyUpstreamError(mid.r.error).reason, 'TargetConnectionClosed', 'a stream reset mid-body');
    const drop = record();
    up.dispatch(get('/drop-mid-body'), drop.handler);
    await drop.r.done;
    assert.equal(drop.r.status, 200);
    assert.equal(classifyUpstreamError(drop.r.error).reason, 'TargetConnectionClosed', 'a lost connection mid-body is not a complete response');
    const hang = record();
    up.dispatch(get('/hang', { headersTimeout: 100, bodyTimeout: 100 }), hang.handler);
    await hang.r.done;
    assert.equal(hang.r.error?.code, 'UND_ERR_HEADERS_TIMEOUT');
    assert.deepEqual(classifyUpstreamError(hang.r.error), { status: 504, reason: 'TargetDataTimeout', timedOut: true });
    await up.destroy();

    const dead = new Http2Upstream('http://127.0.0.1:1');
    const refused = record();
    dead.dispatch(get('/'), refused.handler);
    await refused.r.done;
    assert.equal(refused.r.error?.code, 'ECONNREFUSED');
    assert.equal(classifyUpstreamError(refused.r.error).status, 500);
    await dead.destroy();
  });

  it('the timeout is idle time: request bytes and response data move it on; silence after the head is a body timeout', async () => {
    const up = new Http2Upstream(origin);
    // The request body trickles in for ~400 ms, longer than the 250 ms timeout: no head yet, but not idle.
    let n = 0;
    const slowBody = new Readable({
      read() { setTimeout(() => this.push(++n > 5 ? null : Buffer.from('chunk')), 80); },
    });
    const sending = record();
    up.dispatch(get('/ok', { method: 'POST', body: slowBody, headersTimeout: 250, bodyTimeout: 250 }), sending.handler);
    await sending.r.done;
    assert.equal(sending.r.error, undefined);
    assert.equal(sending.r.status, 200);
    assert.equal(sending.r.sent, 25);
    // The response body arrives over ~400 ms in 80 ms steps: each chunk is activity.
    const slow = record();
    up.dispatch(get('/slow-body', { headersTimeout: 250, bodyTimeout: 250 }), slow.handler);
    await slow.r.done;
    assert.equal(slow.r.error, undefined);
    assert.equal(Buffer.concat(slow.r.body).toString(), '12345');
    // A head, one byte, then nothing: the body timeout.
    const stalled = record();
    up.dispatch(get('/head-then-hang', { headersTimeout: 150, bodyTimeout: 150 }), stalled.handler);
    await stalled.r.done;
    assert.equal(stalled.r.status, 200);
    assert.equal(stalled.r.error?.code, 'UND_ERR_BODY_TIMEOUT');
    await up.destroy();
  });

  it('requests keep the async context of their dispatch; AsyncResource#bind is left as it was', async () => {
    const bind = AsyncResource.prototype.bind;
    const als = new AsyncLocalStorage<string>();
    const up = new Http2Upstream(origin);
    const seenIn: (string | undefined)[] = [];
    const calls = ['one', 'two'].map((tag) => {
      const { handler, r } = record();
      const onHeaders = handler.onHeaders!;
      handler.onHeaders = (...args) => { seenIn.push(als.getStore()); return onHeaders(...args); };
      als.run(tag, () => up.dispatch(get('/ok'), handler));
      return r;
    });
    await Promise.all(calls.map((r) => r.done));
    assert.deepEqual(calls.map((r) => r.status), [200, 200]);
    assert.deepEqual(seenIn.sort(), ['one', 'two']);
    assert.equal(AsyncResource.prototype.bind, bind);
    // Code elsewhere still gets node's own bind (with its deprecated asyncResource property).
    assert.ok('asyncResource' in new AsyncResource('x').bind(() => undefined));
    await up.destroy();
  });

  it('abort from the handler resets the stream and reports the error once', async () => {
    const up = new Http2Upstream(origin);
    let abort: ((e?: Error) => void) | undefined;
    const { handler, r } = record();
    handler.onConnect = (a) => { abort = a; };
    up.dispatch(get('/hang'), handler);
    abort!(Object.assign(new Error('client gone'), { code: 'TRELLIS_CLIENT_CLOSED' }));
    await r.done;
    assert.equal(r.error?.code, 'TRELLIS_CLIENT_CLOSED');
    await up.destroy();
  });
});
