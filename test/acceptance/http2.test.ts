import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as h2connect, constants, createServer as createH2Server, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { bootTrellis, type TestTrellis } from '../support/trellis.js';
import { startBackend, type Backend } from './dataplane-support.js';
import { h2Request, h2Session, h2SessionViaProxy, logRecords, setUpServices, type LatticeSetup } from './http2-support.js';

/**
 * HTTP/2 through Trellis (issue 6; LATTICE.md §2.2 ALPN HTTP2Preferred, §2.6 the
 * protocol-version matrix): node:http2 clients over TLS to the VPC address and through the
 * proxy's CONNECT; an HTTP1 group (the request downgraded to HTTP/1.1) and an HTTP2 group
 * (an h2c backend made with node:http2); HTTP/1.1 to the HTTP2 group → 502; h2c to an HTTP
 * listener refused with GOAWAY HTTP_1_1_REQUIRED; the access log's protocol and TLS fields.
 */

const VPC = 'vpc-0e7000000000000b2';

interface SeenH2 { readonly headers: IncomingHttpHeaders; readonly body: string }

describe('HTTP/2 through the gateways', () => {
  let t: TestTrellis;
  let setup: LatticeSetup;
  let h1: Backend;
  let h2: Http2Server;
  const h2seen: SeenH2[] = [];

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    h1 = await startBackend('h1');
    // An h2c target: echoes what it saw; sends a trailer when the client takes trailers.
    h2 = createH2Server();
    h2.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        h2seen.push({ headers, body });
        if (headers[':path'] === '/status/418') {
          stream.respond({ ':status': 418, 'content-type': 'text/plain' });
          stream.end('teapot');
          return;
        }
        const trailers = headers.te === 'trailers';
        stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-from': 'h2-target' }, { waitForTrailers: trailers });
        if (trailers) stream.once('wantTrailers', () => stream.sendTrailers({ 'x-checksum': String(body.length) }));
        stream.end(JSON.stringify({ backend: 'h2', path: headers[':path'], method: headers[':method'], bodyLength: body.length }));
      });
    });
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    setup = await setUpServices(t, VPC, '10.70.0.0/16', 'h2-net', [
      { name: 'h2-down', protocolVersion: 'HTTP1', targetPort: h1.port, httpPort: 80 },
      { name: 'h2-up', protocolVersion: 'HTTP2', targetPort: (h2.address() as AddressInfo).port },
    ]);
  });

  after(async () => {
    await t.close();
    await h1.close();
    await new Promise<void>((r) => h2.close(() => r()));
  });

  it('negotiates h2 by ALPN on the VPC address and through the proxy CONNECT', async () => {
    const direct = await h2Session(setup, 'h2-down');
    try {
      assert.equal(direct.alpnProtocol, 'h2');
      const r = await h2Request(direct, { ':path': '/alpn', ':authority': setup.hosts['h2-down']! });
      assert.equal(r.status, 200);
      assert.equal((JSON.parse(r.body) as { backend: string }).backend, 'h1');
    } finally {
      direct.destroy();
    }
    const tunneled = await h2SessionViaProxy(setup, t.gateway!, VPC, 'h2-up');
    try {
      assert.equal(tunneled.alpnProtocol, 'h2');
      const r = await h2Request(tunneled, { ':path': '/via-proxy', ':authority': setup.hosts['h2-up']! });
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), { backend: 'h2', path: '/via-proxy', method: 'GET', bodyLength: 0 });
    } finally {
      tunneled.destroy();
    }
  });

  it('HTTP/2 → HTTP1 group: downgraded to HTTP/1.1, :authority as Host, no pseudo-headers, body streamed', async () => {
    const s = await h2Session(setup, 'h2-down');
    try {
      const host = setup.hosts['h2-down']!;
      const r = await h2Request(s, { ':method': 'POST', ':path': '/down?x=1', ':authority': host, 'content-type': 'text/plain', cookie: 'a=1', 'x-amzn-lattice-identity': 'spoofed' }, 'x'.repeat(70_000));
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), { backend: 'h1', url: '/down?x=1', bodyLength: 70_000 });
      assert.match(String(r.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
      const seen = h1.seen.at(-1)!;
      assert.equal(seen.method, 'POST');
      assert.equal(seen.headers.host, host);
      assert.equal(seen.headers['x-forwarded-proto'], 'https');
      assert.equal(seen.headers['x-forwarded-port'], '443');
      assert.equal(seen.headers['x-forwarded-for'], '10.70.0.4');
      assert.equal(seen.headers.cookie, 'a=1');
      assert.equal(seen.headers['x-amzn-lattice-identity'], undefined, 'spoofed identity stripped');
      assert.ok(!seen.rawHeaders.some((n, i) => i % 2 === 0 && n.startsWith(':')), 'no pseudo-header reaches an HTTP/1.1 target');
    } finally {
      s.destroy();
    }
  });

  it('HTTP/2 → HTTP2 group: forwarded in HTTP/2 (h2c), trailers and the target status relayed', async () => {
    const s = await h2Session(setup, 'h2-up');
    try {
      const host = setup.hosts['h2-up']!;
      const r = await h2Request(s, { ':method': 'PUT', ':path': '/up', ':authority': host, te: 'trailers' }, 'hello');
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), { backend: 'h2', path: '/up', method: 'PUT', bodyLength: 5 });
      assert.equal(r.headers['x-from'], 'h2-target');
      assert.equal(r.trailers?.['x-checksum'], '5');
      const seen = h2seen.at(-1)!;
      assert.equal(seen.headers[':authority'], host);
      assert.equal(seen.headers[':scheme'], 'http');
      assert.equal(seen.headers['x-forwarded-proto'], 'https');
      assert.equal(seen.headers['x-amzn-source-vpc'], VPC);
      assert.match(String(seen.headers['x-amzn-lattice-target']), /^ServiceArn=arn:aws:vpc-lattice:/);
      const teapot = await h2Request(s, { ':path': '/status/418', ':authority': host });
      assert.equal(teapot.status, 418);
      assert.equal(teapot.body, 'teapot');
    } finally {
      s.destroy();
    }
  });

  it('HTTP/1.1 (no ALPN) → HTTP2 group: 502 ProtocolVersionMismatch, logged', async () => {
    const host = setup.hosts['h2-up']!;
    const reply = await new Promise<{ status: number; body: string; id: string }>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: setup.vpcPort, servername: host, path: '/h1-to-h2', headers: { host, 'user-agent': 'h1-mismatch' }, ca: setup.ca, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode!, body: text, id: String(res.headers['x-amzn-requestid']) }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(reply.status, 502);
    assert.match(reply.body, /HTTP\/2/);
    const [rec] = await logRecords(setup.logDir, (r) => r.requestId === reply.id);
    assert.equal(rec!.failureReason, 'ProtocolVersionMismatch');
    assert.equal(rec!.protocol, 'HTTP/1.1');
    assert.equal(rec!.responseCode, 502);
  });

  it('access log: protocol HTTP/2 with the TLS facts of the connection', async () => {
    const s = await h2Session(setup, 'h2-up');
    let id = '';
    try {
      const r = await h2Request(s, { ':path': '/logged', ':authority': setup.hosts['h2-up']!, 'user-agent': 'h2-logged' });
      id = String(r.headers['x-amzn-requestid']);
    } finally {
      s.destroy();
    }
    const [rec] = await logRecords(setup.logDir, (r) => r.requestId === id);
    assert.equal(rec!.protocol, 'HTTP/2');
    assert.equal(rec!.requestMethod, 'GET');
    assert.equal(rec!.requestPath, '/logged');
    assert.equal(rec!.hostHeader, setup.hosts['h2-up']);
    assert.equal(rec!.serverNameIndication, setup.hosts['h2-up']);
    assert.equal(rec!.tlsVersion, 'TLSv1.3');
    assert.equal(rec!.sslCipher, 'TLS_AES_128_GCM_SHA256');
    assert.equal(rec!.listenerType, 'HTTPS');
    assert.equal(rec!.userAgent, 'h2-logged');
    assert.equal(rec!.responseCode, 200);
    assert.equal(rec!.failureReason, '-');
    assert.equal(rec!.grpcResponseCode, '-');
  });

  it('many concurrent streams on one connection each get their own answer', async () => {
    const s = await h2Session(setup, 'h2-up');
    try {
      const host = setup.hosts['h2-up']!;
      const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => h2Request(s, { ':path': `/c/${i}`, ':authority': host })));
      replies.forEach((r, i) => assert.equal((JSON.parse(r.body) as { path: string }).path, `/c/${i}`));
    } finally {
      s.destroy();
    }
  });

  it('h2c (prior knowledge) to the VPC address: GOAWAY HTTP_1_1_REQUIRED, HTTP/1.1 still served there', async () => {
    const code = await new Promise<number>((resolve, reject) => {
      const s = h2connect(`http://127.0.0.1:${setup.vpcPort}`);
      s.on('goaway', (errorCode: number) => { s.destroy(); resolve(errorCode); });
      s.on('error', () => undefined);
      s.on('close', () => reject(new Error('closed without GOAWAY')));
      s.setTimeout(5000, () => { s.destroy(); reject(new Error('no GOAWAY')); });
    });
    assert.equal(code, constants.NGHTTP2_HTTP_1_1_REQUIRED);
    // The plaintext side of the same address still takes HTTP/1.1 (service h2-down has port 80).
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: setup.vpcPort, path: '/plain', headers: { host: setup.hosts['h2-down'] }, agent: false }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
  });
});
