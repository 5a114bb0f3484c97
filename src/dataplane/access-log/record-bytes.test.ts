import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessLogRecord } from '../contracts.js';
import { CHUNK_BYTES, LineBuffer, releaseChunks } from './line-buffer.js';
import { recordFor, serializeRecord } from './record.js';
import { encodeRecord } from './record-bytes.js';

// record.test.ts checks encodeRecord against JSON.stringify on 3,000 generated records; these
// tests cover what a generator reaches rarely: number edges, cache turnover, chunk boundaries.

/** What the encoder must write: the string serialiser's line (checked there) in UTF-8. */
const expected = (r: AccessLogRecord): Buffer => Buffer.from(`${serializeRecord(r)}\n`, 'utf8');

/** Encodes and commits `r` into `lb`; returns the line's bytes as they lie in the chunk. */
function encode(r: AccessLogRecord, lb: LineBuffer): Buffer {
  const n = encodeRecord(r, lb);
  const line = Buffer.from(lb.chunk.subarray(lb.end, lb.end + n));
  lb.commit(n);
  return line;
}

/** Everything a LineBuffer holds, as one Buffer (what the flush would write). */
function drained(lb: LineBuffer): Buffer {
  const { views, chunks } = lb.drain();
  const all = Buffer.concat(views);
  releaseChunks(chunks);
  return all;
}

const BASE = recordFor({
  startTime: '2024-08-04T11:28:40Z', targetGroupArn: 'arn:tg/1', serviceArn: 'arn:svc/1', serviceNetworkArn: 'arn:sn/1',
  targetIpPort: '10.0.0.1:80', hostHeader: 'svc.example', requestMethod: 'GET', protocol: 'HTTP/1.1', userAgent: 'curl/8',
  listenerId: 'listener-1', listenerType: 'HTTP', requestPath: '/a', requestId: 'req-1', sourceIpPort: '10.0.0.9:5000',
});

describe('access-log records as bytes', () => {
  it('writes numbers as JSON does: integers by digits, others by String, non-finite as 0', () => {
    const lb = new LineBuffer();
    const values = [0, -0, 7, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, 2 ** 53 + 2, 1e21, -1, -123456789, 0.5, 1 / 3,
      1.5e-7, -2.2250738585072014e-308, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const v of values) {
      const r: AccessLogRecord = { ...BASE, responseCode: v, bytesSent: v, duration: v, grpcResponseCode: v };
      assert.deepEqual(encode(r, lb), expected(r), String(v));
      const parsed = JSON.parse(encode(r, lb).toString('utf8')) as { bytesSent: number };
      assert.equal(parsed.bytesSent, Number.isFinite(v) ? v + 0 : 0, `${v} round-trips`);
    }
  });

  it('rebuilds a cached run when any of its values changes, and keeps several runs per first value', () => {
    const lb = new LineBuffer();
    const changes: Partial<AccessLogRecord>[] = [
      {}, { serviceArn: 'arn:svc/2' }, { sourceVpcId: 'vpc-2' }, { destinationVpcId: 'vpc-3' }, { sourceVpcArn: 'arn:vpc/2' },
      { hostHeader: 'other.example' }, { serverNameIndication: 'sni.example' }, { sslCipher: 'TLS_AES_128_GCM_SHA256' },
      { tlsVersion: 'TLSv1.3' }, { requestMethod: 'POST' }, { requestMethod: 'PUT' }, { protocol: 'HTTP/2' },
      { userAgent: 'naïve/1 "q"' }, { resolvedUser: 'alice' }, { authDeniedReason: 'denied' }, { callerPrincipal: 'arn:user/alice' },
      { callerPrincipal: 'arn:user/alice', callerPrincipalOrgID: 'o-1' }, { callerPrincipal: 'arn:user/alice', callerPrincipalTags: 'k=v' },
      { listenerType: 'HTTPS' }, { callerX509SubjectCN: 'cn' }, { callerX509IssuerOU: 'ou' }, { callerX509SANNameCN: 'n' },
      { callerX509SANDNS: 'd' }, { callerX509SANURI: 'spiffe://x' }, { failureReason: 'TargetTimeout' }, { startTime: '2024-08-04T11:28:41Z' },
      { authExplanation: 'deny: no statement allows "vpc-lattice-svcs:Invoke"\n' },
    ];
    // Twice round, so the second pass meets every run in the caches (more per first value
    // than each keeps: the oldest are rebuilt, never served for other values).
    for (let round = 0; round < 2; round++) {
      for (const [i, c] of changes.entries()) {
        const r = { ...BASE, ...c };
        assert.deepEqual(encode(r, lb), expected(r), `round ${round}, change ${i}`);
        assert.deepEqual(encode(BASE, lb), expected(BASE), `round ${round}, back to the base after change ${i}`);
      }
    }
    // An equal value in another string object is the same value.
    const copy = { ...BASE, hostHeader: ['svc', 'example'].join('.'), targetGroupArn: `arn:tg/${1}` };
    assert.deepEqual(encode(copy, lb), expected(BASE));
  });

  it('stays right when caches turn over: thousands of distinct values', () => {
    const lb = new LineBuffer();
    for (let i = 0; i < 5000; i++) {
      const r = { ...BASE, targetGroupArn: `arn:tg/${i}`, targetIpPort: `10.0.${i >> 8}.${i & 255}:80`, userAgent: `ua/${i % 4500}`,
        listenerId: `listener-${i}`, callerPrincipal: `arn:user/${i}`, failureReason: `reason ${i}` };
      assert.deepEqual(encode(r, lb), expected(r), `record ${i}`);
    }
    // Long client-supplied values: the caches' byte budget, not their count, runs out first.
    for (let i = 0; i < 3000; i++) {
      const r = { ...BASE, hostHeader: `h${i}.${'x'.repeat(2000)}`, userAgent: `ua/${i % 1500}/${'y'.repeat(3000)}`, failureReason: `f${'z'.repeat(i % 400)}` };
      const one = new LineBuffer();
      assert.deepEqual(encode(r, one), expected(r), `long record ${i}`);
      releaseChunks(one.drain().chunks);
    }
  });

  it('writes "-" for values a caller left undefined, as the string serialiser does', () => {
    const r = { ...BASE, hostHeader: undefined, sourceIpPort: undefined, requestId: undefined, targetGroupArn: undefined,
      listenerId: undefined, userAgent: undefined, failureReason: undefined } as unknown as AccessLogRecord;
    assert.deepEqual(encode(r, new LineBuffer()), expected(r));
  });

  it('puts a line that does not fit the current chunk whole into the next one', () => {
    const lb = new LineBuffer();
    const lines: Buffer[] = [];
    let i = 0;
    // Fill most of the first chunk, then lines that cross its end.
    while (lines.reduce((s, l) => s + l.length, 0) < CHUNK_BYTES + 5000) {
      const r = { ...BASE, requestPath: `/p/${i}/${'x'.repeat(i % 97)}`, requestId: `req-${i++}` };
      lines.push(encode(r, lb));
      assert.deepEqual(lines[lines.length - 1], expected(r));
    }
    const { views, chunks } = lb.drain();
    assert.equal(views.length, 2);
    assert.ok(views[0]!.length <= CHUNK_BYTES);
    // Each view ends with a whole line: no line straddles two chunks.
    for (const v of views) assert.equal(v[v.length - 1], 0x0a);
    assert.deepEqual(Buffer.concat(views), Buffer.concat(lines));
    releaseChunks(chunks);
  });

  it('gives a line larger than a chunk a chunk of its own, plain or escaped', () => {
    const lb = new LineBuffer();
    const small = { ...BASE, requestPath: '/small' };
    const plain = { ...BASE, requestPath: `/${'a'.repeat(CHUNK_BYTES + 100)}` };
    const escaped = { ...BASE, requestPath: `/${'"é\u0001\ud800'.repeat(CHUNK_BYTES / 4)}`, authExplanation: '€'.repeat(30_000) };
    const recs = [small, plain, small, escaped, small];
    for (const r of recs) encode(r, lb);
    assert.deepEqual(drained(lb), Buffer.concat(recs.map(expected)));
  });

  it('overwrites a line that was encoded and not committed', () => {
    const lb = new LineBuffer();
    encode(BASE, lb);
    encodeRecord({ ...BASE, requestPath: '/dropped' }, lb); // never committed
    const r = { ...BASE, requestPath: '/kept' };
    encode(r, lb);
    assert.equal(lb.lines, 2);
    assert.deepEqual(drained(lb), Buffer.concat([expected(BASE), expected(r)]));
  });

  it('copies a line into another buffer, or into the same one, byte for byte', () => {
    const a = new LineBuffer();
    const b = new LineBuffer();
    const r = { ...BASE, userAgent: 'naïve/1.0 €', requestPath: '/caf\u00e9?\u{1F600}' };
    const n = encodeRecord(r, a);
    const start = a.end;
    a.commit(n);
    b.copyIn(a.chunk, start, n);
    a.copyIn(a.chunk, start, n);
    assert.deepEqual(drained(b), expected(r));
    assert.deepEqual(drained(a), Buffer.concat([expected(r), expected(r)]));
  });
});
