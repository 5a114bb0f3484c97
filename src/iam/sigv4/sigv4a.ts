import { createECDH, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { SigV4Expectations } from '../contracts.js';
import { sha256Hex } from './canonical.js';
import { ALGORITHM_V4A, type ParsedSignature } from './parse.js';

/**
 * SigV4A (`AWS4-ECDSA-P256-SHA256`), header form: the same canonical request as SigV4, but
 * signed with an ECDSA P-256 key derived from the secret access key, a scope without a region
 * (`<date>/<service>/aws4_request`) and the regions the signature is good for in the signed
 * `X-Amz-Region-Set` header. verify.ts runs the same scope, time and credential checks on the
 * claim this module parses and calls {@link verifySigV4aSignature} in place of the HMAC.
 *
 * The presigned form (`X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256`) is still refused by parse.ts.
 */

const REGION_SET = 'x-amz-region-set';

/** P-256's group order n minus 2, big-endian: a KDF candidate above it is discarded. */
const N_MINUS_TWO = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f');

const incomplete = (message: string): ParsedSignature => ({ kind: 'rejected', code: 'IncompleteSignature', message });
const mismatch = (message: string): ParsedSignature => ({ kind: 'rejected', code: 'SignatureDoesNotMatch', message });

/** Whether the request's Authorization header claims SigV4A (so verify.ts dispatches here). */
export function isSigV4aHeader(headers: Readonly<Record<string, string>>): boolean {
  const auth = headers['authorization'];
  return auth !== undefined && auth.trimStart().startsWith(`${ALGORITHM_V4A} `);
}

/**
 * Reads a SigV4A Authorization header into the claim verify.ts checks. The credential has four
 * parts (`key/date/service/aws4_request`); the claim's `region` is the region the request is
 * accepted for: the expected one when the signed region set covers it, otherwise the set's
 * first concrete region that `regionValid` accepts. A set that covers no acceptable region,
 * or that is not signed, fails as a signature mismatch, as a wrong scope region does in SigV4.
 */
export function parseSigV4a(headers: Readonly<Record<string, string>>, expect: SigV4Expectations): ParsedSignature {
  const authorization = headers['authorization'] ?? '';
  const value = authorization.trim();
  const parts = new Map<string, string>();
  for (const piece of value.slice(ALGORITHM_V4A.length + 1).split(',')) {
    const p = piece.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq < 0) return incomplete(`Invalid key=value pair (missing equal-sign) in Authorization header: '${p}'. Authorization=${authorization}`);
    parts.set(p.slice(0, eq), p.slice(eq + 1));
  }
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  const amzDate = headers['x-amz-date'];
  const problems: string[] = [];
  if (credential === undefined) problems.push("Authorization header requires 'Credential' parameter.");
  if (signature === undefined) problems.push("Authorization header requires 'Signature' parameter.");
  if (signedHeaders === undefined) problems.push("Authorization header requires 'SignedHeaders' parameter.");
  if (amzDate === undefined) problems.push("Authorization header requires existence of a 'X-Amz-Date' header.");
  const regionSet = headers[REGION_SET];
  if (regionSet === undefined) problems.push("SigV4A requires the 'X-Amz-Region-Set' header.");
  if (problems.length > 0) return incomplete(`${problems.join(' ')} Authorization=${authorization}`);

  const scope = credential!.split('/');
  if (scope.length !== 4 || scope.some((s) => s === '')) {
    return incomplete(`Credential must have exactly 4 slash-delimited elements, e.g. keyid/date/service/term, got '${credential!}'`);
  }
  if (!/^\d{8}T\d{6}Z$/.test(amzDate!)) {
    return incomplete(`Date must be in ISO-8601 'basic format'. Got '${amzDate!}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  const names = signedHeaders!.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  // An unsigned region set could be widened in transit: the signature would not cover it.
  if (!names.includes(REGION_SET)) return mismatch(`'X-Amz-Region-Set' must be a 'SignedHeader' in a SigV4A Authorization.`);
  const region = regionFor(regionSet!, expect);
  if (region === undefined) {
    return mismatch(`Credential should be scoped to a valid region: the region set '${regionSet!}' does not include '${expect.region ?? 'a known region'}'. `);
  }
  const [accessKeyId, scopeDate, service, terminator] = scope as [string, string, string, string];
  const sessionToken = headers['x-amz-security-token'];
  return {
    kind: 'claimed',
    claim: {
      form: 'header', accessKeyId, scopeDate, region, service, terminator, signedHeaders: names, signature: signature!, amzDate: amzDate!,
      ...(sessionToken !== undefined ? { sessionToken } : {}),
    },
  };
}

/**
 * The region a region set grants: entries are comma-separated and may use `*` as a wildcard
 * (`*`, `us-*`). With an expected region, that region if any entry matches it; without one,
 * the first entry with no wildcard that `regionValid` accepts (a bare `*` names no region).
 */
export function regionFor(regionSet: string, expect: Pick<SigV4Expectations, 'region' | 'regionValid'>): string | undefined {
  const entries = regionSet.split(',').map((e) => e.trim().toLowerCase()).filter((e) => e !== '');
  if (expect.region !== undefined) {
    const want = expect.region;
    return entries.some((e) => globMatches(e, want)) ? want : undefined;
  }
  return entries.find((e) => !e.includes('*') && (expect.regionValid?.(e) ?? true));
}

function globMatches(pattern: string, region: string): boolean {
  if (!pattern.includes('*')) return pattern === region;
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(region);
}

/** `AWS4-ECDSA-P256-SHA256 \n <X-Amz-Date> \n <date>/<service>/aws4_request \n hex(sha256(canonical))`. */
export function stringToSignV4a(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM_V4A}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/**
 * The SigV4A private scalar of a key pair, as AWS derives it (NIST SP 800-108 HMAC-SHA256 in
 * counter mode): key `AWS4A<secret>`, input `00000001 || "AWS4-ECDSA-P256-SHA256" || 00 ||
 * <access key id> || <counter byte> || 00000100` (256 output bits); a candidate above n-2 is
 * discarded and the counter incremented; the scalar is candidate + 1, so it lies in [1, n-1].
 *
 * The JS signer appends each retry's input to the previous one rather than starting afresh;
 * a retry happens with probability about 2^-32, and this follows AWS's specification.
 */
export function deriveV4aPrivateKey(accessKeyId: string, secretAccessKey: string): Buffer {
  const key = Buffer.from(`AWS4A${secretAccessKey}`, 'utf8');
  for (let counter = 1; counter < 255; counter++) {
    const input = Buffer.concat([
      Buffer.from([0, 0, 0, 1]), Buffer.from(ALGORITHM_V4A, 'utf8'), Buffer.from([0]),
      Buffer.from(accessKeyId, 'utf8'), Buffer.from([counter]), Buffer.from([0, 0, 1, 0]),
    ]);
    const candidate = BigInt(`0x${createHmac('sha256', key).update(input).digest('hex')}`);
    if (candidate > N_MINUS_TWO) continue;
    return Buffer.from((candidate + 1n).toString(16).padStart(64, '0'), 'hex');
  }
  throw new Error('Cannot derive the SigV4A key: the counter is exhausted.');
}

/**
 * Derived public keys, per (access key id, secret): the derivation and the point
 * multiplication cost more than the verification itself and never change for a key. Bounded.
 */
const MAX_CACHED = 1024;
const publicKeys = new Map<string, KeyObject>();

export function v4aPublicKey(accessKeyId: string, secretAccessKey: string): KeyObject {
  // NUL cannot occur in an access key id, so the cache key is unambiguous.
  const id = `${accessKeyId}\0${secretAccessKey}`;
  const hit = publicKeys.get(id);
  if (hit) return hit;
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(deriveV4aPrivateKey(accessKeyId, secretAccessKey));
  const point = ecdh.getPublicKey(); // 04 || X || Y, 32 bytes each
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  });
  if (publicKeys.size >= MAX_CACHED) publicKeys.delete(publicKeys.keys().next().value!);
  publicKeys.set(id, key);
  return key;
}

/**
 * Whether `signatureHex` is a DER ECDSA P-256 signature of sha256(string to sign) by the key
 * derived from the credential. Malformed hex or DER is simply not a match.
 */
export function verifySigV4aSignature(accessKeyId: string, secretAccessKey: string, toSign: string, signatureHex: string): boolean {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(signatureHex)) return false;
  try {
    return verify('sha256', Buffer.from(toSign, 'utf8'), v4aPublicKey(accessKeyId, secretAccessKey), Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}
