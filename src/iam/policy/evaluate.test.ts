import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicyValue } from '../../model/index.js';
import { ANONYMOUS, type CompiledPolicy, type Principal } from '../contracts.js';
import { combine, evaluatePolicy, explainPolicy } from './evaluate.js';
import { ACCT, alice, context, OTHER, policy, session, stranger, SVC_ARN } from './test-support.js';

const allowFor = (principal: unknown) => policy({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: principal, Action: 'vpc-lattice-svcs:Invoke', Resource: '*' }],
});
const effectFor = (principal: unknown, caller: Principal) => evaluatePolicy(allowFor(principal), context({ principal: caller })).effect;

const root: Principal = { arn: `arn:aws:iam::${ACCT}:root`, account: ACCT, type: 'Root', tags: {} };
const otherSession: Principal = { ...session, arn: `arn:aws:sts::${ACCT}:assumed-role/other-role/s1`, roleArn: `arn:aws:iam::${ACCT}:role/other-role` };
const bareSession: Principal = { arn: `arn:aws:sts::${ACCT}:assumed-role/app-role/s2`, account: ACCT, type: 'AssumedRole', tags: {} };

describe('Principal', () => {
  const rows: readonly [string, unknown, Principal, 'Allow' | 'ImplicitDeny'][] = [
    ['"*" matches the anonymous caller', '*', ANONYMOUS, 'Allow'],
    ['"*" matches any signed caller', '*', stranger, 'Allow'],
    ['{"AWS": "*"} does not match the anonymous caller (LATTICE.md §3.2)', { AWS: '*' }, ANONYMOUS, 'ImplicitDeny'],
    ['{"AWS": "*"} matches a signed caller', { AWS: '*' }, stranger, 'Allow'],
    ['an account id matches its users', { AWS: ACCT }, alice, 'Allow'],
    ['an account id matches its role sessions', { AWS: ACCT }, session, 'Allow'],
    ['an account id does not match another account', { AWS: ACCT }, stranger, 'ImplicitDeny'],
    ['an account id does not match the anonymous caller', { AWS: ACCT }, ANONYMOUS, 'ImplicitDeny'],
    [':root matches every principal of the account', { AWS: `arn:aws:iam::${ACCT}:root` }, session, 'Allow'],
    [':root matches the root user', { AWS: `arn:aws:iam::${ACCT}:root` }, root, 'Allow'],
    [':root of another account does not match', { AWS: `arn:aws:iam::${OTHER}:root` }, alice, 'ImplicitDeny'],
    ['a user ARN matches that user', { AWS: alice.arn }, alice, 'Allow'],
    ['a user ARN does not match another user', { AWS: `arn:aws:iam::${ACCT}:user/carol` }, alice, 'ImplicitDeny'],
    ['a role ARN matches its sessions (by roleArn)', { AWS: `arn:aws:iam::${ACCT}:role/service/app-role` }, session, 'Allow'],
    ['a role ARN matches its sessions (by account and name)', { AWS: `arn:aws:iam::${ACCT}:role/app-role` }, bareSession, 'Allow'],
    ['a role ARN does not match another role\'s sessions', { AWS: `arn:aws:iam::${ACCT}:role/service/app-role` }, otherSession, 'ImplicitDeny'],
    ['a role ARN of another account does not match', { AWS: `arn:aws:iam::${OTHER}:role/app-role` }, bareSession, 'ImplicitDeny'],
    ['a session ARN matches that session', { AWS: session.arn }, session, 'Allow'],
    ['a session ARN does not match another session of the role', { AWS: session.arn }, bareSession, 'ImplicitDeny'],
    ['one of a list', { AWS: [stranger.arn, alice.arn] }, alice, 'Allow'],
  ];
  for (const [name, principal, caller, expected] of rows) {
    it(name, () => assert.equal(effectFor(principal, caller), expected));
  }

  it('matches Federated by provider ARN or by aws:FederatedProvider', () => {
    const provider = `arn:aws:iam::${ACCT}:oidc-provider/token.actions.githubusercontent.com`;
    const p = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Resource: '*' }] }, 'trust');
    const web: Principal = { arn: provider, account: ACCT, type: 'FederatedUser', tags: {} };
    const ctx = (principal: Principal, keys = {}) => context({ principal, action: 'sts:AssumeRoleWithWebIdentity', resource: `arn:aws:iam::${ACCT}:role/ci`, keys });
    assert.equal(evaluatePolicy(p, ctx(web)).effect, 'Allow');
    assert.equal(evaluatePolicy(p, ctx({ ...web, arn: 'someone-else' }, { 'aws:FederatedProvider': 'token.actions.githubusercontent.com' })).effect, 'Allow');
    assert.equal(evaluatePolicy(p, ctx({ ...web, arn: 'someone-else' }, { 'aws:FederatedProvider': 'accounts.google.com' })).effect, 'ImplicitDeny');
    assert.equal(evaluatePolicy(p, ctx(ANONYMOUS)).effect, 'ImplicitDeny');
  });

  it('matches Service by aws:PrincipalServiceName', () => {
    const p = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' }] }, 'trust');
    const svc: Principal = { arn: 'lambda.amazonaws.com', account: '', type: 'AssumedRole', tags: {} };
    assert.equal(evaluatePolicy(p, context({ principal: svc, action: 'sts:AssumeRole' })).effect, 'Allow');
    assert.equal(evaluatePolicy(p, context({ principal: alice, action: 'sts:AssumeRole', keys: { 'aws:PrincipalServiceName': 'lambda.amazonaws.com' } })).effect, 'Allow');
    assert.equal(evaluatePolicy(p, context({ principal: alice, action: 'sts:AssumeRole' })).effect, 'ImplicitDeny');
  });

  it('NotPrincipal applies to everyone except those named, the anonymous caller included', () => {
    const p = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: alice.arn }, Action: '*', Resource: '*' }, { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });
    assert.equal(evaluatePolicy(p, context({ principal: alice })).effect, 'Allow');
    assert.equal(evaluatePolicy(p, context({ principal: stranger })).effect, 'ExplicitDeny');
    assert.equal(evaluatePolicy(p, context({ principal: ANONYMOUS })).effect, 'ExplicitDeny');
  });
});

describe('Action and Resource', () => {
  const on = (action: unknown, resource: unknown, ctx: { action?: string; resource?: string }, notAction = false, notResource = false) => {
    const statement: Record<string, unknown> = { Effect: 'Allow', Principal: '*' };
    statement[notAction ? 'NotAction' : 'Action'] = action;
    statement[notResource ? 'NotResource' : 'Resource'] = resource;
    return evaluatePolicy(policy({ Version: '2012-10-17', Statement: [statement] }), context(ctx)).effect === 'Allow';
  };
  const rows: readonly [string, boolean][] = [
    ['vpc-lattice-svcs:Invoke', true], ['vpc-lattice-svcs:*', true], ['*', true], ['VPC-LATTICE-SVCS:invoke', true],
    ['vpc-lattice-svcs:In*', true], ['vpc-lattice-svcs:Inv?ke', true], ['vpc-lattice-svcs:Connect', false],
    ['vpc-lattice:*', false], ['vpc-lattice-svcs:Invoke?', false],
  ];
  for (const [pattern, expected] of rows) {
    it(`Action ${pattern} ${expected ? 'covers' : 'does not cover'} vpc-lattice-svcs:Invoke`, () => assert.equal(on(pattern, '*', {}), expected));
  }
  it('NotAction covers every action but those listed', () => {
    assert.equal(on('vpc-lattice-svcs:Connect', '*', {}, true), true);
    assert.equal(on('vpc-lattice-svcs:*', '*', {}, true), false);
  });

  const resource = `${SVC_ARN}/rates/today`;
  const rrows: readonly [string, boolean][] = [
    ['*', true], [`${SVC_ARN}/*`, true], ['*/rates/today', true], ['*/*', true], [`${SVC_ARN}/rates/*`, true],
    [`${SVC_ARN}/rates`, false], [`${SVC_ARN}/rates/toda?`, true], [`${SVC_ARN}/RATES/*`, false],
    ['arn:aws:vpc-lattice:*:*:service/svc-0123456789abcdef0/*', true], [`${SVC_ARN}`, false],
    ['arn:aws:vpc-lattice:us-west-2:111122223333:service/svc-other/*', false],
  ];
  for (const [pattern, expected] of rrows) {
    it(`Resource ${pattern} ${expected ? 'covers' : 'does not cover'} …/rates/today`, () => assert.equal(on('*', pattern, { resource }), expected));
  }
  it('NotResource covers every resource but those listed', () => {
    assert.equal(on('*', `${SVC_ARN}/admin*`, { resource }, false, true), true);
    assert.equal(on('*', `${SVC_ARN}/rates*`, { resource }, false, true), false);
  });
  it('substitutes variables in Resource, and a missing one matches nothing', () => {
    const p = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: `${SVC_ARN}/home/\${aws:username}/*` }] });
    const at = (res: string, keys: Record<string, string>) => evaluatePolicy(p, context({ resource: res, keys })).effect;
    assert.equal(at(`${SVC_ARN}/home/alice/x`, { 'aws:username': 'alice' }), 'Allow');
    assert.equal(at(`${SVC_ARN}/home/bob/x`, { 'aws:username': 'alice' }), 'ImplicitDeny');
    assert.equal(at(`${SVC_ARN}/home/alice/x`, {}), 'ImplicitDeny');
  });
});

describe('evaluatePolicy and combine', () => {
  const doc = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AllowAll', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
      { Sid: 'DenyAdmin', Effect: 'Deny', Principal: '*', Action: '*', Resource: `${SVC_ARN}/admin*` },
      { Sid: 'AllowAgain', Effect: 'Allow', Principal: '*', Action: '*', Resource: `${SVC_ARN}/admin*` },
    ],
  };
  it('lets an explicit deny win over any allow, and names the deciding statement', () => {
    const p = policy(doc, 'service', 'auth policy of svc-1');
    const denied = evaluatePolicy(p, context({ resource: `${SVC_ARN}/admin/users` }));
    assert.deepEqual({ effect: denied.effect, statement: denied.statement }, { effect: 'ExplicitDeny', statement: { source: 'auth policy of svc-1', index: 1, sid: 'DenyAdmin' } });
    const allowed = evaluatePolicy(p, context({ resource: `${SVC_ARN}/rates` }));
    assert.deepEqual(allowed.statement, { source: 'auth policy of svc-1', index: 0, sid: 'AllowAll' });
    assert.equal(allowed.kind, 'service');
  });

  it('is an implicit deny, with no statement, when nothing applies', () => {
    const p = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Connect', Resource: '*' }] });
    const v = evaluatePolicy(p, context({}));
    assert.equal(v.effect, 'ImplicitDeny');
    assert.equal(v.statement, undefined);
  });

  it('evaluates a contract CompiledPolicy built elsewhere (compiling it once)', () => {
    const parsed = parsePolicyValue(doc);
    assert.ok(parsed.ok);
    const plain: CompiledPolicy = { kind: 'service', source: 'plain', document: parsed.document };
    assert.equal(evaluatePolicy(plain, context({ resource: `${SVC_ARN}/admin` })).effect, 'ExplicitDeny');
    assert.equal(evaluatePolicy(plain, context({})).effect, 'Allow');
  });

  it('combines: explicit deny > allow > implicit deny', () => {
    const allow = { effect: 'Allow', statement: { source: 'a', index: 0 } } as const;
    const deny = { effect: 'ExplicitDeny', statement: { source: 'b', index: 2 } } as const;
    const implicit = { effect: 'ImplicitDeny' } as const;
    assert.equal(combine([allow, deny, implicit]), deny);
    assert.equal(combine([implicit, allow]), allow);
    assert.deepEqual(combine([implicit, implicit]), { effect: 'ImplicitDeny' });
    assert.deepEqual(combine([]), { effect: 'ImplicitDeny' });
  });
});

describe('explainPolicy', () => {
  it('says for each statement whether it applied and which element did not match', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Vpc', Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: '*', Condition: { StringEquals: { 'vpc-lattice-svcs:SourceVpc': 'vpc-1' } } },
        { Sid: 'Alice', Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'vpc-lattice-svcs:Invoke', Resource: '*' },
        { Sid: 'Tcp', Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Connect', Resource: '*' },
        { Sid: 'Admin', Effect: 'Deny', Principal: '*', Action: '*', Resource: '*/admin' },
      ],
    });
    const e = explainPolicy(p, context({ principal: stranger, keys: { 'vpc-lattice-svcs:SourceVpc': 'vpc-2' } }));
    assert.equal(e.verdict.effect, 'ImplicitDeny');
    assert.deepEqual(e.statements.map((s) => [s.sid, s.applies]), [['Vpc', false], ['Alice', false], ['Tcp', false], ['Admin', false]]);
    assert.match(e.statements[0]!.mismatch!, /Condition StringEquals vpc-lattice-svcs:SourceVpc \["vpc-1"\] is not met: the request has \["vpc-2"\]/);
    assert.match(e.statements[1]!.mismatch!, /Principal .* does not name the caller arn:aws:iam::444455556666:user\/bob/);
    assert.match(e.statements[2]!.mismatch!, /Action \["vpc-lattice-svcs:Connect"\] does not cover vpc-lattice-svcs:Invoke/);
    assert.match(e.statements[3]!.mismatch!, /Resource \["\*\/admin"\] does not cover .*\/rates/);
    const ok = explainPolicy(p, context({ principal: alice }));
    assert.equal(ok.verdict.effect, 'Allow');
    assert.equal(ok.statements[1]!.applies, true);
    assert.match(explainPolicy(p, context({ principal: ANONYMOUS })).statements[0]!.mismatch!, /the request has no such key/);
  });
});
