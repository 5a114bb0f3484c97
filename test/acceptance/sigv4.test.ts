import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateServiceNetworkCommand, ListServiceNetworksCommand, ListTagsForResourceCommand, VPCLatticeClient } from '@aws-sdk/client-vpc-lattice';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { bootTrellis, rejects, type TestTrellis } from '../support/trellis.js';
import { SqliteStore } from '../../src/store/index.js';
import { createControlPlane } from '../../src/control/index.js';
import { createApiServer } from '../../src/api/index.js';
import { readProfile, rootOf, type Credential } from '../../src/iam/index.js';
import { Sha256, type Keys } from '../support/sha256.js';


interface RawRequest {
  readonly method: string;
  /** Path and query string as sent. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

interface Reply { readonly status: number; readonly headers: Record<string, string | string[] | undefined>; readonly text: string }

/** Sends exactly these bytes (the Host header included, which fetch would not let us set). */
function send(baseUrl: string, r: RawRequest): Promise<Reply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: r.method, path: r.target, headers: { ...r.headers, ...(r.body !== undefined ? { 'content-length': String(Buffer.byteLength(r.body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

interface SignSpec {
  readonly keys: Keys;
  readonly method?: string;
  readonly path?: string;
  readonly query?: Record<string, string>;
  readonly body?: string;
  readonly contentType?: string;
  readonly region?: string;
  readonly service?: string;
  readonly at?: Date;
}

function queryString(q: Record<string, string | string[] | null>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) for (const one of ([] as (string | null)[]).concat(v)) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(one ?? '')}`);
  return parts.join('&');
}

/** A request signed by the AWS SDK's own signer, as the SDK would send it to `host`. */
async function sign(host: string, s: SignSpec): Promise<RawRequest> {
  const signer = new SignatureV4({ credentials: s.keys, region: s.region ?? 'us-east-1', service: s.service ?? 'vpc-lattice', sha256: Sha256 });
  const out = await signer.sign({
    method: s.method ?? 'GET', protocol: 'http:', hostname: host.split(':')[0]!, path: s.path ?? '/servicenetworks', query: s.query ?? {},
    headers: { host, ...(s.body !== undefined ? { 'content-type': s.contentType ?? 'application/json' } : {}) },
    ...(s.body !== undefined ? { body: s.body } : {}),
  }, { signingDate: s.at ?? new Date() });
  const qs = queryString(out.query ?? {});
  return { method: out.method, target: qs ? `${out.path}?${qs}` : out.path, headers: out.headers, ...(s.body !== undefined ? { body: s.body } : {}) };
}

async function presign(host: string, s: SignSpec & { readonly expiresIn: number }): Promise<RawRequest> {
  const signer = new SignatureV4({ credentials: s.keys, region: s.region ?? 'us-east-1', service: s.service ?? 'vpc-lattice', sha256: Sha256 });
  const out = await signer.presign({ method: 'GET', protocol: 'http:', hostname: host.split(':')[0]!, path: s.path ?? '/servicenetworks', query: s.query ?? {}, headers: { host } },
    { signingDate: s.at ?? new Date(), expiresIn: s.expiresIn });
  return { method: 'GET', target: `${out.path}?${queryString(out.query ?? {})}`, headers: out.headers };
}

function json(text: string): unknown {
  return JSON.parse(text) as unknown;
}

/** `<Code>` and `<Message>` of a Query `<ErrorResponse>`. */
function xmlError(text: string): { code: string; message: string } {
  assert.match(text, /^<ErrorResponse xmlns="[^"]+"><Error><Type>Sender<\/Type>/);
  const unescape = (v: string) => v.replace(/&(apos|quot|lt|gt|amp);/g, (_m, e: string) => ({ apos: "'", quot: '"', lt: '<', gt: '>', amp: '&' })[e]!);
  return { code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '', message: unescape(/<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '') };
}

const INVALID_SIGNATURE = /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\./;

describe('SigV4 on the control plane, --enforce-iam', () => {
  let t: TestTrellis;
  let host: string;
  let admin: Keys;
  before(async () => {
    t = await bootTrellis({ enforceIam: true });
    host = new URL(t.url).host;
    admin = { accessKeyId: t.bootstrap.accessKeyId, secretAccessKey: t.bootstrap.secretAccessKey };
  });
  after(async () => { await t.close(); });

  it('writes the bootstrap key to <dataDir>/credentials, profile trellis, mode 0600', () => {
    const file = `${t.dataDir}/credentials`;
    assert.equal(t.bootstrap.file, file);
    assert.ok(existsSync(file));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readProfile(readFileSync(file, 'utf8'), 'trellis'), admin);
    assert.match(admin.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(admin.secretAccessKey.length, 40);
  });

  it('the bootstrap key works with the VPC Lattice and CloudFormation SDK clients', async () => {
    const lattice = new VPCLatticeClient({ endpoint: t.url, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
    const cfn = new CloudFormationClient({ endpoint: t.url, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
    try {
      const sn = await lattice.send(new CreateServiceNetworkCommand({ name: 'signed-network' }));
      assert.match(sn.arn ?? '', /^arn:aws:vpc-lattice:us-east-1:111122223333:servicenetwork\/sn-/);
      const list = await lattice.send(new ListServiceNetworksCommand({}));
      assert.ok(list.items?.some((i) => i.name === 'signed-network'));
      // An ARN in the path: signed with the path encoded twice, verified the same way.
      const tags = await lattice.send(new ListTagsForResourceCommand({ resourceArn: sn.arn }));
      assert.deepEqual(tags.tags, {});
      const stacks = await cfn.send(new ListStacksCommand({}));
      assert.ok(Array.isArray(stacks.StackSummaries));
    } finally {
      lattice.destroy();
      cfn.destroy();
    }
  });

  it('the other test clients, whose key Trellis does not know, are refused: UnrecognizedClientException', async () => {
    const err = await rejects(t.lattice.send(new ListServiceNetworksCommand({})));
    assert.equal(err.name, 'UnrecognizedClientException');
    assert.equal(err.$metadata.httpStatusCode, 403);
    const r = await send(t.url, await sign(host, { keys: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } }));
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'UnrecognizedClientException');
    assert.deepEqual(json(r.text), { message: 'The security token included in the request is invalid.' });
  });

  it('unsigned REST-JSON: 403 MissingAuthenticationTokenException', async () => {
    const r = await t.wire('GET', '/servicenetworks');
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.deepEqual(r.json, { message: 'Missing Authentication Token' });
    // Before routing: an unknown path is refused the same way, not described.
    const unknown = await t.wire('GET', '/no-such-thing');
    assert.equal(unknown.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  });

  it('unsigned Query: 403 <ErrorResponse> MissingAuthenticationToken', async () => {
    const r = await send(t.url, { method: 'POST', target: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListStacks&Version=2010-05-15' });
    assert.equal(r.status, 403);
    assert.deepEqual(xmlError(r.text), { code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' });
  });

  it('STS federation is taken unsigned, as on AWS: the token, not a signature, is judged', async () => {
    const body = 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fnone'
      + '&RoleSessionName=s&WebIdentityToken=not-a-jwt';
    const r = await send(t.url, { method: 'POST', target: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    assert.notEqual(xmlError(r.text).code, 'MissingAuthenticationToken');
    // Any other STS call unsigned is refused.
    const other = await send(t.url, { method: 'POST', target: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
    assert.equal(other.status, 403);
    assert.equal(xmlError(other.text).code, 'MissingAuthenticationToken');
  });

  it('wrong secret: 403 InvalidSignatureException (REST-JSON) / SignatureDoesNotMatch (Query)', async () => {
    const wrong = { ...admin, secretAccessKey: 'not-the-secret' };
    const r = await send(t.url, await sign(host, { keys: wrong }));
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'InvalidSignatureException');
    const body = json(r.text) as { message: string };
    assert.match(body.message, INVALID_SIGNATURE);
    assert.match(body.message, /The Canonical String for this request should have been\n'GET\n\/servicenetworks\n\nhost:/);
    const q = await send(t.url, await sign(host, { keys: wrong, method: 'POST', path: '/', service: 'cloudformation', body: 'Action=ListStacks&Version=2010-05-15', contentType: 'application/x-www-form-urlencoded' }));
    assert.equal(q.status, 403);
    assert.equal(xmlError(q.text).code, 'SignatureDoesNotMatch');
  });

  it('tampered signature, and a body changed after signing: InvalidSignatureException', async () => {
    const good = await sign(host, { keys: admin });
    const auth = good.headers['authorization']!;
    const tampered = auth.slice(0, -1) + (auth.endsWith('0') ? '1' : '0');
    const r = await send(t.url, { ...good, headers: { ...good.headers, authorization: tampered } });
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'InvalidSignatureException');
    const signedBody = await sign(host, { keys: admin, method: 'POST', body: '{"name":"body-a"}' });
    const changed = await send(t.url, { ...signedBody, body: '{"name":"body-b"}' });
    assert.equal(changed.status, 403);
    assert.equal(changed.headers['x-amzn-errortype'], 'InvalidSignatureException');
    // The untouched one goes through.
    assert.equal((await send(t.url, signedBody)).status, 201);
  });

  it('wrong region: not a region, or IAM (global) signed for another region', async () => {
    const r = await send(t.url, await sign(host, { keys: admin, region: 'nowhere' }));
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'InvalidSignatureException');
    assert.deepEqual(json(r.text), { message: "Credential should be scoped to a valid region, not 'nowhere'. " });
    const iam = await send(t.url, await sign(host, { keys: admin, method: 'POST', path: '/', service: 'iam', region: 'us-west-2', body: 'Action=ListUsers&Version=2010-05-08', contentType: 'application/x-www-form-urlencoded' }));
    assert.equal(iam.status, 403);
    assert.deepEqual(xmlError(iam.text), { code: 'SignatureDoesNotMatch', message: "Credential should be scoped to a valid region, not 'us-west-2'. " });
  });

  it('wrong service: a VPC Lattice call signed for ec2', async () => {
    const r = await send(t.url, await sign(host, { keys: admin, service: 'ec2' }));
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'InvalidSignatureException');
    assert.deepEqual(json(r.text), { message: "Credential should be scoped to correct service: 'vpc-lattice'. " });
  });

  it('expired: X-Amz-Date 6 minutes old, and 6 minutes ahead', async () => {
    const old = await send(t.url, await sign(host, { keys: admin, at: new Date(Date.now() - 6 * 60_000) }));
    assert.equal(old.status, 403);
    assert.equal(old.headers['x-amzn-errortype'], 'InvalidSignatureException');
    assert.match((json(old.text) as { message: string }).message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    const ahead = await send(t.url, await sign(host, { keys: admin, at: new Date(Date.now() + 6 * 60_000) }));
    assert.match((json(ahead.text) as { message: string }).message, /^Signature not yet current: /);
    // Four minutes old is within the skew.
    assert.equal((await send(t.url, await sign(host, { keys: admin, at: new Date(Date.now() - 4 * 60_000) }))).status, 200);
  });

  it('presigned URLs: accepted until X-Amz-Expires, then refused', async () => {
    const fresh = await presign(host, { keys: admin, expiresIn: 300 });
    assert.match(fresh.target, /X-Amz-Algorithm=AWS4-HMAC-SHA256/);
    assert.equal((await send(t.url, fresh)).status, 200);
    const stale = await presign(host, { keys: admin, expiresIn: 60, at: new Date(Date.now() - 2 * 60_000) });
    const r = await send(t.url, stale);
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'InvalidSignatureException');
    assert.deepEqual(json(r.text), { message: 'Request has expired.' });
    const q = await send(t.url, await presign(host, { keys: admin, service: 'cloudformation', path: '/', query: { Action: 'ListStacks', Version: '2010-05-15' }, expiresIn: 60, at: new Date(Date.now() - 2 * 60_000) }));
    assert.equal(q.status, 400);
    assert.deepEqual(xmlError(q.text), { code: 'RequestExpired', message: 'Request has expired.' });
  });

  it('an IAM user is held to its identity policies: AccessDeniedException naming the action and resource', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
    try {
      await iam.send(new CreateUserCommand({ UserName: 'reader' }));
      await iam.send(new AttachUserPolicyCommand({ UserName: 'reader', PolicyArn: 'arn:aws:iam::aws:policy/VPCLatticeReadOnlyAccess' }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
      const keys = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
      // The credential cache follows IAM writes before they answer: the key works at once.
      assert.equal((await send(t.url, await sign(host, { keys }))).status, 200);
      const r = await send(t.url, await sign(host, { keys, method: 'POST', body: '{"name":"not-allowed"}' }));
      assert.equal(r.status, 403);
      assert.equal(r.headers['x-amzn-errortype'], 'AccessDeniedException');
      assert.deepEqual(json(r.text), {
        message: 'User: arn:aws:iam::111122223333:user/reader is not authorized to perform: vpc-lattice:CreateServiceNetwork on resource: '
          + 'arn:aws:vpc-lattice:us-east-1:111122223333:servicenetwork/* because no identity-based policy allows the vpc-lattice:CreateServiceNetwork action',
      });
    } finally {
      iam.destroy();
    }
  });
});

describe('SigV4 with an injected clock: replay beyond the skew, temporary credentials', () => {
  let clock = Date.UTC(2026, 0, 15, 10, 0, 0);
  const admin: Credential = { accessKeyId: 'AKIABOOTSTRAPCLOCK01', secretAccessKey: 'clock-secret', principal: rootOf('111122223333') };
  const temporary: Credential = {
    accessKeyId: 'ASIATEMPORARYCLOCK01', secretAccessKey: 'temp-secret', sessionToken: 'session-token-1', expiresAt: clock + 3600_000,
    principal: rootOf('111122223333'),
  };
  let url: string;
  let host: string;
  let close: () => Promise<void>;
  before(async () => {
    const store = new SqliteStore(':memory:');
    const cp = await createControlPlane({ store, now: () => clock });
    const server = createApiServer({ cp, defaults: { partition: 'aws', region: 'us-east-1', account: '111122223333' }, version: 'test', enforceIam: true, bootstrapKeys: [admin, temporary] });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    url = `http://${host}`;
    close = async () => {
      cp.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await store.close();
    };
  });
  after(async () => { await close(); });

  it('a request replayed 6 minutes later is refused; within the skew it is accepted again', async () => {
    const req = await sign(host, { keys: admin, at: new Date(clock) });
    assert.equal((await send(url, req)).status, 200);
    clock += 4 * 60_000;
    assert.equal((await send(url, req)).status, 200);
    clock += 2 * 60_000;
    const r = await send(url, req);
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'InvalidSignatureException');
    assert.deepEqual(json(r.text), { message: 'Signature expired: 20260115T100000Z is now earlier than 20260115T100100Z (20260115T100600Z - 5 min.)' });
  });

  it('a temporary credential without its session token, or with another, is unrecognised; expired, ExpiredTokenException', async () => {
    const at = new Date(clock);
    assert.equal((await send(url, await sign(host, { keys: temporary, at }))).status, 200);
    const missing = await send(url, await sign(host, { keys: { accessKeyId: temporary.accessKeyId, secretAccessKey: temporary.secretAccessKey }, at }));
    assert.equal(missing.status, 403);
    assert.equal(missing.headers['x-amzn-errortype'], 'UnrecognizedClientException');
    assert.deepEqual(json(missing.text), { message: 'The security token included in the request is invalid.' });
    const other = await send(url, await sign(host, { keys: { ...temporary, sessionToken: 'session-token-2' }, at }));
    assert.equal(other.headers['x-amzn-errortype'], 'UnrecognizedClientException');
    clock = temporary.expiresAt! + 1000;
    const expired = await send(url, await sign(host, { keys: temporary, at: new Date(clock) }));
    assert.equal(expired.status, 403);
    assert.equal(expired.headers['x-amzn-errortype'], 'ExpiredTokenException');
    assert.deepEqual(json(expired.text), { message: 'The security token included in the request is expired' });
  });
});

describe('SigV4 with enforcement off (the default)', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('unsigned and wrongly signed calls act as the account admin', async () => {
    const r = await t.wire('GET', '/servicenetworks');
    assert.equal(r.status, 200);
    const host = new URL(t.url).host;
    const bad = await send(t.url, await sign(host, { keys: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' }, at: new Date(Date.now() - 3600_000) }));
    assert.equal(bad.status, 200);
    assert.equal((await t.lattice.send(new ListServiceNetworksCommand({}))).items?.length, 0);
  });

  it('still writes a bootstrap key, which verifies as the account root', async () => {
    assert.ok(existsSync(`${t.dataDir}/credentials`));
    assert.equal(t.enforceIam, false);
  });
});
