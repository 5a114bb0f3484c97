import { EMPTY_SHA256, sha256Hex } from './canonical.js';
import type { SignedRequest } from '../contracts.js';

/** The payload hash a client signs when it does not hash the body (the Lattice data plane). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/**
 * The payload hash to verify with: `UNSIGNED-PAYLOAD` when the client says it signed that
 * (`x-amz-content-sha256` header, or the presigned `X-Amz-Content-Sha256`), else the sha256
 * of the body as received — never the client's own claim of it, so a changed body fails.
 */
export function payloadHashFor(headers: Readonly<Record<string, string>>, body: Uint8Array | undefined, query = ''): string {
  if (headers['x-amz-content-sha256'] === UNSIGNED_PAYLOAD || query.includes(`X-Amz-Content-Sha256=${UNSIGNED_PAYLOAD}`)) return UNSIGNED_PAYLOAD;
  return body === undefined || body.length === 0 ? EMPTY_SHA256 : sha256Hex(body);
}

/**
 * Node's `rawHeaders` (`[name, value, name, value, …]`) as the verifier wants them: names
 * lower case, repeated headers joined with `,` (SigV4's rule; Node's own `req.headers` joins
 * with `, ` and drops some duplicates).
 */
export function headersFromRaw(rawHeaders: readonly string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!.trim();
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  }
  return out;
}

/** A SignedRequest from a request line's target (`/path?query`) and its parts. */
export function signedRequest(method: string, target: string, headers: Readonly<Record<string, string>>, payloadHash: string): SignedRequest {
  const q = target.indexOf('?');
  return {
    method,
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? '' : target.slice(q + 1),
    headers,
    payloadHash,
  };
}
