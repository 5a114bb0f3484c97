import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { parseClientHello, type ClientHello } from './client-hello.js';

/**
 * The ClientHello reader against ClientHellos captured from real clients (node:tls in both
 * TLS versions, with and without SNI and ALPN, and curl), re-framed across records, cut
 * short at every length, and mangled: it must find the same SNI or say incomplete/invalid,
 * and never throw.
 */

/** A loopback server that keeps the first bytes of each connection until they hold a whole ClientHello. */
class Capture {
  private server: Server | undefined;
  private waiting: ((b: Buffer) => void)[] = [];
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((socket) => {
      let got = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (parseClientHello(got).kind !== 'incomplete' || got.length > 64 * 1024) {
          socket.destroy();
          this.waiting.shift()?.(got);
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  /** The bytes of the next connection's ClientHello. */
  next(): Promise<Buffer> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async fromNode(opts: ConnectionOptions): Promise<Buffer> {
    const bytes = this.next();
    const s = tlsConnect({ host: '127.0.0.1', port: this.port, rejectUnauthorized: false, ...opts });
    s.on('error', () => undefined);
    const b = await bytes;
    s.destroy();
    return b;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }
}

function ok(b: Uint8Array): ClientHello {
  const r = parseClientHello(b);
  assert.equal(r.kind, 'ok', JSON.stringify(r));
  return r as ClientHello;
}

/** The same handshake bytes re-framed into records of at most `size` bytes each. */
function reframe(hello: Buffer, size: number): Buffer {
  const len = (hello[3]! << 8) | hello[4]!;
  const body = hello.subarray(5, 5 + len);
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const part = body.subarray(i, i + size);
    out.push(Buffer.from([22, 3, 1, part.length >> 8, part.length & 0xff]), part);
  }
  return Buffer.concat(out);
}

/** Deterministic pseudo-random bytes (xorshift), so a failure reproduces. */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

describe('client-hello: reading SNI from a raw TLS ClientHello', () => {
  const cap = new Capture();
  let tls13: Buffer;

  before(async () => {
    await cap.start();
    tls13 = await cap.fromNode({ servername: 'Svc.Example.COM', ALPNProtocols: ['h2', 'http/1.1'] });
  });
  after(() => cap.close());

  it('reads SNI (lower-cased), ALPN and the legacy version from node:tls (TLS 1.3 and 1.2)', async () => {
    const a = ok(tls13);
    assert.equal(a.serverName, 'svc.example.com');
    assert.deepEqual(a.alpn, ['h2', 'http/1.1']);
    assert.equal(a.legacyVersion, 0x0303);
    assert.equal(a.recordBytes, tls13.length);

    const b = ok(await cap.fromNode({ servername: 'old.example.net', maxVersion: 'TLSv1.2' }));
    assert.equal(b.serverName, 'old.example.net');
    assert.deepEqual(b.alpn, []);
  });

  it('has no server name when the client sends none (node:tls to an IP address)', async () => {
    const r = ok(await cap.fromNode({}));
    assert.equal(r.serverName, undefined);
  });

  it('reads the ClientHello curl sends', async (t) => {
    const bytes = cap.next();
    const child = execFile('curl', ['-sk', '--max-time', '5', '--resolve', `curl.example.org:${cap.port}:127.0.0.1`, `https://curl.example.org:${cap.port}/`], () => undefined);
    child.on('error', () => undefined);
    const got = await Promise.race([bytes, new Promise<undefined>((r) => setTimeout(r, 6000))]);
    if (got === undefined) return t.skip('curl sent nothing (not installed?)');
    const r = ok(got);
    assert.equal(r.serverName, 'curl.example.org');
    assert.ok(r.alpn.includes('http/1.1'), `curl offers http/1.1: ${r.alpn.join(',')}`);
  });

  it('reassembles a ClientHello fragmented over many records, and counts their bytes', () => {
    for (const size of [1, 7, 100, 512]) {
      const framed = reframe(tls13, size);
      const r = ok(Buffer.concat([framed, Buffer.from([23, 3, 3, 0, 1, 0])]));
      assert.equal(r.serverName, 'svc.example.com', `records of ${size}`);
      assert.equal(r.recordBytes, framed.length, 'the trailing record is not part of the ClientHello');
    }
  });

  it('answers incomplete for every truncation, never ok and never a throw', () => {
    for (const b of [tls13, reframe(tls13, 50)]) {
      for (let n = 0; n < b.length; n++) assert.equal(parseClientHello(b.subarray(0, n)).kind, 'incomplete', `prefix of ${n}`);
    }
  });

  it('says invalid for what is not a ClientHello', () => {
    const cases: [string, Buffer][] = [
      ['plain HTTP', Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n')],
      ['an alert record', Buffer.from([21, 3, 3, 0, 2, 2, 40])],
      ['a ServerHello', Buffer.from([22, 3, 3, 0, 4, 2, 0, 0, 0])],
      ['an empty record', Buffer.from([22, 3, 1, 0, 0])],
      ['an oversized record', Buffer.from([22, 3, 1, 0x48, 0x01])],
      ['SSLv2 framing', Buffer.from([0x80, 0x2e, 1, 3, 1, 0, 0x15])],
    ];
    for (const [name, b] of cases) assert.equal(parseClientHello(b).kind, 'invalid', name);
    // A ClientHello whose extensions overrun their block.
    const bad = Buffer.from(tls13);
    const extLenAt = 5 + 4 + 2 + 32 + 1 + bad[5 + 4 + 2 + 32]!;
    const suites = bad.readUInt16BE(extLenAt);
    const at = extLenAt + 2 + suites;
    bad.writeUInt16BE(bad.readUInt16BE(at + 1 + bad[at]!) + 1, at + 1 + bad[at]!);
    assert.equal(parseClientHello(bad).kind, 'invalid');
  });

  it('never throws on random bytes or on a real ClientHello with bytes flipped', () => {
    const rnd = prng(0x5eed);
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.alloc(Math.floor(rnd() * 600));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
      if (i % 2 === 0 && b.length > 5) { b[0] = 22; b[1] = 3; b[5] = 1; }
      parseClientHello(b);
    }
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(tls13);
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const r = parseClientHello(b);
      if (r.kind === 'ok' && r.serverName !== undefined) assert.match(r.serverName, /^[\x21-\x7e]+$/);
    }
  });
});
