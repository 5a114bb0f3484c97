import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicy } from './evaluate.js';
import { context, policy } from './test-support.js';

/**
 * One row per operator behaviour: does a statement with this single condition apply to a
 * request carrying these keys? `undefined` request value = the key is absent. Rows follow
 * IAM's documented semantics (condition operators, "…IfExists", single- vs multi-valued keys,
 * Null) and LATTICE.md §3.2's examples.
 */
type Row = readonly [operator: string, key: string, policyValues: unknown, request: string | readonly string[] | undefined, applies: boolean];

function applies(operator: string, key: string, values: unknown, request: string | readonly string[] | undefined, version = '2012-10-17'): boolean {
  const p = policy({
    Version: version,
    Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { [operator]: { [key]: values } } }],
  });
  const keys: Record<string, string | readonly string[]> = request === undefined ? {} : { [key]: request };
  return evaluatePolicy(p, context({ keys })).effect === 'Allow';
}

const rows: readonly Row[] = [
  // String: exact, case-sensitive; several policy values are ORed.
  ['StringEquals', 'vpc-lattice-svcs:SourceVpc', 'vpc-1a2b3c4d', 'vpc-1a2b3c4d', true],
  ['StringEquals', 'vpc-lattice-svcs:SourceVpc', 'vpc-1a2b3c4d', 'VPC-1A2B3C4D', false],
  ['StringEquals', 'vpc-lattice-svcs:SourceVpc', ['vpc-1', 'vpc-2'], 'vpc-2', true],
  ['StringEquals', 'vpc-lattice-svcs:SourceVpc', 'vpc-1', undefined, false],
  ['StringEquals', 'vpc-lattice-svcs:RequestMethod', 'GET', 'GET', true],
  ['StringEquals', 'vpc-lattice-svcs:RequestPath', '/pub*', '/public', false], // no wildcards in StringEquals
  ['StringNotEquals', 'aws:PrincipalType', 'Anonymous', 'User', true],
  ['StringNotEquals', 'aws:PrincipalType', 'Anonymous', 'Anonymous', false],
  ['StringNotEquals', 'aws:PrincipalType', ['Anonymous', 'User'], 'User', false],
  ['StringNotEquals', 'aws:PrincipalOrgID', 'o-1', undefined, true], // negated, key missing ⇒ true
  ['StringEqualsIgnoreCase', 'vpc-lattice-svcs:RequestHeader/x-team', 'Payments', 'PAYMENTS', true],
  ['StringEqualsIgnoreCase', 'vpc-lattice-svcs:RequestHeader/x-team', 'Payments', 'billing', false],
  ['StringNotEqualsIgnoreCase', 'vpc-lattice-svcs:RequestHeader/x-team', 'Payments', 'PAYMENTS', false],
  ['StringNotEqualsIgnoreCase', 'vpc-lattice-svcs:RequestHeader/x-team', 'Payments', 'billing', true],
  ['StringLike', 'vpc-lattice-svcs:RequestPath', '/public*', '/public/a/b', true],
  ['StringLike', 'vpc-lattice-svcs:RequestPath', '/public*', '/private', false],
  ['StringLike', 'vpc-lattice-svcs:RequestPath', '/v?/items', '/v2/items', true],
  ['StringLike', 'vpc-lattice-svcs:RequestPath', '/v?/items', '/v10/items', false],
  ['StringLike', 'vpc-lattice-svcs:RequestPath', '/Public*', '/public', false], // case-sensitive
  ['StringNotLike', 'vpc-lattice-svcs:RequestPath', '/admin*', '/public', true],
  ['StringNotLike', 'vpc-lattice-svcs:RequestPath', '/admin*', '/admin/x', false],
  ['StringNotLike', 'vpc-lattice-svcs:RequestPath', '/admin*', undefined, true],
  // IfExists: missing ⇒ true; present ⇒ the operator decides.
  ['StringEqualsIfExists', 'aws:PrincipalOrgID', 'o-1', undefined, true],
  ['StringEqualsIfExists', 'aws:PrincipalOrgID', 'o-1', 'o-2', false],
  ['StringEqualsIfExists', 'aws:PrincipalOrgID', 'o-1', 'o-1', true],
  ['StringLikeIfExists', 'vpc-lattice-svcs:RequestHeader/x-env', 'prod-*', 'dev-1', false],
  // Numeric
  ['NumericEquals', 'vpc-lattice-svcs:Port', '80', '80', true],
  ['NumericEquals', 'vpc-lattice-svcs:Port', 80, '443', false],
  ['NumericEquals', 'vpc-lattice-svcs:Port', '80', '80.0', true],
  ['NumericEquals', 'vpc-lattice-svcs:Port', '80', 'eighty', false],
  ['NumericNotEquals', 'vpc-lattice-svcs:Port', '80', '443', true],
  ['NumericNotEquals', 'vpc-lattice-svcs:Port', ['80', '443'], '443', false],
  ['NumericNotEquals', 'vpc-lattice-svcs:Port', '80', undefined, true],
  ['NumericLessThan', 'vpc-lattice-svcs:Port', '1024', '80', true],
  ['NumericLessThan', 'vpc-lattice-svcs:Port', '1024', '1024', false],
  ['NumericLessThanEquals', 'vpc-lattice-svcs:Port', '1024', '1024', true],
  ['NumericGreaterThan', 'vpc-lattice-svcs:Port', '1024', '8080', true],
  ['NumericGreaterThan', 'vpc-lattice-svcs:Port', '1024', '1024', false],
  ['NumericGreaterThanEquals', 'vpc-lattice-svcs:Port', '1024', '1024', true],
  ['NumericGreaterThanEquals', 'vpc-lattice-svcs:Port', '1024', undefined, false],
  ['NumericLessThanIfExists', 'vpc-lattice-svcs:Port', '1024', undefined, true],
  // Date: ISO 8601 or epoch seconds on either side.
  ['DateGreaterThan', 'aws:CurrentTime', '2026-01-01T00:00:00Z', '2026-06-01T12:00:00Z', true],
  ['DateGreaterThan', 'aws:CurrentTime', '2026-01-01T00:00:00Z', '2025-06-01T12:00:00Z', false],
  ['DateLessThan', 'aws:CurrentTime', '2026-01-01T00:00:00Z', '2025-12-31T23:59:59Z', true],
  ['DateLessThan', 'aws:CurrentTime', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', false],
  ['DateLessThanEquals', 'aws:CurrentTime', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', true],
  ['DateGreaterThanEquals', 'aws:EpochTime', '1767225600', '2026-01-01T00:00:00Z', true],
  ['DateEquals', 'aws:CurrentTime', '1767225600', '2026-01-01T00:00:00Z', true],
  ['DateEquals', 'aws:CurrentTime', '2026-01-01T00:00:00Z', '1767225601', false],
  ['DateNotEquals', 'aws:CurrentTime', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', true],
  ['DateNotEquals', 'aws:CurrentTime', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z', false],
  ['DateGreaterThan', 'aws:CurrentTime', '2026-01-01T00:00:00Z', 'not a date', false],
  ['DateLessThan', 'aws:TokenIssueTime', '2026-01-01T00:00:00Z', undefined, false],
  // Bool: case-insensitive true/false.
  ['Bool', 'aws:SecureTransport', 'true', 'true', true],
  ['Bool', 'aws:SecureTransport', true, 'TRUE', true],
  ['Bool', 'aws:SecureTransport', 'true', 'false', false],
  ['Bool', 'aws:SecureTransport', 'false', undefined, false],
  ['BoolIfExists', 'aws:MultiFactorAuthPresent', 'true', undefined, true],
  // Binary
  ['BinaryEquals', 'aws:SomeBinary', 'QmluYXJ5', 'QmluYXJ5', true],
  ['BinaryEquals', 'aws:SomeBinary', 'QmluYXJ5', 'QmluYXJy', false],
  // IpAddress / NotIpAddress, IPv4 and IPv6.
  ['IpAddress', 'aws:SourceIp', '10.0.0.0/8', '10.20.30.40', true],
  ['IpAddress', 'aws:SourceIp', '10.0.0.0/8', '11.0.0.1', false],
  ['IpAddress', 'aws:SourceIp', ['192.168.0.0/16', '10.0.0.0/8'], '10.1.1.1', true],
  ['IpAddress', 'aws:SourceIp', '203.0.113.7', '203.0.113.7', true],
  ['IpAddress', 'aws:SourceIp', '203.0.113.7/32', '203.0.113.8', false],
  ['IpAddress', 'aws:SourceIp', '172.16.0.0/12', '172.31.255.255', true],
  ['IpAddress', 'aws:SourceIp', '172.16.0.0/12', '172.32.0.0', false],
  ['IpAddress', 'aws:SourceIp', '10.0.0.0/8', '::ffff:10.1.2.3', true], // v4-mapped, as dual-stack sockets report
  ['IpAddress', 'aws:SourceIp', '2001:db8::/32', '2001:db8:1234::1', true],
  ['IpAddress', 'aws:SourceIp', '2001:db8::/32', '2001:db9::1', false],
  ['IpAddress', 'aws:SourceIp', '2001:db8:abcd:12::/63', '2001:db8:abcd:13::1', true],
  ['IpAddress', 'aws:SourceIp', '2001:db8:abcd:12::/64', '2001:db8:abcd:13::1', false],
  ['IpAddress', 'aws:SourceIp', '0.0.0.0/0', '198.51.100.1', true],
  ['IpAddress', 'aws:SourceIp', '10.0.0.0/8', 'garbage', false],
  ['IpAddress', 'aws:SourceIp', '10.0.0.0/8', undefined, false],
  ['NotIpAddress', 'aws:SourceIp', '10.0.0.0/8', '11.0.0.1', true],
  ['NotIpAddress', 'aws:SourceIp', '10.0.0.0/8', '10.0.0.1', false],
  ['NotIpAddress', 'aws:SourceIp', '10.0.0.0/8', undefined, true],
  // Arn*: six parts matched one by one; a wildcard never crosses a colon.
  ['ArnEquals', 'vpc-lattice-svcs:ServiceNetworkArn', 'arn:aws:vpc-lattice:us-west-2:111122223333:servicenetwork/sn-1', 'arn:aws:vpc-lattice:us-west-2:111122223333:servicenetwork/sn-1', true],
  ['ArnEquals', 'vpc-lattice-svcs:ServiceNetworkArn', 'arn:aws:vpc-lattice:us-west-2:111122223333:servicenetwork/sn-1', 'arn:aws:vpc-lattice:us-west-2:111122223333:servicenetwork/sn-2', false],
  ['ArnLike', 'vpc-lattice-svcs:ServiceNetworkArn', 'arn:aws:vpc-lattice:*:111122223333:servicenetwork/*', 'arn:aws:vpc-lattice:eu-west-1:111122223333:servicenetwork/sn-9', true],
  ['ArnLike', 'vpc-lattice-svcs:ServiceNetworkArn', 'arn:aws:vpc-lattice:*:111122223333:servicenetwork/*', 'arn:aws:vpc-lattice:eu-west-1:444455556666:servicenetwork/sn-9', false],
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/*', 'arn:aws:iam::111122223333:role/app', true],
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam:*:role/*', 'arn:aws:iam::111122223333:role/app', false], // `*` does not span `::…:`
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/*', 'not-an-arn', false],
  ['ArnNotEquals', 'aws:PrincipalArn', 'arn:aws:iam::111122223333:role/app', 'arn:aws:iam::111122223333:role/other', true],
  ['ArnNotLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/admin-*', 'arn:aws:iam::111122223333:role/admin-1', false],
  ['ArnNotLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/admin-*', undefined, true],
  // Null: true ⇒ the key must be absent; false ⇒ present.
  ['Null', 'aws:PrincipalOrgID', 'true', undefined, true],
  ['Null', 'aws:PrincipalOrgID', 'true', 'o-1', false],
  ['Null', 'aws:PrincipalOrgID', 'false', 'o-1', true],
  ['Null', 'aws:PrincipalOrgID', false, undefined, false],
  // Multi-valued keys (RequestQueryString) with set qualifiers.
  ['ForAnyValue:StringEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], ['corge', 'grault'], true],
  ['ForAnyValue:StringEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['waldo'], ['corge', 'grault'], false],
  ['ForAnyValue:StringEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], undefined, false],
  ['ForAllValues:StringEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge', 'grault'], ['corge', 'grault'], true],
  ['ForAllValues:StringEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], ['corge', 'grault'], false],
  ['ForAllValues:StringEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], undefined, true], // vacuous truth
  ['ForAllValues:StringEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], [], true],
  ['ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', 'o-a/r-b/ou-c/*', ['o-x/', 'o-a/r-b/ou-c/ou-d/'], true],
  ['ForAnyValue:StringNotEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], ['corge', 'grault'], true],
  ['ForAnyValue:StringNotEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], ['corge'], false],
  ['ForAllValues:StringNotEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], ['waldo', 'grault'], true],
  ['ForAllValues:StringNotEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], ['waldo', 'corge'], false],
  ['ForAllValues:StringNotEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], undefined, true],
  ['ForAnyValue:StringNotEquals', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], undefined, false],
  ['ForAnyValue:StringEqualsIfExists', 'vpc-lattice-svcs:RequestQueryString/quux', ['corge'], undefined, true], // IfExists wins
  ['ArnLike', 'aws:SourceArn', '*', 'arn:aws:iam::111122223333:role/app', true],
  ['ForAnyValue:NumericGreaterThan', 'test:Numbers', '10', ['1', '20'], true],
  ['ForAllValues:NumericGreaterThan', 'test:Numbers', '10', ['1', '20'], false],
  // No qualifier on a multi-valued key: positive ⇒ any value matches, negated ⇒ none does.
  ['StringEquals', 'vpc-lattice-svcs:RequestQueryString/quux', 'grault', ['corge', 'grault'], true],
  ['StringNotEquals', 'vpc-lattice-svcs:RequestQueryString/quux', 'grault', ['corge', 'grault'], false],
];

describe('condition operators', () => {
  for (const [op, key, values, request, expected] of rows) {
    it(`${op} ${key} ${JSON.stringify(values)} vs ${JSON.stringify(request)} ⇒ ${expected}`, () => {
      assert.equal(applies(op, key, values, request), expected);
    });
  }

  it('compares condition key names case-insensitively, both ways', () => {
    assert.equal(applies('StringEquals', 'VPC-LATTICE-SVCS:sourcevpc', 'vpc-1', 'vpc-1'), true);
    const p = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } }] });
    assert.equal(evaluatePolicy(p, context({ keys: { 'AWS:SOURCEVPC': 'vpc-1' } })).effect, 'Allow');
  });

  it('ANDs several keys of one operator and several operators', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow', Principal: '*', Action: '*', Resource: '*',
        Condition: {
          StringEquals: { 'vpc-lattice-svcs:SourceVpc': 'vpc-1', 'vpc-lattice-svcs:RequestMethod': 'GET' },
          StringLike: { 'vpc-lattice-svcs:RequestPath': '/public*' },
        },
      }],
    });
    const at = (vpc: string, method: string, path: string) => evaluatePolicy(p, context({
      keys: { 'vpc-lattice-svcs:SourceVpc': vpc, 'vpc-lattice-svcs:RequestMethod': method, 'vpc-lattice-svcs:RequestPath': path },
    })).effect;
    assert.equal(at('vpc-1', 'GET', '/public/x'), 'Allow');
    assert.equal(at('vpc-2', 'GET', '/public/x'), 'ImplicitDeny');
    assert.equal(at('vpc-1', 'POST', '/public/x'), 'ImplicitDeny');
    assert.equal(at('vpc-1', 'GET', '/private'), 'ImplicitDeny');
  });
});

describe('policy variables in condition values', () => {
  it('substitutes ${aws:username} and principal tags in String and Arn operators', () => {
    assert.equal(applies('StringEquals', 'vpc-lattice-svcs:RequestHeader/x-user', '${aws:username}', 'alice'), false); // key absent in this context
    const p = policy({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow', Principal: '*', Action: '*', Resource: '*',
        Condition: { StringEquals: { 'vpc-lattice-svcs:RequestHeader/x-user': '${aws:username}' }, StringLike: { 'vpc-lattice-svcs:RequestPath': '/teams/${aws:PrincipalTag/team}/*' } },
      }],
    });
    const at = (user: string, path: string, team?: string) => evaluatePolicy(p, context({
      keys: { 'aws:username': 'alice', 'vpc-lattice-svcs:RequestHeader/x-user': user, 'vpc-lattice-svcs:RequestPath': path, ...(team ? { 'aws:PrincipalTag/team': team } : {}) },
    })).effect;
    assert.equal(at('alice', '/teams/payments/1', 'payments'), 'Allow');
    assert.equal(at('bob', '/teams/payments/1', 'payments'), 'ImplicitDeny');
    assert.equal(at('alice', '/teams/billing/1', 'payments'), 'ImplicitDeny');
    assert.equal(at('alice', '/teams/payments/1'), 'ImplicitDeny'); // the tag is missing: no match
  });

  it('uses a default when the variable key is missing, and treats ${*} ${?} ${$} as literals', () => {
    assert.equal(applies('StringEquals', 'test:Team', "${aws:PrincipalTag/team, 'shared'}", 'shared'), true);
    assert.equal(applies('StringLike', 'test:Literal', 'a${*}b', 'a*b'), true);
    assert.equal(applies('StringLike', 'test:Literal', 'a${*}b', 'axxb'), false);
    assert.equal(applies('StringLike', 'test:Literal', 'a${?}b', 'a?b'), true);
    assert.equal(applies('StringEquals', 'test:Literal', 'cost${$}', 'cost$'), true);
  });

  it('keeps ${…} literal in a Version 2008-10-17 policy', () => {
    assert.equal(applies('StringEquals', 'test:Literal', '${aws:username}', '${aws:username}', '2008-10-17'), true);
    assert.equal(applies('StringEquals', 'test:Literal', '${aws:username}', '${aws:username}'), false);
  });

  it('never lets a substituted value act as a wildcard', () => {
    const p = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { StringLike: { 'test:Path': '/home/${aws:PrincipalTag/dir}' } } }] });
    const at = (dir: string, path: string) => evaluatePolicy(p, context({ keys: { 'aws:PrincipalTag/dir': dir, 'test:Path': path } })).effect;
    assert.equal(at('a*', '/home/a*'), 'Allow');
    assert.equal(at('a*', '/home/abc'), 'ImplicitDeny');
  });
});
