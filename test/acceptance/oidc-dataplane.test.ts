import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PutAuthPolicyCommand, UpdateServiceCommand } from '@aws-sdk/client-vpc-lattice';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { startBackends, type Backend } from '../../examples/walkthrough/backends.mjs';
import { WALKTHROUGH, setupWalkthrough, type Walkthrough } from '../../examples/walkthrough/setup.mjs';
import { bootTrellis, eventually, TEST_CREDENTIALS, type TestTrellis } from '../support/trellis.js';
import { AUDIENCE, branch, mint, signingKey, startIssuer, type Issuer } from '../support/oidc-issuer.js';
import { Sha256, type Keys } from '../support/sha256.js';
import { basic, send } from './dataplane-support.js';

/**
 * Issue 5's last "done when", end to end: a GitHub-Actions-shaped token from a local issuer is
 * exchanged with AssumeRoleWithWebIdentity for temporary credentials, and those credentials —
 * signed by the AWS SDK's own signer for `vpc-lattice-svcs` — call a service protected by
 * AWS_IAM through the VPC gateway. The service's auth policy names the role; the role's own
 * policy allows the invoke; unsigned or wrongly signed calls are refused.
 */
const EC2 = WALKTHROUGH.ec2Vpc.vpcId;

async function signedHeaders(keys: Keys, host: string, path: string): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials: keys, region: 'us-east-1', service: 'vpc-lattice-svcs', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const out = await signer.sign({ method: 'GET', protocol: 'http:', hostname: host, path, query: {}, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, { signingDate: new Date() });
  return out.headers;
}

describe('OIDC credentials calling an AWS_IAM service through the gateway', () => {
  let t: TestTrellis;
  let b: { html: Backend; json: Backend; close(): Promise<void> };
  let w: Walkthrough;
  let issuer: Issuer;
  let iam: IAMClient;
  let sts: STSClient;
  let roleArn: string;
  let proxyPort: number;
  let mintMain: () => Promise<string>;
  let n = 0;

  const call = async (path: string, headers: Record<string, string> = {}) => {
    const testId = `oidc-${++n}`;
    const r = await send({ port: proxyPort, path: `http://${w.dnsName}${path}`, method: 'GET', headers: { Host: w.dnsName, 'Proxy-Authorization': basic(EC2), 'x-test-id': testId, ...headers } });
    const seen = [...b.html.requests, ...b.json.requests].find((q) => q.headers['x-test-id'] === testId);
    return { ...r, seen };
  };

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    b = await startBackends({ html: { host: '127.0.0.1', port: 0 }, json: { host: '127.0.0.1', port: 0 } });
    w = await setupWalkthrough({ endpoint: t.url, client: t.lattice, html: b.html, json: b.json });
    proxyPort = Number(t.gateway!.slice(t.gateway!.lastIndexOf(':') + 1));
    iam = new IAMClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    sts = new STSClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });

    issuer = await startIssuer();
    const key = await signingKey('k1');
    issuer.keys = [key.jwk];
    const host = issuer.url.replace(/^http:\/\//, '');
    const provider = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: [AUDIENCE], ThumbprintList: ['6938fd4d98bab03faadb97b34396831e3780aea1'] }))).OpenIDConnectProviderArn!;
    const trust = {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { 'ForAnyValue:StringEquals': { [`${host}:sub`]: [branch('main')] }, StringEquals: { [`${host}:aud`]: AUDIENCE } },
      }],
    };
    roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'CiCaller', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
    await iam.send(new PutRolePolicyCommand({
      RoleName: 'CiCaller', PolicyName: 'invoke',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'vpc-lattice-svcs:Invoke', Resource: '*' }] }),
    }));
    // The service admits exactly that role (its sessions), over AWS_IAM.
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: roleArn }, Action: 'vpc-lattice-svcs:Invoke', Resource: `${w.service.arn}/*` }] };
    await t.lattice.send(new PutAuthPolicyCommand({ resourceIdentifier: w.service.id, policy: JSON.stringify(policy) }));
    await t.lattice.send(new UpdateServiceCommand({ serviceIdentifier: w.service.id, authType: 'AWS_IAM' }));
    await eventually(async () => (await call('/')).status === 403);
    mintMain = () => mint({ iss: issuer.url, sub: branch('main'), key: key.privateKey, kid: 'k1' });
  });
  after(async () => {
    iam?.destroy();
    sts?.destroy();
    issuer?.server.close();
    await t?.close();
    await b?.close();
  });

  it('exchanges the token for credentials that the SDK signer uses to call the service', async () => {
    const token = await mintMain();
    const assumed = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'gha-run', WebIdentityToken: token }));
    const c = assumed.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA/);
    const keys: Keys = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };

    const ok = await call('/hello', await signedHeaders(keys, w.dnsName, '/hello'));
    assert.equal(ok.status, 200, ok.body);
    assert.ok(ok.seen, 'the request reached a target');
    assert.match(String(ok.seen.headers['x-amzn-lattice-identity']), /Principal=arn:aws:sts::111122223333:assumed-role\/CiCaller\/gha-run/);

    const anonymous = await call('/hello');
    assert.equal(anonymous.status, 403);
    assert.match(anonymous.body, /^AccessDeniedException: User: anonymous is not authorized/);
    assert.equal(anonymous.seen, undefined);

    const wrongSecret = await call('/hello', await signedHeaders({ ...keys, secretAccessKey: `${keys.secretAccessKey}x` }, w.dnsName, '/hello'));
    assert.equal(wrongSecret.status, 403);
    assert.equal(wrongSecret.seen, undefined);

    const { sessionToken: _dropped, ...withoutToken } = keys;
    const noToken = await call('/hello', await signedHeaders(withoutToken, w.dnsName, '/hello'));
    assert.equal(noToken.status, 403, 'temporary credentials need their session token');
  });
});
