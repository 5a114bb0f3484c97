import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Http1Pool, type DispatchOptions } from './client.js';
import { serveHttp1 } from './server.js';

/**
 * The upstream pool against real loopback backends written on raw sockets, so each test
 * decides the exact bytes (and closes, resets and stalls) the target sends.
 */

interface RawBackend {
  port: number;
  /** Sockets accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

/** A backend that calls `onRequest(socket, head, n)` for each request head (bodies ignored unless read by it). */
async function rawBackend(onRequest: (socket: Socket, head: string, n: number) => void): Promise<RawBackend> {
  const sockets = new Set<Socket>();
  let n = 0;
  const b = { port: 0, accepted: 0, close: () => Promise.resolve() } as RawBackend;
  const server: Server = createServer((socket) => {
    b.accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        onRequest(socket, head, n++);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  b.port = (server.address() as AddressInfo).port;
  b.close = () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
  return b;
}

interface Result {
  status: number;
  headers: string[];
  body: string;
  trailers: string[] | null;
  error?: string;
}

function send(pool: Http1Pool, opts: Partial<DispatchOptions> = {}, slow?: { pauseFirst: boolean }): Promise<Result> {
  return new Promise((resolve) => {
    const r: Result = { status: 0, headers: [], body: '', trailers: null };
    let resume: (() => void) | undefined;
    pool.dispatch({ path: '/', method: 'GET', headers: ['host', 'svc'], ...opts }, {
      onHeaders: (s, h, res) => { r.status = s; r.headers = h; resume = res; return true; },
      onData: (c) => {
        r.body += c.toString('latin1');
        if (slow?.pauseFirst) { slow.pauseFirst = false; setTimeout(() => resume!(), 50); return false; }
        return true;
      },
      onComplete: (t) => { r.trailers = t; resolve(r); },
      onError: (err) => { r.error = (err as { code?: string }).code ?? err.message; resolve(r); },
    });
  });
}

const ok = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n${extra}\r\n${body}`;

describe('http1 upstream pool', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => { for (const c of closers) await c(); });

  it('reuses one keep-alive connection for 20 sequential requests', async () => {
    const b = await rawBackend((s, _h, n) => s.write(ok(`r${n}`)));
    closers.push(b.close);
    const pool = new Http1Pool(`http://127.0.0.1:${b.port}`);
    for (let i = 0; i < 20; i++) assert.equal((await send(pool)).body, `r${i}`);
    assert.equal(b.accepted, 1);
    assert.equal(pool.opened, 1);
    await pool.close();
  });

  it('sends the request head with a host when absent, and the body by length or chunked', async () => {
    const heads: string[] = [];
    const bodies: string[] = [];
    const b = await rawBackend((s, h) => {
      heads.push(h);
      s.once('data', (d) => bodies.push(d.toString('latin1')));
      s.write(ok('k'));
    });
    closers.push(b.close);
    const pool = new Http1Pool(`http://127.0.0.1:${b.port}`);
    await send(pool, { headers: ['x-a', '1'], method: 'GET' });
    assert.match(heads[0]!, new RegExp(`^GET / HTTP/1\\.1\\r\\nx-a: 1\\r\\nhost: 127\\.0\\.0\\.1:${b.port}$`));
    await send(pool, { method: 'POST', body: Buffer.from('abc') });
    assert.match(heads[1]!, /content-length: 3$/);
    await send(pool, { method: 'POST', body: Readable.from([Buffer.from('xy'), Buffer.from('z')]) });
    assert.match(heads[2]!, /transfer-encoding: chunked$/);
    await pool.close();
  });

  it('decodes a chunked response with trailers, and a close-delimited one (not reused)', async () => {
    const b = await rawBackend((s, h) => {
      if (h.startsWith('GET /chunked')) s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n!\r\n0\r\ngrpc-status: 0\r\n\r\n');
      else s.end('HTTP/1.1 200 OK\r\n\r\nuntil the end');
    });
    closers.push(b.close);
    const pool = new Http1Pool(`http://127.0.0.1:${b.port}`);
    const c = await send(pool, { path: '/chunked' });
    assert.equal(c.body, 'hello!');
    assert.deepEqual(c.trailers, ['grpc-status', '0']);
    const d = await send(pool, { path: '/close' });
    assert.equal(d.body, 'until the end');
    assert.equal((await send(pool, { path: '/chunked' })).body, 'hello!');
    assert.equal(b.accepted, 2, 'the close-delimited response used up its socket');
    await pool.close();
  });

  it('reads no body for HEAD, 204 and 304 and keeps the connection; skips 100 Continue; refuses 101', async () => {
    const b = await rawBackend((s, h) => {
      if (h.startsWith('HEAD')) s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n');
      else if (h.startsWith('GET /204')) s.write('HTTP/1.1 204 No Content\r\n\r\n');
      else if (h.startsWith('GET /304')) s.write('HTTP/1.1 304 Not Modified\r\ncontent-length: 7\r\n\r\n');
      else if (h.startsWith('GET /100')) s.write('HTTP/1.1 100 Continue\r\n\r\n' + ok('after 100'));
      else if (h.startsWith('GET /101')) s.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n');
    });
    closers.push(b.close);
    const pool = new Http1Pool(`http://127.0.0.1:${b.port}`);
    assert.equal((await send(pool, { method: 'HEAD' })).status, 200);
    assert.equal((await send(pool, { path: '/204' })).status, 204);
    assert.equal((await send(pool, { path: '/304' })).status, 304);
    const c = await send(pool, { path: '/100' });
    assert.deepEqual([c.status, c.body], [200, 'after 100']);
    assert.equal(b.accepted, 1);
    assert.equal((await send(pool, { path: '/101' })).error, 'HPE_UPGRADE');
    await pool.close();
  });

  it('fails with UND_ERR_SOCKET when the target resets mid-body, and ECONNREFUSED when nothing listens', async () => {
    const b = await rawBackend((s) => { s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial'); setTimeout(() => s.resetAndDestroy(), 20); });
    closers.push(b.close);
    const pool = new Http1Pool(`http://127.0.0.1:${b.port}`);
    const r = await send(pool);
    assert.equal(r.status, 200);
    assert.match(r.error ?? '', /^(UND_ERR_SOCKET|ECONNRESET)$/);
    const dead = await rawBackend(() => undefined);
    const port = dead.port;
    await dead.close();
    assert.equal((await send(new Http1Pool(`http://127.0.0.1:${port}`))).error, 'ECONNREFUSED');
    await pool.close();
  });

  it('retries once on a new connection a bodyless request whose reused socket the target had closed', async () => {
    const b = await rawBackend((s, _h, n) => {
      if (n === 1) s.resetAndDestroy(); // the stale keep-alive socket: gone before answering
      else s.write(ok(`r${n}`));
    });
    closers.push(b.close);
    const pool = new Http1Pool(`http://127.0.0.1:${b.port}`);
    assert.equal((await send(pool)).body, 'r0');
    const again = await send(pool);
    assert.equal(again.body, 'r2');
    assert.equal(b.accepted, 2);
    await pool.close();
  });

  it('does not retry a request with a streamed body', async () => {
    const b = await rawBackend((s, _h, n) => { if (n === 1) s.resetAndDestroy(); else s.write(ok('x')); });
    closers.push(b.close);
    const pool = new Http1Pool(`http://127.0.0.1:${b.port}`);
    await send(pool);
    const r = await send(pool, { method: 'POST', body: Readable.from([Buffer.from('data')]), headers: ['content-length', '4'] });
    assert.match(r.error ?? '', /^(UND_ERR_SOCKET|ECONNRESET)$/);
    await pool.close();
  });

  it('times out waiting for headers and between body pieces, with undici\'s codes', async () => {
    const b = await rawBackend((s, h) => { if (h.startsWith('GET /body')) s.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'); });
    closers.push(b.close);
    const pool = new Http1Pool(`http://127.0.0.1:${b.port}`);
    const started = Date.now();
    assert.equal((await send(pool, { path: '/hang', headersTimeout: 200 })).error, 'UND_ERR_HEADERS_TIMEOUT');
    assert.ok(Date.now() - started < 2000);
    const r = await send(pool, { path: '/body', bodyTimeout: 200 });
    assert.deepEqual([r.status, r.body, r.error], [200, 'abc', 'UND_ERR_BODY_TIMEOUT']);
    await pool.close();
  });

  it('queues beyond its connection limit, FIFO, and closes idle sockets after the keep-alive timeout', async () => {
    const order: number[] = [];
    const b = await rawBackend((s, h) => {
      const n = Number(h.slice(5, h.indexOf(' ', 5)));
      order.push(n);
      setTimeout(() => s.write(ok(String(n))), 5);
    });
    closers.push(b.close);
    const pool = new Http1Pool(`http://127.0.0.1:${b.port}`, { connections: 2, keepAliveTimeout: 200 });
    const all = await Promise.all([0, 1, 2, 3, 4, 5].map((n) => send(pool, { path: `/${n}` })));
    assert.deepEqual(all.map((r) => r.body), ['0', '1', '2', '3', '4', '5']);
    assert.equal(b.accepted, 2);
    assert.deepEqual(order.slice(2), [2, 3, 4, 5]);
    for (let i = 0; i < 50 && pool.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(pool.size, 0, 'idle sockets closed');
  });

  it('pauses the target while the reader is paused (onData → false) and resumes', async () => {
    const b = await rawBackend((s) => s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n'));
    closers.push(b.close);
    const pool = new Http1Pool(`http://127.0.0.1:${b.port}`);
    const r = await send(pool, {}, { pauseFirst: true });
    assert.equal(r.body, 'abcdef');
    await pool.close();
  });
});

describe('http1 engine end to end: a slow client of a big response', () => {
  it('keeps the proxy\'s memory bounded: the target is paused while the client does not read', async () => {
    const TOTAL = 256 * 1024 * 1024;
    let written = 0;
    const backend = await rawBackend((s) => {
      s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${TOTAL}\r\n\r\n`);
      const piece = Buffer.alloc(64 * 1024, 97);
      const pump = (): void => {
        while (written < TOTAL) {
          written += piece.length;
          if (!s.write(piece)) { s.once('drain', pump); return; }
        }
      };
      pump();
    });
    const pool = new Http1Pool(`http://127.0.0.1:${backend.port}`);
    const proxy = createServer((socket) => serveHttp1(socket, (_req, res) => {
      pool.dispatch({ path: '/', method: 'GET', headers: [] }, {
        onHeaders: (status, headers, resume) => { res.writeHead(status, headers); res.once('drain', resume); return true; },
        onData: (c) => { const more = res.write(c); if (!more) res.once('drain', () => undefined); return more; },
        onComplete: () => { res.end(); },
        onError: () => { res.destroy(); },
      });
    }));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const client = connect((proxy.address() as AddressInfo).port, '127.0.0.1');
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    let received = 0;
    await new Promise<void>((r) => client.once('data', (d) => { received += d.length; client.pause(); r(); }));
    await new Promise((r) => setTimeout(r, 500));
    const heapBefore = process.memoryUsage().arrayBuffers;
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(written < 64 * 1024 * 1024, `the target was paused after ${written} bytes of ${TOTAL}`);
    assert.ok(process.memoryUsage().arrayBuffers - heapBefore < 16 * 1024 * 1024, 'no growth while paused');
    client.destroy();
    proxy.close();
    await pool.destroy();
    await backend.close();
    assert.ok(received > 0);
  });
});
