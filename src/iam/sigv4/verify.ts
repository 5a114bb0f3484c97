import { createHash, timingSafeEqual } from 'node:crypto';
import type { CredentialLookup, SignedRequest, SigV4Expectations, SigV4Result } from '../contracts.js';
import { canonicalRequest, stringToSign } from './canonical.js';
import { parseSignature, isoBasic, parseIsoBasic, type ClaimedSignature } from './parse.js';
import { deriveSigningKey, signature } from './signing-key.js';
import { isSigV4aHeader, parseSigV4a, stringToSignV4a, verifySigV4aSignature } from './sigv4a.js';

/** AWS's clock skew: a signature is good for 5 minutes either side of the server's clock. */
export const DEFAULT_SKEW_MS = 5 * 60_000;

/** Services that sign the canonical path as sent rather than encoding it once more. */
const SINGLE_ENCODING: ReadonlySet<string> = new Set(['s3', 'vpc-lattice-svcs']);

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';

function rejected(code: string, message: string): SigV4Result {
  return { kind: 'rejected', code, message };
}

/**
 * Verifies a SigV4 request, header or presigned form, as AWS does, in AWS's order: the
 * claim's shape (IncompleteSignature), its scope — date, terminator, service, region — and
 * time (SignatureDoesNotMatch / RequestExpired), the access key (InvalidClientTokenId,
 * ExpiredToken), and last the signature, compared in constant time. Codes are the Query
 * protocol's names; the API layer renames them for REST-JSON. An unsigned request is
 * `unsigned`, not a failure: whether that is allowed is the caller's policy.
 */
export function verifySigV4(req: SignedRequest, lookup: CredentialLookup, expect: SigV4Expectations): SigV4Result {
  // SigV4A shares every check but the region (its signed region set) and the signature.
  const v4a = isSigV4aHeader(req.headers);
  const parsed = v4a ? parseSigV4a(req.headers, expect) : parseSignature(req.headers, req.query);
  if (parsed.kind !== 'claimed') return parsed;
  const c = parsed.claim;
  const scopeProblem = checkScope(c, expect);
  if (scopeProblem) return scopeProblem;
  const timeProblem = checkTime(c, expect.now, expect.skewMs ?? DEFAULT_SKEW_MS);
  if (timeProblem) return timeProblem;

  const credential = lookup(c.accessKeyId);
  if (!credential) return rejected('InvalidClientTokenId', INVALID_TOKEN);
  if (credential.sessionToken !== undefined || c.sessionToken !== undefined) {
    // A temporary credential is only good with its own session token; a long-term key
    // with a token attached is as wrong as a temporary one without.
    if (credential.sessionToken === undefined || c.sessionToken === undefined || !sameSecret(credential.sessionToken, c.sessionToken)) {
      return rejected('InvalidClientTokenId', INVALID_TOKEN);
    }
    if (credential.expiresAt !== undefined && credential.expiresAt <= expect.now) return rejected('ExpiredToken', EXPIRED_TOKEN);
  }

  const canonical = canonicalRequest({
    method: req.method,
    path: req.path,
    query: req.query,
    headers: req.headers,
    signedHeaders: c.signedHeaders,
    payloadHash: req.payloadHash,
    doubleEncodePath: expect.doubleEncodePath ?? !SINGLE_ENCODING.has(c.service),
    ...(c.form === 'query' ? { excludeQuery: 'X-Amz-Signature' } : {}),
  });
  const toSign = v4a
    ? stringToSignV4a(c.amzDate, `${c.scopeDate}/${c.service}/${c.terminator}`, canonical)
    : stringToSign(c.amzDate, `${c.scopeDate}/${c.region}/${c.service}/${c.terminator}`, canonical);
  const good = v4a
    ? verifySigV4aSignature(c.accessKeyId, credential.secretAccessKey, toSign, c.signature)
    : sameSignature(signature(deriveSigningKey(credential.secretAccessKey, c.scopeDate, c.region, c.service), toSign), c.signature);
  if (!good) {
    return rejected('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. '
      + 'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n'
      + `The Canonical String for this request should have been\n'${canonical}'\n\n`
      + `The String-to-Sign should have been\n'${toSign}'\n`);
  }
  return { kind: 'verified', principal: credential.principal, accessKeyId: c.accessKeyId, region: c.region, service: c.service };
}

function checkScope(c: ClaimedSignature, expect: SigV4Expectations): SigV4Result | undefined {
  if (!c.signedHeaders.includes('host')) {
    return rejected('SignatureDoesNotMatch', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const day = c.amzDate.slice(0, 8);
  if (c.scopeDate !== day) {
    return rejected('SignatureDoesNotMatch', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${c.scopeDate}' != '${day}', from '${c.amzDate}'.`);
  }
  if (c.terminator !== 'aws4_request') {
    return rejected('SignatureDoesNotMatch', `Credential should be scoped with a valid terminator: 'aws4_request', not '${c.terminator}'. `);
  }
  if (!expect.services.includes(c.service)) {
    return rejected('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${expect.services[0] ?? ''}'. `);
  }
  const regionOk = expect.region !== undefined ? c.region === expect.region : (expect.regionValid?.(c.region) ?? true);
  if (!regionOk) return rejected('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${c.region}'. `);
  return undefined;
}

/**
 * The header form is good within the skew either side of now; a presigned URL from its date
 * (not in the future beyond the skew) until `X-Amz-Expires` seconds later.
 */
function checkTime(c: ClaimedSignature, now: number, skewMs: number): SigV4Result | undefined {
  const signedAt = parseIsoBasic(c.amzDate);
  if (Number.isNaN(signedAt)) {
    return rejected('IncompleteSignature', `Date must be in ISO-8601 'basic format'. Got '${c.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  const minutes = `${Math.round(skewMs / 60_000)} min.`;
  if (signedAt > now + skewMs) {
    return rejected('SignatureDoesNotMatch', `Signature not yet current: ${c.amzDate} is still later than ${isoBasic(now + skewMs)} (${isoBasic(now)} + ${minutes})`);
  }
  if (c.expiresSeconds !== undefined) {
    if (now > signedAt + c.expiresSeconds * 1000) return rejected('RequestExpired', 'Request has expired.');
    return undefined;
  }
  if (signedAt < now - skewMs) {
    return rejected('SignatureDoesNotMatch', `Signature expired: ${c.amzDate} is now earlier than ${isoBasic(now - skewMs)} (${isoBasic(now)} - ${minutes})`);
  }
  return undefined;
}

/** Constant-time comparison of the expected hex signature with the one sent. */
function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time equality of secrets of any length: compares their digests. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
