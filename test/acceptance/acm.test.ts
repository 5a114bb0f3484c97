import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACMClient, DeleteCertificateCommand, DescribeCertificateCommand, GetCertificateCommand, ImportCertificateCommand, ListCertificatesCommand,
} from '@aws-sdk/client-acm';
import { CreateServiceCommand, UpdateServiceCommand } from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, rejects, TEST_CREDENTIALS, type TestTrellis } from '../support/trellis.js';
import { b64, issueLeaf, makeCa, type TestCa, type TestLeaf } from './acm-support.js';

/**
 * The ACM API subset (issue 6): ImportCertificate / DescribeCertificate / GetCertificate /
 * ListCertificates / DeleteCertificate over JSON 1.1, with `@aws-sdk/client-acm` and raw
 * requests asserting the wire (status, `x-amzn-ErrorType`, `__type`). The CLIs: acm-cli.test.ts.
 */

const ARN = /^arn:aws:acm:us-east-1:111122223333:certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** ACM's colon-separated lower-case serial. */
const acmSerial = (hex: string): string => (hex.length % 2 ? `0${hex}` : hex).toLowerCase().match(/../g)!.join(':');

describe('ACM API: the certificate store', () => {
  let t: TestTrellis;
  let acm: ACMClient;
  let ca: TestCa;
  let leaf: TestLeaf;
  let other: TestLeaf;
  let small: TestLeaf;

  /** A raw JSON 1.1 call, for assertions at the wire. */
  const wire = async (action: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `CertificateManager.${action}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('x-amzn-errortype'), contentType: res.headers.get('content-type'), json: JSON.parse(text) as Record<string, any> };
  };
  const importLeaf = async (l: TestLeaf, extra: Record<string, unknown> = {}) =>
    (await acm.send(new ImportCertificateCommand({ Certificate: Buffer.from(l.certPem), PrivateKey: Buffer.from(l.keyPem), ...extra }))).CertificateArn!;

  before(async () => {
    t = await bootTrellis();
    acm = new ACMClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    ca = makeCa();
    leaf = issueLeaf(ca, 'api.example.test', { sans: ['www.example.test'] });
    other = issueLeaf(ca, 'other.example.test');
    small = issueLeaf(ca, 'small.example.test', { bits: 1024 });
  });

  after(async () => {
    acm.destroy();
    await t.close();
  });

  it('ImportCertificate → DescribeCertificate reports what the certificate says', async () => {
    const arn = await importLeaf(leaf, { CertificateChain: Buffer.from(ca.certPem), Tags: [{ Key: 'team', Value: 'edge' }] });
    assert.match(arn, ARN);
    const { Certificate: c } = await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    assert.equal(c!.CertificateArn, arn);
    assert.equal(c!.DomainName, 'api.example.test');
    assert.deepEqual(c!.SubjectAlternativeNames, ['api.example.test', 'www.example.test']);
    assert.equal(c!.Subject, 'CN=api.example.test');
    assert.equal(c!.Issuer, 'Test Issuing CA');
    assert.equal(c!.Serial, acmSerial(leaf.serial));
    assert.equal(c!.KeyAlgorithm, 'RSA_2048');
    assert.equal(c!.Status, 'ISSUED');
    assert.equal(c!.Type, 'IMPORTED');
    assert.deepEqual(c!.InUseBy, []);
    assert.ok(c!.ImportedAt instanceof Date && Math.abs(c!.ImportedAt.getTime() - Date.now()) < 60_000);
    assert.ok(c!.NotAfter! > c!.NotBefore!);
    assert.deepEqual(c!.ExtendedKeyUsages, [{ Name: 'TLS_WEB_SERVER_AUTHENTICATION', OID: '1.3.6.1.5.5.7.3.1' }]);
    // GetCertificate: the certificate and chain, never the key.
    const got = await acm.send(new GetCertificateCommand({ CertificateArn: arn }));
    assert.equal(got.Certificate, leaf.certPem.replace(/\r\n/g, '\n'));
    assert.equal(got.CertificateChain, ca.certPem.replace(/\r\n/g, '\n'));
    const raw = await wire('GetCertificate', { CertificateArn: arn });
    assert.equal(raw.contentType, 'application/x-amz-json-1.1');
    assert.deepEqual(Object.keys(raw.json).sort(), ['Certificate', 'CertificateChain']);
  });

  it('re-import with CertificateArn replaces the certificate in place (same ARN)', async () => {
    const arn = await importLeaf(other);
    const again = await importLeaf(leaf, { CertificateArn: arn });
    assert.equal(again, arn);
    const { Certificate: c } = await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    assert.equal(c!.DomainName, 'api.example.test');
    assert.equal(c!.Serial, acmSerial(leaf.serial));
    // Re-importing over an ARN that does not exist, or with tags, is refused.
    const missing = arn.replace(/[0-9a-f]{12}$/, '000000000000');
    assert.equal((await rejects(importLeaf(other, { CertificateArn: missing }))).name, 'ResourceNotFoundException');
    assert.equal((await rejects(importLeaf(other, { CertificateArn: arn, Tags: [{ Key: 'k', Value: 'v' }] }))).name, 'ValidationException');
  });

  it('ListCertificates: summaries, the default RSA_2048 filter, keyTypes, statuses, MaxItems/NextToken', async () => {
    const smallArn = await importLeaf(small);
    const all = await acm.send(new ListCertificatesCommand({}));
    const list = all.CertificateSummaryList!;
    assert.ok(list.length >= 2);
    assert.ok(!list.some((s) => s.CertificateArn === smallArn), 'RSA_1024 is not listed by default, as on ACM');
    const s = list.find((x) => x.DomainName === 'api.example.test')!;
    assert.equal(s.Status, 'ISSUED');
    assert.equal(s.Type, 'IMPORTED');
    assert.equal(s.KeyAlgorithm, 'RSA_2048');
    assert.equal(s.InUse, false);
    assert.equal(s.HasAdditionalSubjectAlternativeNames, false);
    assert.deepEqual(s.SubjectAlternativeNameSummaries, ['api.example.test', 'www.example.test']);
    assert.deepEqual(s.ExtendedKeyUsages, ['TLS_WEB_SERVER_AUTHENTICATION']);
    assert.ok(s.ImportedAt instanceof Date && s.NotAfter instanceof Date);
    const rsa1024 = await acm.send(new ListCertificatesCommand({ Includes: { keyTypes: ['RSA_1024'] } }));
    assert.deepEqual(rsa1024.CertificateSummaryList!.map((x) => x.CertificateArn), [smallArn]);
    const expired = await acm.send(new ListCertificatesCommand({ CertificateStatuses: ['EXPIRED'] }));
    assert.deepEqual(expired.CertificateSummaryList, []);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await acm.send(new ListCertificatesCommand({ MaxItems: 1, ...(token ? { NextToken: token } : {}) }));
      assert.ok(page.CertificateSummaryList!.length <= 1);
      seen.push(...page.CertificateSummaryList!.map((x) => x.CertificateArn!));
      token = page.NextToken;
      pages++;
    } while (token && pages < 50);
    assert.deepEqual(seen, list.map((x) => x.CertificateArn));
  });

  it('DeleteCertificate: refused while a service names it (ResourceInUseException), then gone', async () => {
    const arn = await importLeaf(other);
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'acm-user', customDomainName: 'other.example.test', certificateArn: arn }));
    const { Certificate: c } = await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    assert.deepEqual(c!.InUseBy, [svc.arn]);
    const used = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList!.find((x) => x.CertificateArn === arn)!;
    assert.equal(used.InUse, true);
    const inUse = await wire('DeleteCertificate', { CertificateArn: arn });
    assert.equal(inUse.status, 400);
    assert.equal(inUse.type, 'ResourceInUseException');
    assert.equal(inUse.json.__type, 'ResourceInUseException');
    assert.match(inUse.json.message, /in use/);
    await t.lattice.send(new UpdateServiceCommand({ serviceIdentifier: svc.id, certificateArn: '' }));
    await acm.send(new DeleteCertificateCommand({ CertificateArn: arn }));
    assert.equal((await rejects(acm.send(new DescribeCertificateCommand({ CertificateArn: arn })))).name, 'ResourceNotFoundException');
    assert.equal((await rejects(acm.send(new DeleteCertificateCommand({ CertificateArn: arn })))).name, 'ResourceNotFoundException');
  });

  it('errors at the wire: __type + x-amzn-ErrorType, status 400', async () => {
    const expect = async (action: string, body: unknown, type: string, message?: RegExp) => {
      const r = await wire(action, body);
      assert.equal(r.status, 400, `${action} ${type}`);
      assert.equal(r.type, type);
      assert.equal(r.json.__type, type);
      if (message) assert.match(r.json.message, message);
    };
    const unknownArn = 'arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-4000-8000-000000000000';
    await expect('DescribeCertificate', { CertificateArn: unknownArn }, 'ResourceNotFoundException', /Could not find certificate/);
    await expect('GetCertificate', { CertificateArn: unknownArn }, 'ResourceNotFoundException');
    await expect('DescribeCertificate', {}, 'ValidationException', /^1 validation error detected: Value null at 'certificateArn' failed to satisfy constraint: Member must not be null$/);
    await expect('DescribeCertificate', { CertificateArn: 'short' }, 'ValidationException', /Member must have length greater than or equal to 20/);
    await expect('DescribeCertificate', { CertificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/not-a-uuid' }, 'InvalidArnException');
    await expect('ImportCertificate', {}, 'ValidationException', /^2 validation errors detected: .*'certificate'.*'privateKey'/);
    // A key that is not the certificate's, a certificate that is not PEM.
    await expect('ImportCertificate', { Certificate: b64(leaf.certPem), PrivateKey: b64(other.keyPem) }, 'InvalidParameterException', /private key does not match/);
    await expect('ImportCertificate', { Certificate: b64('not a certificate'), PrivateKey: b64(leaf.keyPem) }, 'ValidationException', /PEM/);
    await expect('ImportCertificate', { Certificate: b64(leaf.certPem), PrivateKey: b64('not a key') }, 'ValidationException', /private key/);
    await expect('ImportCertificate', { Certificate: b64(leaf.certPem + other.certPem), PrivateKey: b64(leaf.keyPem) }, 'ValidationException', /more than one certificate/);
    await expect('ListCertificates', { MaxItems: 0 }, 'ValidationException', /greater than or equal to 1/);
    await expect('ListCertificates', { CertificateStatuses: ['NOPE'] }, 'ValidationException', /enum value set/);
    await expect('ListCertificates', { NextToken: 'garbage' }, 'InvalidArgsException');
    await expect('RequestCertificate', {}, 'UnknownOperationException');
    await expect('ListCertificates', '{not json', 'SerializationException');
    // The SDK surfaces the same types.
    const err = await rejects(acm.send(new ImportCertificateCommand({ Certificate: Buffer.from(leaf.certPem), PrivateKey: Buffer.from(other.keyPem) })));
    assert.equal(err.name, 'InvalidParameterException');
    assert.equal(err.$metadata.httpStatusCode, 400);
  });
});

describe('ACM API with --enforce-iam', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis({ enforceIam: true }); });
  after(async () => { await t.close(); });

  it('verifies SigV4 for the signing name acm: unsigned and unknown keys are refused, the bootstrap key works', async () => {
    const unsigned = await fetch(`${t.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CertificateManager.ListCertificates' },
      body: '{}',
    });
    assert.equal(unsigned.status, 400);
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.equal(((await unsigned.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
    const stranger = new ACMClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const admin = new ACMClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: t.bootstrap.accessKeyId, secretAccessKey: t.bootstrap.secretAccessKey }, maxAttempts: 1 });
    try {
      assert.equal((await rejects(stranger.send(new ListCertificatesCommand({})))).name, 'UnrecognizedClientException');
      const leaf = issueLeaf(makeCa(), 'signed.example.test');
      const arn = (await admin.send(new ImportCertificateCommand({ Certificate: Buffer.from(leaf.certPem), PrivateKey: Buffer.from(leaf.keyPem) }))).CertificateArn!;
      assert.match(arn, ARN);
      assert.deepEqual((await admin.send(new ListCertificatesCommand({}))).CertificateSummaryList!.map((s) => s.CertificateArn), [arn]);
    } finally {
      stranger.destroy();
      admin.destroy();
    }
  });
});
