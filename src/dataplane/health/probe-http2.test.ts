import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { HEALTH_CHECK_USER_AGENT, httpProber } from './probe.js';

/** Health checks with protocolVersion HTTP2 go over HTTP/2 (h2c here) against real targets. */

describe('HTTP/2 health probes', () => {
  let h2: Http2Server;
  let h1: Server;
  let status = 200;
  const seen: IncomingHttpHeaders[] = [];

  before(async () => {
    h2 = createServer();
    h2.on('stream', (stream, headers) => {
      seen.push(headers);
      stream.respond({ ':status': status }, { endStream: true });
    });
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    h1 = createHttpServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    await new Promise<void>((r) => h2.close(() => r()));
    await new Promise<void>((r) => h1.close(() => r()));
  });

  const port = (s: Http2Server | Server): number => (s.address() as AddressInfo).port;

  it('answers the target\'s status over h2c, with the checker\'s user agent and path', async () => {
    status = 200;
    assert.equal(await httpProber({ protocol: 'HTTP', address: '127.0.0.1', port: port(h2), path: '/health?x=1', protocolVersion: 'HTTP2' }, new AbortController().signal), 200);
    const h = seen.at(-1)!;
    assert.equal(h[':path'], '/health?x=1');
    assert.equal(h['user-agent'], HEALTH_CHECK_USER_AGENT);
    status = 503;
    assert.equal(await httpProber({ protocol: 'HTTP', address: '127.0.0.1', port: port(h2), path: '/', protocolVersion: 'HTTP2' }, new AbortController().signal), 503);
  });

  it('fails against a target that speaks only HTTP/1.1, and a closed port; HTTP1 probes still use HTTP/1.1', async () => {
    await assert.rejects(httpProber({ protocol: 'HTTP', address: '127.0.0.1', port: port(h1), path: '/', protocolVersion: 'HTTP2' }, AbortSignal.timeout(3000)));
    await assert.rejects(httpProber({ protocol: 'HTTP', address: '127.0.0.1', port: 1, path: '/', protocolVersion: 'HTTP2' }, new AbortController().signal));
    assert.equal(await httpProber({ protocol: 'HTTP', address: '127.0.0.1', port: port(h1), path: '/', protocolVersion: 'HTTP1' }, new AbortController().signal), 200);
  });
});
