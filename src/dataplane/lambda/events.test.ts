import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ANONYMOUS, type Principal } from '../../iam/index.js';
import { buildV1Event, buildV2Event, identityOf, isTextBody, type LambdaRequestContext } from './events.js';

/** As JSON: the builders use null-prototype maps (names are client data). */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

const CTX: LambdaRequestContext = {
  serviceNetworkArn: 'arn:aws:vpc-lattice:region:123456789012:servicenetwork/sn-0bf3f2882e9cc805a',
  serviceArn: 'arn:aws:vpc-lattice:region:123456789012:service/svc-0a40eebed65f8d69c',
  targetGroupArn: 'arn:aws:vpc-lattice:region:123456789012:targetgroup/tg-6d0ecf831eec9f09',
  sourceVpcArn: 'arn:aws:ec2:region:123456789012:vpc/vpc-0b8276c84697e7339',
  region: 'region',
  timeEpochMicros: 1690497599177430, // the fixed clock: the spec example's timeEpoch
};

// The spec's example request (LATTICE.md §4): one header with two values, two query keys.
const SPEC_REQUEST = {
  method: 'GET', path: '/?query1=value1&query2=value2',
  headers: ['header-key', 'value1', 'header-key', 'value2'],
  body: Buffer.from('request-body'),
};

describe('lambda events: V2', () => {
  it('matches the spec example field by field', () => {
    const e = plain(buildV2Event({ ...SPEC_REQUEST, headers: [...SPEC_REQUEST.headers, 'Content-Type', 'text/plain'] }, CTX)) as Record<string, unknown>;
    assert.equal(e['version'], '2.0');
    assert.equal(e['path'], '/?query1=value1&query2=value2');
    assert.equal(e['method'], 'GET');
    assert.deepEqual(e['headers'], { 'header-key': ['value1', 'value2'], 'content-type': ['text/plain'] });
    assert.deepEqual(e['queryStringParameters'], { query1: ['value1'], query2: ['value2'] });
    assert.equal(e['body'], 'request-body');
    assert.equal(e['isBase64Encoded'], false);
    assert.deepEqual(e['requestContext'], {
      serviceNetworkArn: CTX.serviceNetworkArn, serviceArn: CTX.serviceArn, targetGroupArn: CTX.targetGroupArn,
      identity: { sourceVpcArn: CTX.sourceVpcArn }, region: 'region', timeEpoch: '1690497599177430',
    });
    assert.deepEqual(Object.keys(e), ['version', 'path', 'method', 'headers', 'queryStringParameters', 'body', 'isBase64Encoded', 'requestContext']);
  });

  it('keeps repeated query values as lists, decoded; no query is an empty map; timeEpoch is whole microseconds', () => {
    const e = plain(buildV2Event({ method: 'POST', path: '/a?k=1&k=2&sp=a+b&enc=%2Fx&empty', headers: [], body: Buffer.alloc(0) }, { ...CTX, timeEpochMicros: 1.5 })) as Record<string, unknown>;
    assert.deepEqual(e['queryStringParameters'], { k: ['1', '2'], sp: ['a b'], enc: ['/x'], empty: [''] });
    assert.equal(e['body'], '');
    assert.equal(e['isBase64Encoded'], false);
    assert.equal((e['requestContext'] as Record<string, unknown>)['timeEpoch'], '1');
    const none = plain(buildV2Event({ method: 'GET', path: '/a', headers: [], body: Buffer.alloc(0) }, CTX)) as Record<string, unknown>;
    assert.deepEqual(none['queryStringParameters'], {});
  });

  it('leaves sourceVpcArn out when the VPC is unknown', () => {
    const { sourceVpcArn: _, ...noVpc } = CTX;
    const e = plain(buildV2Event({ ...SPEC_REQUEST }, noVpc)) as { requestContext: { identity: unknown } };
    assert.deepEqual(e.requestContext.identity, {});
  });

  it('base64-encodes binary bodies and lower-cases header names', () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    const e = buildV2Event({ method: 'PUT', path: '/bin', headers: ['Content-Type', 'application/octet-stream', 'X-Multi', 'a', 'x-multi', 'b'], body: bytes }, CTX);
    assert.equal(e.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(e.body, 'base64'), bytes);
    assert.deepEqual(plain(e.headers), { 'content-type': ['application/octet-stream'], 'x-multi': ['a', 'b'] });
  });

  it('is not fooled by a header named __proto__', () => {
    const e = buildV2Event({ method: 'GET', path: '/?__proto__=x', headers: ['__proto__', 'y'], body: Buffer.alloc(0) }, CTX);
    assert.deepEqual(e.headers['__proto__'], ['y']);
    assert.deepEqual(e.queryStringParameters['__proto__'], ['x']);
  });
});

describe('lambda events: V2 requestContext.identity', () => {
  // The spec example's caller: an assumed-role session in an organization.
  const SESSION: Principal = {
    arn: 'arn:aws:sts::123456789012:assumed-role/my-role/i-0c7de02a688bde9f7', account: '123456789012', type: 'AssumedRole',
    roleArn: 'arn:aws:iam::123456789012:role/my-role', sessionName: 'i-0c7de02a688bde9f7', orgId: 'o-50dc6c495c0c9188', tags: {},
  };
  const USER: Principal = { arn: 'arn:aws:iam::123456789012:user/alice', account: '123456789012', type: 'User', tags: { team: 'a' } };

  it('matches the spec example field by field for a signed session caller (x509 fields never: no Roles Anywhere)', () => {
    const e = plain(buildV2Event({ ...SPEC_REQUEST }, { ...CTX, principal: SESSION })) as { requestContext: { identity: Record<string, unknown> } };
    assert.deepEqual(e.requestContext.identity, {
      sourceVpcArn: CTX.sourceVpcArn, type: 'AWS_IAM', principal: SESSION.arn,
      principalOrgID: 'o-50dc6c495c0c9188', sessionName: 'i-0c7de02a688bde9f7',
    });
    // The guide's order of keys.
    assert.deepEqual(Object.keys(e.requestContext.identity), ['sourceVpcArn', 'type', 'principal', 'principalOrgID', 'sessionName']);
  });

  it('gives a signed IAM user its principal and type, without the organization or session it does not have', () => {
    assert.deepEqual(identityOf(CTX.sourceVpcArn, USER), { sourceVpcArn: CTX.sourceVpcArn, type: 'AWS_IAM', principal: USER.arn });
    assert.deepEqual(identityOf(undefined, USER), { type: 'AWS_IAM', principal: USER.arn });
  });

  it('gives an anonymous caller (unsigned, under AWS_IAM) and a request auth never saw only the source VPC', () => {
    assert.deepEqual(identityOf(CTX.sourceVpcArn, ANONYMOUS), { sourceVpcArn: CTX.sourceVpcArn });
    assert.deepEqual(identityOf(CTX.sourceVpcArn, undefined), { sourceVpcArn: CTX.sourceVpcArn });
    assert.deepEqual(identityOf(undefined, ANONYMOUS), {});
    const e = plain(buildV2Event({ ...SPEC_REQUEST }, { ...CTX, principal: ANONYMOUS })) as { requestContext: { identity: Record<string, unknown> } };
    assert.equal(e.requestContext.identity['type'], undefined);
    assert.equal(e.requestContext.identity['principal'], undefined);
  });

  it('leaves V1 without any identity (V1 has no requestContext)', () => {
    const e = plain(buildV1Event({ ...SPEC_REQUEST })) as Record<string, unknown>;
    assert.equal(e['requestContext'], undefined);
    assert.equal(JSON.stringify(e).includes('principal'), false);
  });
});

describe('lambda events: V1', () => {
  it('matches the spec example field by field: joined headers, last query value wins', () => {
    const e = plain(buildV1Event({ ...SPEC_REQUEST, path: '/path/to/resource?query1=value1&key=value1&key=value2', headers: [...SPEC_REQUEST.headers, 'content-type', 'application/json'] }));
    assert.deepEqual(e, {
      raw_path: '/path/to/resource?query1=value1&key=value1&key=value2',
      method: 'GET',
      headers: { 'header-key': 'value1, value2', 'content-type': 'application/json' },
      query_string_parameters: { query1: 'value1', key: 'value2' },
      body: 'request-body',
      is_base64_encoded: false,
    });
  });

  it('has no requestContext and base64-encodes a body without a content type', () => {
    const e = buildV1Event({ method: 'POST', path: '/', headers: [], body: Buffer.from('hi') }) as unknown as Record<string, unknown>;
    assert.equal(e['requestContext'], undefined);
    assert.equal(e['is_base64_encoded'], true);
    assert.equal(e['body'], Buffer.from('hi').toString('base64'));
  });
});

describe('lambda events: which bodies are text', () => {
  it('sends the four text types as strings, everything else and compressed bodies as base64', () => {
    assert.equal(isTextBody('text/html; charset=utf-8', undefined), true);
    assert.equal(isTextBody('application/json', undefined), true);
    assert.equal(isTextBody('Application/XML', undefined), true);
    assert.equal(isTextBody('application/javascript', 'identity'), true);
    assert.equal(isTextBody('application/json', 'gzip'), false);
    assert.equal(isTextBody('image/png', undefined), false);
    assert.equal(isTextBody('application/x-www-form-urlencoded', undefined), false);
    assert.equal(isTextBody(undefined, undefined), false);
  });
});
