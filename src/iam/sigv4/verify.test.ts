import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Credential, SigV4Result } from '../contracts.js';
import { verifySigV4 } from './verify.js';
import { lookup, session, Sha256, T0, user } from './testdata/fixtures.js';
import { payloadHashFor, signedRequest, UNSIGNED_PAYLOAD } from './request.js';


interface SignOpts {
  readonly cred?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly region?: string;
  readonly service?: string;
  readonly at?: number;
  readonly method?: string;
  readonly path?: string;
  readonly query?: Record<string, string>;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly uriEscapePath?: boolean;
}

function signer(o: SignOpts): SignatureV4 {
  return new SignatureV4({
    credentials: o.cred ?? user, region: o.region ?? 'us-east-1', service: o.service ?? 'vpc-lattice',
    sha256: Sha256, uriEscapePath: o.uriEscapePath ?? true,
  });
}

function rawTarget(path: string, query: Record<string, string | string[] | null>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) for (const one of ([] as (string | null)[]).concat(v)) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(one ?? '')}`);
  return parts.length ? `${path}?${parts.join('&')}` : path;
}

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Signs with the SDK's signer; returns what the server would see. */
async function signed(o: SignOpts = {}) {
  const req = {
    method: o.method ?? 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4590, path: o.path ?? '/services',
    query: o.query ?? {}, headers: { host: '127.0.0.1:4590', 'content-type': 'application/json', ...(o.headers ?? {}) },
    ...(o.body !== undefined ? { body: o.body } : {}),
  };
  const out = await signer(o).sign(req, { signingDate: new Date(o.at ?? T0) });
  const headers = lower(out.headers);
  return signedRequest(out.method, rawTarget(out.path, out.query ?? {}), headers, payloadHashFor(headers, o.body === undefined ? undefined : Buffer.from(o.body)));
}

async function presigned(o: SignOpts & { readonly expiresIn: number }) {
  const req = { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', path: o.path ?? '/', query: o.query ?? {}, headers: { host: '127.0.0.1:4590' } };
  const out = await signer(o).presign(req, { signingDate: new Date(o.at ?? T0), expiresIn: o.expiresIn });
  return signedRequest('GET', rawTarget(out.path, out.query ?? {}), lower(out.headers), payloadHashFor({}, undefined));
}

const expect = (now = T0, services = ['vpc-lattice']) => ({ services, now });

function code(r: SigV4Result): string {
  return r.kind === 'rejected' ? `${r.code}: ${r.message}` : r.kind;
}

describe('verifySigV4 against requests signed by @smithy/signature-v4', () => {
  it('verifies the header form and names the principal, region and service', async () => {
    const r = verifySigV4(await signed({ body: '{"name":"x"}', region: 'eu-west-1' }), lookup, expect());
    assert.deepEqual(r, { kind: 'verified', principal: user.principal, accessKeyId: user.accessKeyId, region: 'eu-west-1', service: 'vpc-lattice' });
  });

  it('verifies a path with encoded ARN segments (double encoding) and a query string', async () => {
    const r = verifySigV4(await signed({ method: 'GET', path: '/tags/arn%3Aaws%3Avpc-lattice%3Aus-east-1%3A111122223333%3Aservice%2Fsvc-1', query: { tagKeys: 'a b', maxResults: '5' } }), lookup, expect());
    assert.equal(r.kind, 'verified', code(r));
  });

  it('verifies the Lattice data plane form: single path encoding and UNSIGNED-PAYLOAD', async () => {
    const req = await signed({ service: 'vpc-lattice-svcs', uriEscapePath: false, path: '/a%20b/c', body: 'anything', headers: { 'x-amz-content-sha256': UNSIGNED_PAYLOAD } });
    assert.equal(req.payloadHash, UNSIGNED_PAYLOAD);
    assert.equal(verifySigV4(req, lookup, expect(T0, ['vpc-lattice-svcs'])).kind, 'verified');
    // The same request checked with double encoding fails: the option matters.
    assert.match(code(verifySigV4(req, lookup, { ...expect(T0, ['vpc-lattice-svcs']), doubleEncodePath: true })), /^SignatureDoesNotMatch/);
  });

  it('rejects a changed body, a changed header and a tampered signature', async () => {
    const req = await signed({ body: '{"name":"x"}' });
    assert.match(code(verifySigV4({ ...req, payloadHash: payloadHashFor({}, Buffer.from('{"name":"y"}')) }, lookup, expect())), /^SignatureDoesNotMatch: The request signature we calculated/);
    assert.match(code(verifySigV4({ ...req, headers: { ...req.headers, 'content-type': 'text/plain' } }, lookup, expect())), /^SignatureDoesNotMatch/);
    const auth = req.headers['authorization']!;
    const tampered = auth.replace(/Signature=(\w)/, (_m, c: string) => `Signature=${c === 'a' ? 'b' : 'a'}`);
    const r = verifySigV4({ ...req, headers: { ...req.headers, authorization: tampered } }, lookup, expect());
    assert.match(code(r), /The Canonical String for this request should have been\n'POST\n\/services\n/);
  });

  it('rejects a wrong secret, an unknown key, a wrong service and a wrong region with AWS messages', async () => {
    assert.match(code(verifySigV4(await signed({ cred: { ...user, secretAccessKey: 'wrong' } }), lookup, expect())), /^SignatureDoesNotMatch/);
    assert.equal(code(verifySigV4(await signed({ cred: { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' } }), lookup, expect())),
      'InvalidClientTokenId: The security token included in the request is invalid.');
    assert.equal(code(verifySigV4(await signed({ service: 'ec2' }), lookup, expect())),
      "SignatureDoesNotMatch: Credential should be scoped to correct service: 'vpc-lattice'. ");
    assert.equal(code(verifySigV4(await signed({ region: 'us-west-2' }), lookup, { ...expect(), region: 'us-east-1' })),
      "SignatureDoesNotMatch: Credential should be scoped to a valid region, not 'us-west-2'. ");
    assert.equal(code(verifySigV4(await signed({ region: 'moon-1' }), lookup, { ...expect(), regionValid: (r: string) => r.startsWith('us-') })),
      "SignatureDoesNotMatch: Credential should be scoped to a valid region, not 'moon-1'. ");
  });

  it('allows 5 minutes of skew either way and words the two failures as AWS does', async () => {
    const req = await signed();
    assert.equal(verifySigV4(req, lookup, expect(T0 + 299_000)).kind, 'verified');
    assert.equal(verifySigV4(req, lookup, expect(T0 - 299_000)).kind, 'verified');
    assert.equal(code(verifySigV4(req, lookup, expect(T0 + 360_000))),
      'SignatureDoesNotMatch: Signature expired: 20260115T100000Z is now earlier than 20260115T100100Z (20260115T100600Z - 5 min.)');
    assert.equal(code(verifySigV4(req, lookup, expect(T0 - 360_000))),
      'SignatureDoesNotMatch: Signature not yet current: 20260115T100000Z is still later than 20260115T095900Z (20260115T095400Z + 5 min.)');
  });

  it('requires the host header to be signed', async () => {
    const req = await signed();
    const auth = req.headers['authorization']!.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;x-amz-date');
    assert.equal(code(verifySigV4({ ...req, headers: { ...req.headers, authorization: auth } }, lookup, expect())),
      "SignatureDoesNotMatch: 'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  });

  it('temporary credentials: good with their token, invalid without or with another, expired after expiry', async () => {
    assert.equal(verifySigV4(await signed({ cred: session }), lookup, expect()).kind, 'verified');
    const { sessionToken: _omit, ...noToken } = session;
    assert.match(code(verifySigV4(await signed({ cred: noToken }), lookup, expect())), /^InvalidClientTokenId/);
    assert.match(code(verifySigV4(await signed({ cred: { ...session, sessionToken: 'other' } }), lookup, expect())), /^InvalidClientTokenId/);
    assert.match(code(verifySigV4(await signed({ cred: { ...user, sessionToken: 'stray' } }), lookup, expect())), /^InvalidClientTokenId/);
    const late = T0 + 3600_000 + 1000;
    assert.equal(code(verifySigV4(await signed({ cred: session, at: late }), lookup, expect(late))),
      'ExpiredToken: The security token included in the request is expired');
  });

  it('presigned URLs: good until X-Amz-Expires, then RequestExpired; tampering fails; sessions carry the token', async () => {
    const url = await presigned({ service: 'sts', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, expiresIn: 60 });
    assert.equal(verifySigV4(url, lookup, expect(T0 + 59_000, ['sts'])).kind, 'verified');
    assert.equal(code(verifySigV4(url, lookup, expect(T0 + 61_000, ['sts']))), 'RequestExpired: Request has expired.');
    assert.match(code(verifySigV4({ ...url, query: url.query.replace('GetCallerIdentity', 'GetSessionToken') }, lookup, expect(T0, ['sts']))), /^SignatureDoesNotMatch/);
    const withToken = await presigned({ cred: session, service: 'sts', expiresIn: 900 });
    assert.match(withToken.query, /X-Amz-Security-Token=token-abc/);
    assert.equal(verifySigV4(withToken, lookup, expect(T0, ['sts'])).kind, 'verified');
  });

  it('unsigned is not a failure; malformed claims are IncompleteSignature; SigV4A is named', () => {
    const base = signedRequest('GET', '/services', { host: 'h' }, payloadHashFor({}, undefined));
    assert.equal(verifySigV4(base, lookup, expect()).kind, 'unsigned');
    const noSig = { ...base, headers: { ...base.headers, authorization: 'AWS4-HMAC-SHA256 Credential=AKIAUSEREXAMPLE00001/20260115/us-east-1/vpc-lattice/aws4_request', 'x-amz-date': '20260115T100000Z' } };
    assert.match(code(verifySigV4(noSig, lookup, expect())), /^IncompleteSignature: Authorization header requires 'Signature' parameter\. Authorization header requires 'SignedHeaders' parameter\./);
    const shortCred = { ...base, headers: { ...base.headers, authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1, SignedHeaders=host, Signature=00', 'x-amz-date': '20260115T100000Z' } };
    assert.match(code(verifySigV4(shortCred, lookup, expect())), /^IncompleteSignature: Credential must have exactly 5 slash-delimited elements/);
    const v4a = { ...base, headers: { ...base.headers, authorization: 'AWS4-ECDSA-P256-SHA256 Credential=AKID/20260115/vpc-lattice-svcs/aws4_request, SignedHeaders=host, Signature=00' } };
    assert.match(code(verifySigV4(v4a, lookup, expect())), /^IncompleteSignature: .*X-Amz-Region-Set/);
  });
});
