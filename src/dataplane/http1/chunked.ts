import { HttpParseError, latin1 } from './head.js';

/**
 * The chunked transfer coding (RFC 9112 §7.1), decoded incrementally: bytes arrive in
 * whatever pieces the socket gives, and a piece may end inside a size line, inside data,
 * between data and its CRLF, or inside the trailers. Data is handed out as subarrays of
 * the input (no copies). Chunk extensions are skipped; trailer fields are kept as a flat
 * [name, value, …] list. Sizes over 2^48 and size lines or trailers over 16 KB are errors
 * (a peer cannot make us buffer without bound).
 */

const SIZE = 0;
const SIZE_LF = 1;
const DATA = 2;
const DATA_CR = 3;
const DATA_LF = 4;
const TRAILER = 5;
const DONE = 6;

const MAX_LINE = 16 * 1024;

export class ChunkedDecoder {
  private state = SIZE;
  private size = 0;
  private digits = 0;
  private inExtension = false;
  private remaining = 0;
  private line = '';
  private lineBytes = 0;
  /** Trailer fields, once done (empty list when none). */
  readonly trailers: string[] = [];

  get done(): boolean {
    return this.state === DONE;
  }

  /**
   * Decodes `buf[from..]`: calls `onData` with each piece of chunk data; returns the index
   * just after the message's last byte once it ends, or `buf.length` when it needs more.
   * `onData` returning false stops early: the return value is then where to continue.
   */
  decode(buf: Buffer, from: number, onData: (piece: Buffer) => boolean | void): number {
    let i = from;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case SIZE: {
          const c = buf[i]!;
          i++;
          if (c === 0x0d) { this.state = SIZE_LF; break; }
          if (this.inExtension) {
            if (++this.lineBytes > MAX_LINE) throw chunkError('chunk extension too long');
            if (c === 0x0a) throw chunkError('bare LF in a chunk size line');
            break;
          }
          const d = hexValue(c);
          if (d >= 0) {
            if (++this.digits > 12) throw chunkError('chunk size too large');
            this.size = this.size * 16 + d;
          } else if ((c === 0x3b || c === 0x20 || c === 0x09) && this.digits > 0) {
            this.inExtension = true;
          } else {
            throw chunkError('invalid chunk size');
          }
          break;
        }
        case SIZE_LF: {
          if (buf[i] !== 0x0a) throw chunkError('chunk size line without CRLF');
          i++;
          if (this.digits === 0) throw chunkError('empty chunk size');
          this.digits = 0;
          this.inExtension = false;
          this.lineBytes = 0;
          if (this.size === 0) {
            this.state = TRAILER;
          } else {
            this.remaining = this.size;
            this.size = 0;
            this.state = DATA;
          }
          break;
        }
        case DATA: {
          const take = Math.min(this.remaining, n - i);
          const piece = buf.subarray(i, i + take);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = DATA_CR;
          if (onData(piece) === false) return i;
          break;
        }
        case DATA_CR:
          if (buf[i] !== 0x0d) throw chunkError('chunk data not followed by CRLF');
          i++;
          this.state = DATA_LF;
          break;
        case DATA_LF:
          if (buf[i] !== 0x0a) throw chunkError('chunk data not followed by CRLF');
          i++;
          this.state = SIZE;
          break;
        case TRAILER: {
          const lf = buf.indexOf(0x0a, i);
          const end = lf < 0 ? n : lf + 1;
          this.lineBytes += end - i;
          if (this.lineBytes > MAX_LINE) throw chunkError('trailers too long');
          this.line += latin1(buf, i, end);
          i = end;
          if (lf < 0) break;
          if (this.line.length < 2 || this.line.charCodeAt(this.line.length - 2) !== 0x0d) throw chunkError('bare LF in trailers');
          const text = this.line.slice(0, -2);
          this.line = '';
          if (text === '') { this.state = DONE; return i; }
          const colon = text.indexOf(':');
          if (colon <= 0 || /[\r\n\0]/.test(text)) throw chunkError('malformed trailer field');
          this.trailers.push(text.slice(0, colon), text.slice(colon + 1).trim());
          break;
        }
        default:
          return i;
      }
    }
    return i;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

function chunkError(message: string): HttpParseError {
  return new HttpParseError('HPE_INVALID_CHUNK_SIZE', message);
}

/** The size line of one chunk of `length` bytes (encoding side). */
export function chunkHeader(length: number): string {
  return length.toString(16) + '\r\n';
}

/** The last chunk and the trailers, ending a chunked body. */
export function lastChunk(trailers?: Record<string, string>): string {
  if (trailers === undefined) return '0\r\n\r\n';
  let s = '0\r\n';
  for (const name of Object.keys(trailers)) {
    const value = trailers[name]!;
    if (!/[\r\n]/.test(name + value)) s += `${name}: ${value}\r\n`;
  }
  return s + '\r\n';
}
