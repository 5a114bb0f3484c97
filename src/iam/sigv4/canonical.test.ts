import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canonicalPath, canonicalQuery, canonicalHeaderValue, canonicalRequest, uriEncode, normalizeEncoding, sha256Hex } from './canonical.js';
import { headersFromRaw, signedRequest } from './request.js';
import { verifySigV4 } from './verify.js';
import type { Credential } from '../contracts.js';

interface Vector {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
  readonly canonicalRequest: string;
  readonly signature: string;
}
interface Suite {
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region: string;
  readonly service: string;
  readonly amzDate: string;
  readonly vectors: readonly Vector[];
}

const suite = JSON.parse(readFileSync(new URL('./testdata/sigv4-test-suite.json', import.meta.url), 'utf8')) as Suite;
const NOW = Date.UTC(2015, 7, 30, 12, 36, 0);
const credential: Credential = {
  ...suite.credentials,
  principal: { arn: 'arn:aws:iam::111122223333:user/example', account: '111122223333', type: 'User', tags: {} },
};
const lookup = (id: string): Credential | undefined => (id === credential.accessKeyId ? credential : undefined);

function requestOf(v: Vector, signature: string) {
  const headers = headersFromRaw(v.headers.flat());
  const signedHeaders = Object.keys(headers).sort().join(';');
  headers['authorization'] = `AWS4-HMAC-SHA256 Credential=${suite.credentials.accessKeyId}/20150830/${suite.region}/${suite.service}/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  const target = v.query === '' ? v.path : `${v.path}?${v.query}`;
  return signedRequest(v.method, target, headers, sha256Hex(v.body));
}

describe('SigV4 test suite (aws-sig-v4-test-suite)', () => {
  for (const v of suite.vectors) {
    it(`${v.name}: canonical request`, () => {
      const headers = headersFromRaw(v.headers.flat());
      const actual = canonicalRequest({
        method: v.method, path: v.path, query: v.query, headers,
        signedHeaders: Object.keys(headers).sort(), payloadHash: sha256Hex(v.body), doubleEncodePath: true,
      });
      assert.equal(actual, v.canonicalRequest);
    });
    it(`${v.name}: the suite's signature verifies, one flipped digit does not`, () => {
      const ok = verifySigV4(requestOf(v, v.signature), lookup, { services: [suite.service], now: NOW });
      assert.equal(ok.kind, 'verified', JSON.stringify(ok));
      const flipped = v.signature.slice(0, -1) + (v.signature.endsWith('0') ? '1' : '0');
      const bad = verifySigV4(requestOf(v, flipped), lookup, { services: [suite.service], now: NOW });
      assert.equal(bad.kind === 'rejected' && bad.code, 'SignatureDoesNotMatch');
    });
  }
});

describe('canonicalisation', () => {
  it('encodes what encodeURIComponent leaves alone, and lone surrogates byte-wise', () => {
    assert.equal(uriEncode("a!b'c(d)e*f g~"), 'a%21b%27c%28d%29e%2Af%20g~');
    assert.equal(uriEncode('\uD800'), '%EF%BF%BD');
  });
  it('decodes then re-encodes query parts, keeping escapes of invalid UTF-8 and + as a plus', () => {
    assert.equal(normalizeEncoding('a%2fb'), 'a%2Fb');
    assert.equal(normalizeEncoding('%FF'), '%FF');
    assert.equal(normalizeEncoding('a+b'), 'a%2Bb');
    assert.equal(normalizeEncoding('%7E'), '~');
  });
  it('encodes the path once more for most services, and signs it as sent for single encoding', () => {
    assert.equal(canonicalPath('/tags/arn%3Aaws%3Avpc-lattice', true), '/tags/arn%253Aaws%253Avpc-lattice');
    assert.equal(canonicalPath('/tags/arn%3Aaws%3Avpc-lattice', false), '/tags/arn%3Aaws%3Avpc-lattice');
    assert.equal(canonicalPath('/a//b/./c/../', false), '/a//b/./c/../');
    assert.equal(canonicalPath('', true), '/');
  });
  it('sorts by encoded key, then by value; drops the excluded parameter; keys without = get an empty value', () => {
    assert.equal(canonicalQuery('b=2&a=2&a=1&c'), 'a=1&a=2&b=2&c=');
    assert.equal(canonicalQuery('X-Amz-Signature=abc&X-Amz-Date=1', 'X-Amz-Signature'), 'X-Amz-Date=1');
    assert.equal(canonicalQuery('a=%20&A=x'), 'A=x&a=%20');
  });
  it('trims header values and folds runs of whitespace', () => {
    assert.equal(canonicalHeaderValue('  a \t  b   c  '), 'a b c');
  });
});
