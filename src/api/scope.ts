import type { IncomingMessage } from 'node:http';
import type { Scope } from '../model/index.js';

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export interface SignedScope {
  readonly accessKeyId?: string;
  readonly region?: string;
  readonly service?: string;
}

/**
 * Reads the credential scope of a SigV4 `Authorization` header (or presigned query): the
 * region a client signs for is the region it addresses, as on AWS. Verification of the
 * signature itself belongs to iam/ and is enforced only with --enforce-iam.
 */
export function signedScope(req: IncomingMessage, url: URL): SignedScope {
  const auth = req.headers.authorization ?? `Credential=${url.searchParams.get('X-Amz-Credential') ?? ''}`;
  const m = CREDENTIAL.exec(auth);
  if (!m) return {};
  return { accessKeyId: m[1], region: m[3], service: m[4] };
}

export function scopeFor(defaults: Scope, signed: SignedScope): Scope {
  return signed.region ? { ...defaults, region: signed.region } : defaults;
}
