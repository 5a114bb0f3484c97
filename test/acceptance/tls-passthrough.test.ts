import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type PeerCertificate } from 'node:tls';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { CreateAccessLogSubscriptionCommand, CreateServiceCommand, CreateTargetGroupCommand, PutAuthPolicyCommand } from '@aws-sdk/client-vpc-lattice';
import { LocalCertificateAuthority } from '../../src/cli/certificates.js';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';
import { startBackend, type Backend } from './dataplane-support.js';
import { logRecords as readLogRecords } from './http2-support.js';
import { LatticeNetwork, tlsHandshake, type Handshake } from './lattice-setup.js';

/**
 * TLS_PASSTHROUGH listeners end to end (issue 6; LATTICE.md §2.2): a TLS backend with its own
 * certificate from a throwaway CA (not Trellis's), a service whose custom domain is the SNI
 * match, a TLS_PASSTHROUGH listener on 443 forwarding to a TCP target group. Clients connect
 * through the VPC gateway address and through the proxy's CONNECT and must see the backend's
 * own certificate; an HTTPS (terminating) service keeps working on the same address.
 */

const VPC = 'vpc-0e7000000000000b1';
const DOMAIN = 'db.passthrough.example.com';
const LOCKED = 'locked.passthrough.example.com';
const exec = promisify(execFile);

describe('TLS_PASSTHROUGH listeners', () => {
  let t: TestTrellis;
  let caDir: string;
  let backendCa: string;
  let backendFingerprint: string;
  let backend: HttpsServer;
  let backendPort: number;
  let plain: Backend;
  let vpcPort: number;
  let proxyPort: number;
  let trellisCa: string;
  let termHost: string;
  let generatedHost: string;
  let svcArn: string;
  let tgId: string;
  let tgArn: string;
  let listenerId: string;
  let lockedId: string;
  let logDir: string;
  const sawSni: string[] = [];

  /** A TLS handshake to the VPC address; resolves with the peer certificate and whether it verified. */
  const handshake = (servername: string, ca: string): Promise<Handshake> => tlsHandshake(vpcPort, servername, ca);

  /** One HTTPS request to the VPC address (node:https, SNI = `servername`, trusting `ca` only). */
  const get = (servername: string, ca: string, path: string, body?: Buffer): Promise<{ status: number; json: Record<string, unknown>; cert: PeerCertificate; localPort: number }> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest({
        host: '127.0.0.1', port: vpcPort, servername, path, ca, agent: false, method: body ? 'POST' : 'GET', headers: { host: servername },
      }, (res) => {
        const cert = (res.socket as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate();
        const localPort = res.socket.localPort ?? 0;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) as Record<string, unknown>, cert, localPort }));
      });
      req.on('error', reject);
      req.end(body);
    });

  /** The access-log records of the passthrough service's subscription, once `pred` finds them. */
  const logRecords = (pred: (r: Record<string, unknown>) => boolean, min = 1): Promise<Record<string, unknown>[]> => readLogRecords(logDir, pred, min);

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    proxyPort = Number(t.gateway!.slice(t.gateway!.lastIndexOf(':') + 1));
    logDir = join(t.dataDir, 'logs');
    // The backend's CA is a throwaway one, not Trellis's: only the backend has its key.
    caDir = mkdtempSync(join(tmpdir(), 'trellis-backend-ca-'));
    const ca = LocalCertificateAuthority.open(caDir);
    backendCa = ca.certPem;
    const leaf = await ca.leafFor(DOMAIN);
    const locked = await ca.leafFor(LOCKED);
    backendFingerprint = new X509Certificate(leaf.cert).fingerprint256;
    backend = createHttpsServer({
      cert: leaf.cert, key: leaf.key,
      SNICallback: (name, cb) => cb(null, createSecureContext(name === LOCKED ? locked : leaf)),
    }, (req, res) => {
      sawSni.push(String((req.socket as unknown as { servername?: string }).servername));
      let bytes = 0;
      req.on('data', (c: Buffer) => { bytes += c.length; });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ backend: 'tls', url: req.url, bytes }));
      });
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendPort = (backend.address() as AddressInfo).port;
    plain = await startBackend('term');

    const net = await LatticeNetwork.create(t, VPC, '10.70.0.0/16', 'passthrough-net');
    const L = t.lattice;
    // TCP groups keep their default health check (the backend's TLS port).
    const tcpGroup = (name: string) => net.targetGroup(name, [backendPort], { protocol: 'TCP', port: backendPort, healthCheck: undefined });

    // The passthrough service: custom domain = the SNI match, TLS_PASSTHROUGH on 443 → TCP group.
    const svc = await L.send(new CreateServiceCommand({ name: 'pt-db', customDomainName: DOMAIN }));
    svcArn = svc.arn!;
    generatedHost = svc.dnsEntry!.domainName!;
    const tg = await tcpGroup('pt-tcp');
    tgId = tg.id!;
    tgArn = tg.arn!;
    listenerId = await net.listener(svc.id!, 'tls', 'TLS_PASSTHROUGH', 443, tg.id!);
    const [, , , region, account] = svcArn.split(':');
    await L.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: svc.id, destinationArn: `arn:aws:logs:${region}:${account}:log-group:/trellis/passthrough` }));
    await net.associate(svc.id!);

    // A second passthrough service under AWS_IAM (no policy yet: every connection is denied).
    const lockedSvc = await L.send(new CreateServiceCommand({ name: 'pt-locked', customDomainName: LOCKED, authType: 'AWS_IAM' }));
    lockedId = lockedSvc.id!;
    await net.listener(lockedSvc.id!, 'tls', 'TLS_PASSTHROUGH', 443, (await tcpGroup('pt-locked-tcp')).id!);
    await net.associate(lockedSvc.id!);

    // An HTTPS (terminating) service on the same port of the same address.
    const term = await L.send(new CreateServiceCommand({ name: 'pt-term' }));
    termHost = term.dnsEntry!.domainName!;
    await net.listener(term.id!, 'https', 'HTTPS', 443, (await net.targetGroup('pt-http', [plain.port])).id!);
    await net.associate(term.id!);

    ({ vpcPort, ca: trellisCa } = await net.open());
    await eventually(async () => (await handshake(DOMAIN, backendCa).catch(() => undefined))?.authorized === true, 10_000);
  });

  after(async () => {
    await t?.close();
    await new Promise<void>((r) => { if (backend === undefined) r(); else { backend.close(() => r()); backend.closeAllConnections(); } });
    await plain?.close();
    if (caDir) rmSync(caDir, { recursive: true, force: true });
  });

  it('relays TLS untouched: the client sees the backend\'s own certificate and talks to it', async () => {
    const h = await handshake(DOMAIN, backendCa);
    assert.equal(h.authorized, true, `verifies against the backend's CA: ${h.error ?? ''}`);
    assert.equal(h.cert.fingerprint256, backendFingerprint, 'the backend\'s certificate, not one Trellis issued');
    // Trellis's CA does not vouch for it: the TLS was not terminated by Trellis.
    assert.equal((await handshake(DOMAIN, trellisCa)).authorized, false);

    const r = await get(DOMAIN, backendCa, '/hello?x=1');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { backend: 'tls', url: '/hello?x=1', bytes: 0 });
    assert.equal(sawSni.at(-1), DOMAIN, 'the backend got the client\'s SNI');
    // A body larger than the socket buffers both ways: backpressure, nothing lost.
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    assert.deepEqual((await get(DOMAIN, backendCa, '/upload', big)).json, { backend: 'tls', url: '/upload', bytes: big.length });
  });

  it('relays through the proxy gateway\'s CONNECT by the SNI inside the tunnel (curl)', async () => {
    const caFile = join(caDir, 'ca', 'ca.pem');
    const { stdout } = await exec('curl', [
      '-sS', '--fail', '--cacert', caFile, '-x', `http://${VPC}:x@127.0.0.1:${proxyPort}`, `https://${DOMAIN}/via-connect`,
    ], { timeout: 15_000 });
    assert.deepEqual(JSON.parse(stdout), { backend: 'tls', url: '/via-connect', bytes: 0 });
  });

  it('keeps terminating TLS for an HTTPS service on the same address and port', async () => {
    const r = await get(termHost, trellisCa, '/terminated');
    assert.equal(r.status, 200);
    assert.equal(r.json.backend, 'term');
    assert.equal(plain.seen.at(-1)!.headers['x-forwarded-proto'], 'https');
    assert.notEqual(r.cert.fingerprint256, backendFingerprint);
  });

  it('closes the connection for an unknown SNI, and for the generated name of a passthrough service', async () => {
    await assert.rejects(handshake('nobody.example.com', backendCa));
    // The custom domain is the SNI match of a TLS listener (UG), not the generated name.
    await assert.rejects(handshake(generatedHost, backendCa));
  });

  it('writes one access-log record per connection, with the SNI, target and bytes', async () => {
    // The client's own port identifies its connection's record (sourceIpPort = presented IP : that port).
    const { localPort } = await get(DOMAIN, backendCa, '/logged');
    const mine = (r: Record<string, unknown>) => String(r.sourceIpPort).endsWith(`:${localPort}`);
    const [rec] = await logRecords(mine);
    await new Promise((r) => setTimeout(r, 300)); // not an assertion: room for a wrong second record to land
    assert.equal((await logRecords(mine)).length, 1, 'exactly one record for the connection');
    assert.equal(rec!.listenerType, 'TLS_PASSTHROUGH');
    assert.equal(rec!.serverNameIndication, DOMAIN);
    assert.equal(rec!.serviceArn, svcArn);
    assert.equal(rec!.targetGroupArn, tgArn);
    assert.equal(rec!.listenerId, listenerId);
    assert.equal(rec!.targetIpPort, `127.0.0.1:${backendPort}`);
    assert.equal(rec!.sourceVpcId, VPC);
    assert.match(String(rec!.sourceIpPort), /^10\.70\.0\.4:\d+$/);
    assert.equal(rec!.failureReason, '-');
    // Encrypted end to end: the HTTP fields are '-'.
    for (const f of ['hostHeader', 'requestMethod', 'requestPath', 'protocol', 'userAgent', 'requestId']) assert.equal(rec![f], '-', f);
    assert.equal(rec!.responseCode, 0);
    assert.ok(Number(rec!.bytesReceived) > 200, 'the ClientHello and the request went through');
    assert.ok(Number(rec!.duration) >= 0);

    const metrics = (await t.wire('GET', '/_trellis/metrics')).text;
    const line = metrics.split('\n').find((x) => x.startsWith(`trellis_vpclattice_TotalRequestCount{target_group="${tgId}"} `));
    assert.ok(line !== undefined && Number(line.split(' ')[1]) >= 1, `connections counted for the group: ${line}`);
  });

  it('applies auth policies with an anonymous principal: denied without a policy, allowed by one for Connect', async () => {
    await assert.rejects(handshake(LOCKED, backendCa));
    await t.lattice.send(new PutAuthPolicyCommand({
      resourceIdentifier: lockedId,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Connect', Resource: '*' }] }),
    }));
    const h = await eventually(async () => handshake(LOCKED, backendCa).catch(() => undefined), 5000, 50);
    assert.equal(h.authorized, true);
  });

  it('refuses a TLS_PASSTHROUGH listener on a service without a custom domain name', async () => {
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'pt-nodomain' }));
    const tg = await t.lattice.send(new CreateTargetGroupCommand({ name: 'pt-nodomain-tcp', type: 'IP', config: { protocol: 'TCP', port: 9443, vpcIdentifier: VPC } }));
    const res = await t.wire('POST', `/services/${svc.id}/listeners`, {
      name: 'tls', protocol: 'TLS_PASSTHROUGH', port: 443, defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tg.id }] } },
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(res.json.fieldList.map((f: { name: string }) => f.name), ['protocol']);
    assert.match(res.json.message, /custom domain/);
  });
});
