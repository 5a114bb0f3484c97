import { BODY_CHUNKED, BODY_CLOSE, type Framing, HttpParseError, latin1, noteFraming, responseBody, TCHAR, VCHAR } from './head.js';

/**
 * A target's response head read straight from the socket's bytes: the HTTP/1.1 pool
 * validates every head this way and records spans into a scratch object it keeps per
 * connection, so a proxied response costs one scan of the head and no string per header.
 * The gateway's response (Http1Response.writeHeadBytes) then copies the kept header lines
 * as bytes, usually in one to three contiguous runs; handlers that want undici's header
 * list get `rawHeaders()`.
 *
 * The rules are exactly `parseResponseHead`'s (head.ts: same checks, same `HttpParseError`
 * codes, same framing and close decisions); response-head.test.ts holds the two side by side
 * over generated and fuzzed heads. Rare values (a Content-Length list, a Connection other
 * than `keep-alive` / `close`, a coding other than `chunked`) are handed to head.ts's own
 * string code, so the two cannot drift where they are subtle.
 *
 * Header lines the proxy does not forward are flagged: hop-by-hop (connection, keep-alive,
 * proxy-connection, te, trailer, transfer-encoding, upgrade) and the target's
 * x-amzn-requestid, which gives way to the request's (gateway/headers.ts drops the same set
 * from string lists).
 */

/** Per header line in `lines`: name start, colon, value start, value end. */
const LINE_INTS = 4;
const EMPTY = Buffer.alloc(0);

/**
 * What `readResponseHead` found. One object per upstream connection, overwritten by each
 * response: valid only until the handler's `onResponseHead` returns (its spans point into
 * the socket's read buffer, which is let go afterwards).
 */
export class ResponseHeadBytes {
  /** The bytes the spans point into; the head is `[start, end)`, followed by CRLFCRLF. */
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  status = 0;
  version: '1.0' | '1.1' = '1.1';
  /** The reason phrase's span (empty when none). */
  reasonStart = 0;
  reasonEnd = 0;
  /** -1 when absent (and not chunked). */
  contentLength = -1;
  chunked = false;
  /** The target will not take another request on this connection. */
  close = false;
  /** A `date` header is among the (kept) lines. */
  hasDate = false;
  /** Header lines read. */
  count = 0;
  /** Sum of name + value + 4 over every header line, as gateway/headers.ts counts for the access log. */
  headerBytes = 0;
  /** Spans of the header lines (LINE_INTS per line). */
  lines = new Int32Array(32 * LINE_INTS);
  /** Runs of kept lines, each with its CRLF: [from, to) pairs into `buf`, or [~line, 0] for a line to rewrite (see addLine). */
  runs = new Int32Array(16);
  runCount = 0;
  /** Sum of the runs' lengths. */
  keptBytes = 0;
  /** Scratch framing for head.ts's `noteFraming`. */
  readonly framing: Framing = { contentLength: -1, transferEncoding: '', connection: '', expectContinue: false };

  /** The reason phrase as a string (tests, the materialised path). */
  reason(): string {
    return this.reasonEnd > this.reasonStart ? latin1(this.buf, this.reasonStart, this.reasonEnd) : '';
  }

  /** Every header as a flat `[name, value, …]` list, as `parseResponseHead` gives `rawHeaders`. */
  rawHeaders(): string[] {
    const out: string[] = [];
    const l = this.lines;
    for (let i = 0; i < this.count; i++) {
      const o = i * LINE_INTS;
      out.push(latin1(this.buf, l[o]!, l[o + 1]!), latin1(this.buf, l[o + 2]!, l[o + 3]!));
    }
    return out;
  }

  /** Lets go of the read buffer (the scratch object outlives the response). */
  release(): void {
    this.buf = EMPTY;
  }

  /** Room for more lines (grown by doubling; kept for the connection's life). */
  private grow(): void {
    const lines = new Int32Array(this.lines.length * 2);
    lines.set(this.lines);
    this.lines = lines;
  }

  /**
   * Records one header line (internal to readResponseHead). A kept line in the form the
   * engine writes (`name: value`, one SP, no trailing white space) joins the current run;
   * another is rewritten in that form by `copyKept` (a run entry `[~line, 0]`), so the bytes
   * on the wire are what `writeHead` writes from the string list.
   */
  addLine(nameStart: number, colon: number, vs: number, ve: number, lineEnd: number, drop: boolean, canonical: boolean): void {
    const i = this.count;
    if ((i + 1) * LINE_INTS > this.lines.length) this.grow();
    const o = i * LINE_INTS;
    const l = this.lines;
    l[o] = nameStart; l[o + 1] = colon; l[o + 2] = vs; l[o + 3] = ve;
    this.count = i + 1;
    this.headerBytes += colon - nameStart + ve - vs + 4;
    if (drop) return;
    const r = this.runCount;
    const to = lineEnd + 2;
    if (canonical) {
      this.keptBytes += to - nameStart;
      if (r > 0 && this.runs[2 * r - 2]! >= 0 && this.runs[2 * r - 1] === nameStart) { this.runs[2 * r - 1] = to; return; }
    } else {
      this.keptBytes += colon - nameStart + ve - vs + 4;
    }
    if (2 * r === this.runs.length) {
      const runs = new Int32Array(this.runs.length * 2);
      runs.set(this.runs);
      this.runs = runs;
    }
    this.runs[2 * r] = canonical ? nameStart : ~i;
    this.runs[2 * r + 1] = canonical ? to : 0;
    this.runCount = r + 1;
  }

  /** Copies the kept lines (each with its CRLF, `keptBytes` in all) into `out` at `at`; returns the bytes written. */
  copyKept(out: Buffer, at: number): number {
    const from = at;
    const src = this.buf;
    const runs = this.runs;
    for (let r = 0; r < this.runCount; r++) {
      const a = runs[2 * r]!;
      if (a >= 0) { at += src.copy(out, at, a, runs[2 * r + 1]!); continue; }
      const o = ~a * LINE_INTS;
      const l = this.lines;
      at += src.copy(out, at, l[o]!, l[o + 1]!);
      out[at++] = 0x3a;
      out[at++] = 0x20;
      at += src.copy(out, at, l[o + 2]!, l[o + 3]!);
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    }
    return at - from;
  }
}

/**
 * Response headers a proxy does not pass on: hop-by-hop (RFC 9110 §7.6.1; the engine frames
 * the response itself) and the target's x-amzn-requestid, which gives way to the request's.
 * The one list: gateway/headers.ts drops the same names from string lists.
 */
export const RESPONSE_HEADERS_NOT_FORWARDED: readonly string[] = [
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'x-amzn-requestid',
];

const lower = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const CONTENT_LENGTH = lower('content-length');
const TRANSFER_ENCODING = lower('transfer-encoding');
const CONNECTION = lower('connection');
const KEEP_ALIVE = lower('keep-alive');
const DATE = lower('date');
const CHUNKED = lower('chunked');
const CLOSE = lower('close');
/** RESPONSE_HEADERS_NOT_FORWARDED as bytes, by name length. */
const DROPPED_BY_LENGTH: (Uint8Array[] | undefined)[] = [];
for (const name of RESPONSE_HEADERS_NOT_FORWARDED) (DROPPED_BY_LENGTH[name.length] ??= []).push(lower(name));

/**
 * Whether `buf[from, from + lit.length)` equals the lower-case ASCII `lit`, ignoring case.
 * Only for tchar names and field values: `| 0x20` maps no other byte of those onto a letter
 * or `-` (0x0D would become `-`, and neither holds a CR).
 */
function eqLower(buf: Buffer, from: number, len: number, lit: Uint8Array): boolean {
  if (len !== lit.length) return false;
  for (let i = 0; i < len; i++) if ((buf[from + i]! | 0x20) !== lit[i]) return false;
  return true;
}

/** The name kinds the reader cares about. */
const OTHER = 0;
const DROP = 1;
const N_DATE = 2;
const N_CONTENT_LENGTH = 3;
const N_TRANSFER_ENCODING = 4;
const N_CONNECTION = 5;

/** What a header name is to the proxy, by length first (most names match no length). */
function kindOf(buf: Buffer, from: number, len: number): number {
  switch (len) {
    case 4: if (eqLower(buf, from, len, DATE)) return N_DATE; break;
    case 10: if (eqLower(buf, from, len, CONNECTION)) return N_CONNECTION; break;
    case 14: if (eqLower(buf, from, len, CONTENT_LENGTH)) return N_CONTENT_LENGTH; break;
    case 17: if (eqLower(buf, from, len, TRANSFER_ENCODING)) return N_TRANSFER_ENCODING; break;
  }
  const dropped = DROPPED_BY_LENGTH[len];
  if (dropped !== undefined) for (const name of dropped) if (eqLower(buf, from, len, name)) return DROP;
  return OTHER;
}

/**
 * Validates the response head `buf[start, end)` (status line and header lines, `end` at the
 * CRLFCRLF that closes it, which must follow in `buf`) and records it into `into`. Throws
 * `HttpParseError` where `parseResponseHead(latin1(buf, start, end))` would, with its code.
 */
export function readResponseHead(buf: Buffer, start: number, end: number, into: ResponseHeadBytes): void {
  into.buf = buf;
  into.start = start;
  into.end = end;
  into.count = 0;
  into.runCount = 0;
  into.keptBytes = 0;
  into.headerBytes = 0;
  into.hasDate = false;
  const f = into.framing;
  f.contentLength = -1;
  f.transferEncoding = '';
  f.connection = '';
  // The status line ends at the head's first CRLF.
  let eol = start;
  while (eol < end && !(buf[eol] === 0x0d && eol + 1 < end && buf[eol + 1] === 0x0a)) eol++;
  const len = eol - start;
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (len < 12 || buf[start + 8] !== 0x20 || buf[start + 12] !== 0x20 && len !== 12) {
    throw new HttpParseError('HPE_INVALID_CONSTANT', 'malformed status line');
  }
  const minor = buf[start + 7];
  if (buf[start] !== 0x48 || buf[start + 1] !== 0x54 || buf[start + 2] !== 0x54 || buf[start + 3] !== 0x50 || buf[start + 4] !== 0x2f
    || buf[start + 5] !== 0x31 || buf[start + 6] !== 0x2e || minor !== 0x31 && minor !== 0x30) {
    throw new HttpParseError('HPE_INVALID_VERSION', 'unsupported HTTP version');
  }
  const version = minor === 0x31 ? '1.1' : '1.0';
  let status = 0;
  for (let i = start + 9; i < start + 12; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) throw new HttpParseError('HPE_INVALID_STATUS', 'invalid status code');
    status = status * 10 + d;
  }
  if (status < 100) throw new HttpParseError('HPE_INVALID_STATUS', 'invalid status code');
  const reasonStart = len > 13 ? start + 13 : eol;
  for (let i = reasonStart; i < eol; i++) if (VCHAR[buf[i]!] === 0) throw new HttpParseError('HPE_INVALID_STATUS', 'invalid reason phrase');
  into.status = status;
  into.version = version;
  into.reasonStart = reasonStart;
  into.reasonEnd = eol;

  let pos = eol + 2;
  while (pos < end) {
    // The name: tchars up to the colon.
    let colon = pos;
    while (colon < end && TCHAR[buf[colon]!] === 1) colon++;
    if (colon === end || buf[colon] !== 0x3a || colon === pos) throw nameError(buf, pos, end);
    // The value: field-vchars, SP and HTAB up to the CRLF.
    let next = colon + 1;
    for (; next < end; next++) {
      const c = buf[next]!;
      if (VCHAR[c] === 1) continue;
      if (c === 0x0d && next + 1 < end && buf[next + 1] === 0x0a) break;
      throw new HttpParseError('HPE_INVALID_HEADER_TOKEN', 'invalid character in a header value');
    }
    let vs = colon + 1;
    let ve = next;
    while (vs < ve && (buf[vs] === 0x20 || buf[vs] === 0x09)) vs++;
    while (ve > vs && (buf[ve - 1] === 0x20 || buf[ve - 1] === 0x09)) ve--;
    const kind = kindOf(buf, pos, colon - pos);
    if (kind >= N_CONTENT_LENGTH) noteFramingBytes(kind, buf, vs, ve, f);
    else if (kind === N_DATE) into.hasDate = true;
    const canonical = vs === colon + 2 && buf[colon + 1] === 0x20 && ve === next;
    into.addLine(pos, colon, vs, ve, next, kind === DROP || kind === N_CONNECTION || kind === N_TRANSFER_ENCODING, canonical);
    pos = next + 2;
  }

  const body = responseBody(version, f);
  into.contentLength = f.contentLength;
  into.chunked = (body & BODY_CHUNKED) !== 0;
  into.close = (body & BODY_CLOSE) !== 0;
}

/** The error of a line whose name part is not `token ":"`, with head.ts's message. */
function nameError(buf: Buffer, pos: number, end: number): HttpParseError {
  let colon = pos;
  while (colon < end && buf[colon] !== 0x3a && !(buf[colon] === 0x0d && colon + 1 < end && buf[colon + 1] === 0x0a)) colon++;
  if (colon < end && buf[colon] === 0x3a && colon > pos) return new HttpParseError('HPE_INVALID_HEADER_TOKEN', 'invalid character in a header name');
  const c = buf[pos];
  if (c === 0x20 || c === 0x09) return new HttpParseError('HPE_INVALID_HEADER_TOKEN', 'obsolete line folding');
  return new HttpParseError('HPE_INVALID_HEADER_TOKEN', 'header line without a name and colon');
}

/**
 * A framing header's value, in bytes for the forms nearly every target sends (one plain
 * length, `chunked`, `keep-alive`, `close`); anything else as a string through head.ts's
 * `noteFraming`, so the rules stay one.
 */
function noteFramingBytes(kind: number, buf: Buffer, vs: number, ve: number, f: Framing): void {
  const n = ve - vs;
  if (kind === N_CONTENT_LENGTH) {
    if (n > 0 && n <= 15) {
      let v = 0;
      let i = vs;
      for (; i < ve; i++) {
        const d = buf[i]! - 0x30;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i === ve) {
        if (f.contentLength >= 0 && f.contentLength !== v) throw new HttpParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'differing Content-Length values');
        f.contentLength = v;
        return;
      }
    }
    noteFraming('content-length', latin1(buf, vs, ve), f);
  } else if (kind === N_TRANSFER_ENCODING) {
    if (eqLower(buf, vs, n, CHUNKED)) f.transferEncoding = f.transferEncoding === '' ? 'chunked' : `${f.transferEncoding},chunked`;
    else noteFraming('transfer-encoding', latin1(buf, vs, ve), f);
  } else {
    const v = eqLower(buf, vs, n, KEEP_ALIVE) ? 'keep-alive' : eqLower(buf, vs, n, CLOSE) ? 'close' : latin1(buf, vs, ve).toLowerCase();
    f.connection = f.connection === '' ? v : `${f.connection},${v}`;
  }
}
