import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bootTrellis, type TestTrellis } from '../support/trellis.js';
import { aws } from '../support/aws-cli.js';
import { b64, issueLeaf, makeCa } from './acm-support.js';

/**
 * The certificate store from the shell: the `aws acm` CLI (botocore's JSON 1.1 client, blobs
 * from `fileb://`) and `trellis cert`. Independent calls run side by side: each CLI start
 * costs a second or two.
 */

const ARN = /^arn:aws:acm:us-east-1:111122223333:certificate\/[0-9a-f-]{36}$/;
const exec = promisify(execFile);

describe('ACM from the command line', () => {
  let t: TestTrellis;
  let dir: string;

  before(async () => {
    t = await bootTrellis();
    const ca = makeCa();
    const leaf = issueLeaf(ca, 'api.example.test', { sans: ['www.example.test'] });
    const other = issueLeaf(ca, 'other.example.test');
    dir = mkdtempSync(join(tmpdir(), 'acm-cli-test-'));
    writeFileSync(join(dir, 'cert.pem'), leaf.certPem);
    writeFileSync(join(dir, 'key.pem'), leaf.keyPem);
    writeFileSync(join(dir, 'chain.pem'), ca.certPem);
    writeFileSync(join(dir, 'other-key.pem'), other.keyPem);
  });

  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const wireType = async (action: string, body: unknown): Promise<string | null> => {
    const res = await fetch(`${t.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `CertificateManager.${action}` },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.headers.get('x-amzn-errortype');
  };

  it('the aws CLI: import-certificate (fileb://), describe, get, list, delete, and an error', async () => {
    const imported = await aws(t.url, ['acm', 'import-certificate', '--certificate', `fileb://${join(dir, 'cert.pem')}`,
      '--private-key', `fileb://${join(dir, 'key.pem')}`, '--certificate-chain', `fileb://${join(dir, 'chain.pem')}`]);
    assert.equal(imported.code, 0, imported.stderr);
    const arn = imported.json.CertificateArn as string;
    assert.match(arn, ARN);
    const [described, got, listed, mismatched] = await Promise.all([
      aws(t.url, ['acm', 'describe-certificate', '--certificate-arn', arn]),
      aws(t.url, ['acm', 'get-certificate', '--certificate-arn', arn]),
      aws(t.url, ['acm', 'list-certificates', '--certificate-statuses', 'ISSUED']),
      aws(t.url, ['acm', 'import-certificate', '--certificate', `fileb://${join(dir, 'cert.pem')}`, '--private-key', `fileb://${join(dir, 'other-key.pem')}`]),
    ]);
    assert.equal(described.json.Certificate.DomainName, 'api.example.test');
    assert.equal(described.json.Certificate.Status, 'ISSUED');
    assert.deepEqual(described.json.Certificate.SubjectAlternativeNames, ['api.example.test', 'www.example.test']);
    assert.match(got.json.Certificate, /^-----BEGIN CERTIFICATE-----/);
    assert.match(got.json.CertificateChain, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(got.json.PrivateKey, undefined);
    assert.ok((listed.json.CertificateSummaryList as { CertificateArn: string }[]).some((c) => c.CertificateArn === arn));
    assert.notEqual(mismatched.code, 0);
    assert.match(mismatched.stderr, /InvalidParameterException/);
    assert.equal((await aws(t.url, ['acm', 'delete-certificate', '--certificate-arn', arn])).code, 0);
    const gone = await aws(t.url, ['acm', 'describe-certificate', '--certificate-arn', arn]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /ResourceNotFoundException/);
  });

  it('trellis cert import / list / delete', async () => {
    const cli = (args: string[]) => exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'cert', ...args, '--endpoint', t.url], { timeout: 20_000 });
    // An RSA-1024 certificate, which ACM's ListCertificates leaves out unless asked.
    const small = issueLeaf(makeCa(), 'small.example.test', { bits: 1024 });
    assert.equal(await wireType('ImportCertificate', { Certificate: b64(small.certPem), PrivateKey: b64(small.keyPem) }), null);
    const { stdout } = await cli(['import', '--certificate', join(dir, 'cert.pem'), '--private-key', join(dir, 'key.pem'), '--chain', join(dir, 'chain.pem')]);
    const arn = stdout.trim();
    assert.match(arn, ARN);
    const [json, text, bad] = await Promise.all([
      cli(['list', '--json']),
      cli(['list']),
      // A mismatched key: one line naming ACM's error, exit 1.
      cli(['import', '--certificate', join(dir, 'cert.pem'), '--private-key', join(dir, 'other-key.pem')]).catch((e: { code: number; stderr: string }) => e),
    ]);
    const listed = JSON.parse(json.stdout) as { CertificateArn: string; DomainName: string }[];
    assert.equal(listed.find((c) => c.CertificateArn === arn)?.DomainName, 'api.example.test');
    assert.ok(listed.some((c) => c.DomainName === 'small.example.test'), 'trellis cert list shows every key type');
    assert.match(text.stdout, /^ARN\s+DOMAIN\s+KEY\s+STATUS\s+IN USE\s+EXPIRES/);
    assert.ok(text.stdout.includes(arn));
    assert.equal((bad as { code: number }).code, 1);
    assert.match((bad as { stderr: string }).stderr, /InvalidParameterException: The private key does not match/);
    await cli(['delete', arn]);
    assert.equal(await wireType('DescribeCertificate', { CertificateArn: arn }), 'ResourceNotFoundException');
  });
});
