/**
 * JSON values written as UTF-8 bytes straight into a Buffer, for record-bytes.ts: the
 * access log's line is encoded where it will be written from, with no intermediate string
 * (a template-literal line is a V8 rope that `Buffer.write` first flattens — one copy — and
 * then copies again). Every writer takes the target and a position and returns the position
 * after what it wrote; the caller has made sure there is room (see the bounds below).
 */

/** Text as its UTF-8 bytes (constant pieces and cached JSON forms; built once each). */
export function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** Pieces up to this long are copied by a loop; longer ones by `Uint8Array.prototype.set`. */
const SHORT = 8;

/**
 * Copies pre-encoded bytes (`"-"` here; record-bytes.ts copies its pieces with `set` inline).
 * Measured on the access-log line: a loop is as fast as `Uint8Array.prototype.set` up to
 * ~16 bytes, slower beyond (copying every piece by loop took 3.5× as long).
 */
export function put(buf: Uint8Array, p: number, bytes: Uint8Array): number {
  const n = bytes.length;
  if (n <= SHORT) {
    for (let i = 0; i < n; i++) buf[p + i] = bytes[i]!;
  } else {
    buf.set(bytes, p);
  }
  return p + n;
}

/** `"-"`: the value of every missing string field (and of a gRPC code that is not one). */
export const DASH = utf8('"-"');

/** Most bytes `putString` writes for a string of `length` UTF-16 units (`\u00XX` per unit, quotes). */
export function stringBound(length: number): number {
  return 6 * length + 2;
}

/**
 * A string unique to its request (request id, path, client port), as its JSON form: copied
 * char by char while it is printable ASCII without `"` or `\` (JSON writes those as they
 * are); at the first other character, the whole value is written again as
 * `JSON.stringify(v)` in UTF-8 — its escaping turns a lone surrogate into `\udXXX`, so a
 * line is always well-formed UTF-8. Undefined (a caller that bypassed recordFor) is `"-"`.
 * At most `stringBound(v.length)` bytes.
 */
export function putString(buf: Buffer, p: number, v: string | undefined): number {
  if (v === undefined) return put(buf, p, DASH);
  const n = v.length;
  buf[p] = 0x22;
  const q = p + 1;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return p + buf.write(JSON.stringify(v), p, 'utf8');
    buf[q + i] = c;
  }
  buf[q + n] = 0x22;
  return q + n + 1;
}

/** Most bytes `putNumber` writes: `String(n)` of any double is at most 24 characters. */
export const NUMBER_BOUND = 24;

/**
 * A JSON number: a non-negative integer below 2^31 (status codes, byte counts, durations —
 * nearly every value) as digits by an integer loop; any other finite number as `String(n)`
 * (JSON's own form); a non-finite one as 0, so the line stays valid JSON. `-0` is `0`, as
 * in JSON.stringify. Not a number (the gRPC code's '-'): `"-"`.
 */
export function putNumber(buf: Buffer, p: number, v: number | string | undefined): number {
  if (typeof v !== 'number') return put(buf, p, DASH);
  if (v >= 0 && v <= 0x7fffffff && (v | 0) === v) {
    let len = 1;
    for (let t = v; t >= 10; t = (t / 10) | 0) len++;
    let x = v | 0;
    for (let i = p + len - 1; i >= p; i--) {
      const q = (x / 10) | 0;
      buf[i] = 0x30 + x - q * 10;
      x = q;
    }
    return p + len;
  }
  if (!Number.isFinite(v)) {
    buf[p] = 0x30;
    return p + 1;
  }
  return p + buf.write(String(v), p, 'latin1');
}
