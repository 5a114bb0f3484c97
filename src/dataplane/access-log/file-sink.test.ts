import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessLogDestination } from '../../config/index.js';
import { FileAccessLogSink } from './file-sink.js';
import { ACCESS_LOG_FIELDS, recordFor, serializeRecord } from './record.js';

const SVC = 'arn:aws:vpc-lattice:us-east-1:111122223333:service/svc-0123456789abcdef0';
const CW: AccessLogDestination = { subscriptionId: 'als-1', resourceId: 'svc-0123456789abcdef0',
  destinationArn: 'arn:aws:logs:us-east-1:111122223333:log-group:walkthrough:*' };
const S3: AccessLogDestination = { subscriptionId: 'als-2', resourceId: 'svc-0123456789abcdef0',
  destinationArn: 'arn:aws:s3:::trellis-logs' };
const S3_FILE = 's3/trellis-logs/AWSLogs/111122223333/VpcLattice/AccessLogs/us-east-1/2024/08/04/svc-0123456789abcdef0/'
  + '111122223333_VpcLatticeAccessLogs_us-east-1_svc-0123456789abcdef0_20240804T1100Z.log';
const HOUR = 3_600_000;

function rec(n: number) {
  return recordFor({ startTime: '2024-08-04T11:28:40Z', serviceArn: SVC, requestMethod: 'GET', requestPath: `/r/${n}`, responseCode: 200 });
}

async function eventually<T>(fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FileAccessLogSink', () => {
  let dataDir: string;
  let warnings: string[];
  const linesOf = (rel: string): string[] => {
    const p = join(dataDir, 'logs', rel);
    return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l !== '') : [];
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'trellis-alog-'));
    warnings = [];
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes one parseable line per record per destination, with every field', async () => {
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: HOUR, warn: (m) => warnings.push(m) });
    for (let i = 0; i < 3; i++) sink.write(rec(i), [CW, S3]);
    sink.write(rec(99), []);
    await sink.close();
    for (const file of ['cloudwatch/walkthrough.log', S3_FILE]) {
      const lines = linesOf(file);
      assert.equal(lines.length, 3, file);
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const p of parsed) assert.deepEqual(Object.keys(p), [...ACCESS_LOG_FIELDS]);
      assert.deepEqual(parsed.map((p) => p.requestPath), ['/r/0', '/r/1', '/r/2'], 'in write order');
      assert.equal(parsed[0]!.targetGroupArn, '-');
    }
    assert.deepEqual(sink.stats(), { written: 6, dropped: 0, flushes: 1, pendingBytes: 0 });
    assert.deepEqual(warnings, []);
  });

  it('buffers in memory and flushes in the background on its interval', async () => {
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: 20 });
    try {
      sink.write(rec(1), [CW]);
      assert.deepEqual(linesOf('cloudwatch/walkthrough.log'), [], 'write returns before any I/O');
      await eventually(() => linesOf('cloudwatch/walkthrough.log').length === 1);
      sink.write(rec(2), [CW]);
      await eventually(() => linesOf('cloudwatch/walkthrough.log').length === 2);
    } finally {
      await sink.close();
    }
  });

  it('flushes early once flushBytes wait, with one append for the batch', async () => {
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: HOUR, flushBytes: 4000 });
    try {
      for (let i = 0; i < 10; i++) sink.write(rec(i), [CW]);
      await eventually(() => linesOf('cloudwatch/walkthrough.log').length === 10);
      assert.equal(sink.stats().flushes, 1);
    } finally {
      await sink.close();
    }
  });

  it('flushes everything on close, and ignores writes after it', async () => {
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: HOUR });
    for (let i = 0; i < 50; i++) sink.write(rec(i), [CW]);
    assert.deepEqual(linesOf('cloudwatch/walkthrough.log'), []);
    await sink.close();
    assert.equal(linesOf('cloudwatch/walkthrough.log').length, 50);
    sink.write(rec(51), [CW]);
    await sink.close();
    assert.equal(linesOf('cloudwatch/walkthrough.log').length, 50);
  });

  it('drops and counts records past the backlog cap, and says so', async () => {
    const one = `${JSON.stringify(rec(1))}\n`.length;
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: HOUR, maxBacklogBytes: one * 3 + 10, warn: (m) => warnings.push(m) });
    for (let i = 0; i < 10; i++) sink.write(rec(i), [CW]);
    assert.equal(sink.stats().dropped, 7);
    await sink.close();
    assert.deepEqual(linesOf('cloudwatch/walkthrough.log').map((l) => (JSON.parse(l) as { requestPath: string }).requestPath), ['/r/0', '/r/1', '/r/2']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /dropped 7 record/);
  });

  it('never throws when the directory cannot be written; it counts and warns', async () => {
    const file = join(dataDir, 'not-a-dir');
    writeFileSync(file, '');
    const sink = new FileAccessLogSink({ dataDir: file, flushIntervalMs: HOUR, warn: (m) => warnings.push(m) });
    sink.write(rec(1), [CW, S3]);
    await sink.close();
    assert.equal(sink.stats().dropped, 2);
    assert.equal(sink.stats().written, 0);
    assert.equal(warnings.length, 2);
    assert.match(warnings.join('\n'), /could not append 1 record line/);
  });

  it('writes the serialiser\'s exact bytes, UTF-8 for non-ASCII values and latin1-fast for ASCII ones', async () => {
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: HOUR });
    const recs = [rec(1), recordFor({ userAgent: 'naïve/1.0 €', requestPath: '/caf\u00e9?\u{1F600}' }), recordFor({ requestPath: 'lone \ud800 "q"' }), rec(2)];
    for (const r of recs) sink.write(r, [CW]);
    await sink.close();
    const text = readFileSync(join(dataDir, 'logs', 'cloudwatch/walkthrough.log'), 'utf8');
    assert.equal(text, recs.map((r) => `${serializeRecord(r)}\n`).join(''));
    assert.equal((JSON.parse(text.split('\n')[1]!) as { userAgent: string }).userAgent, 'naïve/1.0 €');
  });

  it('encodes a line once and gives every destination the same bytes, twice to a file two subscriptions share', async () => {
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: HOUR, warn: (m) => warnings.push(m) });
    // Another subscription (the network's) to the same log group: the same file.
    const cwAgain: AccessLogDestination = { ...CW, subscriptionId: 'als-3', resourceId: 'sn-0123456789abcdef0' };
    const recs = [rec(1), recordFor({ startTime: '2024-08-04T11:28:40Z', serviceArn: SVC, userAgent: 'naïve/1.0 €', requestPath: '/caf\u00e9?\u{1F600}' }),
      recordFor({ startTime: '2024-08-04T11:28:40Z', serviceArn: SVC, requestPath: `/${'x'.repeat(70_000)}"\ud800` }), rec(2)];
    for (const r of recs) sink.write(r, [S3, CW, cwAgain]);
    await sink.close();
    const lines = recs.map((r) => `${serializeRecord(r)}\n`);
    assert.deepEqual(readFileSync(join(dataDir, 'logs', S3_FILE)), Buffer.from(lines.join('')));
    assert.deepEqual(readFileSync(join(dataDir, 'logs', 'cloudwatch/walkthrough.log')), Buffer.from(lines.map((l) => l + l).join('')));
    assert.deepEqual(sink.stats(), { written: 12, dropped: 0, flushes: 1, pendingBytes: 0 });
    assert.deepEqual(warnings, []);
  });

  it('leaves no file behind for a record dropped by the backlog cap', async () => {
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: HOUR, maxBacklogBytes: 100, warn: (m) => warnings.push(m) });
    sink.write(rec(1), [CW, S3]);
    await sink.close();
    assert.deepEqual(sink.stats(), { written: 0, dropped: 2, flushes: 0, pendingBytes: 0 });
    assert.equal(existsSync(join(dataDir, 'logs')), false);
    assert.match(warnings.join('\n'), /dropped 2 record/);
  });

  it('keeps one descriptor per file across flushes, and closes it on close', async () => {
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: HOUR, warn: (m) => warnings.push(m) });
    for (let round = 0; round < 3; round++) {
      sink.write(rec(round), [CW, S3]);
      await sink.flush();
      assert.equal(sink.openFiles(), 2, `after flush ${round + 1}`);
    }
    assert.equal(linesOf('cloudwatch/walkthrough.log').length, 3);
    assert.equal(linesOf(S3_FILE).length, 3);
    await sink.close();
    assert.equal(sink.openFiles(), 0);
    assert.deepEqual(warnings, []);
  });

  it('writes to a new file when its file was removed or rotated away, and into the old one never again', async () => {
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: HOUR, warn: (m) => warnings.push(m) });
    const file = join(dataDir, 'logs', 'cloudwatch/walkthrough.log');
    sink.write(rec(1), [CW]);
    await sink.flush();
    unlinkSync(file);
    sink.write(rec(2), [CW]);
    await sink.flush();
    assert.deepEqual(linesOf('cloudwatch/walkthrough.log').map((l) => (JSON.parse(l) as { requestPath: string }).requestPath), ['/r/2']);
    renameSync(file, `${file}.1`);
    rmSync(join(dataDir, 'logs'), { recursive: true, force: true }); // even the directory
    sink.write(rec(3), [CW]);
    await sink.close();
    assert.deepEqual(linesOf('cloudwatch/walkthrough.log').map((l) => (JSON.parse(l) as { requestPath: string }).requestPath), ['/r/3']);
    assert.deepEqual(warnings, []);
  });

  it('closes the descriptor of a file that receives nothing for idleCloseMs', async () => {
    const sink = new FileAccessLogSink({ dataDir, flushIntervalMs: 10, idleCloseMs: 30 });
    try {
      sink.write(rec(1), [CW, S3]);
      await eventually(() => sink.openFiles() === 2 || undefined);
      // CW keeps receiving lines; S3 (a destination gone from the snapshot) does not.
      const busy = setInterval(() => sink.write(rec(2), [CW]), 5);
      try {
        await eventually(() => sink.openFiles() === 1 || undefined);
      } finally {
        clearInterval(busy);
      }
      await eventually(() => sink.openFiles() === 0 || undefined);
      sink.write(rec(3), [S3]);
      await sink.flush();
      assert.equal(linesOf(S3_FILE).length, 2, 'a closed file is opened again when lines come');
    } finally {
      await sink.close();
    }
  });
});
