import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AccessLogDestination } from '../../config/index.js';
import type { AccessLogRecord, AccessLogSink } from '../contracts.js';
import { DestinationResolver } from './destinations.js';
import { serializeRecord } from './record.js';

export interface FileAccessLogSinkOptions {
  /** Trellis's data directory; files go under `<dataDir>/logs/`. */
  readonly dataDir: string;
  /** Background flush period. Default 250 ms: records show up in `logs tail` promptly. */
  readonly flushIntervalMs?: number;
  /** A flush starts early once this many bytes wait. Default 256 KiB. */
  readonly flushBytes?: number;
  /**
   * Most bytes held in memory (waiting plus being written). Past it, records are dropped and
   * counted rather than letting a slow disk grow the heap. Default 16 MiB.
   */
  readonly maxBacklogBytes?: number;
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

interface Pending {
  readonly chunks: string[];
  bytes: number;
}

/**
 * The access-log writer (LATTICE.md §5.1): one JSON line per record per destination, in
 * local files that stand for the destinations (see destinations.ts).
 *
 * `write` is on the request path and never blocks or throws: it serialises the record once,
 * appends the line to an in-memory buffer per file, and returns. A background flush (every
 * `flushIntervalMs`, or soon after `flushBytes` accumulate) writes each file's buffer with
 * one append. Memory is bounded: past `maxBacklogBytes` (waiting + in flight) records are
 * dropped and counted, and the next flush says so through `warn`. `close` flushes
 * everything still buffered. Byte counts are string lengths, close to bytes for the ASCII
 * these records hold.
 */
export class FileAccessLogSink implements AccessLogSink {
  private readonly root: string;
  private readonly flushBytes: number;
  private readonly maxBacklogBytes: number;
  private readonly warn: (message: string) => void;
  private readonly resolver = new DestinationResolver();
  private readonly madeDirs = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private pending = new Map<string, Pending>();
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
    this.flushBytes = opts.flushBytes ?? 256 * 1024;
    this.maxBacklogBytes = opts.maxBacklogBytes ?? 16 * 1024 * 1024;
    this.warn = opts.warn ?? ((m) => console.warn(m));
    this.timer = setInterval(() => void this.flush(), opts.flushIntervalMs ?? 250);
    this.timer.unref();
  }

  write(record: AccessLogRecord, destinations: readonly AccessLogDestination[]): void {
    if (this.closed || destinations.length === 0) return;
    let line: string | undefined;
    for (let i = 0; i < destinations.length; i++) {
      let path: string;
      try {
        path = this.resolver.pathFor(destinations[i]!, record);
        line ??= `${serializeRecord(record)}\n`;
      } catch {
        // A record that cannot be written (it should not happen) is counted, never thrown.
        this.dropped++;
        this.droppedSinceReport++;
        continue;
      }
      if (this.pendingBytes + this.inFlightBytes + line.length > this.maxBacklogBytes) {
        this.dropped++;
        this.droppedSinceReport++;
        continue;
      }
      let buf = this.pending.get(path);
      if (!buf) this.pending.set(path, (buf = { chunks: [], bytes: 0 }));
      buf.chunks.push(line);
      buf.bytes += line.length;
      this.pendingBytes += line.length;
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
    while (this.flushing || this.pending.size > 0) await this.flush();
  }

  stats(): AccessLogSinkStats {
    return { written: this.written, dropped: this.dropped, flushes: this.flushes, pendingBytes: this.pendingBytes + this.inFlightBytes };
  }

  private async flushOnce(): Promise<void> {
    if (this.droppedSinceReport > 0) {
      this.warn(`access log: dropped ${this.droppedSinceReport} record line(s): backlog over ${this.maxBacklogBytes} bytes or unwritable`);
      this.droppedSinceReport = 0;
    }
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.inFlightBytes += this.pendingBytes;
    this.pendingBytes = 0;
    this.flushes++;
    await Promise.all([...batch].map(([rel, buf]) => this.append(rel, buf)));
  }

  private async append(rel: string, buf: Pending): Promise<void> {
    const file = join(this.root, rel);
    try {
      const dir = dirname(file);
      if (!this.madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      await appendFile(file, buf.chunks.join(''));
      this.written += buf.chunks.length;
    } catch (e) {
      // The directory may have been removed under us: make it again next time.
      this.madeDirs.delete(dirname(file));
      this.dropped += buf.chunks.length;
      this.warn(`access log: could not append ${buf.chunks.length} record line(s) to ${file}: ${(e as Error).message}`);
    } finally {
      this.inFlightBytes -= buf.bytes;
    }
  }
}
