import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { ProxyAgent, request as undiciRequest } from 'undici';
import { CreateServiceCommand } from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';
import { basic, startBackend, viaProxy, type Backend } from './dataplane-support.js';
import { LatticeNetwork, tlsHandshake, type Handshake } from './lattice-setup.js';

/**
 * HTTPS listeners (issue 6, first slice; LATTICE.md §2.2): the local CA in the data dir,
 * leaves issued per service name, TLS terminated by the proxy gateway's CONNECT tunnels and
 * by the VPC gateway addresses (first byte 0x16), SNI choosing the service's certificate,
 * and the request path behind it with `x-forwarded-proto: https`. Clients are the real
 * ones: curl with `--cacert`, undici, node:https and node:tls, trusting only the CA.
 */

const VPC = 'vpc-0e6000000000000a1';
const exec = promisify(execFile);
/** A command with a deadline: curl must not hang a test. */
const run = (cmd: string, args: string[]) => exec(cmd, args, { timeout: 15_000 });

describe('HTTPS listeners through the gateways', () => {
  let t: TestTrellis;
  let ca: string;
  let proxy: string;
  let vpcPort: number;
  const backends: Record<'a' | 'b', Backend> = {} as never;
  const host: Record<'a' | 'b', string> = {} as never;

  /** A TLS handshake with the VPC address as `servername` (undefined: no SNI). */
  const handshake = (servername: string | undefined): Promise<Handshake> => tlsHandshake(vpcPort, servername, ca, ['http/1.1']);

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    proxy = t.gateway!;
    backends.a = await startBackend('a');
    backends.b = await startBackend('b');
    const net = await LatticeNetwork.create(t, VPC, '10.60.0.0/16', 'https-net');
    for (const k of ['a', 'b'] as const) {
      const svc = await t.lattice.send(new CreateServiceCommand({ name: `https-${k}` }));
      host[k] = svc.dnsEntry!.domainName!;
      const tg = await net.targetGroup(`https-tg-${k}`, [backends[k].port]);
      await net.listener(svc.id!, 'https', 'HTTPS', 443, tg.id!);
      // Service a also has a plain HTTP listener on 8080: TLS there fails the handshake.
      if (k === 'a') await net.listener(svc.id!, 'http', 'HTTP', 8080, tg.id!);
      await net.associate(svc.id!);
    }
    ({ vpcPort, ca } = await net.open());
    // Routed once the data plane has compiled the services (a handshake needs the listener).
    await eventually(async () => (await handshake(host.b).catch(() => undefined))?.authorized === true, 10_000);
  });

  after(async () => {
    await t.close();
    await backends.a.close();
    await backends.b.close();
  });

  it('`trellis ca` prints the CA certificate made on first start; its key beside it is 0600', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'ca', '--data-dir', t.dataDir]);
    const path = stdout.trim();
    assert.equal(path, join(t.dataDir, 'ca', 'ca.pem'));
    assert.equal(readFileSync(path, 'utf8'), ca, 'the same CA as the running data plane (not a new one)');
    assert.equal(statSync(join(t.dataDir, 'ca', 'ca-key.pem')).mode & 0o777, 0o600);
    const cert = new X509Certificate(ca);
    assert.equal(cert.ca, true);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  });

  it('curl --cacert through the proxy gateway (CONNECT) reaches the service over TLS', async () => {
    const { stdout } = await run('curl', [
      '-sS', '--fail', '--cacert', join(t.dataDir, 'ca', 'ca.pem'), '-x', `http://${VPC}:x@${proxy}`, `https://${host.a}/hello?x=1`,
    ]);
    assert.deepEqual(JSON.parse(stdout), { backend: 'a', url: '/hello?x=1', bodyLength: 0 });
    const seen = backends.a.seen.at(-1)!;
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal(seen.headers['x-forwarded-port'], '443');
    assert.equal(seen.headers['x-forwarded-for'], '10.60.0.4');
    assert.equal(seen.headers.host, host.a);
  });

  it('curl --cacert to the VPC gateway address: the same port takes TLS (→ listener 443)', async () => {
    const { stdout } = await run('curl', [
      '-sS', '--fail', '--cacert', join(t.dataDir, 'ca', 'ca.pem'), '--resolve', `${host.b}:${vpcPort}:127.0.0.1`, `https://${host.b}:${vpcPort}/b`,
    ]);
    assert.equal((JSON.parse(stdout) as { backend: string }).backend, 'b');
    assert.equal(backends.b.seen.at(-1)!.headers['x-forwarded-proto'], 'https');
    assert.equal(backends.b.seen.at(-1)!.headers['x-forwarded-port'], '443');
  });

  it('undici through the proxy (ProxyAgent, CONNECT) and node:https to the VPC address, trusting the CA only', async () => {
    const agent = new ProxyAgent({ uri: `http://${proxy}`, token: basic(VPC), requestTls: { ca } });
    try {
      const res = await undiciRequest(`https://${host.b}/via-undici`, { dispatcher: agent });
      assert.equal(res.statusCode, 200);
      assert.equal(((await res.body.json()) as { backend: string }).backend, 'b');
    } finally {
      await agent.close();
    }
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: vpcPort, servername: host.a, path: '/via-https', headers: { host: host.a }, ca, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal((JSON.parse(body) as { backend: string }).backend, 'a');
  });

  it('SNI picks each service its own certificate on one port (SAN = the DNS name, signed by the CA, ALPN http/1.1)', async () => {
    for (const k of ['a', 'b'] as const) {
      const seen = await handshake(host[k]);
      assert.equal(seen.authorized, true, `${k}: the chain verifies against the CA`);
      assert.equal(seen.cert.subjectaltname, `DNS:${host[k]}`);
      assert.equal(seen.alpn, 'http/1.1');
    }
    assert.notEqual((await handshake(host.a)).cert.fingerprint256, (await handshake(host.b)).cert.fingerprint256);
    // Issued once and kept: the same certificate again, and on disk.
    assert.equal((await handshake(host.a)).cert.fingerprint256, (await handshake(host.a)).cert.fingerprint256);
    assert.equal(statSync(join(t.dataDir, 'ca', 'leaves', `${host.a}.pem`)).mode & 0o777, 0o600);
  });

  it('fails the handshake for an unknown name, no SNI, or a service without an HTTPS listener on the port', async () => {
    await assert.rejects(handshake('unknown.example.com'));
    await assert.rejects(handshake(undefined));
    // Service a's port 8080 is HTTP: a CONNECT to it carries TLS that no HTTPS listener takes.
    await assert.rejects(run('curl', ['-sS', '--cacert', join(t.dataDir, 'ca', 'ca.pem'), '-x', `http://${VPC}:x@${proxy}`, `https://${host.a}:8080/`]));
    // The same service still answers plain HTTP on 8080.
    assert.equal((await viaProxy(Number(proxy.split(':')[1]), VPC, `http://${host.a}:8080/plain`)).status, 200);
  });

  it('resets plain HTTP sent to an HTTPS listener port (as a TLS listener would)', async () => {
    await assert.rejects(viaProxy(Number(proxy.split(':')[1]), VPC, `http://${host.b}:443/`), /socket hang up|ECONNRESET/);
    // On the VPC address plaintext reaches port 80, where service b has no listener: a reset too.
    await assert.rejects(run('curl', ['-sS', '-H', `host: ${host.b}`, `http://127.0.0.1:${vpcPort}/`]), /Empty reply|reset|Recv failure/);
  });

  it('CONNECT needs the VPC as proxy user: 407 without, 403 for an unknown VPC', async () => {
    const status = async (auth: string | undefined): Promise<string> => {
      const args = ['-s', '-o', '/dev/null', '-w', '%{http_connect}', '--cacert', join(t.dataDir, 'ca', 'ca.pem')];
      if (auth) args.push('-x', `http://${auth}@${proxy}`); else args.push('-x', `http://${proxy}`);
      const out = await run('curl', [...args, `https://${host.a}/`]).catch((e: { stdout: string }) => e);
      return out.stdout;
    };
    assert.equal(await status(undefined), '407');
    assert.equal(await status('vpc-0e60000000000ffff:x'), '403');
    assert.equal(await status(`${VPC}:x`), '200');
  });
});
