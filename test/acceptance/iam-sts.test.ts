import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  AttachRolePolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateRoleCommand, CreateUserCommand, DeleteAccessKeyCommand,
  DeletePolicyCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DeleteUserCommand, DeleteUserPolicyCommand, DetachRolePolicyCommand,
  GetPolicyCommand, GetRoleCommand, GetRolePolicyCommand, GetUserCommand, GetUserPolicyCommand, IAMClient, ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, ListRolesCommand, ListUsersCommand, PutRolePolicyCommand, PutUserPolicyCommand,
  TagRoleCommand, UpdateAccessKeyCommand, UpdateAssumeRolePolicyCommand, AttachUserPolicyCommand, ListAttachedUserPoliciesCommand,
  DetachUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { bootTrellis, rejects, TEST_CREDENTIALS, type TestTrellis } from '../support/trellis.js';
import { environment } from '../../src/control/index.js';
import { credentialLookup, identityPolicies } from '../../src/iam/index.js';

/**
 * IAM and STS at the wire: users, access keys, roles, inline and managed policies through
 * @aws-sdk/client-iam, AssumeRole / GetCallerIdentity through @aws-sdk/client-sts (the
 * temporary credentials signing the next call), IAM's error codes and statuses in raw XML,
 * and a few calls through the `aws` CLI.
 */

const ACCOUNT = '111122223333';

const trustFor = (principal: Record<string, unknown>) => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
});
const INVOKE_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'vpc-lattice-svcs:Invoke', Resource: '*' }],
});

interface Xml { readonly status: number; readonly text: string; code(): string | undefined; member(name: string): string | undefined }

function xmlOf(status: number, text: string): Xml {
  const unescape = (v: string) => v.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const pick = (name: string) => {
    const v = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
    return v === undefined ? undefined : unescape(v);
  };
  return { status, text, code: () => pick('Code'), member: pick };
}

describe('IAM and STS', () => {
  let t: TestTrellis;
  let iam: IAMClient;
  let sts: STSClient;
  const clientFor = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => ({
    iam: new IAMClient({ endpoint: t.url, region: 'us-east-1', credentials, maxAttempts: 1 }),
    sts: new STSClient({ endpoint: t.url, region: 'us-east-1', credentials, maxAttempts: 1 }),
  });
  /** An unsigned Query call, as raw form POST: the `Version` picks IAM or STS. */
  const query = async (params: Record<string, string>): Promise<Xml> => {
    const res = await fetch(t.url + '/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
    assert.equal(res.headers.get('content-type'), 'text/xml');
    return xmlOf(res.status, await res.text());
  };
  const iamCall = (params: Record<string, string>) => query({ Version: '2010-05-08', ...params });
  const aws = (args: readonly string[], creds = TEST_CREDENTIALS) => new Promise<{ code: number; out: string; err: string }>((ok) => {
    execFile('aws', [...args, '--endpoint-url', t.url, '--output', 'json'], {
      timeout: 60_000,
      env: { ...process.env, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '' },
    }, (err, out, errOut) => ok({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: errOut }));
  });

  before(async () => {
    t = await bootTrellis();
    ({ iam, sts } = clientFor(TEST_CREDENTIALS));
  });
  after(async () => {
    iam.destroy();
    sts.destroy();
    await t.close();
  });

  it('creates, reads, lists and deletes users; names are unique regardless of case', async () => {
    const created = await iam.send(new CreateUserCommand({ UserName: 'alice', Path: '/team/', Tags: [{ Key: 'team', Value: 'blue' }] }));
    assert.equal(created.User?.Arn, `arn:aws:iam::${ACCOUNT}:user/team/alice`);
    assert.match(created.User?.UserId ?? '', /^AIDA[A-Z2-7]{17}$/);
    const got = await iam.send(new GetUserCommand({ UserName: 'alice' }));
    assert.deepEqual(got.User?.Tags, [{ Key: 'team', Value: 'blue' }]);
    assert.ok(got.User?.CreateDate instanceof Date);
    const listed = await iam.send(new ListUsersCommand({ PathPrefix: '/team/' }));
    assert.deepEqual(listed.Users?.map((u) => u.UserName), ['alice']);

    const dup = await rejects(iam.send(new CreateUserCommand({ UserName: 'ALICE' })));
    assert.equal(dup.name, 'EntityAlreadyExistsException');
    const wire = await iamCall({ Action: 'CreateUser', UserName: 'alice' });
    assert.equal(wire.status, 409);
    assert.equal(wire.code(), 'EntityAlreadyExists');
    assert.match(wire.text, /<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type>/);

    await iam.send(new DeleteUserCommand({ UserName: 'alice' }));
    const gone = await iamCall({ Action: 'GetUser', UserName: 'alice' });
    assert.equal(gone.status, 404);
    assert.equal(gone.code(), 'NoSuchEntity');
    assert.equal(gone.member('Message'), 'The user with name alice cannot be found.');
  });

  it('validates members as IAM does: ValidationError 400 naming the member', async () => {
    const bad = await iamCall({ Action: 'CreateUser', UserName: 'no spaces allowed' });
    assert.equal(bad.status, 400);
    assert.equal(bad.code(), 'ValidationError');
    assert.match(bad.member('Message') ?? '', /at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    const unknown = await iamCall({ Action: 'CreateGroup', GroupName: 'g' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.code(), 'InvalidAction');
  });

  it('issues access keys, limits them to two, deactivates and deletes them; a user with keys cannot be deleted', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const k1 = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
    assert.match(k1.AccessKeyId!, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(k1.SecretAccessKey!.length, 40);
    assert.equal(k1.Status, 'Active');
    const k2 = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
    const third = await rejects(iam.send(new CreateAccessKeyCommand({ UserName: 'bob' })));
    assert.equal(third.name, 'LimitExceededException');
    assert.equal(third.$metadata.httpStatusCode, 409);

    // The new key signs the next call as bob, at once.
    const bobSts = clientFor({ accessKeyId: k1.AccessKeyId!, secretAccessKey: k1.SecretAccessKey! }).sts;
    const me = await bobSts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, `arn:aws:iam::${ACCOUNT}:user/bob`);
    assert.equal(me.Account, ACCOUNT);
    assert.match(me.UserId ?? '', /^AIDA/);

    await iam.send(new UpdateAccessKeyCommand({ UserName: 'bob', AccessKeyId: k2.AccessKeyId, Status: 'Inactive' }));
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: 'bob' }));
    assert.deepEqual(keys.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status]), [[k1.AccessKeyId, 'Active'], [k2.AccessKeyId, 'Inactive']]);
    assert.equal(keys.AccessKeyMetadata?.some((k) => 'SecretAccessKey' in k), false);

    const conflict = await iamCall({ Action: 'DeleteUser', UserName: 'bob' });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.code(), 'DeleteConflict');
    assert.equal(conflict.member('Message'), 'Cannot delete entity, must delete access keys first.');

    const missing = await rejects(iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' })));
    assert.equal(missing.name, 'NoSuchEntityException');
    for (const k of [k1, k2]) await iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: k.AccessKeyId }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'invoke', PolicyDocument: INVOKE_POLICY }));
    const doc = await iam.send(new GetUserPolicyCommand({ UserName: 'bob', PolicyName: 'invoke' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(doc.PolicyDocument!)), JSON.parse(INVOKE_POLICY));
    const still = await iamCall({ Action: 'DeleteUser', UserName: 'bob' });
    assert.equal(still.member('Message'), 'Cannot delete entity, must delete policies first.');
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'bob', PolicyName: 'invoke' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: 'arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess' }));
    const att = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'bob' }));
    assert.deepEqual(att.AttachedPolicies, [{ PolicyName: 'VPCLatticeServicesInvokeAccess', PolicyArn: 'arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess' }]);
    await iam.send(new DetachUserPolicyCommand({ UserName: 'bob', PolicyArn: 'arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess' }));
    await iam.send(new DeleteUserCommand({ UserName: 'bob' }));
  });

  it('keeps roles with trust policies, inline and attached policies, tags; refuses bad documents and deletes in use', async () => {
    const trust = trustFor({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
    const created = await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust, Description: 'the app', MaxSessionDuration: 7200 }));
    assert.equal(created.Role?.Arn, `arn:aws:iam::${ACCOUNT}:role/app`);
    assert.match(created.Role?.RoleId ?? '', /^AROA/);
    const got = await iam.send(new GetRoleCommand({ RoleName: 'app' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)), JSON.parse(trust));
    assert.equal(got.Role?.MaxSessionDuration, 7200);

    const malformed = await iamCall({ Action: 'CreateRole', RoleName: 'bad', AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.code(), 'MalformedPolicyDocument');
    const notJson = await rejects(iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'p', PolicyDocument: '{nope' })));
    assert.equal(notJson.name, 'MalformedPolicyDocumentException');
    const withPrincipal = await rejects(iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'p', PolicyDocument: trust })));
    assert.equal(withPrincipal.name, 'MalformedPolicyDocumentException');

    await iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'invoke', PolicyDocument: INVOKE_POLICY }));
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'app' }))).PolicyNames, ['invoke']);
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: 'app', PolicyName: 'invoke' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(inline.PolicyDocument!)), JSON.parse(INVOKE_POLICY));

    const custom = (await iam.send(new CreatePolicyCommand({ PolicyName: 'ReadNets', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'vpc-lattice:Get*', Resource: '*' }] }) }))).Policy!;
    assert.equal(custom.Arn, `arn:aws:iam::${ACCOUNT}:policy/ReadNets`);
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: custom.Arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:policy/VPCLatticeFullAccess' }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'app' }));
    assert.deepEqual(attached.AttachedPolicies?.map((p) => p.PolicyName), ['ReadNets', 'VPCLatticeFullAccess']);
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: custom.Arn }))).Policy?.AttachmentCount, 1);
    const aws = await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/VPCLatticeFullAccess' }));
    assert.equal(aws.Policy?.PolicyName, 'VPCLatticeFullAccess');

    const nothing = await iamCall({ Action: 'AttachRolePolicy', RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicyAtAll' });
    assert.equal(nothing.status, 404);
    assert.equal(nothing.code(), 'NoSuchEntity');
    const inUse = await iamCall({ Action: 'DeletePolicy', PolicyArn: custom.Arn! });
    assert.equal(inUse.status, 409);
    assert.equal(inUse.code(), 'DeleteConflict');
    const roleInUse = await rejects(iam.send(new DeleteRoleCommand({ RoleName: 'app' })));
    assert.equal(roleInUse.name, 'DeleteConflictException');

    await iam.send(new TagRoleCommand({ RoleName: 'app', Tags: [{ Key: 'env', Value: 'test' }] }));
    assert.deepEqual((await iam.send(new GetRoleCommand({ RoleName: 'app' }))).Role?.Tags, [{ Key: 'env', Value: 'test' }]);
    assert.ok((await iam.send(new ListRolesCommand({}))).Roles?.some((r) => r.RoleName === 'app'));

    await iam.send(new DetachRolePolicyCommand({ RoleName: 'app', PolicyArn: custom.Arn }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:policy/VPCLatticeFullAccess' }));
    const detachedTwice = await rejects(iam.send(new DetachRolePolicyCommand({ RoleName: 'app', PolicyArn: custom.Arn })));
    assert.equal(detachedTwice.name, 'NoSuchEntityException');
    await iam.send(new DeletePolicyCommand({ PolicyArn: custom.Arn }));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'app', PolicyName: 'invoke' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'app' }));
    const gone = await iamCall({ Action: 'GetRole', RoleName: 'app' });
    assert.equal(gone.status, 404);
    assert.equal(gone.member('Message'), 'The role with name app cannot be found.');
  });

  it('sees the roles CloudFormation writes as IAM roles (one record format)', async () => {
    assert.ok(t.cp, 'the test Trellis exposes its control plane');
    await environment.createIamRole(t.cp, { scope: t.scope, requestId: 'test' }, {
      roleName: 'FromTemplate', path: '/cfn/', assumeRolePolicyDocument: JSON.parse(trustFor({ Service: 'ec2.amazonaws.com' })),
      maxSessionDuration: 3600, managedPolicyArns: [], policies: [{ policyName: 'p', policyDocument: JSON.parse(INVOKE_POLICY) }], tags: {},
    });
    const role = await iam.send(new GetRoleCommand({ RoleName: 'fromtemplate' }));
    assert.equal(role.Role?.Arn, `arn:aws:iam::${ACCOUNT}:role/cfn/FromTemplate`);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'FromTemplate' }))).PolicyNames, ['p']);
  });

  it('AssumeRole returns temporary credentials that act as the assumed role; the trust policy decides who may', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    await iam.send(new CreateUserCommand({ UserName: 'dave' }));
    const carolKey = (await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey!;
    const daveKey = (await iam.send(new CreateAccessKeyCommand({ UserName: 'dave' }))).AccessKey!;
    const roleArn = (await iam.send(new CreateRoleCommand({
      RoleName: 'deployer', AssumeRolePolicyDocument: trustFor({ AWS: `arn:aws:iam::${ACCOUNT}:user/carol` }),
    }))).Role!.Arn!;
    await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'invoke', PolicyDocument: INVOKE_POLICY }));

    const carol = clientFor({ accessKeyId: carolKey.AccessKeyId!, secretAccessKey: carolKey.SecretAccessKey! }).sts;
    const before = Date.now();
    const assumed = await carol.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ci-run', DurationSeconds: 900 }));
    const c = assumed.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(c.SecretAccessKey!.length, 40);
    assert.ok(c.SessionToken!.length > 100);
    const ttl = c.Expiration!.getTime() - before;
    assert.ok(ttl > 890_000 && ttl <= 901_000, `expires in about 900 s, got ${ttl} ms`);
    assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-run`);
    assert.match(assumed.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA[A-Z2-7]{17}:ci-run$/);

    const sessionClients = clientFor({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
    const who = await sessionClients.sts.send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-run`);
    assert.equal(who.UserId, assumed.AssumedRoleUser?.AssumedRoleId);
    // A session has no keys of its own: it must name a user (and never mints root keys).
    const ownKey = await rejects(sessionClients.iam.send(new CreateAccessKeyCommand({})));
    assert.equal(ownKey.name, 'ValidationError');
    assert.equal(ownKey.message, 'Must specify userName when calling with non-User credentials');

    // In process: the credential the SigV4 verifier will see, and the policies that govern the session.
    const lookup = credentialLookup(t.store, { pollMs: 60_000 });
    try {
      await lookup.refresh();
      const cred = lookup(c.AccessKeyId!);
      assert.equal(cred?.sessionToken, c.SessionToken);
      assert.equal(cred?.principal.roleArn, roleArn);
      assert.equal(cred?.expiresAt, c.Expiration!.getTime());
      const policies = await identityPolicies(t.store, cred!.principal);
      assert.deepEqual(policies.map((p) => p.document.statements[0]?.action.patterns), [['vpc-lattice-svcs:Invoke']]);
    } finally {
      lookup.close();
    }

    const dave = clientFor({ accessKeyId: daveKey.AccessKeyId!, secretAccessKey: daveKey.SecretAccessKey! }).sts;
    const denied = await rejects(dave.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'sneaky' })));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(denied.$metadata.httpStatusCode, 403);
    assert.equal(denied.message, `User: arn:aws:iam::${ACCOUNT}:user/dave is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    const noRole = await rejects(carol.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/absent`, RoleSessionName: 'x1' })));
    assert.equal(noRole.name, 'AccessDenied');
    const tooLong = await rejects(carol.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'long', DurationSeconds: 7200 })));
    assert.equal(tooLong.name, 'ValidationError');
    assert.match(tooLong.message, /exceeds the MaxSessionDuration/);

    // Trust the account instead: any of its principals (here dave) may now assume it.
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'deployer', PolicyDocument: trustFor({ AWS: ACCOUNT }) }));
    const daveIn = await dave.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'dave' }));
    assert.equal(daveIn.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/dave`);
  });

  it('answers GetCallerIdentity for an unknown well-formed key as the account root, and refuses an unsigned one', async () => {
    const who = await sts.send(new GetCallerIdentityCommand({}));
    assert.deepEqual([who.Arn, who.Account], [`arn:aws:iam::${ACCOUNT}:root`, ACCOUNT]);
    const unsigned = await query({ Version: '2011-06-15', Action: 'GetCallerIdentity' });
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.code(), 'MissingAuthenticationToken');
    assert.match(unsigned.text, /xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"/);
  });

  it('serves the aws CLI: iam create-user / get-role and sts get-caller-identity', async () => {
    const made = await aws(['iam', 'create-user', '--user-name', 'cli-user']);
    assert.equal(made.code, 0, made.err);
    assert.equal(JSON.parse(made.out).User.Arn, `arn:aws:iam::${ACCOUNT}:user/cli-user`);
    const key = JSON.parse((await aws(['iam', 'create-access-key', '--user-name', 'cli-user'])).out).AccessKey;
    const who = await aws(['sts', 'get-caller-identity'], { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey });
    assert.equal(who.code, 0, who.err);
    assert.equal(JSON.parse(who.out).Arn, `arn:aws:iam::${ACCOUNT}:user/cli-user`);
    await iam.send(new CreateRoleCommand({ RoleName: 'cli-role', AssumeRolePolicyDocument: trustFor({ Service: 'lambda.amazonaws.com' }) }));
    const role = await aws(['iam', 'get-role', '--role-name', 'cli-role']);
    assert.equal(role.code, 0, role.err);
    // The CLI decodes the URL-encoded document into JSON.
    assert.deepEqual(JSON.parse(role.out).Role.AssumeRolePolicyDocument.Statement[0].Principal, { Service: 'lambda.amazonaws.com' });
    const missing = await aws(['iam', 'get-user', '--user-name', 'nobody']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /NoSuchEntity/);
  });
});
