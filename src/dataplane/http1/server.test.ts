import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedDecoder } from './chunked.js';
import { echoHandler, fakeConnection, prng, settle, type Seen } from './test-support.js';

/**
 * The server side on a socket stand-in: the test decides how the bytes are split, so
 * splits at every byte boundary and seeded random splits are exact, and the output is
 * compared byte for byte.
 */

const PIPELINE = [
  'GET /a HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
  'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0a\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n',
  'GET /d HTTP/1.1\r\nHost: x\r\n\r\n',
].join('');

async function run(pieces: readonly string[]): Promise<{ out: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const s = fakeConnection(echoHandler(seen));
  for (const p of pieces) {
    s.push(Buffer.from(p, 'latin1'));
    await settle();
  }
  await settle();
  return { out: s.text(), seen };
}

function responses(out: string): string[] {
  return out.split('HTTP/1.1 ').filter((r) => r !== '').map((r) => r.replace(/date: [^\r]*\r\n/, ''));
}

describe('http1 server: parsing pipelined requests, whatever the splits', () => {
  it('answers four pipelined requests in order, bodies by length and chunked', async () => {
    const { out, seen } = await run([PIPELINE]);
    assert.deepEqual(seen.map((s) => `${s.method} ${s.url} ${s.body}`), ['GET /a ', 'POST /b hello', 'POST /c abc0123456789', 'GET /d ']);
    assert.deepEqual(responses(out).map((r) => r.slice(r.lastIndexOf('\n') + 1)), ['GET /a 0', 'POST /b 5', 'POST /c 13', 'GET /d 0']);
  });

  it('gives the same answers when fed one byte at a time', async () => {
    const whole = await run([PIPELINE]);
    const bytes = await run([...PIPELINE]);
    assert.deepEqual(responses(bytes.out), responses(whole.out));
    assert.deepEqual(bytes.seen, whole.seen);
  });

  it('gives the same answers split at every byte boundary (two pieces) and at 50 seeded random splits', async () => {
    const want = responses((await run([PIPELINE])).out);
    for (let i = 1; i < PIPELINE.length; i += 7) {
      assert.deepEqual(responses((await run([PIPELINE.slice(0, i), PIPELINE.slice(i)])).out), want, `split at ${i}`);
    }
    const rnd = prng(9112);
    for (let k = 0; k < 50; k++) {
      const pieces: string[] = [];
      let at = 0;
      while (at < PIPELINE.length) {
        const n = 1 + Math.floor(rnd() * 40);
        pieces.push(PIPELINE.slice(at, at + n));
        at += n;
      }
      assert.deepEqual(responses((await run(pieces)).out), want, `random split #${k}`);
    }
  });
});

describe('http1 server: answers', () => {
  it('frames a body without content-length as chunked for HTTP/1.1 and close-delimited for HTTP/1.0, with trailers', async () => {
    const handler = (_req: unknown, res: import('./response.js').Http1Response): void => {
      res.writeHead(200, ['x-a', 'b']);
      res.write(Buffer.from('hello '));
      res.write(Buffer.from('world'));
      res.addTrailers({ 'grpc-status': '0' });
      res.end();
    };
    const s11 = fakeConnection(handler);
    s11.push('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await settle();
    const t11 = s11.text();
    assert.match(t11, /^HTTP\/1\.1 200 OK\r\nx-a: b\r\ndate: [^\r]+\r\ntransfer-encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\ngrpc-status: 0\r\n\r\n$/);
    const s10 = fakeConnection(handler);
    s10.push('GET / HTTP/1.0\r\n\r\n');
    await settle();
    assert.match(s10.text(), /^HTTP\/1\.1 200 OK\r\nx-a: b\r\ndate: [^\r]+\r\nconnection: close\r\n\r\nhello world$/);
    assert.equal(s10.writableEnded, true, 'closed after a close-delimited body');
  });

  it('sends no body for HEAD, 204 and 304, keeping a HEAD content-length', async () => {
    const statuses = [204, 304];
    let i = 0;
    const s = fakeConnection((req, res) => {
      const status = req.method === 'HEAD' ? 200 : statuses[i++]!;
      res.writeHead(status, ['content-length', '5']);
      res.write(Buffer.from('12345'));
      res.end();
    });
    s.push('HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await settle();
    const out = s.text();
    assert.doesNotMatch(out, /12345/);
    assert.deepEqual(out.match(/HTTP\/1\.1 \d+/g), ['HTTP/1.1 200', 'HTTP/1.1 204', 'HTTP/1.1 304']);
    assert.match(out, /^HTTP\/1\.1 200 OK\r\ncontent-length: 5\r\n/);
    // The GET 200 is the one with a body.
    const s2 = fakeConnection((_req, res) => { res.writeHead(200, ['content-length', '5']); res.end('12345'); });
    s2.push('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await settle();
    assert.match(s2.text(), /\r\n\r\n12345$/);
  });

  it('answers Expect: 100-continue before the body', async () => {
    const seen: Seen[] = [];
    const s = fakeConnection(echoHandler(seen));
    s.push('PUT /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n');
    await settle();
    assert.equal(s.text(), 'HTTP/1.1 100 Continue\r\n\r\n');
    s.push('abc');
    await settle();
    assert.match(s.text(), /PUT \/u 3$/);
  });

  it('sends the head with a one-piece body as one write, and a streamed head on the next tick', async () => {
    let later: (() => void) | undefined;
    const s = fakeConnection((req, res) => {
      if (req.url === '/one') { res.writeHead(200, ['content-length', '5']); res.write(Buffer.from('hello')); res.end(); return; }
      res.writeHead(200, ['content-type', 'text/plain']);
      later = () => { res.write(Buffer.from('abc')); res.end(); };
    });
    s.push('GET /one HTTP/1.1\r\nHost: x\r\n\r\n');
    await settle();
    assert.equal(s.out.length, 1, 'one write for head and body');
    assert.match(s.out[0]!.toString('latin1'), /^HTTP\/1\.1 200 OK\r\ncontent-length: 5\r\ndate: [^\r]+\r\n\r\nhello$/);
    s.push('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    await settle();
    assert.match(s.text(), /\r\n\r\nhelloHTTP\/1\.1 200 OK\r\ncontent-type: text\/plain\r\ndate: [^\r]+\r\ntransfer-encoding: chunked\r\n\r\n$/, 'the head is out before the body');
    later!();
    await settle();
    assert.match(s.text(), /chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n$/);
  });

  it('answers a late first response before the second of two pipelined requests', async () => {
    const pending: (() => void)[] = [];
    const s = fakeConnection((req, res) => {
      pending.push(() => { res.writeHead(200, ['content-length', String(req.url.length)]); res.end(req.url); });
    });
    s.push('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    await settle();
    assert.equal(pending.length, 1, 'the second waits for the first to be answered');
    pending[0]!();
    await settle();
    assert.equal(pending.length, 2);
    pending[1]!();
    assert.match(s.text(), /\/first[^]*\/2$/);
  });

  it('closes after Connection: close, and keeps a HTTP/1.0 keep-alive connection open', async () => {
    const c = fakeConnection(echoHandler([]));
    c.push('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\nHost: x\r\n\r\n');
    await settle();
    assert.match(c.text(), /connection: close\r\n/);
    assert.equal(c.text().match(/HTTP\/1\.1 /g)?.length, 1);
    assert.equal(c.writableEnded, true);
    const k = fakeConnection(echoHandler([]));
    k.push('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await settle();
    assert.equal(k.text().match(/connection: keep-alive/g)?.length, 2);
    assert.equal(k.writableEnded, false);
  });

  it('reads and drops a body the handler did not read, and serves the next request', async () => {
    const s = fakeConnection((req, res) => { res.writeHead(403, ['content-length', '0']); res.end(); void req; });
    s.push('POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234');
    await settle();
    s.push('56789GET /y HTTP/1.1\r\nHost: x\r\n\r\n');
    await settle();
    assert.equal(s.text().match(/HTTP\/1\.1 403/g)?.length, 2);
  });

  it('builds the lower-case header map on demand and hands a Readable only to requests with a body', async () => {
    const got: unknown[] = [];
    const s = fakeConnection((req, res) => {
      got.push(req.body === undefined, req.headers['x-multi'], req.headers['set-cookie']);
      res.writeHead(200, ['content-length', '0']);
      res.end();
    });
    s.push('GET / HTTP/1.1\r\nHost: x\r\nX-Multi: a\r\nx-multi: b\r\nSet-Cookie: c=1\r\nSet-Cookie: d=2\r\n\r\n');
    await settle();
    assert.deepEqual(got, [true, 'a, b', ['c=1', 'd=2']]);
  });
});

describe('http1 server: refusals', () => {
  const bad: [string, string][] = [
    ['a malformed request line', 'GARBAGE\r\n\r\n'],
    ['both content-length and chunked (smuggling)', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['differing content-lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd'],
    ['an unknown transfer coding', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'],
    ['a bare LF in a header', 'GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n'],
    ['HTTP/2.0 as a request line', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ];
  for (const [name, bytes] of bad) {
    it(`answers 400 and closes on ${name}, without calling the handler`, async () => {
      let called = 0;
      const s = fakeConnection(() => { called++; });
      s.push(bytes);
      await settle();
      assert.match(s.text(), /^HTTP\/1\.1 400 Bad Request\r\n[^]*connection: close\r\n\r\n$/);
      assert.equal(called, 0);
      assert.equal(s.writableEnded, true);
    });
  }

  it('answers 400 after the response in progress on a malformed chunk size', async () => {
    const s = fakeConnection((_req, res) => { res.writeHead(200, ['content-length', '0']); res.end(); });
    s.push('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
    await settle();
    assert.match(s.text(), /^HTTP\/1\.1 200 OK/);
    assert.equal(s.writableEnded, true);
  });

  it('answers 431 to a head over 96 KB and 400 is not needed below it', async () => {
    const s = fakeConnection(echoHandler([]));
    s.push(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(97 * 1024)}`);
    await settle();
    assert.match(s.text(), /^HTTP\/1\.1 431 /);
    const ok = fakeConnection(echoHandler([]));
    ok.push(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(90 * 1024)}\r\n\r\n`);
    await settle();
    assert.match(ok.text(), /^HTTP\/1\.1 200 /);
  });

  it('closes an idle connection after the idle timeout, and not while a response is out', async () => {
    const idle = fakeConnection(echoHandler([]), { idleTimeoutMs: 150 });
    let held: (() => void) | undefined;
    const busy = fakeConnection((_req, res) => { held = () => { res.writeHead(200, ['content-length', '0']); res.end(); }; }, { idleTimeoutMs: 150 });
    busy.push('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(idle.destroyed, true);
    assert.equal(busy.destroyed, false);
    held!();
    await settle();
    assert.match(busy.text(), /^HTTP\/1\.1 200/);
  });

  it('survives 300 seeded random byte strings: each gets a 4xx or a close, never a crash', async () => {
    const rnd = prng(31337);
    const alphabet = 'GETPOST /HTTP1.0\r\n:; -chunkedContent-LengthTransfer-Encoding0123456789abcdef\0\x7f\xff';
    for (let k = 0; k < 300; k++) {
      const n = 1 + Math.floor(rnd() * 300);
      let text = rnd() < 0.5 ? 'POST / HTTP/1.1\r\n' : '';
      for (let i = 0; i < n; i++) text += alphabet[Math.floor(rnd() * alphabet.length)];
      const s = fakeConnection(echoHandler([]));
      s.push(Buffer.from(text + (rnd() < 0.5 ? '\r\n\r\n' : ''), 'latin1'));
      await settle();
      const out = s.text();
      assert.ok(out === '' || /^HTTP\/1\.1 (100|200|4\d\d) /.test(out), `case ${k}: ${JSON.stringify(out.slice(0, 40))}`);
    }
    const after = fakeConnection(echoHandler([]));
    after.push('GET /still HTTP/1.1\r\nHost: x\r\n\r\n');
    await settle();
    assert.match(after.text(), /GET \/still 0$/);
  });
});

describe('http1 chunked decoder', () => {
  const body = '4\r\nWiki\r\n5;a=b\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\nX: y\r\n\r\nNEXT';
  it('decodes data and trailers, stopping at the end of the message, at every split', () => {
    for (let i = 0; i <= body.length; i++) {
      const dec = new ChunkedDecoder();
      let data = '';
      const buf = Buffer.from(body, 'latin1');
      let end = dec.decode(buf.subarray(0, i), 0, (p) => { data += p.toString('latin1'); });
      if (!dec.done) end = i + dec.decode(buf.subarray(i), 0, (p) => { data += p.toString('latin1'); });
      assert.equal(data, 'Wikipedia in\r\n\r\nchunks.', `split ${i}`);
      assert.deepEqual(dec.trailers, ['Expires', 'never', 'X', 'y']);
      assert.equal(body.slice(end), 'NEXT');
    }
  });

  for (const [name, bad] of [['a non-hex size', 'g\r\n'], ['a missing CRLF after data', '1\r\nab'], ['a bare LF size line', '1\nab'], ['an oversized size', 'fffffffffffffff\r\n']]) {
    it(`refuses ${name}`, () => {
      assert.throws(() => new ChunkedDecoder().decode(Buffer.from(bad!), 0, () => undefined), { code: 'HPE_INVALID_CHUNK_SIZE' });
    });
  }
});
