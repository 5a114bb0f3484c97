/**
 * Reads what a SigV4 request claims — credential scope, signed headers, signature, date,
 * session token — from either form: the `Authorization` header, or the presigned query
 * string (`X-Amz-Algorithm`, `X-Amz-Credential`, …). Nothing is verified here; malformed
 * input is an `IncompleteSignature` rejection worded as AWS words it.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** SigV4A. The JS SDK signs it only with `@aws-sdk/signature-v4a` or the CRT loaded. */
export const ALGORITHM_V4A = 'AWS4-ECDSA-P256-SHA256';

export interface ClaimedSignature {
  readonly form: 'header' | 'query';
  readonly accessKeyId: string;
  /** The credential scope's parts: `<date>/<region>/<service>/<terminator>`. */
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  /** Lower-case, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** ISO-8601 basic, `20150830T123600Z`. */
  readonly amzDate: string;
  /** Presigned only: `X-Amz-Expires`, seconds. */
  readonly expiresSeconds?: number;
  readonly sessionToken?: string;
}

export type ParsedSignature =
  | { readonly kind: 'unsigned' }
  | { readonly kind: 'claimed'; readonly claim: ClaimedSignature }
  | { readonly kind: 'rejected'; readonly code: string; readonly message: string };

const incomplete = (message: string): ParsedSignature => ({ kind: 'rejected', code: 'IncompleteSignature', message });

/** Decoded query parameters (first value wins), for the `X-Amz-*` of a presigned URL. */
export function queryParams(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (query === '') return out;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    if (!out.has(k)) out.set(k, eq < 0 ? '' : safeDecode(part.slice(eq + 1)));
  }
  return out;
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}

/** Whether the query string carries a presigned signature at all (cheap, no parsing). */
export function isPresigned(query: string): boolean {
  return query.includes('X-Amz-Algorithm=') || query.includes('X-Amz-Signature=') || query.includes('X-Amz-Credential=');
}

export function parseSignature(headers: Readonly<Record<string, string>>, query: string): ParsedSignature {
  const authorization = headers['authorization'];
  if (authorization !== undefined) return parseHeaderForm(authorization, headers);
  if (isPresigned(query)) return parseQueryForm(queryParams(query));
  return { kind: 'unsigned' };
}

function parseHeaderForm(authorization: string, headers: Readonly<Record<string, string>>): ParsedSignature {
  const value = authorization.trim();
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm === ALGORITHM_V4A) {
    return incomplete(`Trellis does not verify SigV4A (${ALGORITHM_V4A}) signatures; sign with ${ALGORITHM}.`);
  }
  if (algorithm !== ALGORITHM) {
    return incomplete(`Unsupported AWS 'algorithm': '${algorithm}'. Authorization=${authorization}`);
  }
  const parts = new Map<string, string>();
  for (const piece of value.slice(space + 1).split(',')) {
    const p = piece.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq < 0) return incomplete(`Invalid key=value pair (missing equal-sign) in Authorization header: '${p}'. Authorization=${authorization}`);
    parts.set(p.slice(0, eq), p.slice(eq + 1));
  }
  const amzDate = headers['x-amz-date'] ?? fromHttpDate(headers['date']);
  const problems: string[] = [];
  if (!parts.has('Credential')) problems.push("Authorization header requires 'Credential' parameter.");
  if (!parts.has('Signature')) problems.push("Authorization header requires 'Signature' parameter.");
  if (!parts.has('SignedHeaders')) problems.push("Authorization header requires 'SignedHeaders' parameter.");
  if (amzDate === undefined) problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (problems.length > 0) return incomplete(`${problems.join(' ')} Authorization=${authorization}`);
  return claim('header', parts.get('Credential')!, parts.get('SignedHeaders')!, parts.get('Signature')!, amzDate!, headers['x-amz-security-token'], undefined);
}

function parseQueryForm(params: ReadonlyMap<string, string>): ParsedSignature {
  for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date']) {
    if (!params.has(name)) return incomplete(`AWS query-string parameters must include '${name}'. Re-examine the query-string parameters.`);
  }
  const algorithm = params.get('X-Amz-Algorithm')!;
  if (algorithm !== ALGORITHM) {
    return incomplete(algorithm === ALGORITHM_V4A
      ? `Trellis does not verify SigV4A (${ALGORITHM_V4A}) signatures; sign with ${ALGORITHM}.`
      : `X-Amz-Algorithm only supports "${ALGORITHM}".`);
  }
  let expires: number | undefined;
  const rawExpires = params.get('X-Amz-Expires');
  if (rawExpires !== undefined) {
    if (!/^\d{1,7}$/.test(rawExpires)) return incomplete('X-Amz-Expires should be a number');
    expires = Number(rawExpires);
    if (expires > 604800) return incomplete('X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds');
  }
  return claim('query', params.get('X-Amz-Credential')!, params.get('X-Amz-SignedHeaders')!, params.get('X-Amz-Signature')!,
    params.get('X-Amz-Date')!, params.get('X-Amz-Security-Token'), expires);
}

function claim(form: 'header' | 'query', credential: string, signedHeaders: string, signature: string, amzDate: string,
  sessionToken: string | undefined, expiresSeconds: number | undefined): ParsedSignature {
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((s) => s === '')) {
    return incomplete(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return incomplete(`Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  const names = signedHeaders.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  const [accessKeyId, scopeDate, region, service, terminator] = scope as [string, string, string, string, string];
  return {
    kind: 'claimed',
    claim: {
      form, accessKeyId, scopeDate, region, service, terminator, signedHeaders: names, signature, amzDate,
      ...(expiresSeconds !== undefined ? { expiresSeconds } : {}),
      ...(sessionToken !== undefined ? { sessionToken } : {}),
    },
  };
}

/** An HTTP `Date` header (`Sun, 30 Aug 2015 12:36:00 GMT`) in ISO basic form, if it parses. */
function fromHttpDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : isoBasic(ms);
}

/** `20150830T123600Z` of an instant. */
export function isoBasic(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The instant of `20150830T123600Z`, NaN when it does not parse. */
export function parseIsoBasic(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
