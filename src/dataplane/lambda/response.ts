/**
 * A Lambda function's answer mapped back to HTTP (LATTICE.md §4 "Response"): `statusCode`,
 * `headers`, `body`, `isBase64Encoded`. Anything that cannot be mapped is a 502
 * (LATTICE.md §10 #13), named by the `failureReason` the access log records.
 *
 * Choices: `statusCode` is required (an integer 200–599: a function cannot send an
 * informational answer); `headers` and `isBase64Encoded` may be left out (read as `{}` and
 * false) although the guide says "must include", since no client could tell the difference;
 * header values may be strings, numbers, booleans or lists of them (a list is several header
 * lines: the guide's "headers with multiple values"), and ALB's `multiValueHeaders` is read
 * the same way; hop-by-hop headers and `Content-Length` are dropped, the length is computed.
 */

/** 6 MB: Lambda's synchronous payload limit, both ways. */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;

export interface MappedResponse {
  readonly ok: true;
  readonly statusCode: number;
  /** Flat name/value list, Content-Length included. */
  readonly headers: readonly string[];
  readonly body: Buffer;
}

export interface UnmappableResponse {
  readonly ok: false;
  readonly reason: 'LambdaResponseTooLarge' | 'LambdaInvalidResponse';
  readonly detail: string;
}

const DROPPED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers',
  'transfer-encoding', 'upgrade', 'content-length', 'x-amzn-requestid',
]);
/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Field values: visible characters, spaces and tabs (no CR, LF or NUL). */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function invalid(detail: string): UnmappableResponse {
  return { ok: false, reason: 'LambdaInvalidResponse', detail };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalar(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** Appends one header map's lines to `out`; a message when a name or value cannot be sent. */
function addHeaders(map: unknown, field: string, out: string[]): string | undefined {
  if (map === undefined || map === null) return undefined;
  if (!isRecord(map)) return `${field} is not an object`;
  for (const name of Object.keys(map)) {
    if (!TOKEN.test(name)) return `${field} has an invalid header name`;
    if (DROPPED.has(name.toLowerCase())) continue;
    const raw = map[name];
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      const s = scalar(v);
      if (s === undefined || !VALUE.test(s)) return `${field}.${name} is not a header value`;
      out.push(name, s);
    }
  }
  return undefined;
}

/** Maps the function's JSON payload (as the invoker received it) to a response, or says why not. */
export function mapLambdaResponse(payload: string): MappedResponse | UnmappableResponse {
  if (Buffer.byteLength(payload) > LAMBDA_PAYLOAD_LIMIT) {
    return { ok: false, reason: 'LambdaResponseTooLarge', detail: 'the function response is over 6 MB' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return invalid('the function response is not JSON');
  }
  if (!isRecord(parsed)) return invalid('the function response is not a JSON object');
  const status = parsed['statusCode'];
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    return invalid('statusCode is missing or not an HTTP status (200–599)');
  }
  const b64 = parsed['isBase64Encoded'];
  if (b64 !== undefined && b64 !== null && typeof b64 !== 'boolean') return invalid('isBase64Encoded is not a boolean');
  const rawBody = parsed['body'];
  if (rawBody !== undefined && rawBody !== null && typeof rawBody !== 'string') return invalid('body is not a string');
  const text = typeof rawBody === 'string' ? rawBody : '';
  const body = b64 === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  const headers: string[] = [];
  const problem = addHeaders(parsed['headers'], 'headers', headers) ?? addHeaders(parsed['multiValueHeaders'], 'multiValueHeaders', headers);
  if (problem !== undefined) return invalid(problem);
  headers.push('content-length', String(body.length));
  return { ok: true, statusCode: status, headers, body };
}
