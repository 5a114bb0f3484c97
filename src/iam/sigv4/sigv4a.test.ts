import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4a } from '@aws-sdk/signature-v4a';
import type { Credential, SigV4Expectations, SigV4Result } from '../contracts.js';
import { verifySigV4 } from './verify.js';
import { lookup, session, Sha256, T0, user } from './testdata/fixtures.js';
import { payloadHashFor, signedRequest } from './request.js';
import { regionFor } from './sigv4a.js';


interface SignOpts {
  readonly cred?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly regionSet?: string;
  readonly service?: string;
  readonly at?: number;
  readonly method?: string;
  readonly path?: string;
  readonly query?: Record<string, string>;
  readonly body?: string;
}

function rawTarget(path: string, query: Record<string, string | string[] | null>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) for (const one of ([] as (string | null)[]).concat(v)) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(one ?? '')}`);
  return parts.length ? `${path}?${parts.join('&')}` : path;
}

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Signs with `@aws-sdk/signature-v4a`; returns what the server would see. */
async function signed(o: SignOpts = {}) {
  const service = o.service ?? 'vpc-lattice-svcs';
  const signer = new SignatureV4a({
    credentials: o.cred ?? user, region: o.regionSet ?? 'us-east-1', service, sha256: Sha256,
    uriEscapePath: service !== 'vpc-lattice-svcs',
  });
  const req = {
    method: o.method ?? 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4590, path: o.path ?? '/orders/a%20b',
    query: o.query ?? {}, headers: { host: '127.0.0.1:4590', 'content-type': 'application/json' },
    ...(o.body !== undefined ? { body: o.body } : {}),
  };
  const out = await signer.sign(req, { signingDate: new Date(o.at ?? T0) });
  const headers = lower(out.headers);
  return signedRequest(out.method, rawTarget(out.path, out.query ?? {}), headers, payloadHashFor(headers, o.body === undefined ? undefined : Buffer.from(o.body)));
}

const svcs: SigV4Expectations = { services: ['vpc-lattice-svcs'], region: 'us-east-1', now: T0, doubleEncodePath: false };
const control: SigV4Expectations = { services: ['vpc-lattice'], region: 'us-east-1', now: T0 };

function assertRejected(r: SigV4Result, code: string, message?: RegExp): void {
  assert.equal(r.kind, 'rejected', JSON.stringify(r));
  if (r.kind !== 'rejected') return;
  assert.equal(r.code, code);
  if (message) assert.match(r.message, message);
}

describe('SigV4A (AWS4-ECDSA-P256-SHA256) verification', () => {
  it('verifies a vpc-lattice-svcs request signed by @aws-sdk/signature-v4a', async () => {
    const req = await signed({ body: '{"a":1}', query: { q: 'x y', b: '2' } });
    assert.match(req.headers['authorization'] ?? '', /^AWS4-ECDSA-P256-SHA256 Credential=AKIAUSEREXAMPLE00001\/20260115\/vpc-lattice-svcs\/aws4_request,/);
    assert.deepEqual(verifySigV4(req, lookup, svcs),
      { kind: 'verified', principal: user.principal, accessKeyId: user.accessKeyId, region: 'us-east-1', service: 'vpc-lattice-svcs' });
  });

  it('verifies a vpc-lattice control-plane request (double-encoded path) and a session credential', async () => {
    const req = await signed({ service: 'vpc-lattice', method: 'GET', path: '/services', query: { maxResults: '5' } });
    assert.equal(verifySigV4(req, lookup, control).kind, 'verified');
    const withToken = await signed({ service: 'vpc-lattice', cred: session, method: 'GET', path: '/services' });
    const r = verifySigV4(withToken, lookup, control);
    assert.equal(r.kind, 'verified');
    if (r.kind === 'verified') assert.equal(r.principal.arn, session.principal.arn);
  });

  it('accepts a region set that covers the region by list or wildcard', async () => {
    for (const regionSet of ['eu-west-1,us-east-1', '*', 'us-*']) {
      assert.equal(verifySigV4(await signed({ regionSet }), lookup, svcs).kind, 'verified', regionSet);
    }
  });

  it('rejects a tampered signature, a tampered request and a wrong secret', async () => {
    const req = await signed();
    const auth = req.headers['authorization']!;
    // Flip one hex digit inside the DER signature's r value.
    const at = auth.length - 20;
    const flipped = auth.slice(0, at) + (auth[at] === '0' ? '1' : '0') + auth.slice(at + 1);
    assertRejected(verifySigV4({ ...req, headers: { ...req.headers, authorization: flipped } }, lookup, svcs), 'SignatureDoesNotMatch',
      /String-to-Sign should have been\n'AWS4-ECDSA-P256-SHA256\n20260115T100000Z\n20260115\/vpc-lattice-svcs\/aws4_request\n/);
    assertRejected(verifySigV4({ ...req, headers: { ...req.headers, authorization: auth.replace(/Signature=.*$/, 'Signature=zz') } }, lookup, svcs), 'SignatureDoesNotMatch');
    assertRejected(verifySigV4({ ...req, method: 'DELETE' }, lookup, svcs), 'SignatureDoesNotMatch');
    const wrong = await signed({ cred: { accessKeyId: user.accessKeyId, secretAccessKey: 'not-the-secret' } });
    assertRejected(verifySigV4(wrong, lookup, svcs), 'SignatureDoesNotMatch');
  });

  it('rejects an unknown key and an expired session as SigV4 does', async () => {
    const unknown = await signed({ cred: { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 's' } });
    assertRejected(verifySigV4(unknown, lookup, svcs), 'InvalidClientTokenId');
    const withToken = await signed({ cred: session });
    assertRejected(verifySigV4(withToken, lookup, { ...svcs, now: T0 + 3600_000 + 1, skewMs: 2 * 3600_000 }), 'ExpiredToken');
  });

  it('rejects a region set that excludes the region, and an altered or unsigned region set', async () => {
    assertRejected(verifySigV4(await signed({ regionSet: 'eu-west-1,us-west-*' }), lookup, svcs), 'SignatureDoesNotMatch', /region set 'eu-west-1,us-west-\*' does not include 'us-east-1'/);
    const narrow = await signed({ regionSet: 'eu-west-1' });
    // Widening the set in transit breaks the signature, since the header is signed.
    assertRejected(verifySigV4({ ...narrow, headers: { ...narrow.headers, 'x-amz-region-set': '*' } }, lookup, svcs), 'SignatureDoesNotMatch');
    const auth = narrow.headers['authorization']!.replace(';x-amz-region-set', '');
    assertRejected(verifySigV4({ ...narrow, headers: { ...narrow.headers, authorization: auth, 'x-amz-region-set': '*' } }, lookup, svcs),
      'SignatureDoesNotMatch', /must be a 'SignedHeader'/);
    const { 'x-amz-region-set': _dropped, ...without } = narrow.headers;
    assertRejected(verifySigV4({ ...narrow, headers: without }, lookup, svcs), 'IncompleteSignature', /X-Amz-Region-Set/);
  });

  it('rejects a stale or future date with the skew message, and the wrong service', async () => {
    const req = await signed();
    assertRejected(verifySigV4(req, lookup, { ...svcs, now: T0 + 5 * 60_000 + 1000 }), 'SignatureDoesNotMatch', /^Signature expired: 20260115T100000Z/);
    assertRejected(verifySigV4(req, lookup, { ...svcs, now: T0 - 5 * 60_000 - 1000 }), 'SignatureDoesNotMatch', /^Signature not yet current/);
    assertRejected(verifySigV4(req, lookup, control), 'SignatureDoesNotMatch', /scoped to correct service: 'vpc-lattice'/);
  });

  it('picks the first concrete acceptable region when no region is expected', () => {
    assert.equal(regionFor('*,eu-west-1', {}), 'eu-west-1');
    assert.equal(regionFor('xx-1,eu-west-1', { regionValid: (r) => r !== 'xx-1' }), 'eu-west-1');
    assert.equal(regionFor('*', {}), undefined);
    assert.equal(regionFor('US-EAST-1', { region: 'us-east-1' }), 'us-east-1');
  });
});
