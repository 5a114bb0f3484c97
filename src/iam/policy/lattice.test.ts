import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ANONYMOUS, type Principal } from '../contracts.js';
import { managedPolicy } from '../managed-policies.js';
import { compilePolicy, evaluatePolicy } from './evaluate.js';
import { authorizeLatticeRequest, formatLatticeAuth, type LatticeAuthInput } from './lattice-authorize.js';
import { latticeInvokeContext, type LatticeInvokeInput } from './lattice-context.js';
import { alice, policy, session, SN_ARN, SVC_ARN } from './test-support.js';

const NOW = Date.parse('2026-03-01T12:34:56.789Z');

const request = (over: Partial<LatticeInvokeInput> = {}): LatticeInvokeInput => ({
  principal: ANONYMOUS, serviceArn: SVC_ARN, serviceNetworkArn: SN_ARN, method: 'GET', path: '/public/index.html',
  headers: { 'Content-Type': 'application/json', 'x-multi': ['a', 'b'] }, port: 80, sourceVpc: 'vpc-1',
  sourceVpcOwnerAccount: '111122223333', sourceIp: '10.0.1.5', secureTransport: false, resourceTags: { Env: 'prod' }, now: NOW, ...over,
});

describe('latticeInvokeContext', () => {
  it('builds the action, the resource without the query, and the Lattice keys', () => {
    const ctx = latticeInvokeContext(request({ path: '/rates?quux=corge&quux=grault&Flag' }));
    assert.equal(ctx.action, 'vpc-lattice-svcs:Invoke');
    assert.equal(ctx.resource, `${SVC_ARN}/rates`);
    const k = (name: string) => ctx.keys.get(name);
    assert.deepEqual(k('vpc-lattice-svcs:requestmethod'), ['GET']);
    assert.deepEqual(k('vpc-lattice-svcs:requestpath'), ['/rates']);
    assert.deepEqual(k('vpc-lattice-svcs:requestheader/content-type'), ['application/json']);
    assert.deepEqual(k('vpc-lattice-svcs:requestheader/x-multi'), ['a', 'b']);
    assert.deepEqual(k('vpc-lattice-svcs:requestquerystring/quux'), ['corge', 'grault']);
    assert.deepEqual(k('vpc-lattice-svcs:requestquerystring/flag'), ['']);
    assert.deepEqual(k('vpc-lattice-svcs:servicearn'), [SVC_ARN]);
    assert.deepEqual(k('vpc-lattice-svcs:servicenetworkarn'), [SN_ARN]);
    assert.deepEqual(k('vpc-lattice-svcs:sourcevpc'), ['vpc-1']);
    assert.deepEqual(k('vpc-lattice-svcs:sourcevpcowneraccount'), ['111122223333']);
    assert.deepEqual(k('vpc-lattice-svcs:port'), ['80']);
    assert.deepEqual(k('aws:resourcetag/env'), ['prod']);
    assert.deepEqual(k('aws:sourceip'), ['10.0.1.5']);
    assert.deepEqual(k('aws:securetransport'), ['false']);
    assert.deepEqual(k('aws:currenttime'), ['2026-03-01T12:34:56Z']);
    assert.deepEqual(k('aws:epochtime'), [String(Math.floor(NOW / 1000))]);
  });

  it('gives `/` for the root path and keeps a separate query out of the resource', () => {
    const ctx = latticeInvokeContext(request({ path: '/', query: 'a=1' }));
    assert.equal(ctx.resource, `${SVC_ARN}/`);
    assert.deepEqual(ctx.keys.get('vpc-lattice-svcs:requestquerystring/a'), ['1']);
  });

  it('has the anonymous caller only as PrincipalType Anonymous', () => {
    const ctx = latticeInvokeContext(request());
    assert.deepEqual(ctx.keys.get('aws:principaltype'), ['Anonymous']);
    assert.deepEqual(ctx.keys.get('aws:userid'), ['anonymous']);
    for (const k of ['aws:principalarn', 'aws:principalaccount', 'aws:principalorgid', 'aws:username']) assert.equal(ctx.keys.get(k), undefined, k);
  });

  it('gives a session the role ARN as aws:PrincipalArn, and its org and tags', () => {
    const ctx = latticeInvokeContext(request({ principal: { ...session, tags: { Team: 'payments' } } }));
    assert.deepEqual(ctx.keys.get('aws:principalarn'), [session.roleArn]);
    assert.deepEqual(ctx.keys.get('aws:principaltype'), ['AssumedRole']);
    assert.deepEqual(ctx.keys.get('aws:principalaccount'), ['111122223333']);
    assert.deepEqual(ctx.keys.get('aws:principalorgid'), ['o-abc123']);
    assert.deepEqual(ctx.keys.get('aws:principalorgpaths'), session.orgPaths);
    assert.deepEqual(ctx.keys.get('aws:principaltag/team'), ['payments']);
    assert.deepEqual(ctx.keys.get('aws:userid'), ['AROAAPP:i-0abc']);
    assert.equal(ctx.keys.get('aws:username'), undefined);
  });

  it('gives a user aws:username and a root caller PrincipalType Account', () => {
    assert.deepEqual(latticeInvokeContext(request({ principal: alice })).keys.get('aws:username'), ['alice']);
    const root: Principal = { arn: 'arn:aws:iam::111122223333:root', account: '111122223333', type: 'Root', tags: {} };
    assert.deepEqual(latticeInvokeContext(request({ principal: root })).keys.get('aws:principaltype'), ['Account']);
  });

  it('gRPC: the resource is …/pkg.Svc/Method and there are no query keys', () => {
    const ctx = latticeInvokeContext(request({ grpc: true, method: 'POST', path: '/parking.Parking/Reserve?x=1' }));
    assert.equal(ctx.resource, `${SVC_ARN}/parking.Parking/Reserve`);
    assert.equal(ctx.keys.get('vpc-lattice-svcs:requestquerystring/x'), undefined);
  });

  it('lists every key when iterated, and finds headers and tags whatever their case', () => {
    const ctx = latticeInvokeContext(request({ principal: { ...alice, tags: { CostCenter: '42' } }, path: '/a?B=1' }));
    const all = new Map(ctx.keys);
    assert.equal(ctx.keys.size, all.size);
    for (const k of all.keys()) assert.equal(k, k.toLowerCase());
    assert.deepEqual(all.get('vpc-lattice-svcs:requestheader/content-type'), ['application/json']);
    assert.deepEqual(all.get('vpc-lattice-svcs:requestquerystring/b'), ['1']);
    assert.deepEqual(all.get('aws:principaltag/costcenter'), ['42']);
    assert.deepEqual(all.get('aws:resourcetag/env'), ['prod']);
    assert.deepEqual(all.get('aws:username'), ['alice']);
    assert.equal(ctx.keys.has('vpc-lattice-svcs:requestheader/authorization'), false);
    const seen: string[] = [];
    ctx.keys.forEach((_, k) => seen.push(k));
    assert.deepEqual(seen, [...all.keys()]);
  });

  it('decodes query values as a form (+ and %XX) and keeps malformed escapes', () => {
    const ctx = latticeInvokeContext(request({ path: '/s?q=a+b%20c&bad=%E0%A4%A&q=%41' }));
    assert.deepEqual(ctx.keys.get('vpc-lattice-svcs:requestquerystring/q'), ['a b c', 'A']);
    assert.deepEqual(ctx.keys.get('vpc-lattice-svcs:requestquerystring/bad'), ['%E0%A4%A']);
  });

  it('TCP: Connect on the service ARN itself', () => {
    const ctx = latticeInvokeContext(request({ tcp: true }));
    assert.equal(ctx.action, 'vpc-lattice-svcs:Connect');
    assert.equal(ctx.resource, SVC_ARN);
    assert.equal(ctx.keys.get('vpc-lattice-svcs:requestpath'), undefined);
  });
});

/** The "done when": the network allows one VPC, the service allows GET /public*. */
const networkPolicy = policy({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: '*', Condition: { StringEquals: { 'vpc-lattice-svcs:SourceVpc': 'vpc-1' } } }],
}, 'service-network', 'auth policy of sn-0123456789abcdef0');
const servicePolicy = policy({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'PublicReads', Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: `${SVC_ARN}/public*`, Condition: { StringEquals: { 'vpc-lattice-svcs:RequestMethod': 'GET' } } },
    { Sid: 'NoAdmin', Effect: 'Deny', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: `${SVC_ARN}/public/admin*` },
  ],
}, 'service', 'auth policy of svc-0123456789abcdef0');

const decide = (over: Partial<LatticeInvokeInput> = {}, auth: Partial<LatticeAuthInput> = {}) => authorizeLatticeRequest({
  networkAuthType: 'AWS_IAM', networkPolicy, serviceAuthType: 'AWS_IAM', servicePolicy, ctx: latticeInvokeContext(request(over)), ...auth,
});

describe('authorizeLatticeRequest', () => {
  it('allows when both authTypes are NONE, skipping every layer', () => {
    const r = decide({}, { networkAuthType: 'NONE', serviceAuthType: 'NONE', networkPolicy: undefined, servicePolicy: undefined });
    assert.equal(r.allowed, true);
    assert.deepEqual(r.layers.map((l) => l.outcome), ['Skipped', 'Skipped', 'Skipped']);
  });

  it('lets exactly the walkthrough requests through', () => {
    assert.equal(decide().allowed, true);
    assert.equal(decide({ path: '/public?page=2' }).allowed, true);
    const cases: [Partial<LatticeInvokeInput>, string, string][] = [
      [{ sourceVpc: 'vpc-2' }, 'Network', 'because no network-based policy allows the vpc-lattice-svcs:Invoke action'],
      [{ method: 'POST' }, 'Service', 'because no service-based policy allows the vpc-lattice-svcs:Invoke action'],
      [{ path: '/private' }, 'Service', 'because no service-based policy allows the vpc-lattice-svcs:Invoke action'],
      [{ path: '/public/admin/users' }, 'Service', 'with an explicit deny in a service-based policy'],
    ];
    for (const [over, reason, tail] of cases) {
      const r = decide(over);
      assert.equal(r.allowed, false, JSON.stringify(over));
      assert.equal(r.authDeniedReason, reason, JSON.stringify(over));
      assert.ok(r.message!.endsWith(tail), r.message);
    }
  });

  it('writes the 403 line exactly in AWS\'s formats (LATTICE.md §3.3)', () => {
    const svc = 'arn:aws:vpc-lattice:us-west-2:111122223333:service/svc-0b17e5b0e8a993adf';
    const r = authorizeLatticeRequest({ networkAuthType: 'NONE', serviceAuthType: 'AWS_IAM', ctx: latticeInvokeContext(request({ serviceArn: svc, path: '/goodbye' })) });
    assert.equal(r.message, 'AccessDeniedException: User: anonymous is not authorized to perform: vpc-lattice-svcs:Invoke on resource: arn:aws:vpc-lattice:us-west-2:111122223333:service/svc-0b17e5b0e8a993adf/goodbye because no service-based policy allows the vpc-lattice-svcs:Invoke action');
    const svc2 = 'arn:aws:vpc-lattice:us-west-2:111122223333:service/svc-061f66f60654b5c6f';
    const n = authorizeLatticeRequest({ networkAuthType: 'AWS_IAM', serviceAuthType: 'NONE', ctx: latticeInvokeContext(request({ serviceArn: svc2, path: '/' })) });
    assert.equal(n.message, 'AccessDeniedException: User: anonymous is not authorized to perform: vpc-lattice-svcs:Invoke on resource: arn:aws:vpc-lattice:us-west-2:111122223333:service/svc-061f66f60654b5c6f/ because no network-based policy allows the vpc-lattice-svcs:Invoke action');
    assert.equal(n.authDeniedReason, 'Network');
    const role1: Principal = { arn: 'arn:aws:sts::111122223333:assumed-role/Role1/1726632845600682009', account: '111122223333', type: 'AssumedRole', roleArn: 'arn:aws:iam::111122223333:role/Role1', tags: {} };
    const svc3 = 'arn:aws:vpc-lattice:us-west-2:111122223333:service/svc-0b13d4b53748cbdc7';
    const i = authorizeLatticeRequest({ networkAuthType: 'NONE', serviceAuthType: 'NONE', identityPolicies: [], ctx: latticeInvokeContext(request({ principal: role1, serviceArn: svc3, path: '/catalogdetail' })) });
    assert.equal(i.message, 'AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/Role1/1726632845600682009 is not authorized to perform: vpc-lattice-svcs:Invoke on resource: arn:aws:vpc-lattice:us-west-2:111122223333:service/svc-0b13d4b53748cbdc7/catalogdetail because no identity-based policy allows the vpc-lattice-svcs:Invoke action');
    assert.equal(i.authDeniedReason, 'Identity');
  });

  it('denies everything when AWS_IAM has no policy attached', () => {
    const r = decide({}, { servicePolicy: undefined });
    assert.equal(r.authDeniedReason, 'Service');
    assert.match(r.layers[1]!.why, /no auth policy is attached/);
  });

  it('names an explicit deny before any implicit one, then network, service, identity', () => {
    // The network denies implicitly (wrong VPC) and the service explicitly: the explicit one is named.
    const r = decide({ sourceVpc: 'vpc-2', path: '/public/admin' });
    assert.equal(r.authDeniedReason, 'Service');
    assert.match(r.message!, /explicit deny in a service-based policy$/);
    // Network and service both deny implicitly: the network is named.
    assert.equal(decide({ sourceVpc: 'vpc-2', method: 'POST' }).authDeniedReason, 'Network');
    // Service and identity both deny implicitly: the service is named.
    assert.equal(decide({ principal: alice, method: 'POST' }, { identityPolicies: [] }).authDeniedReason, 'Service');
  });

  it('consults the identity policies of a signed caller only, when supplied', () => {
    const invoke = managedPolicy('arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess')!;
    const identity = compilePolicy('identity', invoke.arn, invoke.document);
    assert.equal(decide({ principal: alice }, { identityPolicies: [identity] }).allowed, true);
    assert.equal(decide({ principal: alice }).allowed, true); // layer not supplied: skipped
    assert.equal(decide({ principal: alice }, { identityPolicies: [] }).authDeniedReason, 'Identity');
    const anon = decide({}, { identityPolicies: [] });
    assert.equal(anon.allowed, true);
    assert.equal(anon.layers[2]!.outcome, 'Skipped');
    const denyAll = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'vpc-lattice-svcs:*', Resource: '*' }] }, 'identity', 'inline deny');
    const d = decide({ principal: alice }, { identityPolicies: [identity, denyAll] });
    assert.equal(d.authDeniedReason, 'Identity');
    assert.match(d.message!, /with an explicit deny in an identity-based policy$/);
  });

  it('explains each layer, policy and statement on request', () => {
    const r = decide({ method: 'POST' }, { explain: true });
    assert.equal(r.layers[0]!.outcome, 'Allow');
    assert.deepEqual(r.layers[0]!.decision?.statement, { source: 'auth policy of sn-0123456789abcdef0', index: 0 });
    assert.equal(r.layers[1]!.traces?.[0]?.statements[0]?.applies, false);
    const text = formatLatticeAuth(r);
    assert.match(text, /^DENY \(Service\): AccessDeniedException: /);
    assert.match(text, /Network: Allow — allowed by statement 0 of auth policy of sn-0123456789abcdef0/);
    assert.match(text, /statement 0 \(PublicReads\) Allow: does not apply — Condition StringEquals vpc-lattice-svcs:RequestMethod \["GET"\] is not met: the request has \["POST"\]/);
    assert.match(text, /Identity: Skipped — the caller is anonymous/);
    assert.equal(decide({ method: 'POST' }).layers[1]!.traces, undefined);
  });

  it('matches header and query keys of the documented examples', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: '*',
        Condition: {
          StringEquals: { 'vpc-lattice-svcs:RequestHeader/Content-Type': 'application/json' },
          'ForAnyValue:StringEquals': { 'vpc-lattice-svcs:RequestQueryString/quux': ['corge'] },
          NumericEquals: { 'vpc-lattice-svcs:Port': 80 },
          StringNotEquals: { 'aws:PrincipalType': 'Anonymous' },
        },
      }],
    });
    const at = (over: Partial<LatticeInvokeInput>) => evaluatePolicy(p, latticeInvokeContext(request({ principal: alice, path: '/x?quux=grault&quux=corge', ...over }))).effect;
    assert.equal(at({}), 'Allow');
    assert.equal(at({ principal: ANONYMOUS }), 'ImplicitDeny');
    assert.equal(at({ headers: { 'content-type': 'text/plain' } }), 'ImplicitDeny');
    assert.equal(at({ path: '/x?quux=waldo' }), 'ImplicitDeny');
    assert.equal(at({ port: 443 }), 'ImplicitDeny');
  });
});
