import { open, readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { destinationPrefix } from './destinations.js';

export interface TailOptions {
  /** Keep polling for new lines and new files until `signal` aborts. */
  readonly follow?: boolean;
  /** At start, only the last N lines of each file; all lines when undefined. */
  readonly lines?: number;
  /** Only the files of this destination ARN (see destinations.ts for the layout). */
  readonly destinationArn?: string;
  readonly signal?: AbortSignal;
  /** How often `follow` looks for growth. Default 200 ms. */
  readonly pollMs?: number;
}

/** One access-log line, with the file it came from, relative to `<dataDir>/logs/` ('/'-separated). */
export interface TailLine {
  readonly file: string;
  readonly line: string;
}

interface Cursor {
  offset: number;
  /** A trailing partial line, held until its newline arrives. */
  rest: string;
}

/**
 * The lines of the access-log files under `<dataDir>/logs/`, for `trellis logs tail`: first
 * what is there (files in path order, optionally the last `lines` of each), then, with
 * `follow`, every complete line appended afterwards and every file created afterwards, by
 * polling sizes (portable, unlike recursive fs.watch). A truncated file is read again from
 * its start. Ends when `signal` aborts, or after the first pass without `follow`.
 */
export async function* tailLogs(dataDir: string, opts: TailOptions = {}): AsyncGenerator<TailLine> {
  const root = join(dataDir, 'logs');
  const prefix = opts.destinationArn === undefined ? undefined : destinationPrefix(opts.destinationArn);
  const cursors = new Map<string, Cursor>();
  for (const file of await listLogFiles(root, prefix)) {
    const size = await sizeOf(join(root, file));
    const cur: Cursor = { offset: 0, rest: '' };
    if (opts.lines !== undefined) cur.offset = await startOfLastLines(join(root, file), size, opts.lines);
    cursors.set(file, cur);
    yield* readNew(root, file, cur, size);
  }
  if (!opts.follow) return;
  for (;;) {
    try {
      await sleep(opts.pollMs ?? 200, undefined, opts.signal ? { signal: opts.signal } : undefined);
    } catch {
      return;
    }
    for (const file of await listLogFiles(root, prefix)) {
      let cur = cursors.get(file);
      if (!cur) cursors.set(file, (cur = { offset: 0, rest: '' }));
      const size = await sizeOf(join(root, file));
      if (size < cur.offset) {
        cur.offset = 0;
        cur.rest = '';
      }
      if (size > cur.offset) yield* readNew(root, file, cur, size);
      if (opts.signal?.aborted) return;
    }
  }
}

/** Every `*.log` under `root`, relative and '/'-separated, sorted; [] when there is none yet. */
export async function listLogFiles(root: string, prefix?: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(root, { recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.endsWith('.log'))
    .map((e) => e.split(sep).join('/'))
    .filter((e) => prefix === undefined || e === prefix || (prefix.endsWith('/') && e.startsWith(prefix)))
    .sort();
}

async function sizeOf(path: string): Promise<number> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : 0;
  } catch {
    return 0;
  }
}

/** Reads `[cur.offset, size)` and yields its complete lines, keeping a partial one. */
async function* readNew(root: string, file: string, cur: Cursor, size: number): AsyncGenerator<TailLine> {
  if (size <= cur.offset) return;
  const text = await readRange(join(root, file), cur.offset, size);
  cur.offset = size;
  const lines = (cur.rest + text).split('\n');
  cur.rest = lines.pop() ?? '';
  for (const line of lines) if (line !== '') yield { file, line };
}

async function readRange(path: string, from: number, to: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * The offset where the last `n` lines of a file start, found by reading backwards in
 * chunks, so that tailing a large file does not read all of it.
 */
async function startOfLastLines(path: string, size: number, n: number): Promise<number> {
  if (n <= 0) return size;
  const fh = await open(path, 'r');
  try {
    const chunk = 64 * 1024;
    // A final newline ends the last line; it does not start a new one.
    let newlines = 0;
    let pos = size;
    let skipLast = true;
    while (pos > 0) {
      const start = Math.max(0, pos - chunk);
      const buf = Buffer.alloc(pos - start);
      await fh.read(buf, 0, buf.length, start);
      for (let i = buf.length - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) { skipLast = false; continue; }
        if (skipLast) { skipLast = false; continue; }
        if (++newlines === n) return start + i + 1;
      }
      pos = start;
    }
    return 0;
  } finally {
    await fh.close();
  }
}
