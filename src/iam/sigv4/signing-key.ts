import { createHmac } from 'node:crypto';

/**
 * The SigV4 signing key: HMAC chain `AWS4<secret>` → date → region → service → `aws4_request`.
 * Four HMACs per request are a quarter of a verification's cost, and the key only changes
 * once a day per (secret, region, service), so keys are cached, bounded.
 */
const MAX_CACHED = 1024;
const cache = new Map<string, Buffer>();

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  // NUL cannot occur in any of the parts of a well-formed scope, so the key is unambiguous.
  const id = `${secret}\0${date}\0${region}\0${service}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(id, key);
  return key;
}

/** Hex HMAC-SHA256 of the string to sign with the signing key: the signature. */
export function signature(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}
