import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tailLogs, type TailLine } from './tail.js';

async function collect(it: AsyncIterable<TailLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(`${l.file}: ${l.line}`);
  return out;
}

describe('tailLogs', () => {
  let dataDir: string;
  const put = (rel: string, text: string): void => {
    const p = join(dataDir, 'logs', rel);
    mkdirSync(join(p, '..'), { recursive: true });
    appendFileSync(p, text);
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'trellis-tail-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('yields nothing when there are no logs yet', async () => {
    assert.deepEqual(await collect(tailLogs(dataDir)), []);
  });

  it('lists every file in path order, or the last lines of each, or one destination', async () => {
    put('firehose/f.log', '{"n":1}\n{"n":2}\n{"n":3}\n');
    put('cloudwatch/c.log', '{"n":4}\n');
    put('s3/b/AWSLogs/1/x.log', '{"n":5}\n');
    put('cloudwatch/readme.txt', 'not a log\n');
    assert.deepEqual(await collect(tailLogs(dataDir)), [
      'cloudwatch/c.log: {"n":4}', 'firehose/f.log: {"n":1}', 'firehose/f.log: {"n":2}', 'firehose/f.log: {"n":3}',
      's3/b/AWSLogs/1/x.log: {"n":5}',
    ]);
    assert.deepEqual(await collect(tailLogs(dataDir, { lines: 2 })), [
      'cloudwatch/c.log: {"n":4}', 'firehose/f.log: {"n":2}', 'firehose/f.log: {"n":3}', 's3/b/AWSLogs/1/x.log: {"n":5}',
    ]);
    assert.deepEqual(await collect(tailLogs(dataDir, { destinationArn: 'arn:aws:firehose:us-east-1:111122223333:deliverystream/f', lines: 1 })),
      ['firehose/f.log: {"n":3}']);
    assert.deepEqual(await collect(tailLogs(dataDir, { destinationArn: 'arn:aws:s3:::b' })), ['s3/b/AWSLogs/1/x.log: {"n":5}']);
  });

  it('finds the last lines of a file larger than its read chunk', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => `{"n":${i}}\n`).join('');
    put('firehose/big.log', many);
    assert.deepEqual(await collect(tailLogs(dataDir, { lines: 3 })),
      ['firehose/big.log: {"n":19997}', 'firehose/big.log: {"n":19998}', 'firehose/big.log: {"n":19999}']);
  });

  it('follows appended lines and new files until aborted, holding partial lines back', async () => {
    put('cloudwatch/c.log', '{"n":1}\n');
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const l of tailLogs(dataDir, { follow: true, pollMs: 5, signal: ac.signal })) {
        seen.push(`${l.file}: ${l.line}`);
        if (seen.length === 1) put('cloudwatch/c.log', '{"n":2}\n{"n":');
        if (seen.length === 2) {
          put('cloudwatch/c.log', '3}\n');
          put('firehose/new.log', '{"n":4}\n');
        }
        if (seen.length === 4) ac.abort();
      }
    })();
    await done;
    assert.deepEqual(seen, ['cloudwatch/c.log: {"n":1}', 'cloudwatch/c.log: {"n":2}', 'cloudwatch/c.log: {"n":3}', 'firehose/new.log: {"n":4}']);
  });

  it('reads a truncated file again from its start', async () => {
    put('cloudwatch/c.log', '{"n":1}\n{"n":2}\n');
    const ac = new AbortController();
    const seen: string[] = [];
    for await (const l of tailLogs(dataDir, { follow: true, pollMs: 5, signal: ac.signal })) {
      seen.push(l.line);
      if (seen.length === 2) writeFileSync(join(dataDir, 'logs', 'cloudwatch/c.log'), '{"n":9}\n');
      if (seen.length === 3) ac.abort();
    }
    assert.deepEqual(seen, ['{"n":1}', '{"n":2}', '{"n":9}']);
  });
});
