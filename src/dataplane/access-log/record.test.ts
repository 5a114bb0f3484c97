import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessLogRecord } from '../contracts.js';
import { ACCESS_LOG_FIELDS, recordFor, serializeRecord, startTimeOf } from './record.js';
import { encodeRecord } from './record-bytes.js';
import { LineBuffer } from './line-buffer.js';
// A seeded generator (mulberry32), so a failure names a reproducible case.
import { prng } from '../../model/index.js';

/** The line's bytes as the sink writes them (record-bytes.ts), read back as a string. */
function encoded(r: AccessLogRecord): string {
  const lb = new LineBuffer();
  const n = encodeRecord(r, lb);
  return lb.chunk.subarray(lb.end, lb.end + n).toString('utf8');
}

describe('access-log records', () => {
  it('encodes byte for byte the JSON.stringify of the fields, for plain, escaped, non-ASCII and repeated values', () => {
    const rnd = prng(20240804);
    const alphabet = ['a', 'Z', '0', '-', '/', ':', '"', '\\', '\n', '\t', '\u0000', '\u001f', '\u007f', 'é', '€', '\u{1F600}', '\ud800', '\udfff', ' '];
    const word = (): string => {
      let w = '';
      const len = Math.floor(rnd() * 12);
      for (let i = 0; i < len; i++) w += alphabet[Math.floor(rnd() * alphabet.length)]!;
      return w;
    };
    // A few values repeat (cached), most are fresh; every field gets both kinds.
    const pool = Array.from({ length: 8 }, word);
    // The byte encoder (record-bytes.ts): its line in the chunk is serializeRecord's UTF-8
    // bytes with the '\n'. One buffer for all, so lines land mid-chunk.
    const lb = new LineBuffer();
    for (let i = 0; i < 3000; i++) {
      const p: Record<string, unknown> = {};
      for (const k of ACCESS_LOG_FIELDS) {
        const x = rnd();
        if (k === 'grpcResponseCode') p[k] = x < 0.5 ? '-' : Math.floor(x * 20);
        else if (typeof recordFor({})[k] === 'number') p[k] = x < 0.1 ? Number.NaN : x < 0.2 ? -0 : Math.floor(x * 1e6) / 7;
        else p[k] = x < 0.3 ? '-' : x < 0.6 ? pool[Math.floor(rnd() * pool.length)]! : word();
      }
      if (rnd() < 0.2) p.authExplanation = word();
      const r = p as unknown as AccessLogRecord;
      const n = encodeRecord(r, lb);
      assert.deepEqual(lb.chunk.subarray(lb.end, lb.end + n), Buffer.from(`${serializeRecord(r)}\n`), `case ${i}: bytes`);
      lb.commit(n);
    }
  });

  it('rebuilds a cached run of fields when any one of its values changes', () => {
    const base = recordFor({ targetGroupArn: 'arn:tg/1', serviceArn: 'arn:svc/1', serviceNetworkArn: 'arn:sn/1', listenerId: 'listener-1', listenerType: 'HTTP' });
    const variants: AccessLogRecord[] = [
      base, { ...base, serviceArn: 'arn:svc/2' }, { ...base, sourceVpcId: 'vpc-2' }, { ...base, destinationVpcId: 'vpc-3' },
      { ...base, listenerType: 'HTTPS' }, { ...base, callerX509SANURI: 'spiffe://x' }, { ...base, serviceNetworkArn: 'arn:sn/é' }, base,
    ];
    for (const [i, r] of variants.entries()) assert.equal(encoded(r), `${serializeRecord(r)}\n`, `variant ${i}`);
  });

  it('fills every missing field: strings and the gRPC code with "-", numbers with 0', () => {
    const r = recordFor({ requestMethod: 'GET', responseCode: 200, duration: 3 });
    assert.deepEqual(Object.keys(r), [...ACCESS_LOG_FIELDS]);
    assert.equal(r.requestMethod, 'GET');
    assert.equal(r.responseCode, 200);
    assert.equal(r.serviceArn, '-');
    assert.equal(r.failureReason, '-');
    assert.equal(r.grpcResponseCode, '-');
    assert.equal(r.bytesSent, 0);
  });

  it('serialises exactly the contract fields, in order, whatever else the object carries', () => {
    const r = { ...recordFor({ userAgent: 'curl/8.5.0 "quoted"\n', grpcResponseCode: 14, responseCode: 504 }), extra: 'never written' };
    const line = encoded(r as AccessLogRecord);
    assert.ok(line.endsWith('}\n') && !line.slice(0, -1).includes('\n'), 'one line: newlines inside values are escaped');
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), [...ACCESS_LOG_FIELDS]);
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(recordFor({ userAgent: 'curl/8.5.0 "quoted"\n', grpcResponseCode: 14, responseCode: 504 }))));
  });

  it('escapes what JSON must escape and nothing else, so every value round-trips', () => {
    for (const v of ['plain', 'quo"te', 'back\\slash', 'tab\tnul\u0000', 'emoji \u{1F600}', 'lone \ud800', '/path?a=1&b=%20', '']) {
      const parsed = JSON.parse(encoded(recordFor({ requestPath: v }))) as { requestPath: string };
      assert.equal(parsed.requestPath, v);
    }
    const odd = JSON.parse(encoded({ ...recordFor({}), duration: Number.NaN })) as { duration: number };
    assert.equal(odd.duration, 0, 'a non-finite number is written as 0, keeping the line valid JSON');
  });

  it('writes "-" for a field left undefined by a caller that skipped recordFor', () => {
    const r = { ...recordFor({}), hostHeader: undefined } as unknown as AccessLogRecord;
    assert.equal((JSON.parse(encoded(r)) as Record<string, unknown>).hostHeader, '-');
  });

  it('formats startTime as Lattice does, to the second', () => {
    assert.equal(startTimeOf(Date.UTC(2024, 7, 4, 11, 28, 40, 999)), '2024-08-04T11:28:40Z');
    assert.equal(startTimeOf(Date.UTC(2024, 7, 4, 11, 28, 41, 1)), '2024-08-04T11:28:41Z');
    assert.equal(startTimeOf(Date.UTC(2024, 7, 4, 11, 28, 41, 500)), '2024-08-04T11:28:41Z');
  });
});
