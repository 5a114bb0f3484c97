import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicyDocument, parsePolicyValue, type PolicyDocument } from './policy-document.js';

const SVC = 'arn:aws:vpc-lattice:us-west-2:111122223333:service/svc-0123456789abcdef0';
const SN = 'arn:aws:vpc-lattice:us-west-2:111122223333:servicenetwork/sn-0123456789abcdef0';

function stmt(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: '*', ...extra };
}
function doc(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** Documents AWS accepts: the user guide's auth-policy examples (LATTICE.md §3.2) and grammar corners. */
const valid: ReadonlyArray<readonly [string, string]> = [
  ['console template: authenticated and unauthenticated access',
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*"}]}'],
  ['console template: only authenticated access',
    doc(stmt({ Condition: { StringNotEqualsIgnoreCase: { 'aws:PrincipalType': 'anonymous' } } }))],
  ['doc example 3: not anonymous', doc(stmt({ Condition: { StringNotEquals: { 'aws:PrincipalType': 'Anonymous' } } }))],
  ['organisation', doc(stmt({ Condition: { StringEquals: { 'aws:PrincipalOrgID': ['o-123456example'] } } }))],
  ['accounts and roles on one path', doc(stmt({
    Principal: { AWS: ['111122223333', 'arn:aws:iam::444455556666:root', 'arn:aws:iam::111122223333:role/Role1',
      'arn:aws:sts::111122223333:assumed-role/Role1/session'] },
    Resource: `${SVC}/rates`,
  }))],
  ['resource wildcards from the guide', doc(stmt({ Resource: ['*/rates', '*/*', `${SVC}/*`, `${SVC}/api.parking/*`] }))],
  ['action wildcards', doc(stmt({ Action: ['vpc-lattice-svcs:*', 'vpc-lattice-svcs:Conn?ct'] }), stmt({ Action: '*' }))],
  ['request method and path', doc(stmt({ Condition: { StringEquals: { 'vpc-lattice-svcs:RequestMethod': ['GET', 'HEAD'] }, StringLike: { 'vpc-lattice-svcs:RequestPath': '/api/*' } } }))],
  ['header and query string', doc(stmt({ Condition: {
    StringEquals: { 'vpc-lattice-svcs:RequestHeader/content-type': 'application/json' },
    'ForAnyValue:StringEquals': { 'vpc-lattice-svcs:RequestQueryString/quux': ['corge', 'grault'] },
  } }))],
  ['port, network, service and VPC keys', doc(stmt({ Condition: {
    NumericEquals: { 'vpc-lattice-svcs:Port': 80 }, ArnEquals: { 'vpc-lattice-svcs:ServiceNetworkArn': SN, 'vpc-lattice-svcs:ServiceArn': SVC },
    StringEquals: { 'vpc-lattice-svcs:SourceVpc': 'vpc-1a2b3c4d', 'vpc-lattice-svcs:SourceVpcOwnerAccount': '123456789012' },
  } }))],
  ['numbers as strings', doc(stmt({ Condition: { NumericLessThanEquals: { 'vpc-lattice-svcs:Port': '8080' } } }))],
  ['global keys of every family', doc(stmt({ Condition: {
    IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.1.1', '2001:db8::/32'] },
    NotIpAddressIfExists: { 'aws:SourceIp': '10.1.0.0/16' },
    DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' },
    DateGreaterThan: { 'aws:EpochTime': 1700000000 },
    Bool: { 'aws:SecureTransport': true },
    Null: { 'aws:PrincipalTag/team': 'false' },
    'ForAllValues:StringLikeIfExists': { 'aws:PrincipalOrgPaths': ['o-a/r-b/*'] },
    ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/app-*' },
    BinaryEquals: { 'aws:Key': 'QmluYXJ5' },
    StringEqualsIgnoreCase: { 'aws:ResourceTag/env': 'Prod' },
  } }))],
  ['deny and allow with Sids', doc({ Sid: 'AllowAll', ...stmt() }, { Sid: 'DenyAdmin', ...stmt({ Effect: 'Deny', Resource: `${SVC}/admin*` }) })],
  ['NotPrincipal, NotAction, NotResource', doc({ Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' }, NotAction: 'vpc-lattice-svcs:Invoke', NotResource: `${SVC}/public/*` })],
  ['other principal types', doc(stmt({ Principal: { Service: 'lambda.amazonaws.com', Federated: 'cognito-identity.amazonaws.com', AWS: '*' } }))],
  ['a single statement object and an Id', JSON.stringify({ Version: '2012-10-17', Id: 'my-policy', Statement: stmt() })],
  ['the old version', JSON.stringify({ Version: '2008-10-17', Statement: [stmt()] })],
  ['no version', JSON.stringify({ Statement: [stmt()] })],
  ['RAM-style resource policy', doc({
    Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::444455556666:root'] },
    Action: ['vpc-lattice:CreateServiceNetworkServiceAssociation', 'vpc-lattice:GetService'], Resource: SVC,
  })],
  ['pretty-printed with newlines', JSON.stringify({ Version: '2012-10-17', Statement: [stmt()] }, null, 2)],
];

/** Documents AWS refuses, with what the message must name. */
const invalid: ReadonlyArray<readonly [string, string, RegExp]> = [
  ['not JSON', '{"Version": ', /not valid JSON/],
  ['empty string', '', /not valid JSON/],
  ['an array', '[]', /must be a JSON object/],
  ['a string', '"policy"', /must be a JSON object/],
  ['unknown top-level key', JSON.stringify({ Version: '2012-10-17', Statement: [stmt()], Extra: 1 }), /unknown member Extra/],
  ['bad version', JSON.stringify({ Version: '2020-01-01', Statement: [stmt()] }), /Version must be 2012-10-17 or 2008-10-17/],
  ['no statement', JSON.stringify({ Version: '2012-10-17' }), /Statement is required/],
  ['empty statement list', JSON.stringify({ Version: '2012-10-17', Statement: [] }), /Statement must not be empty/],
  ['statement a string', JSON.stringify({ Statement: 'Allow' }), /Statement must be an object/],
  ['statement element a number', JSON.stringify({ Statement: [stmt(), 3] }), /Statement\[1\] must be an object/],
  ['bad effect', doc(stmt(), stmt({ Effect: 'allow' })), /^Statement\[1\]\.Effect must be Allow or Deny$/],
  ['missing effect', doc({ Principal: '*', Action: '*', Resource: '*' }), /Statement\[0\]\.Effect must be Allow or Deny/],
  ['unknown statement key', doc(stmt({ Principals: '*' })), /Statement\[0\] has an unknown member Principals/],
  ['lower-case key', doc(stmt({ effect: 'Allow' })), /unknown member effect/],
  ['no principal', doc({ Effect: 'Allow', Action: '*', Resource: '*' }), /Statement\[0\] must have one of Principal or NotPrincipal/],
  ['both principals', doc(stmt({ NotPrincipal: '*' })), /only one of Principal or NotPrincipal/],
  ['principal a bare account', doc(stmt({ Principal: '111122223333' })), /Principal must be '\*' or an object/],
  ['principal empty object', doc(stmt({ Principal: {} })), /must name at least one principal/],
  ['unknown principal type', doc(stmt({ Principal: { User: 'bob' } })), /unknown principal type User/],
  ['bad AWS principal', doc(stmt({ Principal: { AWS: 'bob' } })), /Principal\.AWS bob must be/],
  ['empty AWS principal list', doc(stmt({ Principal: { AWS: [] } })), /Principal\.AWS must not be empty/],
  ['no action', doc({ Effect: 'Allow', Principal: '*', Resource: '*' }), /must have one of Action or NotAction/],
  ['both actions', doc(stmt({ NotAction: '*' })), /only one of Action or NotAction/],
  ['action without service', doc(stmt({ Action: 'Invoke' })), /Action Invoke must be '\*' or service:action/],
  ['action a number', doc(stmt({ Action: [1] })), /Action\[0\] must be a string/],
  ['empty action list', doc(stmt({ Action: [] })), /Action must not be empty/],
  ['no resource', doc({ Effect: 'Allow', Principal: '*', Action: '*' }), /must have one of Resource or NotResource/],
  ['both resources', doc(stmt({ NotResource: '*' })), /only one of Resource or NotResource/],
  ['resource not an ARN', doc(stmt({ Resource: 'svc-0123456789abcdef0' })), /Resource svc-0123456789abcdef0 must be '\*' or an ARN/],
  ['resource an object', doc(stmt({ Resource: { arn: SVC } })), /Resource must be a string or an array/],
  ['sid with a space', doc(stmt({ Sid: 'allow all' })), /Sid must contain only letters and digits/],
  ['duplicate sid', doc({ Sid: 'A', ...stmt() }, { Sid: 'A', ...stmt() }), /Statement\[1\]\.Sid A is not unique/],
  ['condition an array', doc(stmt({ Condition: [] })), /Condition must be an object/],
  ['unknown operator', doc(stmt({ Condition: { StringMatches: { 'aws:x': 'y' } } })), /Condition\.StringMatches is not a condition operator/],
  ['unknown qualifier', doc(stmt({ Condition: { 'ForSomeValues:StringEquals': { 'aws:x': 'y' } } })), /unknown qualifier ForSomeValues/],
  ['Null with IfExists', doc(stmt({ Condition: { NullIfExists: { 'aws:x': 'true' } } })), /Null takes neither/],
  ['operator block a string', doc(stmt({ Condition: { StringEquals: 'x' } })), /StringEquals must be an object/],
  ['empty operator block', doc(stmt({ Condition: { StringEquals: {} } })), /at least one condition key/],
  ['key without service', doc(stmt({ Condition: { StringEquals: { SourceVpc: 'vpc-1' } } })), /condition key must be service:name/],
  ['empty value list', doc(stmt({ Condition: { StringEquals: { 'aws:x': [] } } })), /must not be an empty array/],
  ['object value', doc(stmt({ Condition: { StringEquals: { 'aws:x': { a: 1 } } } })), /values must be strings, numbers or booleans/],
  ['null value', doc(stmt({ Condition: { StringEquals: { 'aws:x': null } } })), /values must be strings, numbers or booleans/],
  ['non-numeric numeric', doc(stmt({ Condition: { NumericEquals: { 'vpc-lattice-svcs:Port': 'eighty' } } })), /value eighty must be a number/],
  ['bad date', doc(stmt({ Condition: { DateLessThan: { 'aws:CurrentTime': 'tomorrow' } } })), /must be an ISO 8601 date/],
  ['bad bool', doc(stmt({ Condition: { Bool: { 'aws:SecureTransport': 'yes' } } })), /must be true or false/],
  ['bad CIDR', doc(stmt({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } } })), /must be an IP address or CIDR/],
  ['bad IP', doc(stmt({ Condition: { IpAddress: { 'aws:SourceIp': 'localhost' } } })), /must be an IP address or CIDR/],
  ['bad base64', doc(stmt({ Condition: { BinaryEquals: { 'aws:Key': 'not base64!' } } })), /must be base64/],
];

describe('parsePolicyDocument', () => {
  for (const [name, text] of valid) {
    it(`accepts ${name}`, () => {
      const r = parsePolicyDocument(text);
      assert.ok(r.ok, r.ok ? '' : r.message);
    });
  }
  for (const [name, text, message] of invalid) {
    it(`refuses ${name}`, () => {
      const r = parsePolicyDocument(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.message, message);
    });
  }

  it('normalises a document into the typed form the auth compiler reads', () => {
    const r = parsePolicyDocument(doc(
      { Sid: 'One', ...stmt({ Principal: { AWS: '111122223333' }, Resource: `${SVC}/*` }) },
      { Effect: 'Deny', NotPrincipal: '*', NotAction: ['vpc-lattice-svcs:Connect'], NotResource: SVC, Condition: {
        'ForAnyValue:StringLikeIfExists': { 'vpc-lattice-svcs:RequestQueryString/q': ['a*', 'b'] },
        NumericGreaterThan: { 'vpc-lattice-svcs:Port': 1024 },
      } },
    ));
    assert.ok(r.ok);
    const expected: PolicyDocument = {
      version: '2012-10-17',
      statements: [
        {
          sid: 'One', effect: 'Allow',
          action: { negated: false, patterns: ['vpc-lattice-svcs:Invoke'] },
          resource: { negated: false, patterns: [`${SVC}/*`] },
          conditions: [],
          principal: { negated: false, principals: { AWS: ['111122223333'] } },
        },
        {
          effect: 'Deny',
          action: { negated: true, patterns: ['vpc-lattice-svcs:Connect'] },
          resource: { negated: true, patterns: [SVC] },
          conditions: [
            { raw: 'ForAnyValue:StringLikeIfExists', operator: 'StringLike', family: 'String', ifExists: true, qualifier: 'ForAnyValue',
              key: 'vpc-lattice-svcs:RequestQueryString/q', values: ['a*', 'b'] },
            { raw: 'NumericGreaterThan', operator: 'NumericGreaterThan', family: 'Numeric', ifExists: false,
              key: 'vpc-lattice-svcs:Port', values: [1024] },
          ],
          principal: { negated: true, principals: '*' },
        },
      ],
    };
    assert.deepEqual(r.document, expected);
  });

  it('defaults the version to 2008-10-17 and keeps the Id', () => {
    const r = parsePolicyDocument(JSON.stringify({ Id: 'p1', Statement: stmt() }));
    assert.ok(r.ok);
    assert.equal(r.document.version, '2008-10-17');
    assert.equal(r.document.id, 'p1');
    assert.equal(r.document.statements.length, 1);
  });

  it('names the statement path without an index when Statement is one object', () => {
    const r = parsePolicyDocument(JSON.stringify({ Statement: { ...stmt(), Effect: 'Maybe' } }));
    assert.deepEqual(r, { ok: false, message: 'Statement.Effect must be Allow or Deny' });
  });

  it('forbids principals in identity-based documents and requires them in resource-based ones', () => {
    const withPrincipal = JSON.parse(doc(stmt())) as unknown;
    const r = parsePolicyValue(withPrincipal, { kind: 'identity' });
    assert.deepEqual(r, { ok: false, message: 'Statement[0].Principal is not allowed in an identity-based policy' });
    const identity = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    const ok = parsePolicyValue(identity, { kind: 'identity' });
    assert.ok(ok.ok);
    assert.equal(ok.document.statements[0]!.principal, undefined);
    assert.equal(parsePolicyValue(identity).ok, false);
  });
});
