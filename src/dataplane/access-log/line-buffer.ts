/**
 * The lines waiting for one file, as UTF-8 bytes in large reusable chunks rather than as
 * strings. Why: a line string kept until the next flush (up to 250 ms, thousands of
 * requests) survives young-generation collections and is copied into the old generation,
 * and joining thousands of ~80-piece ropes at flush time walked and copied them again — the
 * two were most of the access log's CPU (bench/access-log/serialize.ts). Here a line's bytes
 * are written into a chunk at `write` (record-bytes.ts encodes in place: `room`, `commit`),
 * and the flush hands the chunks to one `writev` as they are.
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
   * The current chunk, with at least `maxBytes` free from `end` on (a new chunk — a larger
   * one for a line bigger than a chunk — when the current one has less: chunks stay whole,
   * a line never straddles two). For writers that encode a line in place (record-bytes.ts):
   * they write from `end`, then `commit` what they wrote. Nothing is counted until then, so
   * bytes written and not committed are simply overwritten by the next line.
   */
  room(maxBytes: number): Buffer {
    let cur = this.cur;
    if (cur === undefined || cur.length - this.curUsed < maxBytes) {
      if (cur !== undefined && this.curUsed > 0) {
        this.full.push(cur);
        this.used.push(this.curUsed);
      } else if (cur !== undefined) {
        releaseChunks([cur]); // empty (a line too big for a fresh chunk): reusable as it is
      }
      this.cur = cur = takeChunk(maxBytes);
      this.curUsed = 0;
    }
    return cur;
  }

  /** The chunk `room` returned last (the current one). */
  get chunk(): Buffer {
    if (this.cur === undefined) throw new Error('LineBuffer.chunk before room');
    return this.cur;
  }

  /** Where the next line starts in the chunk `room` returned. */
  get end(): number {
    return this.curUsed;
  }

  /** Counts one line of `bytes` written at `end` of the current chunk (after `room`). */
  commit(bytes: number): void {
    this.curUsed += bytes;
    this.lines++;
    this.bytes += bytes;
  }

  /**
   * Appends one line already encoded elsewhere (`src[start, start + bytes)`, its '\n'
   * included): the same record's line for a second destination is copied, not encoded again.
   * `src` may be a chunk of this very buffer (two destinations sharing a file).
   */
  copyIn(src: Buffer, start: number, bytes: number): void {
    const cur = this.room(bytes);
    src.copy(cur, this.curUsed, start, start + bytes);
    this.commit(bytes);
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
    } else if (this.cur !== undefined) {
      releaseChunks([this.cur]); // nothing committed in it (a dropped line was encoded there)
    }
    this.cur = undefined;
    return { views, chunks };
  }
}
