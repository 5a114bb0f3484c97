import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as undiciRequest } from 'undici';
import { ACMClient, ImportCertificateCommand } from '@aws-sdk/client-acm';
import { CreateServiceCommand, UpdateServiceCommand } from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, TEST_CREDENTIALS, type TestTrellis } from '../support/trellis.js';
import { startBackend, type Backend } from './dataplane-support.js';
import { LatticeNetwork, tlsHandshake, type Handshake } from './lattice-setup.js';
import { issueLeaf, makeCa, type TestCa, type TestLeaf } from './acm-support.js';

/**
 * End to end (issue 6): a certificate for `api.example.test` signed by a CA the test made
 * ("another CA", not Trellis's local one) is imported through ACM's API, a service names it
 * by `certificateArn` with that custom domain and an HTTPS listener, and a TLS client at the
 * VPC gateway address sees exactly the imported certificate for the custom domain (peer
 * fingerprint) while the generated name still gets the local CA's leaf. A re-import reaches
 * the data plane through the snapshot; an unknown ARN falls back to the CA with a problem.
 */

const VPC = 'vpc-0acb00000000000a1';
const CUSTOM = 'api.example.test';

describe('HTTPS with an imported certificate (certificateArn)', () => {
  let t: TestTrellis;
  let acm: ACMClient;
  let backend: Backend;
  let vpcPort: number;
  let localCa: string;
  let ca: TestCa;
  let leaf: TestLeaf;
  let certificateArn: string;
  let serviceId: string;
  let generated: string;

  /** A handshake at the VPC address with SNI `servername`, trusting `trust` only. */
  const handshake = (servername: string, trust: string): Promise<Handshake> => tlsHandshake(vpcPort, servername, trust, ['http/1.1']);

  const importLeaf = async (l: TestLeaf, arn?: string): Promise<string> => (await acm.send(new ImportCertificateCommand({
    Certificate: Buffer.from(l.certPem), PrivateKey: Buffer.from(l.keyPem), CertificateChain: Buffer.from(ca.certPem),
    ...(arn ? { CertificateArn: arn } : {}),
  }))).CertificateArn!;

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    acm = new ACMClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    backend = await startBackend('api');
    ca = makeCa('Another CA');
    leaf = issueLeaf(ca, CUSTOM);
    certificateArn = await importLeaf(leaf);
    const net = await LatticeNetwork.create(t, VPC, '10.61.0.0/16', 'acm-net');
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'acm-api', customDomainName: CUSTOM, certificateArn }));
    serviceId = svc.id!;
    generated = svc.dnsEntry!.domainName!;
    const tg = await net.targetGroup('acm-tg', [backend.port]);
    await net.listener(svc.id!, 'https', 'HTTPS', 443, tg.id!);
    await net.associate(svc.id!);
    ({ vpcPort, ca: localCa } = await net.open());
    await eventually(async () => (await handshake(CUSTOM, ca.certPem).catch(() => undefined))?.authorized === true, 10_000);
  });

  after(async () => {
    acm.destroy();
    await t.close();
    await backend.close();
  });

  it('the custom domain presents the imported certificate; the generated name the local CA leaf', async () => {
    const custom = await handshake(CUSTOM, ca.certPem);
    assert.equal(custom.cert.fingerprint256, leaf.fingerprint256);
    assert.equal(custom.authorized, true, 'the chain verifies against the CA that signed it');
    const own = await handshake(generated, localCa);
    assert.notEqual(own.cert.fingerprint256, leaf.fingerprint256);
    assert.equal(own.authorized, true, 'the generated name is still signed by the local CA');
    assert.equal(own.cert.subjectaltname, `DNS:${generated}`);
    // The imported certificate does not verify against the local CA, nor the leaf against the other.
    assert.equal((await handshake(CUSTOM, localCa)).authorized, false);
  });

  it('a request over it reaches the service (undici, trusting only the imported chain)', async () => {
    const agent = new Agent({ connect: { ca: ca.certPem, servername: CUSTOM } });
    try {
      const res = await undiciRequest(`https://127.0.0.1:${vpcPort}/over-imported`, { dispatcher: agent, headers: { host: CUSTOM } });
      assert.equal(res.statusCode, 200);
      assert.equal(((await res.body.json()) as { backend: string }).backend, 'api');
      assert.equal(backend.seen.at(-1)!.headers['x-forwarded-proto'], 'https');
    } finally {
      await agent.close();
    }
  });

  it('a re-import under the same ARN is presented once the snapshot has it', async () => {
    const renewed = issueLeaf(ca, CUSTOM, { days: 30 });
    assert.equal(await importLeaf(renewed, certificateArn), certificateArn);
    await eventually(async () => (await handshake(CUSTOM, ca.certPem)).cert.fingerprint256 === renewed.fingerprint256, 10_000);
    leaf = renewed;
  });

  it('an unknown certificateArn: the local CA leaf for the custom domain, and a problem in status', async () => {
    const missing = 'arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-4000-8000-00000000dead';
    await t.lattice.send(new UpdateServiceCommand({ serviceIdentifier: serviceId, certificateArn: missing }));
    await eventually(async () => (await handshake(CUSTOM, localCa)).authorized, 10_000);
    const status = (await t.wire('GET', '/_trellis/status')).json as { dataPlane: { problems: { kind: string; id: string; reason: string }[] } };
    const problem = status.dataPlane.problems.find((p) => p.kind === 'certificate');
    assert.ok(problem, JSON.stringify(status.dataPlane.problems));
    assert.equal(problem.id, missing);
    assert.match(problem.reason, new RegExp(`service ${serviceId} names it, but no certificate with this ARN is imported`));
    // Back to the imported one: the problem goes, the imported certificate returns.
    await t.lattice.send(new UpdateServiceCommand({ serviceIdentifier: serviceId, certificateArn }));
    await eventually(async () => (await handshake(CUSTOM, ca.certPem)).cert.fingerprint256 === leaf.fingerprint256, 10_000);
    const after = (await t.wire('GET', '/_trellis/status')).json as { dataPlane: { problems: { kind: string }[] } };
    assert.ok(!after.dataPlane.problems.some((p) => p.kind === 'certificate'));
  });
});
