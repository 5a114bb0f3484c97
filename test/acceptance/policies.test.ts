import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessLogSubscriptionCommand, CreateServiceCommand, CreateServiceNetworkCommand, DeleteAuthPolicyCommand,
  DeleteResourcePolicyCommand, DeleteServiceNetworkCommand, GetAuthPolicyCommand, GetResourcePolicyCommand, PutAuthPolicyCommand,
  PutResourcePolicyCommand, UpdateServiceNetworkCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, rejects, type TestTrellis } from '../support/trellis.js';

const ACCOUNT = '111122223333';
const OPEN = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*"}]}';
const AUTHENTICATED = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: '*',
    Condition: { StringNotEqualsIgnoreCase: { 'aws:PrincipalType': 'anonymous' } },
  }],
});
const SHARE = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::444455556666:root'] },
    Action: ['vpc-lattice:CreateServiceNetworkVpcAssociation', 'vpc-lattice:GetServiceNetwork'], Resource: '*',
  }],
});

const enc = encodeURIComponent;

describe('auth policies', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('puts, reads, replaces and deletes the auth policy of a service network', async () => {
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'auth-net' }));
    // Stored verbatim: spacing and member order survive the round trip.
    const pretty = JSON.stringify(JSON.parse(OPEN), null, 1).replace(/\n/g, ' ');
    const put = await t.lattice.send(new PutAuthPolicyCommand({ resourceIdentifier: sn.id, policy: pretty }));
    assert.equal(put.$metadata.httpStatusCode, 200);
    assert.equal(put.policy, pretty);
    assert.equal(put.state, 'Inactive');

    const got = await t.lattice.send(new GetAuthPolicyCommand({ resourceIdentifier: sn.arn }));
    assert.equal(got.policy, pretty);
    assert.equal(got.state, 'Inactive');
    assert.ok(got.createdAt instanceof Date);
    assert.ok(got.lastUpdatedAt instanceof Date);

    // The state follows the resource's authType at read time.
    await t.lattice.send(new UpdateServiceNetworkCommand({ serviceNetworkIdentifier: sn.id, authType: 'AWS_IAM' }));
    const active = await t.lattice.send(new GetAuthPolicyCommand({ resourceIdentifier: sn.id }));
    assert.equal(active.state, 'Active');

    const replaced = await t.lattice.send(new PutAuthPolicyCommand({ resourceIdentifier: sn.arn, policy: AUTHENTICATED }));
    assert.equal(replaced.state, 'Active');
    const after2 = await t.lattice.send(new GetAuthPolicyCommand({ resourceIdentifier: sn.id }));
    assert.equal(after2.policy, AUTHENTICATED);
    assert.equal(after2.createdAt!.getTime(), got.createdAt!.getTime());
    assert.ok(after2.lastUpdatedAt!.getTime() >= got.lastUpdatedAt!.getTime());

    const del = await t.lattice.send(new DeleteAuthPolicyCommand({ resourceIdentifier: sn.id }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const none = await t.wire('GET', `/authpolicy/${sn.id}`);
    assert.equal(none.status, 404);
    assert.equal(none.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(none.json.resourceType, 'AUTH_POLICY');
    assert.equal(none.json.resourceId, sn.id);

    // Deleting again is a no-op: the model marks DeleteAuthPolicy idempotent.
    const again = await t.wire('DELETE', `/authpolicy/${sn.id}`);
    assert.equal(again.status, 204);
    assert.equal(again.text, '');
  });

  it('attaches to a service, Active when the service uses AWS_IAM', async () => {
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'auth-svc', authType: 'AWS_IAM' }));
    const put = await t.lattice.send(new PutAuthPolicyCommand({ resourceIdentifier: svc.arn, policy: OPEN }));
    assert.equal(put.state, 'Active');
    const got = await t.lattice.send(new GetAuthPolicyCommand({ resourceIdentifier: svc.id }));
    assert.equal(got.policy, OPEN);
    assert.equal(got.state, 'Active');
    const open = await t.lattice.send(new CreateServiceCommand({ name: 'auth-svc-open' }));
    const inactive = await t.lattice.send(new PutAuthPolicyCommand({ resourceIdentifier: open.id, policy: OPEN }));
    assert.equal(inactive.state, 'Inactive');
  });

  it('answers 404 naming the resource when it does not exist here', async () => {
    for (const [method, body] of [['PUT', { policy: OPEN }], ['GET', undefined], ['DELETE', undefined]] as const) {
      const res = await t.wire(method, '/authpolicy/sn-0123456789abcdef0', body);
      assert.equal(res.status, 404, method);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
      assert.equal(res.json.resourceType, 'SERVICE_NETWORK');
      assert.equal(res.json.resourceId, 'sn-0123456789abcdef0');
    }
    const svc = await t.wire('GET', '/authpolicy/svc-0123456789abcdef0');
    assert.equal(svc.status, 404);
    assert.equal(svc.json.resourceType, 'SERVICE');
    // An existing network named by an ARN of another account is not found either.
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'auth-foreign' }));
    const foreign = sn.arn!.replace(ACCOUNT, '999988887777');
    const res = await t.wire('PUT', `/authpolicy/${enc(foreign)}`, { policy: OPEN });
    assert.equal(res.status, 404);
    assert.equal(res.json.resourceType, 'SERVICE_NETWORK');
  });

  it('refuses a policy that is not an IAM policy document, naming policy and what is wrong', async () => {
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'auth-bad' }));
    const badEffect = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Permit', Principal: '*', Action: '*', Resource: '*' }] });
    const res = await t.wire('PUT', `/authpolicy/${sn.id}`, { policy: badEffect });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.equal(res.json.reason, 'fieldValidationFailed');
    assert.deepEqual(res.json.fieldList, [{ name: 'policy', message: 'Statement[0].Effect must be Allow or Deny' }]);
    assert.match(res.json.message, /Effect must be Allow or Deny/);

    for (const policy of ['not json', '', '[]', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}']) {
      const r = await t.wire('PUT', `/authpolicy/${sn.id}`, { policy });
      assert.equal(r.status, 400, policy);
      assert.equal(r.json.fieldList[0].name, 'policy');
    }
    // Nothing was stored by the refused puts.
    assert.equal((await t.wire('GET', `/authpolicy/${sn.id}`)).status, 404);
  });

  it('enforces the 10 KB auth policy quota with 402', async () => {
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'auth-big' }));
    const principals = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:iam::${String(100000000000 + i)}:root`);
    const policy = (n: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principals(n) }, Action: '*', Resource: '*' }] });
    const big = policy(400);
    assert.ok(Buffer.byteLength(big) > 10 * 1024 && big.length < 36864);
    const res = await t.wire('PUT', `/authpolicy/${sn.id}`, { policy: big });
    assert.equal(res.status, 402);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
    assert.equal(res.json.serviceCode, 'vpc-lattice');
    assert.equal(res.json.resourceType, 'AUTH_POLICY');
    assert.equal(typeof res.json.quotaCode, 'string');
    // Just under the quota is accepted.
    const fits = policy(200);
    assert.ok(Buffer.byteLength(fits) <= 10 * 1024);
    const ok = await t.lattice.send(new PutAuthPolicyCommand({ resourceIdentifier: sn.id, policy: fits }));
    assert.equal(ok.policy, fits);
  });
});

describe('resource policies', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('puts, reads and deletes the resource policy of a service network by ARN', async () => {
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'shared-net' }));
    const put = await t.wire('PUT', `/resourcepolicy/${enc(sn.arn!)}`, { policy: SHARE });
    assert.equal(put.status, 200);
    const got = await t.lattice.send(new GetResourcePolicyCommand({ resourceArn: sn.arn }));
    assert.equal(got.policy, SHARE);

    await t.lattice.send(new PutResourcePolicyCommand({ resourceArn: sn.arn, policy: OPEN }));
    assert.equal((await t.lattice.send(new GetResourcePolicyCommand({ resourceArn: sn.arn }))).policy, OPEN);

    const del = await t.lattice.send(new DeleteResourcePolicyCommand({ resourceArn: sn.arn }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const none = await t.wire('GET', `/resourcepolicy/${enc(sn.arn!)}`);
    assert.equal(none.status, 404);
    assert.equal(none.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(none.json.resourceType, 'RESOURCE_POLICY');
    assert.equal((await t.wire('DELETE', `/resourcepolicy/${enc(sn.arn!)}`)).status, 204);
  });

  it('attaches to a service', async () => {
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'shared-svc' }));
    await t.lattice.send(new PutResourcePolicyCommand({ resourceArn: svc.arn, policy: SHARE }));
    assert.equal((await t.lattice.send(new GetResourcePolicyCommand({ resourceArn: svc.arn }))).policy, SHARE);
  });

  it('answers 404 for a resource that does not exist, and 400 for an id or a bad document', async () => {
    const missing = `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:servicenetwork/sn-0123456789abcdef0`;
    const res = await t.wire('PUT', `/resourcepolicy/${enc(missing)}`, { policy: SHARE });
    assert.equal(res.status, 404);
    assert.equal(res.json.resourceType, 'SERVICE_NETWORK');
    assert.equal((await t.wire('GET', `/resourcepolicy/${enc(missing)}`)).status, 404);

    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'shared-bad' }));
    // The member is an ARN; a bare id fails the model's pattern.
    const byId = await t.wire('GET', `/resourcepolicy/${sn.id}`);
    assert.equal(byId.status, 400);
    assert.equal(byId.json.fieldList[0].name, 'resourceArn');
    // The model's pattern admits any service's ARN of that shape; only Lattice's name a resource.
    const notLattice = await t.wire('GET', `/resourcepolicy/${enc(sn.arn!.replace(':vpc-lattice:', ':ec2:'))}`);
    assert.equal(notLattice.status, 400);
    assert.equal(notLattice.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.equal(notLattice.json.fieldList[0].name, 'resourceArn');

    const noPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'vpc-lattice:GetServiceNetwork', Resource: '*' }] });
    const bad = await t.wire('PUT', `/resourcepolicy/${enc(sn.arn!)}`, { policy: noPrincipal });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(bad.json.fieldList, [{ name: 'policy', message: 'Statement[0] must have one of Principal or NotPrincipal' }]);
    const e = await rejects(t.lattice.send(new GetResourcePolicyCommand({ resourceArn: sn.arn })));
    assert.equal(e.name, 'ResourceNotFoundException');
  });
});

describe('policies and subscriptions of a deleted service network', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('go with it', async () => {
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'doomed-net' }));
    await t.lattice.send(new PutAuthPolicyCommand({ resourceIdentifier: sn.id, policy: OPEN }));
    await t.lattice.send(new PutResourcePolicyCommand({ resourceArn: sn.arn, policy: SHARE }));
    await t.lattice.send(new CreateAccessLogSubscriptionCommand({
      resourceIdentifier: sn.id, destinationArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:doomed`,
    }));
    const place = { account: ACCOUNT, region: 'us-east-1' };
    assert.equal((await t.store.referrers(place, sn.id!, ['authpolicy', 'resourcepolicy', 'accesslogsubscription'])).length, 3);
    await t.lattice.send(new DeleteServiceNetworkCommand({ serviceNetworkIdentifier: sn.id }));
    assert.deepEqual(await t.store.referrers(place, sn.id!, ['authpolicy', 'resourcepolicy', 'accesslogsubscription']), []);
  });
});
