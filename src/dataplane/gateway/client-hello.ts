/**
 * A TLS ClientHello reader for TLS_PASSTHROUGH listeners (LATTICE.md §2.2): Lattice routes a
 * passthrough connection by the SNI of the client's first handshake message without
 * terminating TLS, so the gateway must read that name from the raw bytes itself and then
 * forward those same bytes, untouched, to the target.
 *
 * Only what routing needs is extracted (server name, ALPN offers, the legacy version); the
 * rest is walked for framing only. The reader never throws on input: any byte string is
 * `incomplete` (wait for more, up to the caller's bound), `invalid` (not a ClientHello —
 * close the connection) or `ok`. It reassembles a ClientHello that spans several handshake
 * records (RFC 8446 §5.1 allows fragmenting handshake messages across records).
 *
 * Formats (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2, RFC 6066 §3 server_name, RFC 7301 ALPN):
 *   record    = type(1)=22 version(2) length(2) fragment
 *   handshake = msg_type(1)=1 length(3) ClientHello
 *   ClientHello = legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
 *                 compression_methods<1..2^8-1> [extensions<0..2^16-1>]
 */

/** TLS record content type of handshake records. */
const HANDSHAKE_RECORD = 22;
/** Handshake message type of a ClientHello. */
const CLIENT_HELLO = 1;
/** Largest plaintext record fragment (RFC 8446 §5.1: 2^14). */
const MAX_FRAGMENT = 16_384;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const HOST_NAME = 0;

export interface ClientHello {
  readonly kind: 'ok';
  /** The SNI host name, lower case; undefined when the client sent no server_name extension. */
  readonly serverName: string | undefined;
  /** ALPN protocols offered, in the client's order (empty without the extension). */
  readonly alpn: readonly string[];
  /** ClientHello.legacy_version, e.g. 0x0303 (TLS 1.2, also what TLS 1.3 clients send). */
  readonly legacyVersion: number;
  /** Bytes of the records that carried the ClientHello (the rest of the buffer comes after). */
  readonly recordBytes: number;
}

export type ClientHelloResult =
  | ClientHello
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly reason: string };

const INCOMPLETE: ClientHelloResult = { kind: 'incomplete' };

function invalid(reason: string): ClientHelloResult {
  return { kind: 'invalid', reason };
}

/**
 * Reads the ClientHello at the start of `data` (the bytes a client sent first). Call again
 * with more bytes while it answers `incomplete`; bound the buffer yourself.
 */
export function parseClientHello(data: Uint8Array): ClientHelloResult {
  // Gather handshake bytes from consecutive handshake records until the message is whole.
  const fragments: Uint8Array[] = [];
  let have = 0;
  let need = -1;
  let at = 0;
  while (true) {
    if (data.length - at < 5) return INCOMPLETE;
    if (data[at] !== HANDSHAKE_RECORD) return invalid(at === 0 ? 'not a TLS handshake record' : 'a non-handshake record inside the ClientHello');
    if (data[at + 1] !== 3) return invalid('not a TLS record version');
    const len = (data[at + 3]! << 8) | data[at + 4]!;
    if (len === 0 || len > MAX_FRAGMENT) return invalid(`record length ${len}`);
    if (data.length - at - 5 < len) return INCOMPLETE;
    fragments.push(data.subarray(at + 5, at + 5 + len));
    have += len;
    at += 5 + len;
    if (need < 0 && have >= 4) {
      const head = concat(fragments, have);
      if (head[0] !== CLIENT_HELLO) return invalid('the first handshake message is not a ClientHello');
      need = 4 + ((head[1]! << 16) | (head[2]! << 8) | head[3]!);
      if (need > 4 + 0xffff + 1024) return invalid(`ClientHello length ${need - 4}`);
    }
    if (need >= 0 && have >= need) {
      const body = concat(fragments, have).subarray(4, need);
      return readBody(body, at);
    }
  }
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A bounds-checked cursor: every read past the end makes `ok` false and returns 0. */
class Cursor {
  ok = true;
  constructor(private readonly b: Uint8Array, public at = 0, private readonly end = b.length) {}

  get left(): number {
    return this.end - this.at;
  }

  u8(): number {
    if (this.at + 1 > this.end) return this.fail();
    return this.b[this.at++]!;
  }

  u16(): number {
    if (this.at + 2 > this.end) return this.fail();
    const v = (this.b[this.at]! << 8) | this.b[this.at + 1]!;
    this.at += 2;
    return v;
  }

  skip(n: number): void {
    if (this.at + n > this.end) this.fail();
    else this.at += n;
  }

  /** A sub-cursor over the next `n` bytes, which this cursor skips. */
  sub(n: number): Cursor {
    if (this.at + n > this.end) {
      this.fail();
      return new Cursor(this.b, this.end, this.end);
    }
    const c = new Cursor(this.b, this.at, this.at + n);
    this.at += n;
    return c;
  }

  bytes(n: number): Uint8Array {
    if (this.at + n > this.end) {
      this.fail();
      return new Uint8Array(0);
    }
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  private fail(): number {
    this.ok = false;
    this.at = this.end;
    return 0;
  }
}

function readBody(body: Uint8Array, recordBytes: number): ClientHelloResult {
  const c = new Cursor(body);
  const legacyVersion = c.u16();
  c.skip(32); // random
  const sessionIdLength = c.u8();
  if (sessionIdLength > 32) return invalid('session id over 32 bytes');
  c.skip(sessionIdLength);
  const suites = c.u16();
  if (c.ok && (suites < 2 || suites % 2 !== 0)) return invalid('bad cipher suites length');
  c.skip(suites);
  const compressions = c.u8();
  if (c.ok && compressions < 1) return invalid('no compression methods');
  c.skip(compressions);
  if (!c.ok) return invalid('truncated ClientHello');
  let serverName: string | undefined;
  let alpn: string[] = [];
  // TLS 1.2 allows a ClientHello without extensions (then: no SNI).
  if (c.left > 0) {
    const exts = c.sub(c.u16());
    if (!c.ok || c.left !== 0) return invalid('bad extensions length');
    const seen = new Set<number>();
    while (exts.left > 0) {
      const type = exts.u16();
      const data = exts.sub(exts.u16());
      if (!exts.ok) return invalid('truncated extension');
      if (seen.has(type)) return invalid(`extension ${type} repeated`);
      seen.add(type);
      if (type === EXT_SERVER_NAME) {
        const r = readServerName(data);
        if (typeof r !== 'string' && r !== undefined) return r;
        serverName = r;
      } else if (type === EXT_ALPN) {
        const r = readAlpn(data);
        if (!Array.isArray(r)) return r as ClientHelloResult;
        alpn = r;
      }
    }
  }
  return { kind: 'ok', serverName, alpn, legacyVersion, recordBytes };
}

/** server_name: a list of (type, name); the host_name entry is the SNI. */
function readServerName(c: Cursor): string | undefined | ClientHelloResult {
  const list = c.sub(c.u16());
  if (!c.ok || c.left !== 0) return invalid('bad server_name list length');
  let name: string | undefined;
  while (list.left > 0) {
    const type = list.u8();
    const bytes = list.bytes(list.u16());
    if (!list.ok) return invalid('truncated server_name entry');
    if (type !== HOST_NAME) continue;
    if (name !== undefined) return invalid('two host_name entries');
    if (bytes.length === 0 || bytes.length > 255) return invalid('bad host_name length');
    let s = '';
    for (const b of bytes) {
      // RFC 6066: ASCII host names only (IDNs arrive as A-labels); no NUL or controls.
      if (b <= 0x20 || b >= 0x7f) return invalid('host_name is not a printable ASCII name');
      s += String.fromCharCode(b >= 65 && b <= 90 ? b + 32 : b);
    }
    name = s;
  }
  return name;
}

function readAlpn(c: Cursor): string[] | ClientHelloResult {
  const list = c.sub(c.u16());
  if (!c.ok || c.left !== 0) return invalid('bad ALPN list length');
  const out: string[] = [];
  while (list.left > 0) {
    const p = list.bytes(list.u8());
    if (!list.ok || p.length === 0) return invalid('bad ALPN protocol');
    out.push(Buffer.from(p).toString('latin1'));
  }
  return out;
}
