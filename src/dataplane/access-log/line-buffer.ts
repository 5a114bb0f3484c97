/**
 * The lines waiting for one file, as UTF-8 bytes in large reusable chunks rather than as
 * strings. Why: a line string kept until the next flush (up to 250 ms, thousands of
 * requests) survives young-generation collections and is copied into the old generation,
 * and joining thousands of ~80-piece ropes at flush time walked and copied them again — the
 * two were most of the access log's CPU (bench/access-log/serialize.ts). Encoded into a
 * chunk at `write`, the line string dies young, and the flush hands the chunks to one
 * `writev` as they are.
 */

/** Size of one chunk: a few hundred lines, one writev entry. */
export const CHUNK_BYTES = 64 * 1024;
/** Chunks kept for reuse after their flush (at most 4 MiB), so steady traffic allocates none. */
const SPARE_MAX = 64;
const spare: Buffer[] = [];

function takeChunk(minBytes: number): Buffer {
  if (minBytes <= CHUNK_BYTES) return spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
  return Buffer.allocUnsafeSlow(minBytes);
}

/** Gives chunks back once their bytes are on disk (never while a write may still read them). */
export function releaseChunks(chunks: readonly Buffer[]): void {
  for (const c of chunks) if (c.length === CHUNK_BYTES && spare.length < SPARE_MAX) spare.push(c);
}

export class LineBuffer {
  /** Filled chunks, each whole (`full`) with the bytes used in it (`used`). */
  private readonly full: Buffer[] = [];
  private readonly used: number[] = [];
  private cur: Buffer | undefined;
  private curUsed = 0;
  /** Lines held. */
  lines = 0;
  /** Bytes held. */
  bytes = 0;

  /**
   * Appends one line (its own '\n' included); returns the bytes it took. `ascii`: the caller
   * knows every character is ASCII, so latin1 bytes are the UTF-8 bytes and V8 copies the
   * (rope) string straight in; otherwise it is encoded as UTF-8.
   */
  push(line: string, ascii: boolean): number {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair 4 for 2 units).
    const worst = ascii ? line.length : line.length * 3;
    if (this.cur === undefined || this.cur.length - this.curUsed < worst) {
      if (this.cur !== undefined) {
        this.full.push(this.cur);
        this.used.push(this.curUsed);
      }
      this.cur = takeChunk(worst);
      this.curUsed = 0;
    }
    const n = this.cur.write(line, this.curUsed, ascii ? 'latin1' : 'utf8');
    this.curUsed += n;
    this.lines++;
    this.bytes += n;
    return n;
  }

  /**
   * The bytes to write (views into the chunks, in order) and the chunks to release once they
   * are written. Called once, when the flush takes this buffer; the buffer is dropped after.
   */
  drain(): { readonly views: Buffer[]; readonly chunks: Buffer[] } {
    const chunks = this.full;
    const views = chunks.map((c, i) => c.subarray(0, this.used[i]));
    if (this.cur !== undefined && this.curUsed > 0) {
      chunks.push(this.cur);
      views.push(this.cur.subarray(0, this.curUsed));
    }
    this.cur = undefined;
    return { views, chunks };
  }
}
