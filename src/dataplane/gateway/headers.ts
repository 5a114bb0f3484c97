import { RESPONSE_HEADERS_NOT_FORWARDED } from '../http1/index.js';

/**
 * Request and response header handling of the proxy (LATTICE.md §2.9), on flat
 * [name, value, …] lists as the engines hand them over: no header objects.
 *
 * Request: client-sent `x-amzn-lattice-*` and `x-amzn-source-vpc` are dropped in any letter
 * case, before routing (rules never see them); hop-by-hop headers (`connection` and the
 * names it lists, `keep-alive`, `proxy-*`, `te`, `trailer`, `transfer-encoding`, `upgrade`)
 * and `expect` (node:http already answered `100 Continue`) are not forwarded;
 * `x-forwarded-for` is appended to, `x-forwarded-port` / `-proto` are replaced (§10 #10).
 * Response: hop-by-hop headers are dropped (the engine frames the response itself) and the
 * target's own `x-amzn-requestid` gives way to the request's.
 */

/** What the scan of the request headers learned; filled in place (one object per request). */
export interface ScannedHeaders {
  /** The forwarded headers, in the client's order and letter case. */
  headers: string[];
  host: string | undefined;
  userAgent: string;
  forwardedFor: string | undefined;
  requestId: string | undefined;
  proxyAuthorization: string | undefined;
  hasBody: boolean;
  /** Sum of name + value + 4 (": " and CRLF) over all request headers. */
  headerBytes: number;
  headerCount: number;
}

/** Limits of LATTICE.md §2.8: over 60 KB of headers or over 100 headers → 400. */
export const MAX_HEADER_BYTES = 60 * 1024;
export const MAX_HEADER_COUNT = 100;

/** First letters (lower case) of the header names the scan looks at; others pass untouched. */
const INTERESTING = new Uint8Array(128);
for (const c of 'cehkptux') INTERESTING[c.charCodeAt(0)] = 1;

export function scanRequestHeaders(raw: readonly string[], into: ScannedHeaders, dropHost: boolean): void {
  const out: string[] = [];
  let bytes = 0;
  let extraHop: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    bytes += name.length + value.length + 4;
    const c0 = name.charCodeAt(0) | 0x20;
    if (c0 > 127 || INTERESTING[c0] === 0) { out.push(name, value); continue; }
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        into.host ??= value;
        if (!dropHost) out.push(name, value);
        continue;
      case 'user-agent': into.userAgent = value; out.push(name, value); continue;
      case 'x-forwarded-for': into.forwardedFor = into.forwardedFor === undefined ? value : `${into.forwardedFor}, ${value}`; continue;
      case 'x-forwarded-port': case 'x-forwarded-proto': case 'x-amzn-source-vpc': continue;
      case 'x-amzn-requestid': into.requestId ??= value.length > 512 ? value.slice(0, 512) : value; continue;
      case 'proxy-authorization': into.proxyAuthorization ??= value; continue;
      case 'content-length': if (value !== '0') into.hasBody = true; out.push(name, value); continue;
      case 'transfer-encoding': into.hasBody = true; continue;
      case 'connection': {
        const tokens = value.toLowerCase();
        if (tokens !== 'keep-alive' && tokens !== 'close') extraHop = extraHop === undefined ? tokens : `${extraHop},${tokens}`;
        continue;
      }
      case 'keep-alive': case 'proxy-connection': case 'te': case 'trailer': case 'upgrade': case 'expect':
        continue;
      default:
        if (lower.startsWith('x-amzn-lattice-')) continue;
        out.push(name, value);
    }
  }
  into.headerBytes = bytes;
  into.headerCount = raw.length >>> 1;
  into.headers = extraHop === undefined ? out : withoutListed(out, extraHop);
}

/** Drops the headers a `Connection` header lists (hop-by-hop by declaration, RFC 9110 §7.6.1). */
function withoutListed(headers: string[], tokens: string): string[] {
  const names = new Set(tokens.split(',').map((t) => t.trim()).filter((t) => t !== '' && t !== 'keep-alive' && t !== 'close'));
  if (names.size === 0) return headers;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!names.has(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}

const HOP_BY_HOP_RESPONSE = new Set(RESPONSE_HEADERS_NOT_FORWARDED);
const RESPONSE_NAME_LENGTHS = new Set([...HOP_BY_HOP_RESPONSE].map((n) => n.length));

/**
 * The target's response headers (a flat list: strings from the HTTP/1.1 pools, Buffers from
 * undici-style dispatchers) as a flat string list for
 * `writeHead`, without hop-by-hop headers, followed by `x-amzn-requestid`. Also returns the
 * header bytes through `sizeOut[0]` for the access log.
 */
export function responseHeaders(raw: readonly (string | Buffer)[], requestId: string, sizeOut: number[]): string[] {
  const out: string[] = [];
  let bytes = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const nb = raw[i]!;
    const vb = raw[i + 1]!;
    const name = typeof nb === 'string' ? nb : nb.toString('latin1');
    const value = typeof vb === 'string' ? vb : vb.toString('latin1');
    bytes += name.length + value.length + 4;
    if (RESPONSE_NAME_LENGTHS.has(name.length) && HOP_BY_HOP_RESPONSE.has(name.toLowerCase())) continue;
    out.push(name, value);
  }
  out.push('x-amzn-requestid', requestId);
  sizeOut[0] = responseHeadSize(bytes, requestId);
  return out;
}

/**
 * The access log's count of a response head: the target's header bytes (name + value + 4 per
 * header, all of them) plus our x-amzn-requestid line. One formula for the list and byte paths.
 */
export function responseHeadSize(targetHeaderBytes: number, requestId: string): number {
  return targetHeaderBytes + requestId.length + 20;
}
