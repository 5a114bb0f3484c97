import { join } from 'node:path';
import type { AccessLogDestination } from '../../config/index.js';
import type { AccessLogRecord, AccessLogSink } from '../contracts.js';
import { DestinationResolver } from './destinations.js';
import { LineBuffer, releaseChunks } from './line-buffer.js';
import { OpenFiles } from './open-files.js';
import { encodeRecord } from './record-bytes.js';

export interface FileAccessLogSinkOptions {
  /** Trellis's data directory; files go under `<dataDir>/logs/`. */
  readonly dataDir: string;
  /** Background flush period. Default 250 ms: records show up in `logs tail` promptly. */
  readonly flushIntervalMs?: number;
  /** A flush starts early once this many bytes wait. Default 1 MiB: at proxy rates (~25k lines/s, ~30 MB/s) fewer, larger writes cost ~1.5 µs less CPU per request than 256 KiB (bench/dataplane, interleaved pairs). */
  readonly flushBytes?: number;
  /**
   * Most bytes held in memory (waiting plus being written). Past it, records are dropped and
   * counted rather than letting a slow disk grow the heap. Default 16 MiB.
   */
  readonly maxBacklogBytes?: number;
  /**
   * A file that received no line for this long has its descriptor closed (destinations gone
   * from the snapshot, S3's past hours). Default 30 s.
   */
  readonly idleCloseMs?: number;
  /** Where the sink reports dropped records and write errors. Default console.warn. */
  readonly warn?: (message: string) => void;
}

export interface AccessLogSinkStats {
  /** Lines appended to files (a record with two destinations counts twice). */
  readonly written: number;
  /** Lines dropped: backlog over the cap, or a failed append. */
  readonly dropped: number;
  readonly flushes: number;
  readonly pendingBytes: number;
}

/**
 * The access-log writer (LATTICE.md §5.1): one JSON line per record per destination, in
 * local files that stand for the destinations (see destinations.ts).
 *
 * `write` is on the request path and never blocks or throws: it encodes the record's line
 * once, as bytes, straight into the first destination file's chunked buffer (record-bytes.ts,
 * line-buffer.ts: no line string), copies those bytes into the other destinations' buffers
 * and returns. A background flush (every `flushIntervalMs`, or soon after `flushBytes`
 * accumulate) hands each file's chunks to one `writev` on a descriptor kept open across
 * flushes (open-files.ts: reopened when the file is removed or rotated, closed when idle).
 * Memory is bounded: past `maxBacklogBytes` (waiting + in flight) records are dropped and
 * counted, and the next flush says so through `warn`. `close` flushes everything still
 * buffered and closes the files.
 */
export class FileAccessLogSink implements AccessLogSink {
  private readonly root: string;
  private readonly flushBytes: number;
  private readonly maxBacklogBytes: number;
  private readonly warn: (message: string) => void;
  private readonly resolver = new DestinationResolver();
  private readonly files: OpenFiles;
  private readonly timer: NodeJS.Timeout;
  private pending = new Map<string, LineBuffer>();
  private pendingBytes = 0;
  private inFlightBytes = 0;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private flushSoon = false;
  private droppedSinceReport = 0;
  private written = 0;
  private dropped = 0;
  private flushes = 0;
  private closed = false;

  constructor(opts: FileAccessLogSinkOptions) {
    this.root = join(opts.dataDir, 'logs');
    this.flushBytes = opts.flushBytes ?? 1024 * 1024;
    this.maxBacklogBytes = opts.maxBacklogBytes ?? 16 * 1024 * 1024;
    this.warn = opts.warn ?? ((m) => console.warn(m));
    this.files = new OpenFiles(opts.idleCloseMs ?? 30_000);
    this.timer = setInterval(() => void this.flush(), opts.flushIntervalMs ?? 250);
    this.timer.unref();
  }

  write(record: AccessLogRecord, destinations: readonly AccessLogDestination[]): void {
    if (this.closed || destinations.length === 0) return;
    // The line is encoded once, in place, at the end of the first destination's buffer
    // (`encoded`: in its chunk `line` from `at`, `n` bytes), and copied from there into the
    // others' (a record has one or two destinations: the service's and the network's).
    let encoded: LineBuffer | undefined;
    let line: Buffer | undefined;
    let at = 0;
    let n = 0;
    for (const destination of destinations) {
      let path: string;
      let had: LineBuffer | undefined;
      let buf: LineBuffer;
      try {
        path = this.resolver.pathFor(destination, record);
        had = this.pending.get(path);
        buf = had ?? new LineBuffer();
        if (encoded === undefined) {
          n = encodeRecord(record, buf);
          encoded = buf;
          line = buf.chunk;
          at = buf.end;
        }
      } catch {
        // A record that cannot be written (it should not happen) is counted, never thrown.
        this.dropOne();
        continue;
      }
      // The size is known once encoded: a dropped line stays uncommitted, to be overwritten,
      // and a buffer made for it alone is never stored.
      if (this.pendingBytes + this.inFlightBytes + n > this.maxBacklogBytes) {
        this.dropOne();
        continue;
      }
      // The encoded line itself (still uncommitted where it was written), or a copy of it.
      if (buf === encoded && buf.end === at) buf.commit(n);
      else buf.copyIn(line!, at, n);
      if (had === undefined) this.pending.set(path, buf);
      this.pendingBytes += n;
    }
    if (this.pendingBytes >= this.flushBytes && !this.flushSoon) {
      this.flushSoon = true;
      setImmediate(() => {
        this.flushSoon = false;
        void this.flush();
      });
    }
  }

  /**
   * Writes what is buffered now. Concurrent calls share the running flush and ask for one
   * more pass after it, so at most one flush is in flight; the returned promise settles when
   * everything buffered at the time of the call is on disk.
   */
  flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false;
          await this.flushOnce();
        } while (this.flushAgain || (this.closed && this.pending.size > 0));
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    // Drops not yet reported are reported too, even with nothing left to write.
    while (this.flushing || this.pending.size > 0 || this.droppedSinceReport > 0) await this.flush();
    await this.files.closeAll();
  }

  /** Descriptors held open (one per file written recently). */
  openFiles(): number {
    return this.files.size;
  }

  stats(): AccessLogSinkStats {
    return { written: this.written, dropped: this.dropped, flushes: this.flushes, pendingBytes: this.pendingBytes + this.inFlightBytes };
  }

  /** Counts a line not written (backlog over the cap, or a record that could not be encoded). */
  private dropOne(): void {
    this.dropped++;
    this.droppedSinceReport++;
  }

  private async flushOnce(): Promise<void> {
    if (this.droppedSinceReport > 0) {
      this.warn(`access log: dropped ${this.droppedSinceReport} record line(s): backlog over ${this.maxBacklogBytes} bytes or unwritable`);
      this.droppedSinceReport = 0;
    }
    if (this.pending.size === 0) {
      await this.files.closeIdle();
      return;
    }
    const batch = this.pending;
    this.pending = new Map();
    this.inFlightBytes += this.pendingBytes;
    this.pendingBytes = 0;
    this.flushes++;
    // One flush at a time, so no file is written by two flushes at once; distinct files in parallel.
    await Promise.all([...batch].map(([rel, buf]) => this.append(rel, buf)));
    await this.files.closeIdle();
  }

  private async append(rel: string, buf: LineBuffer): Promise<void> {
    const file = join(this.root, rel);
    const { views, chunks } = buf.drain();
    try {
      await this.files.append(file, views);
      this.written += buf.lines;
    } catch (e) {
      this.dropped += buf.lines;
      this.warn(`access log: could not append ${buf.lines} record line(s) to ${file}: ${(e as Error).message}`);
    } finally {
      this.inFlightBytes -= buf.bytes;
      releaseChunks(chunks);
    }
  }
}
