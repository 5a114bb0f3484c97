/**
 * HTTP/1.1 message heads (RFC 9112 §2–§6), parsed from a latin1 string that holds
 * everything before the blank line: the request or status line and the header lines,
 * separated by CRLF. Strict on purpose, because a proxy that reads a message differently
 * from the server behind it is how requests get smuggled (RFC 9112 §6.3, §11.2):
 *
 * - every line ends in CRLF; a bare CR or LF inside a line, a NUL or another control
 *   character in a value, an obs-fold continuation line, a header name that is not a token
 *   or has white space before the colon → error;
 * - Content-Length must be digits; repeated (as headers or a comma list) it must repeat the
 *   same value;
 * - in a request, Transfer-Encoding must be exactly `chunked`, and never with
 *   Content-Length (RFC 9112 §6.1: "ought to be handled as an error").
 *
 * Header names and values are kept as received (values without their surrounding white
 * space), as a flat `[name, value, …]` list: what node:http calls `rawHeaders`.
 */

/** A head that cannot be read: `code` names the rule (HPE_* as node's llhttp does). */
export class HttpParseError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'HttpParseError';
  }
}

/** RFC 9110 §5.6.2 tchar (shared with response-head.ts, the byte-level reader). */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) { TCHAR[c] = 1; TCHAR[c + 32] = 1; }

/** RFC 9110 §5.5 field-vchar, SP and HTAB (obs-text allowed). */
export const VCHAR = new Uint8Array(256);
VCHAR[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) VCHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) VCHAR[c] = 1;

/** What the framing and connection-management headers said (both directions). */
export interface Framing {
  /** -1 when absent. */
  contentLength: number;
  /** Transfer-Encoding's codings, lower case, comma-joined; '' when absent. */
  transferEncoding: string;
  /** Tokens of Connection, lower case, comma-joined; '' when absent. */
  connection: string;
  expectContinue: boolean;
}

export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  readonly rawHeaders: string[];
  /** -1: none (and not chunked). */
  readonly contentLength: number;
  readonly chunked: boolean;
  /** Whether the connection may carry another request after this one. */
  readonly keepAlive: boolean;
  readonly expectContinue: boolean;
}

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly version: '1.0' | '1.1';
  readonly rawHeaders: string[];
  readonly contentLength: number;
  readonly chunked: boolean;
  /** The target will not take another request on this connection. */
  readonly close: boolean;
}

/** Reads a request head (everything before the CRLFCRLF, leading empty lines removed). */
export function parseRequestHead(head: string): RequestHead {
  let eol = head.indexOf('\r\n');
  if (eol < 0) eol = head.length;
  const line = head.slice(0, eol);
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) throw new HttpParseError('HPE_INVALID_CONSTANT', 'malformed request line');
  const method = line.slice(0, sp1);
  for (let i = 0; i < sp1; i++) if (TCHAR[line.charCodeAt(i)] === 0) throw new HttpParseError('HPE_INVALID_METHOD', 'invalid method');
  if (sp2 === sp1 + 1) throw new HttpParseError('HPE_INVALID_URL', 'empty request target');
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = line.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) throw new HttpParseError('HPE_INVALID_URL', 'invalid character in the request target');
  }
  const version = versionOf(line, sp2 + 1, line.length);
  if (version === undefined) throw new HttpParseError('HPE_INVALID_VERSION', 'unsupported HTTP version');
  const rawHeaders: string[] = [];
  const f: Framing = { contentLength: -1, transferEncoding: '', connection: '', expectContinue: false };
  parseHeaderLines(head, eol, rawHeaders, f);
  let chunked = false;
  if (f.transferEncoding !== '') {
    if (f.contentLength >= 0) throw new HttpParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'both Content-Length and Transfer-Encoding');
    if (f.transferEncoding !== 'chunked') throw new HttpParseError('HPE_INVALID_TRANSFER_ENCODING', 'Transfer-Encoding other than chunked');
    chunked = true;
  }
  const keepAlive = version === '1.1' ? !hasToken(f.connection, 'close') : hasToken(f.connection, 'keep-alive');
  return {
    method, target: line.slice(sp1 + 1, sp2), version, rawHeaders, contentLength: f.contentLength, chunked, keepAlive,
    expectContinue: f.expectContinue,
  };
}

/**
 * Reads a response head (status line and headers) from its string. The definition the
 * HTTP/1.1 pool's byte reader (response-head.ts) is held to by a differential test; the pool
 * itself reads heads in place.
 */
export function parseResponseHead(head: string): ResponseHead {
  let eol = head.indexOf('\r\n');
  if (eol < 0) eol = head.length;
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (eol < 12 || head.charCodeAt(8) !== 0x20 || head.charCodeAt(12) !== 0x20 && eol !== 12) {
    throw new HttpParseError('HPE_INVALID_CONSTANT', 'malformed status line');
  }
  const version = versionOf(head, 0, 8);
  if (version === undefined) throw new HttpParseError('HPE_INVALID_VERSION', 'unsupported HTTP version');
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const d = head.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) throw new HttpParseError('HPE_INVALID_STATUS', 'invalid status code');
    status = status * 10 + d;
  }
  if (status < 100) throw new HttpParseError('HPE_INVALID_STATUS', 'invalid status code');
  const reason = eol > 13 ? head.slice(13, eol) : '';
  for (let i = 0; i < reason.length; i++) if (VCHAR[reason.charCodeAt(i)] === 0) throw new HttpParseError('HPE_INVALID_STATUS', 'invalid reason phrase');
  const rawHeaders: string[] = [];
  const f: Framing = { contentLength: -1, transferEncoding: '', connection: '', expectContinue: false };
  parseHeaderLines(head, eol, rawHeaders, f);
  const body = responseBody(version, f);
  return { status, reason, version, rawHeaders, contentLength: f.contentLength, chunked: (body & BODY_CHUNKED) !== 0, close: (body & BODY_CLOSE) !== 0 };
}

/** responseBody's bits: the body is chunked; the connection closes after the response. */
export const BODY_CHUNKED = 1;
export const BODY_CLOSE = 2;

/**
 * How a response's body is framed and whether its connection can be reused, from its
 * version and framing headers (RFC 9112 §6.3, §9.3); throws on Content-Length with
 * Transfer-Encoding. Shared by both response readers (this string one, response-head.ts's
 * byte one). Bits, not an object: called once per proxied response.
 */
export function responseBody(version: '1.0' | '1.1', f: Framing): number {
  let chunked = false;
  let close = version === '1.1' ? hasToken(f.connection, 'close') : !hasToken(f.connection, 'keep-alive');
  if (f.transferEncoding !== '') {
    if (f.contentLength >= 0) throw new HttpParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'both Content-Length and Transfer-Encoding');
    // RFC 9112 §6.3 (4): chunked last → chunked; otherwise the body runs to the close.
    if (f.transferEncoding === 'chunked' || f.transferEncoding.endsWith(',chunked')) chunked = f.transferEncoding === 'chunked';
    if (!chunked) close = true;
  }
  return (chunked ? BODY_CHUNKED : 0) | (close ? BODY_CLOSE : 0);
}

/** `HTTP/1.1` / `HTTP/1.0` at [from, to), else undefined. */
function versionOf(s: string, from: number, to: number): '1.0' | '1.1' | undefined {
  if (to - from !== 8 || !s.startsWith('HTTP/1.', from)) return undefined;
  const minor = s.charCodeAt(from + 7);
  return minor === 0x31 ? '1.1' : minor === 0x30 ? '1.0' : undefined;
}

/** Parses the header lines after the first line (which ends at `eol`) into `out`. */
function parseHeaderLines(head: string, eol: number, out: string[], f: Framing): void {
  let pos = eol + 2;
  const end = head.length;
  while (pos < end) {
    let next = head.indexOf('\r\n', pos);
    if (next < 0) next = end;
    const colon = head.indexOf(':', pos);
    if (colon <= pos || colon >= next) {
      const c = head.charCodeAt(pos);
      if (c === 0x20 || c === 0x09) throw new HttpParseError('HPE_INVALID_HEADER_TOKEN', 'obsolete line folding');
      throw new HttpParseError('HPE_INVALID_HEADER_TOKEN', 'header line without a name and colon');
    }
    for (let i = pos; i < colon; i++) {
      if (TCHAR[head.charCodeAt(i)] === 0) throw new HttpParseError('HPE_INVALID_HEADER_TOKEN', 'invalid character in a header name');
    }
    let vs = colon + 1;
    let ve = next;
    while (vs < ve && (head.charCodeAt(vs) === 0x20 || head.charCodeAt(vs) === 0x09)) vs++;
    while (ve > vs && (head.charCodeAt(ve - 1) === 0x20 || head.charCodeAt(ve - 1) === 0x09)) ve--;
    for (let i = vs; i < ve; i++) {
      if (VCHAR[head.charCodeAt(i)] === 0) throw new HttpParseError('HPE_INVALID_HEADER_TOKEN', 'invalid character in a header value');
    }
    const name = head.slice(pos, colon);
    const value = head.slice(vs, ve);
    out.push(name, value);
    const n = name.length;
    if (n === 14 || n === 17 || n === 10 || n === 6) noteFraming(name.toLowerCase(), value, f);
    pos = next + 2;
  }
}

/** Folds one framing header (`lower` = its lower-case name) into `f`; throws on a bad value. */
export function noteFraming(lower: string, value: string, f: Framing): void {
  switch (lower) {
    case 'content-length': {
      // The common case, one plain number, without split and regex.
      if (value.length > 0 && value.length <= 15 && isDigits(value)) {
        const n = Number(value);
        if (f.contentLength >= 0 && f.contentLength !== n) throw new HttpParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'differing Content-Length values');
        f.contentLength = n;
        return;
      }
      for (const part of value.split(',')) {
        const v = part.trim();
        if (v === '' || v.length > 15 || !/^[0-9]+$/.test(v)) throw new HttpParseError('HPE_INVALID_CONTENT_LENGTH', 'invalid Content-Length');
        const n = Number(v);
        if (f.contentLength >= 0 && f.contentLength !== n) throw new HttpParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'differing Content-Length values');
        f.contentLength = n;
      }
      return;
    }
    case 'transfer-encoding': {
      const codings = value.toLowerCase().split(',').map((t) => t.trim()).filter((t) => t !== '').join(',');
      f.transferEncoding = f.transferEncoding === '' ? codings : `${f.transferEncoding},${codings}`;
      if (f.transferEncoding === '') f.transferEncoding = ',';
      return;
    }
    case 'connection':
      f.connection = f.connection === '' ? value.toLowerCase() : `${f.connection},${value.toLowerCase()}`;
      return;
    case 'expect':
      if (value.toLowerCase() === '100-continue') f.expectContinue = true;
      return;
  }
}

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Whether a comma list of lower-case tokens holds `token`. */
export function hasToken(list: string, token: string): boolean {
  if (list === token) return true;
  // One token (`keep-alive` from nearly every target): no split.
  if (list === '' || list.indexOf(',') < 0 && list.indexOf(' ') < 0 && list.indexOf('\t') < 0) return false;
  for (const t of list.split(',')) if (t.trim() === token) return true;
  return false;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** Heads longer than this are searched by Buffer#indexOf (C++), shorter ones by a JS scan. */
const SCAN_MAX = 1024;

/**
 * Where the blank line that ends a head (CRLFCRLF) starts in `buf`, searching from `from`;
 * -1 when it has not arrived. A proxied head is ~50–300 bytes: scanning them in JS costs
 * less than `Buffer#indexOf`'s argument checks and trip into C++; beyond SCAN_MAX bytes the
 * native search takes over.
 */
export function headEnd(buf: Buffer, from: number): number {
  const last = buf.length - 3;
  const stop = Math.min(last, from + SCAN_MAX);
  for (let i = from; i < stop; i++) {
    if (buf[i + 3] === 0x0a && buf[i] === 0x0d && buf[i + 1] === 0x0a && buf[i + 2] === 0x0d) return i;
  }
  return stop < last ? buf.indexOf(CRLFCRLF, stop) : -1;
}

type Latin1Sliceable = Buffer & { latin1Slice?(start: number, end: number): string };
/**
 * `buf[start..end)` as a latin1 string. Node's Buffer has a direct `latin1Slice` (what
 * `toString('latin1')` ends in, minus the encoding lookup); typings do not list it.
 */
export function latin1(buf: Buffer, start: number, end: number): string {
  const b = buf as Latin1Sliceable;
  return b.latin1Slice !== undefined ? b.latin1Slice(start, end) : buf.toString('latin1', start, end);
}
