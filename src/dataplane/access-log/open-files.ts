import { statSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

interface OpenFile {
  readonly fh: FileHandle;
  readonly dev: number;
  readonly ino: number;
  /** When lines were last written (ms): files unused for a while are closed. */
  lastUsed: number;
}

/**
 * One open append-mode descriptor per access-log file, kept across flushes (opening, and
 * `mkdir -p`, per flush cost more than the write itself on the request-heavy path).
 *
 * Before each write the path is `stat`ed once and compared with the descriptor's own
 * device/inode: a file removed or renamed away (rotated) under Trellis is opened again, so
 * records go where `trellis logs tail` and the user look, never into an unlinked inode.
 * A truncated file needs nothing: O_APPEND writes at its new end. Files unused for
 * `idleCloseMs` are closed — that covers destinations gone from the snapshot and S3's
 * hourly files, without the sink having to watch snapshots. Used by one flush at a time.
 */
export class OpenFiles {
  private readonly files = new Map<string, OpenFile>();

  constructor(private readonly idleCloseMs: number, private readonly now: () => number = Date.now) {}

  /** Appends `views` to `file` (absolute), opening or reopening it as needed. Throws on I/O errors. */
  async append(file: string, views: readonly Buffer[]): Promise<void> {
    let f = await this.current(file);
    if (f === undefined) f = await this.openFile(file);
    f.lastUsed = this.now();
    try {
      await writeAll(f.fh, views);
    } catch (e) {
      // Start afresh next time (the disk may have filled, the directory may be gone).
      await this.closeOne(file);
      throw e;
    }
  }

  /** Closes the files unused for idleCloseMs. */
  async closeIdle(): Promise<void> {
    const limit = this.now() - this.idleCloseMs;
    for (const [file, f] of this.files) if (f.lastUsed <= limit) await this.closeOne(file);
  }

  async closeAll(): Promise<void> {
    for (const file of [...this.files.keys()]) await this.closeOne(file);
  }

  /** How many descriptors are open (for tests and stats). */
  get size(): number {
    return this.files.size;
  }

  /** The open file for `file` when it is still the file at that path; closes it otherwise. */
  private async current(file: string): Promise<OpenFile | undefined> {
    const f = this.files.get(file);
    if (f === undefined) return undefined;
    // A synchronous stat: one local metadata read per flush costs a few µs on the loop, where
    // the promise form paid a thread-pool round trip (two context switches) per flush.
    let s: { readonly ino: number; readonly dev: number } | undefined;
    try {
      s = statSync(file);
    } catch {
      s = undefined;
    }
    if (s !== undefined && s.ino === f.ino && s.dev === f.dev) return f;
    await this.closeOne(file);
    return undefined;
  }

  private async openFile(file: string): Promise<OpenFile> {
    await mkdir(dirname(file), { recursive: true });
    const fh = await open(file, 'a');
    try {
      const s = await fh.stat();
      const f: OpenFile = { fh, dev: s.dev, ino: s.ino, lastUsed: this.now() };
      this.files.set(file, f);
      return f;
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
  }

  private async closeOne(file: string): Promise<void> {
    const f = this.files.get(file);
    if (f === undefined) return;
    this.files.delete(file);
    await f.fh.close().catch(() => undefined);
  }
}

/** writev until every byte is written (a regular file may take fewer bytes in one call). */
async function writeAll(fh: FileHandle, views: readonly Buffer[]): Promise<void> {
  let rest = views;
  while (rest.length > 0) {
    const { bytesWritten } = await fh.writev(rest as Buffer[]);
    if (bytesWritten === 0) throw new Error('write made no progress');
    let n = bytesWritten;
    let i = 0;
    while (i < rest.length && n >= rest[i]!.length) n -= rest[i++]!.length;
    const next = rest.slice(i);
    if (n > 0) next[0] = next[0]!.subarray(n);
    rest = next;
  }
}
