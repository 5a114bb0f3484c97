import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { CreateServiceCommand } from '@aws-sdk/client-vpc-lattice';
import { LocalCertificateAuthority } from '../../src/cli/certificates.js';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';
import { viaProxy } from './dataplane-support.js';
import { h2Request, h2Session, type LatticeSetup } from './http2-support.js';
import { LatticeNetwork } from './lattice-setup.js';

/**
 * HTTPS target groups (issue 6 point 2, "HTTPS to targets where the group's protocol says
 * so"; LATTICE.md §2.4): Trellis speaks TLS to the target and, as Lattice does, does not
 * verify the target's certificate — the backends here present a leaf of a throwaway CA that
 * Trellis has never seen. An HTTPS/HTTP1 group behind an HTTP listener (HTTP/1.1 over TLS to
 * the target) and an HTTPS/HTTP2 group behind an HTTPS listener (h2 negotiated by ALPN with
 * the target). Each backend reports what its own socket saw, so a plaintext hop would fail.
 */

const VPC = 'vpc-0e8000000000000c3';

interface Saw { readonly encrypted: boolean; readonly alpn: string | false | null; readonly httpVersion: string; readonly path: string }

describe('HTTPS target groups', () => {
  let t: TestTrellis;
  let caDir: string;
  let h1: HttpsServer;
  let h2: Http2SecureServer;
  let proxyPort: number;
  let setup: LatticeSetup;
  const hosts: Record<string, string> = {};

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    proxyPort = Number(t.gateway!.split(':')[1]);
    // The backends' own CA: nothing in Trellis trusts it.
    caDir = mkdtempSync(join(tmpdir(), 'trellis-target-ca-'));
    const leaf = await LocalCertificateAuthority.open(caDir).leafFor('backend.internal');
    const saw = (socket: TLSSocket, httpVersion: string, path: string): string =>
      JSON.stringify({ encrypted: socket.encrypted === true, alpn: socket.alpnProtocol, httpVersion, path } satisfies Saw);
    h1 = createHttpsServer({ ...leaf, ALPNProtocols: ['http/1.1'] }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(saw(req.socket as TLSSocket, req.httpVersion, req.url ?? ''));
    });
    h2 = createSecureServer({ ...leaf, allowHTTP1: false });
    h2.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(saw(stream.session!.socket as TLSSocket, '2.0', String(headers[':path'])));
    });
    await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));

    const network = await LatticeNetwork.create(t, VPC, '10.80.0.0/16', 'tls-targets');
    const tg1 = await network.targetGroup('tls-h1', [(h1.address() as AddressInfo).port], { protocol: 'HTTPS', port: 443, protocolVersion: 'HTTP1' });
    const tg2 = await network.targetGroup('tls-h2', [(h2.address() as AddressInfo).port], { protocol: 'HTTPS', port: 443, protocolVersion: 'HTTP2' });
    for (const [name, protocol, port, tg] of [['tls-one', 'HTTP', 80, tg1.id!], ['tls-two', 'HTTPS', 443, tg2.id!]] as const) {
      const svc = await t.lattice.send(new CreateServiceCommand({ name }));
      hosts[name] = svc.dnsEntry!.domainName!;
      await network.listener(svc.id!, name, protocol, port, tg);
      await network.associate(svc.id!);
    }
    const { vpcPort, ca } = await network.open();
    setup = { hosts, vpcPort, ca, logDir: join(t.dataDir, 'logs') };
  });

  after(async () => {
    await t.close();
    await new Promise<void>((r) => h1.close(() => r()));
    await new Promise<void>((r) => h2.close(() => r()));
    rmSync(caDir, { recursive: true, force: true });
  });

  it('HTTP/1.1 over TLS to an HTTPS/HTTP1 group, without verifying the target certificate', async () => {
    const r = await eventually(async () => {
      const reply = await viaProxy(proxyPort, VPC, `http://${hosts['tls-one']}/over-tls?x=1`);
      return reply.status === 200 ? reply : undefined;
    }, 10_000);
    assert.deepEqual(JSON.parse(r.body) as Saw, { encrypted: true, alpn: 'http/1.1', httpVersion: '1.1', path: '/over-tls?x=1' });
  });

  it('h2 negotiated by ALPN with the target of an HTTPS/HTTP2 group', async () => {
    const session = await eventually(() => h2Session(setup, 'tls-two').catch(() => undefined), 10_000);
    try {
      const r = await h2Request(session, { ':path': '/h2-over-tls', ':authority': hosts['tls-two']! });
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body) as Saw, { encrypted: true, alpn: 'h2', httpVersion: '2.0', path: '/h2-over-tls' });
    } finally {
      session.destroy();
    }
  });
});
