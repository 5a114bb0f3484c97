import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteAuthPolicyCommand, PutAuthPolicyCommand, UpdateServiceCommand, UpdateServiceNetworkCommand } from '@aws-sdk/client-vpc-lattice';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { SignatureV4 } from '@smithy/signature-v4';
import { SignatureV4a } from '@aws-sdk/signature-v4a';
import { startBackends, type Backend } from '../../examples/walkthrough/backends.mjs';
import { WALKTHROUGH, setupWalkthrough, type Walkthrough } from '../../examples/walkthrough/setup.mjs';
import { bootTrellis, eventually, TEST_CREDENTIALS, type TestTrellis } from '../support/trellis.js';
import { basic, send, type Reply } from './dataplane-support.js';
import { Sha256, type Keys } from '../support/sha256.js';

/**
 * Data-plane auth as a user meets it (issue 5, "Done when"): an auth policy on the service
 * that allows only one VPC and `GET /public*` lets exactly those requests through the
 * gateway; the others get Lattice's 403 line, an access-log record that says which layer
 * denied and why, and `trellis auth explain` says the same. Signed callers (the SDK's own
 * signer, service vpc-lattice-svcs, UNSIGNED-PAYLOAD) are authenticated, need their own
 * identity policy, and reach the target as `x-amzn-lattice-identity`; a tampered signature
 * is refused.
 */

const ACCOUNT = '111122223333';
const EC2 = WALKTHROUGH.ec2Vpc.vpcId;
const ECS = WALKTHROUGH.ecsVpc.vpcId;
const REPO_ROOT = new URL('../../', import.meta.url).pathname;
const portOf = (hostPort: string): number => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));


/** Headers of a data-plane request signed by the AWS SDK's signer, as Lattice documents it. */
async function signedHeaders(keys: Keys, host: string, path: string, method = 'GET'): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials: keys, region: 'us-east-1', service: 'vpc-lattice-svcs', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const out = await signer.sign({
    method, protocol: 'http:', hostname: host, path, query: {}, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  }, { signingDate: new Date() });
  return out.headers;
}

/** The same, signed with SigV4A (`AWS4-ECDSA-P256-SHA256`) for a region set. */
async function signedHeadersV4a(keys: Keys, host: string, path: string, regionSet: string): Promise<Record<string, string>> {
  const signer = new SignatureV4a({ credentials: keys, region: regionSet, service: 'vpc-lattice-svcs', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const out = await signer.sign({
    method: 'GET', protocol: 'http:', hostname: host, path, query: {}, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  }, { signingDate: new Date() });
  return out.headers;
}

function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/trellis.mjs', ...args], { cwd: REPO_ROOT, timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('data-plane auth: auth policies enforced on traffic, and why', () => {
  let t: TestTrellis;
  let b: { html: Backend; json: Backend; close(): Promise<void> };
  let w: Walkthrough;
  let iam: IAMClient;
  let proxyPort: number;
  let svcArn: string;
  let n = 0;

  /** One request through the proxy gateway as `vpc`, tagged so the backend's copy can be found. */
  const call = async (vpc: string, path: string, opts: { method?: string; headers?: Record<string, string> } = {}) => {
    const testId = `auth-${++n}`;
    const headers = { Host: w.dnsName, 'Proxy-Authorization': basic(vpc), 'x-test-id': testId, ...opts.headers };
    const r = await send({ port: proxyPort, path: `http://${w.dnsName}${path}`, method: opts.method ?? 'GET', headers });
    return { ...r, testId };
  };
  const seen = (testId: string) => [...b.html.requests, ...b.json.requests].find((r) => r.headers['x-test-id'] === testId);
  const logRecord = async (r: Reply): Promise<Record<string, unknown>> => {
    const id = String(r.headers['x-amzn-requestid']);
    const file = join(t.dataDir, 'logs', 'cloudwatch', 'aws_vpclattice_awesome-service-network.log');
    return eventually(async () => {
      const text = await readFile(file, 'utf8').catch(() => '');
      return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>).find((rec) => rec.requestId === id);
    }, 5000, 20);
  };
  const denial = (user: string, path: string, kind: string) =>
    `AccessDeniedException: User: ${user} is not authorized to perform: vpc-lattice-svcs:Invoke on resource: ${svcArn}${path} because no ${kind}-based policy allows the vpc-lattice-svcs:Invoke action\n`;

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    b = await startBackends({ html: { host: '127.0.0.1', port: 0 }, json: { host: '127.0.0.1', port: 0 } });
    w = await setupWalkthrough({ endpoint: t.url, client: t.lattice, html: b.html, json: b.json });
    iam = new IAMClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    proxyPort = portOf(t.gateway!);
    svcArn = w.service.arn!;
    // The policy: only the EC2 VPC, only GET /public*.
    const policy = {
      Version: '2012-10-17',
      Statement: [{
        Sid: 'PublicFromEc2', Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: `${svcArn}/public*`,
        Condition: { StringEquals: { 'vpc-lattice-svcs:SourceVpc': EC2, 'vpc-lattice-svcs:RequestMethod': 'GET' } },
      }],
    };
    await t.lattice.send(new PutAuthPolicyCommand({ resourceIdentifier: w.service.id, policy: JSON.stringify(policy) }));
    await t.lattice.send(new UpdateServiceCommand({ serviceIdentifier: w.service.id, authType: 'AWS_IAM' }));
    await eventually(async () => (await call(ECS, '/public')).status === 403);
  });
  after(async () => {
    iam?.destroy();
    await t?.close();
    await b?.close();
  });

  it('lets exactly GET /public* from the one VPC through; the others get the 403 line', async () => {
    for (const path of ['/public', '/public/index.html', '/publicity?x=1']) {
      const r = await call(EC2, path);
      assert.equal(r.status, 200, path);
      assert.ok(seen(r.testId), `${path} reached a target`);
      assert.equal(seen(r.testId)!.headers['x-amzn-lattice-identity'], undefined, 'anonymous callers carry no identity');
    }
    const refused: [string, string, string][] = [[EC2, 'GET', '/private'], [EC2, 'POST', '/public'], [ECS, 'GET', '/public'], [EC2, 'GET', '/']];
    for (const [vpc, method, path] of refused) {
      const r = await call(vpc, path, { method });
      assert.equal(r.status, 403, `${vpc} ${method} ${path}`);
      assert.equal(r.body, denial('anonymous', path, 'service'));
      assert.match(String(r.headers['content-type']), /^text\/plain/);
      assert.equal(seen(r.testId), undefined, 'a refused request reaches no target');
    }
  });

  it('logs a denied request with authDeniedReason, ClientAccessDenied and the explanation', async () => {
    const denied = await call(ECS, '/public/x');
    const rec = await logRecord(denied);
    assert.equal(rec.responseCode, 403);
    assert.equal(rec.authDeniedReason, 'Service');
    assert.equal(rec.failureReason, 'ClientAccessDenied');
    assert.equal(rec.resolvedUser, 'Anonymous');
    assert.equal(rec.callerPrincipal, '-');
    assert.equal(rec.targetIpPort, '-');
    assert.equal(rec.requestToTargetDuration, 0);
    const why = String(rec.authExplanation);
    assert.match(why, /^DENY \(Service\): AccessDeniedException/);
    assert.match(why, /Service: ImplicitDeny/);
    assert.match(why, /statement 0 \(PublicFromEc2\) Allow: does not apply — .*SourceVpc/);

    const allowed = await call(EC2, '/public/y');
    const ok = await logRecord(allowed);
    assert.equal(ok.authDeniedReason, '-');
    assert.equal(ok.resolvedUser, 'Anonymous');
    assert.equal(ok.failureReason, '-');
    assert.equal('authExplanation' in ok, false, 'only denied records carry an explanation');
  });

  it('`trellis auth explain` and its endpoint say why', async () => {
    const denied = await cli(['auth', 'explain', '--endpoint', t.url, '--vpc', ECS, '--path', '/public', '--service', WALKTHROUGH.service]);
    assert.equal(denied.code, 0, denied.stderr);
    assert.match(denied.stdout, /^anonymous → vpc-lattice-svcs:Invoke on arn:aws:vpc-lattice:us-east-1:111122223333:service\/svc-[0-9a-f]{17}\/public\n/);
    assert.match(denied.stdout, /DENY \(Service\): AccessDeniedException: User: anonymous/);
    assert.match(denied.stdout, /Network: Skipped — the service network's authType is NONE/);
    assert.match(denied.stdout, /PublicFromEc2.*does not apply/);

    const post = await cli(['auth', 'explain', '--endpoint', t.url, '--vpc', EC2, '--method', 'POST', '--path', '/public', '--header', `host:${w.dnsName}`, '--json']);
    assert.equal(post.code, 0, post.stderr);
    const pj = JSON.parse(post.stdout) as { decision: string; authDeniedReason: string; layers: { layer: string; policies: { statements: { mismatch?: string }[] }[] }[] };
    assert.equal(pj.decision, 'DENY');
    assert.equal(pj.authDeniedReason, 'Service');
    assert.match(pj.layers.find((l) => l.layer === 'Service')!.policies[0]!.statements[0]!.mismatch!, /RequestMethod/);

    const ok = await t.wire('POST', '/_trellis/auth/explain', { vpcId: EC2, method: 'GET', path: '/public/a', service: w.service.id });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.decision, 'ALLOW');
    const service = (ok.json.layers as { layer: string; outcome: string; decidingStatement?: { sid?: string } }[]).find((l) => l.layer === 'Service')!;
    assert.equal(service.outcome, 'Allow');
    assert.equal(service.decidingStatement?.sid, 'PublicFromEc2');

    const unknown = await t.wire('POST', '/_trellis/auth/explain', { vpcId: EC2, method: 'GET', path: '/', service: 'no-such-service' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    const bad = await t.wire('POST', '/_trellis/auth/explain', { vpcId: EC2, method: 'GET', path: 'no-slash' });
    assert.equal(bad.status, 400);
  });

  it('authenticates SigV4-signed callers: the bootstrap key, an IAM user who needs an identity policy', async () => {
    const root = await call(EC2, '/public/me', { headers: await signedHeaders(t.bootstrap, w.dnsName, '/public/me') });
    assert.equal(root.status, 200, root.body);
    const identity = seen(root.testId)!.headers['x-amzn-lattice-identity'];
    assert.equal(identity, `Principal=arn:aws:iam::${ACCOUNT}:root`);
    const rec = await logRecord(root);
    assert.equal(rec.resolvedUser, `arn:aws:iam::${ACCOUNT}:root`);
    assert.equal(rec.callerPrincipal, `arn:aws:iam::${ACCOUNT}:root`);

    const user = await iam.send(new CreateUserCommand({ UserName: 'caller', Tags: [{ Key: 'team', Value: 'blue;green' }] }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'caller' }))).AccessKey!;
    const keys = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const noPolicy = await call(EC2, '/public/u', { headers: await signedHeaders(keys, w.dnsName, '/public/u') });
    assert.equal(noPolicy.status, 403);
    assert.equal(noPolicy.body, denial(user.User!.Arn!, '/public/u', 'identity'));
    const rec2 = await logRecord(noPolicy);
    assert.equal(rec2.authDeniedReason, 'Identity');
    assert.equal(rec2.callerPrincipal, user.User!.Arn);

    await iam.send(new AttachUserPolicyCommand({ UserName: 'caller', PolicyArn: 'arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess' }));
    const allowed = await eventually(async () => {
      const r = await call(EC2, '/public/u', { headers: await signedHeaders(keys, w.dnsName, '/public/u') });
      return r.status === 200 ? r : undefined;
    });
    const got = seen(allowed.testId)!;
    assert.equal(got.headers['x-amzn-lattice-identity'], `Principal=${user.User!.Arn}`);
    assert.equal(got.headers['x-amzn-lattice-identity-tags'], `principal=${user.User!.Arn};team=blue\\;green`);

    const explained = await t.wire('POST', '/_trellis/auth/explain', { vpcId: EC2, method: 'GET', path: '/public/u', service: WALKTHROUGH.service, principal: user.User!.Arn });
    assert.equal(explained.json.decision, 'ALLOW');
    assert.match(explained.json.text, /Identity: Allow — allowed by statement 0 .*VPCLatticeServicesInvokeAccess/);
  });

  it('authenticates SigV4A-signed callers over HTTP; a region set without the region is refused', async () => {
    const ok = await call(EC2, '/public/v4a', { headers: await signedHeadersV4a(t.bootstrap, w.dnsName, '/public/v4a', 'us-east-1,eu-west-1') });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(seen(ok.testId)!.headers['x-amzn-lattice-identity'], `Principal=arn:aws:iam::${ACCOUNT}:root`);
    const elsewhere = await call(EC2, '/public/v4a', { headers: await signedHeadersV4a(t.bootstrap, w.dnsName, '/public/v4a', 'eu-west-1') });
    assert.equal(elsewhere.status, 403);
    assert.equal(seen(elsewhere.testId), undefined);
  });

  it('refuses a tampered signature with 403, even on a service whose authType is NONE; forged identity headers are dropped', async () => {
    const h = await signedHeaders(t.bootstrap, w.dnsName, '/public/t');
    const tampered = { ...h, authorization: h.authorization!.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`) };
    const r = await call(EC2, '/public/t', { headers: tampered });
    assert.equal(r.status, 403);
    assert.match(r.body, /^AccessDeniedException: .*SignatureDoesNotMatch/);
    assert.equal(seen(r.testId), undefined);
    const rec = await logRecord(r);
    assert.equal(rec.resolvedUser, 'Unknown');
    assert.equal(rec.failureReason, 'ClientAccessDenied');

    // Signed for another path than the one sent.
    const moved = await call(EC2, '/public/other', { headers: await signedHeaders(t.bootstrap, w.dnsName, '/public/t') });
    assert.equal(moved.status, 403);

    const forged = await call(EC2, '/public/f', { headers: { 'x-amzn-lattice-identity': 'Principal=arn:aws:iam::999999999999:root' } });
    assert.equal(forged.status, 200);
    assert.equal(seen(forged.testId)!.headers['x-amzn-lattice-identity'], undefined);

    await t.lattice.send(new UpdateServiceCommand({ serviceIdentifier: w.service.id, authType: 'NONE' }));
    await eventually(async () => (await call(ECS, '/private')).status === 200);
    const onNone = await call(ECS, '/x', { headers: tampered });
    assert.equal(onNone.status, 403, 'a bad signature is never anonymous');
    const signedOnNone = await call(ECS, '/x', { headers: await signedHeaders(t.bootstrap, w.dnsName, '/x') });
    assert.equal(signedOnNone.status, 200);
    assert.equal(seen(signedOnNone.testId)!.headers['x-amzn-lattice-identity'], `Principal=arn:aws:iam::${ACCOUNT}:root`);
  });

  it('network AWS_IAM with no policy denies everything; an explicit Deny wins over an Allow', async () => {
    await t.lattice.send(new UpdateServiceNetworkCommand({ serviceNetworkIdentifier: w.serviceNetwork.id!, authType: 'AWS_IAM' }));
    const r = await eventually(async () => {
      const x = await call(EC2, '/public');
      return x.status === 403 ? x : undefined;
    });
    assert.equal(r.body, denial('anonymous', '/public', 'network'));
    assert.equal((await logRecord(r)).authDeniedReason, 'Network');

    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'All', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
        { Sid: 'NoSecrets', Effect: 'Deny', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: '*/secret*' },
      ],
    };
    await t.lattice.send(new PutAuthPolicyCommand({ resourceIdentifier: w.serviceNetwork.id, policy: JSON.stringify(policy) }));
    await eventually(async () => (await call(EC2, '/public')).status === 200);
    const secret = await call(EC2, '/secret/plans');
    assert.equal(secret.status, 403);
    assert.equal(secret.body, `AccessDeniedException: User: anonymous is not authorized to perform: vpc-lattice-svcs:Invoke on resource: ${svcArn}/secret/plans with an explicit deny in a network-based policy\n`);
    const why = String((await logRecord(secret)).authExplanation);
    assert.match(why, /Network: ExplicitDeny — explicitly denied by statement 1 \(Sid NoSecrets\)/);

    await t.lattice.send(new DeleteAuthPolicyCommand({ resourceIdentifier: w.serviceNetwork.id }));
    await eventually(async () => (await call(EC2, '/public')).status === 403);
  });
});
