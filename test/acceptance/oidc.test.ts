import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { CryptoKey, JWK } from 'jose';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, GetOpenIDConnectProviderCommand, IAMClient, ListOpenIDConnectProvidersCommand, DeleteOpenIDConnectProviderCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { bootTrellis, rejects, TEST_CREDENTIALS, type TestTrellis } from '../support/trellis.js';
import { credentialLookup, identityPolicies } from '../../src/iam/index.js';
import { AUDIENCE, branch, mint, signingKey, startIssuer, type Issuer, type TokenSpec } from '../support/oidc-issuer.js';

/**
 * OIDC federation as in the walkthrough: a local issuer on loopback (discovery document and
 * JWKS over node:http, GitHub-Actions-shaped tokens minted with jose), an IAM OIDC provider
 * for it, and a role whose trust policy pins the repository's main and dev branches
 * (ForAnyValue:StringEquals on `<issuer>:sub`) and the audience (StringEquals on `<issuer>:aud`).
 */

const ACCOUNT = '111122223333';
const THUMBPRINT = '6938fd4d98bab03faadb97b34396831e3780aea1';


describe('OIDC federation (AssumeRoleWithWebIdentity)', () => {
  let t: TestTrellis;
  let iam: IAMClient;
  let sts: STSClient;
  let issuer: Issuer;
  let other: Issuer;
  let key: { privateKey: CryptoKey; jwk: JWK };
  let roleArn: string;
  let providerArn: string;
  let host: string;

  const assume = (token: string, session = 'gha') =>
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: session, WebIdentityToken: token }));
  const token = (sub: string, extra: Partial<TokenSpec> = {}) => mint({ iss: issuer.url, sub, key: key.privateKey, kid: 'k1', ...extra });
  /** The raw answer, for STS's status and error code at the wire. */
  const wire = async (token: string) => {
    const res = await fetch(t.url + '/', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Version: '2011-06-15', Action: 'AssumeRoleWithWebIdentity', RoleArn: roleArn, RoleSessionName: 'wire', WebIdentityToken: token }).toString(),
    });
    const text = await res.text();
    return { status: res.status, text, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] };
  };

  before(async () => {
    t = await bootTrellis();
    iam = new IAMClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    sts = new STSClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    issuer = await startIssuer();
    other = await startIssuer();
    key = await signingKey('k1');
    issuer.keys = [key.jwk];
    host = issuer.url.replace(/^http:\/\//, '');

    const created = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: [AUDIENCE, 'other-client'], ThumbprintList: [THUMBPRINT] }));
    providerArn = created.OpenIDConnectProviderArn!;
    const trust = {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          'ForAnyValue:StringEquals': { [`${host}:sub`]: [branch('main'), branch('dev')] },
          StringEquals: { [`${host}:aud`]: AUDIENCE },
        },
      }],
    };
    roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'GitHubDeploy', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
    await iam.send(new PutRolePolicyCommand({
      RoleName: 'GitHubDeploy', PolicyName: 'invoke',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'vpc-lattice-svcs:Invoke', Resource: '*' }] }),
    }));
  });
  after(async () => {
    iam.destroy();
    sts.destroy();
    issuer.server.close();
    other.server.close();
    await t.close();
  });

  it('registers the provider as IAM describes it', async () => {
    assert.equal(providerArn, `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}`);
    const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
    assert.equal(got.Url, host);
    assert.deepEqual(got.ClientIDList, [AUDIENCE, 'other-client']);
    assert.deepEqual(got.ThumbprintList, [THUMBPRINT]);
    const listed = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    assert.deepEqual(listed.OpenIDConnectProviderList?.map((p) => p.Arn), [providerArn]);
    const dup = await rejects(iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: [AUDIENCE], ThumbprintList: [THUMBPRINT] })));
    assert.equal(dup.name, 'EntityAlreadyExistsException');
    const plain = await rejects(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'http://issuer.example.com', ClientIDList: [AUDIENCE] })));
    assert.equal(plain.name, 'InvalidInputException');
  });

  it('lets the main branch assume the role, with credentials that act as the assumed role', async () => {
    const r = await assume(await token(branch('main')), 'main-run');
    assert.equal(r.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/GitHubDeploy/main-run`);
    assert.equal(r.SubjectFromWebIdentityToken, branch('main'));
    assert.equal(r.Audience, AUDIENCE);
    assert.equal(r.Provider, host);
    const c = r.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA/);
    const session = new STSClient({ endpoint: t.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } });
    try {
      const who = await session.send(new GetCallerIdentityCommand({}));
      assert.equal(who.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/GitHubDeploy/main-run`);
    } finally {
      session.destroy();
    }
    // The role's policies govern the session.
    const lookup = credentialLookup(t.store, { pollMs: 60_000 });
    try {
      await lookup.refresh();
      const policies = await identityPolicies(t.store, lookup(c.AccessKeyId!)!.principal);
      assert.deepEqual(policies.map((p) => p.source), [`inline policy invoke of ${roleArn}`]);
    } finally {
      lookup.close();
    }
  });

  it('lets the dev branch assume the role, and fetches the key set once for both', async () => {
    const before = issuer.jwksFetches;
    const r = await assume(await token(branch('dev')));
    assert.equal(r.SubjectFromWebIdentityToken, branch('dev'));
    assert.equal(issuer.jwksFetches, before, 'the cached keys verify the second token');
  });

  it('refuses a feature branch: AccessDenied 403', async () => {
    const err = await rejects(assume(await token(branch('feature/x'))));
    assert.equal(err.name, 'AccessDenied');
    assert.equal(err.message, 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    const w = await wire(await token(branch('feature/x')));
    assert.deepEqual([w.status, w.code], [403, 'AccessDenied']);
    assert.match(w.text, /<Type>Sender<\/Type>/);
  });

  it('refuses a wrong audience: not a client id (InvalidIdentityToken), or a client id the trust policy does not pin (AccessDenied)', async () => {
    const foreign = await rejects(assume(await token(branch('main'), { aud: 'https://example.com/app' })));
    assert.equal(foreign.name, 'InvalidIdentityTokenException');
    assert.equal(foreign.message, 'Incorrect token audience');
    assert.equal((await wire(await token(branch('main'), { aud: 'https://example.com/app' }))).status, 400);
    const unpinned = await rejects(assume(await token(branch('main'), { aud: 'other-client' })));
    assert.equal(unpinned.name, 'AccessDenied');
  });

  it('refuses an expired token: ExpiredTokenException 400', async () => {
    const expired = await token(branch('main'), { expiresIn: -600 });
    const err = await rejects(assume(expired));
    assert.equal(err.name, 'ExpiredTokenException');
    assert.match(err.message, /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/);
    const w = await wire(expired);
    assert.deepEqual([w.status, w.code], [400, 'ExpiredTokenException']);
  });

  it('refuses a token signed by another key, under the same key id or an unknown one', async () => {
    const forger = await signingKey('k1');
    const sameKid = await rejects(assume(await token(branch('main'), { key: forger.privateKey })));
    assert.equal(sameKid.name, 'InvalidIdentityTokenException');
    assert.match(sameKid.message, /signature/);
    const otherKid = await rejects(assume(await token(branch('main'), { key: forger.privateKey, kid: 'k-forged' })));
    assert.equal(otherKid.name, 'InvalidIdentityTokenException');
    assert.match(otherKid.message, /Couldn't retrieve verification key/);
  });

  it('refuses a token from an issuer with no provider in the account, and one that is no JWT', async () => {
    other.keys = [key.jwk];
    const err = await rejects(assume(await mint({ iss: other.url, sub: branch('main'), key: key.privateKey, kid: 'k1' })));
    assert.equal(err.name, 'InvalidIdentityTokenException');
    assert.equal(err.message, `No OpenIDConnect provider found in your account for ${other.url}`);
    assert.equal(other.jwksFetches, 0, 'an unknown issuer is never contacted');
    const w = await wire('not-a-jwt-at-all');
    assert.deepEqual([w.status, w.code], [400, 'InvalidIdentityToken']);
  });

  it('answers IDPCommunicationError when a registered issuer cannot be reached', async () => {
    const gone = await startIssuer();
    const url = gone.url;
    await new Promise<void>((ok) => gone.server.close(() => ok()));
    const arn = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: [AUDIENCE] }))).OpenIDConnectProviderArn!;
    try {
      const w = await wire(await mint({ iss: url, sub: branch('main'), key: key.privateKey, kid: 'k1' }));
      assert.deepEqual([w.status, w.code], [400, 'IDPCommunicationError']);
    } finally {
      await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    }
  });

  it('works from the aws CLI: sts assume-role-with-web-identity --endpoint-url', async () => {
    const jwt = await token(branch('main'));
    const out = await new Promise<{ code: number; out: string; err: string }>((ok) => {
      execFile('aws', ['sts', 'assume-role-with-web-identity', '--role-arn', roleArn, '--role-session-name', 'cli', '--web-identity-token', jwt,
        '--endpoint-url', t.url, '--output', 'json'], {
        timeout: 60_000,
        env: { ...process.env, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '' },
      }, (err, stdout, stderr) => ok({ code: err ? 1 : 0, out: stdout, err: stderr }));
    });
    assert.equal(out.code, 0, out.err);
    const r = JSON.parse(out.out);
    assert.equal(r.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/GitHubDeploy/cli`);
    assert.match(r.Credentials.AccessKeyId, /^ASIA/);
  });
});
