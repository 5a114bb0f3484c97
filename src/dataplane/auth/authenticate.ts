import {
  ANONYMOUS, headersFromRaw, signedRequest, verifySigV4, UNSIGNED_PAYLOAD, type CredentialLookup, type Principal,
} from '../../iam/index.js';

/**
 * Who a data-plane request comes from (LATTICE.md §3.4): an unsigned request is anonymous; a
 * request signed with SigV4 for `vpc-lattice-svcs` is its key's principal when the signature
 * verifies, and is refused otherwise — "VPC Lattice attempts to authenticate any request that
 * is signed", so a bad signature never falls back to anonymous, whatever the authType.
 *
 * Lattice does not sign payloads: the client signs `UNSIGNED-PAYLOAD` (and says so in
 * `x-amz-content-sha256`), and the path is encoded once in the canonical request, as sent.
 * A request with a body that claims to have signed its hash is refused: the proxy streams
 * bodies and never hashes them.
 */

export type Authentication =
  | { readonly kind: 'anonymous'; readonly principal: Principal }
  | { readonly kind: 'authenticated'; readonly principal: Principal }
  | { readonly kind: 'rejected'; readonly code: string; readonly message: string };

const ANON: Authentication = { kind: 'anonymous', principal: ANONYMOUS };
const SERVICES = ['vpc-lattice-svcs'] as const;

/** Whether the request carries a signature at all: an Authorization header or a presigned query. */
export function isSigned(rawHeaders: readonly string[], target: string): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') return true;
  }
  const q = target.indexOf('?');
  return q >= 0 && target.includes('X-Amz-Signature=', q);
}

export interface AuthenticateInput {
  readonly method: string;
  /** The request target, origin-form (`/path?query`). */
  readonly target: string;
  readonly rawHeaders: readonly string[];
  readonly hasBody: boolean;
  /** The region of the service: requests must be signed for it. */
  readonly region: string;
  readonly now: number;
}

/** Verifies the request's signature, if any; see the file comment. */
export function authenticate(input: AuthenticateInput, lookup: CredentialLookup | undefined): Authentication {
  if (!isSigned(input.rawHeaders, input.target)) return ANON;
  const headers = headersFromRaw(input.rawHeaders);
  const q = input.target.indexOf('?');
  const unsigned = headers['x-amz-content-sha256'] === UNSIGNED_PAYLOAD
    || (q >= 0 && input.target.includes(`X-Amz-Content-Sha256=${UNSIGNED_PAYLOAD}`, q));
  if (!unsigned && input.hasBody) {
    return { kind: 'rejected', code: 'InvalidSignatureException', message: 'VPC Lattice does not support payload signing: sign with x-amz-content-sha256: UNSIGNED-PAYLOAD' };
  }
  // Without a body, the empty payload's hash is what the client must have signed; its own
  // claim of a hash is never trusted.
  const payloadHash = unsigned ? UNSIGNED_PAYLOAD : EMPTY_SHA256;
  const req = signedRequest(input.method, input.target, headers, payloadHash);
  const result = verifySigV4(req, lookup ?? noKeys, { services: SERVICES, region: input.region, now: input.now, doubleEncodePath: false });
  if (result.kind === 'verified') return { kind: 'authenticated', principal: result.principal };
  if (result.kind === 'unsigned') return ANON;
  return { kind: 'rejected', code: result.code, message: result.message };
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const noKeys: CredentialLookup = () => undefined;
