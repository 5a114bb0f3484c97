import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { ServiceEntry, TargetGroupEntry } from '../../config/index.js';
import type { AccessLogRecord } from '../contracts.js';
import type { ExchangeContext } from './exchange.js';
import { Exchange } from './exchange.js';
import { Http1Pool, serveHttp1, type Http1Response } from '../http1/index.js';
import { FakeSocket, settle } from '../http1/test-support.js';

/**
 * A proxied HTTP/1.1 response through Exchange, a real Http1Pool to a loopback target
 * written on a raw socket (so each case sets the exact bytes and splits), and the client
 * side on a socket stand-in: the byte path (Http1Response.writeHeadBytes) against the
 * string path (the same response object with `writeHeadBytes` hidden, so Exchange
 * materialises the header list and calls `writeHead`). Both must put the same bytes on the
 * wire and the same figures in the access log.
 */

/** In a target's answer: the target closes the connection here. */
const END = '<end>';

/** A target answering every request with `pieces`, each written on its own (a macrotask apart). */
async function target(): Promise<{ port: number; answer: (pieces: readonly string[]) => void; close: () => Promise<void> }> {
  let pieces: readonly string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      buf = '';
      const todo = [...pieces];
      const next = (): void => {
        const p = todo.shift();
        if (p === undefined || s.destroyed) return;
        if (p === END) { s.end(); return; }
        s.write(Buffer.from(p, 'latin1'));
        if (todo.length > 0) setTimeout(next, 5);
      };
      next();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    answer: (p) => { pieces = p; },
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

interface Run {
  /** The client's bytes, with the engine-added date value blanked. */
  readonly wire: string;
  /** Socket writes of the response. */
  readonly writes: number;
  readonly record: AccessLogRecord;
}

const SERVICE = { id: 'svc-1', arn: 'arn:svc' } as unknown as ServiceEntry;
const GROUP = { id: 'tg-1', arn: 'arn:tg' } as unknown as TargetGroupEntry;

/**
 * A client connection (a socket stand-in) whose requests go through Exchange and `pool`;
 * `bytes` false hides the response's byte method (the string path).
 */
function clientThrough(pool: Http1Pool, bytes: boolean, requestId: string, onRecord: (r: AccessLogRecord) => void): FakeSocket {
  const ctx: ExchangeContext = {
    accessLog: { write: onRecord, close: () => Promise.resolve() },
    metrics: { requestStarted: () => undefined, requestFinished: () => undefined },
    now: () => 1_000,
  };
  const s = new FakeSocket();
  serveHttp1(s as unknown as Socket, (req, res) => {
    // The string path: the same engine response without its byte method.
    const target: Http1Response = bytes ? res : withoutBytes(res);
    const ex = new Exchange(ctx, req, target);
    ex.requestId = requestId;
    ex.service = SERVICE;
    ex.targetGroup = GROUP;
    ex.forward(pool, { path: req.url, method: req.method, headers: ['host', 'svc'] });
  });
  return s;
}

/** One request from a client speaking `request` through Exchange to the target. */
async function proxy(pool: Http1Pool, request: string, bytes: boolean): Promise<Run> {
  let record: AccessLogRecord | undefined;
  const s = clientThrough(pool, bytes, 'req-123', (r) => { record = r; });
  s.push(Buffer.from(request, 'latin1'));
  const deadline = Date.now() + 5_000;
  while (record === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  await settle();
  assert.ok(record !== undefined, 'the exchange finished');
  const wire = s.text().replace(/\r\ndate: [^\r]*\r\n/, '\r\ndate: <now>\r\n');
  return { wire, writes: s.out.length, record };
}

/** `res` as an engine without `writeHeadBytes` (methods bound to the real response). */
function withoutBytes(res: Http1Response): Http1Response {
  return new Proxy(res, {
    get(t, k) {
      if (k === 'writeHeadBytes') return undefined;
      const v: unknown = Reflect.get(t, k, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

const GET11 = 'GET /p HTTP/1.1\r\nHost: x\r\n\r\n';

describe('gateway: a target\'s head passed through as bytes', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => { for (const c of closers) await c(); });

  const cases: [string, string, readonly string[]][] = [
    ['a typical answer', GET11, ['HTTP/1.1 200 OK\r\nServer: t\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello']],
    ['hop-by-hop lines and the target\'s request id', GET11, ['HTTP/1.1 201 Created\r\nKeep-Alive: timeout=5\r\nA: 1\r\nX-Amzn-RequestId: theirs\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Connection: x\r\nTrailer: X\r\nB:  2 \r\nContent-Length: 2\r\n\r\nok']],
    ['no date (the engine adds one)', GET11, ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc']],
    ['a body split across reads', GET11, ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01', '234', '56789']],
    ['a head split across reads', GET11, ['HTTP/1.1 200 OK\r\nX-Lo', 'ng: y\r\nContent-Length: 1\r\n\r', '\nz']],
    ['a chunked target to a 1.1 client', GET11, ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', '0\r\nX-T: 1\r\n\r\n']],
    ['an empty chunked body', GET11, ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n']],
    ['a chunked target to a 1.0 client', 'GET /p HTTP/1.0\r\n\r\n', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n']],
    ['a 1.0 keep-alive client', 'GET /p HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi']],
    ['a 1.0 client without keep-alive', 'GET /p HTTP/1.0\r\n\r\n', ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi']],
    ['a 1.1 client asking to close', 'GET /p HTTP/1.1\r\nConnection: close\r\n\r\n', ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi']],
    ['HEAD keeps the length, sends no body', 'HEAD /p HTTP/1.1\r\n\r\n', ['HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n']],
    ['204 and 304', GET11, ['HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n']],
    ['1xx skipped', GET11, ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!']],
    ['a body over 64 KB', GET11, [`HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n${'x'.repeat(70000)}`]],
    ['a close-delimited body', GET11, ['HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end', END]],
    ['an unknown status', GET11, ['HTTP/1.1 599 Whatever\r\nContent-Length: 0\r\n\r\n']],
  ];

  for (const [name, request, answer] of cases) {
    it(`writes the same bytes and log figures as the string path: ${name}`, async () => {
      const t = await target();
      closers.push(t.close);
      t.answer(answer);
      const pool = new Http1Pool(`http://127.0.0.1:${t.port}`);
      closers.push(() => pool.destroy());
      const viaBytes = await proxy(pool, request, true);
      const viaStrings = await proxy(pool, request, false);
      assert.equal(viaBytes.wire, viaStrings.wire);
      assert.equal(viaBytes.record.bytesSent, viaStrings.record.bytesSent);
      assert.equal(viaBytes.record.responseCode, viaStrings.record.responseCode);
      // Coalesced: at most one write per read from the target (a piece over 64 KB takes more
      // than one; the target's close is an event too), whatever the reads' timing.
      const reads = answer.reduce((n, p) => n + Math.max(1, Math.ceil(p.length / 65536)), 0);
      assert.ok(viaBytes.writes <= reads && viaStrings.writes <= reads, `${viaBytes.writes} and ${viaStrings.writes} writes for ${reads} reads`);
    });
  }

  it('drops hop-by-hop lines, replaces the target\'s request id, keeps the rest in order, one write', async () => {
    const t = await target();
    closers.push(t.close);
    t.answer(['HTTP/1.1 200 OK\r\nServer: t\r\nConnection: keep-alive\r\nX-Amzn-RequestId: theirs\r\nDate: D\r\nContent-Length: 5\r\nKeep-Alive: timeout=5\r\n\r\nhello']);
    const pool = new Http1Pool(`http://127.0.0.1:${t.port}`);
    closers.push(() => pool.destroy());
    const r = await proxy(pool, GET11, true);
    assert.equal(r.wire, 'HTTP/1.1 200 OK\r\nServer: t\r\nDate: D\r\nContent-Length: 5\r\nx-amzn-requestid: req-123\r\n\r\nhello');
    assert.equal(r.writes, 1, 'head and body in one write');
    // As responseHeaders counts: every target header (name + value + 4), plus our id line, plus the body.
    const targetHeaders = 'Server'.length + 1 + 'Connection'.length + 10 + 'X-Amzn-RequestId'.length + 6 + 'Date'.length + 1
      + 'Content-Length'.length + 1 + 'Keep-Alive'.length + 9 + 6 * 4;
    assert.equal(r.record.bytesSent, targetHeaders + 'req-123'.length + 20 + 5);
  });

  it('adds a date only when the target sent none, and frames a 1.0 client by close', async () => {
    const t = await target();
    closers.push(t.close);
    t.answer(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n']);
    const pool = new Http1Pool(`http://127.0.0.1:${t.port}`);
    closers.push(() => pool.destroy());
    const r = await proxy(pool, 'GET /p HTTP/1.0\r\n\r\n', true);
    assert.equal(r.wire, 'HTTP/1.1 200 OK\r\nx-amzn-requestid: req-123\r\ndate: <now>\r\nconnection: close\r\n\r\nhi');
  });

  it('sends a body that came in several reads as one write with the head', async () => {
    const t = await target();
    closers.push(t.close);
    t.answer(['HTTP/1.1 200 OK\r\nDate: D\r\nContent-Length: 6\r\n\r\nab', 'cd', 'ef']);
    const pool = new Http1Pool(`http://127.0.0.1:${t.port}`);
    closers.push(() => pool.destroy());
    const r = await proxy(pool, 'GET /p HTTP/1.1\r\n\r\n', true);
    assert.equal(r.wire, 'HTTP/1.1 200 OK\r\nDate: D\r\nContent-Length: 6\r\nx-amzn-requestid: req-123\r\n\r\nabcdef');
  });

  it('sends the head and the first piece when the target\'s read ends, before the rest of the body exists', async () => {
    // The target holds the rest of its body until the client has seen the head: a head held
    // back for coalescing past the end of the read would never arrive (the test times out).
    let release!: () => void;
    const rest = new Promise<void>((r) => { release = r; });
    const server = createServer((sock) => {
      sock.on('error', () => undefined);
      sock.once('data', () => {
        sock.write('HTTP/1.1 200 OK\r\nDate: D\r\nContent-Length: 10\r\n\r\nhello');
        void rest.then(() => sock.end('world'));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => { release(); server.close(() => r()); }));
    const pool = new Http1Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    closers.push(() => pool.destroy());
    const s = clientThrough(pool, true, 'req-1', () => undefined);
    s.push(Buffer.from(GET11, 'latin1'));
    const head = 'HTTP/1.1 200 OK\r\nDate: D\r\nContent-Length: 10\r\nx-amzn-requestid: req-1\r\n\r\nhello';
    const deadline = Date.now() + 5_000;
    while (s.text() !== head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    assert.equal(s.text(), head, 'the head and the first piece, while the target still holds the rest');
    release();
    while (s.text() !== head + 'world' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    assert.equal(s.text(), head + 'world');
  });
});
