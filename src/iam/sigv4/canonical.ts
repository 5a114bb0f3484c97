import { createHash } from 'node:crypto';

/**
 * The canonical request of Signature Version 4, built from the request exactly as it arrived
 * (raw path, raw query string, header values), the way AWS builds it on its side:
 *
 *   METHOD \n canonical path \n canonical query \n canonical headers \n\n signed headers \n payload hash
 *
 * Pure functions of strings; the verifier (verify.ts) decides what to do with the result.
 */

/** The sha256 of nothing: the payload hash of every request without a body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const HEX = '0123456789ABCDEF';

/** `%XX` of one byte, upper-case hex as SigV4 requires. */
function pct(byte: number): string {
  return `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
}

function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
    || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

/** Percent-encodes bytes: everything but `A-Z a-z 0-9 - . _ ~` becomes `%XX`. */
function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += isUnreserved(b) ? String.fromCharCode(b) : pct(b);
  return out;
}

/**
 * SigV4's URI encoding of a string (its UTF-8 bytes): RFC 3986 unreserved characters stay,
 * everything else — `%` included — becomes `%XX`. `encodeURIComponent` is the fast path; it
 * leaves `!'()*` alone, which SigV4 encodes, and throws on lone surrogates.
 */
export function uriEncode(text: string): string {
  try {
    return encodeURIComponent(text).replace(/[!'()*]/g, (c) => pct(c.charCodeAt(0)));
  } catch {
    return encodeBytes(Buffer.from(text, 'utf8'));
  }
}

/**
 * Decodes `%XX` escapes and re-encodes the bytes as SigV4 does, so `a%2fb`, `a%2Fb` and
 * `a/b` all canonicalise to `a%2Fb`. Works on bytes, so escapes of invalid UTF-8 survive
 * unchanged rather than becoming U+FFFD. `+` is a literal plus (SDKs send spaces as `%20`).
 */
export function normalizeEncoding(text: string): string {
  if (!/[^A-Za-z0-9\-._~]/.test(text)) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // A raw non-ASCII character (or surrogate pair): its UTF-8 bytes.
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      i += ch.length - 1;
    }
  }
  return encodeBytes(Uint8Array.from(bytes));
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * The canonical URI. Every AWS service but S3 (and the Lattice data plane, LATTICE.md §3.4)
 * normalises the path (drops empty and `.` segments, resolves `..`) and URI-encodes it once
 * more: the client encoded the path to send it, the signer encodes that string again, so
 * `/tags/arn%3Aaws` signs as `/tags/arn%253Aaws`. With `double` false the path is signed
 * exactly as sent.
 */
export function canonicalPath(path: string, double: boolean): string {
  if (!double) return path === '' ? '/' : path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(segment));
  }
  const joined = segments.join('/');
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${joined}${trailing}`;
}

/**
 * The canonical query string: each `key=value` decoded and re-encoded, sorted by encoded key
 * and then by encoded value; a key without `=` has an empty value. `exclude` names a
 * parameter left out (`X-Amz-Signature` of a presigned URL).
 */
export function canonicalQuery(query: string, exclude?: string): string {
  if (query === '') return '';
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    if (exclude !== undefined && rawKey === exclude) continue;
    pairs.push([normalizeEncoding(rawKey), eq < 0 ? '' : normalizeEncoding(part.slice(eq + 1))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** A header value as SigV4 signs it: trimmed, each run of whitespace folded to one space. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/**
 * The canonical headers block (each `name:value\n`) of the signed header names, in the
 * order given (the client's SignedHeaders list, already sorted and lower case). A signed
 * header the request lacks is signed empty: the signature then fails, as on AWS.
 */
export function canonicalHeaders(headers: Readonly<Record<string, string>>, signed: readonly string[]): string {
  let out = '';
  for (const name of signed) out += `${name}:${canonicalHeaderValue(headers[name] ?? '')}\n`;
  return out;
}

export interface CanonicalParts {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
  readonly doubleEncodePath: boolean;
  /** A query parameter the canonical query leaves out. */
  readonly excludeQuery?: string;
}

export function canonicalRequest(p: CanonicalParts): string {
  return [
    p.method.toUpperCase(),
    canonicalPath(p.path, p.doubleEncodePath),
    canonicalQuery(p.query, p.excludeQuery),
    canonicalHeaders(p.headers, p.signedHeaders),
    p.signedHeaders.join(';'),
    p.payloadHash,
  ].join('\n');
}

/** `AWS4-HMAC-SHA256 \n <X-Amz-Date> \n <scope> \n hex(sha256(canonical request))`. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}
