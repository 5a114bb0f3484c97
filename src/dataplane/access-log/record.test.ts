import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessLogRecord } from '../contracts.js';
import { ACCESS_LOG_FIELDS, recordFor, serializeRecord, startTimeOf } from './record.js';

describe('access-log records', () => {
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
    const line = serializeRecord(r as AccessLogRecord);
    assert.ok(!line.includes('\n'), 'one line: newlines inside values are escaped');
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), [...ACCESS_LOG_FIELDS]);
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(recordFor({ userAgent: 'curl/8.5.0 "quoted"\n', grpcResponseCode: 14, responseCode: 504 }))));
  });

  it('escapes what JSON must escape and nothing else, so every value round-trips', () => {
    for (const v of ['plain', 'quo"te', 'back\\slash', 'tab\tnul\u0000', 'emoji \u{1F600}', 'lone \ud800', '/path?a=1&b=%20', '']) {
      const parsed = JSON.parse(serializeRecord(recordFor({ requestPath: v }))) as { requestPath: string };
      assert.equal(parsed.requestPath, v);
    }
    const odd = JSON.parse(serializeRecord({ ...recordFor({}), duration: Number.NaN })) as { duration: number };
    assert.equal(odd.duration, 0, 'a non-finite number is written as 0, keeping the line valid JSON');
  });

  it('writes "-" for a field left undefined by a caller that skipped recordFor', () => {
    const r = { ...recordFor({}), hostHeader: undefined } as unknown as AccessLogRecord;
    assert.equal((JSON.parse(serializeRecord(r)) as Record<string, unknown>).hostHeader, '-');
  });

  it('formats startTime as Lattice does, to the second', () => {
    assert.equal(startTimeOf(Date.UTC(2024, 7, 4, 11, 28, 40, 999)), '2024-08-04T11:28:40Z');
    assert.equal(startTimeOf(Date.UTC(2024, 7, 4, 11, 28, 41, 1)), '2024-08-04T11:28:41Z');
    assert.equal(startTimeOf(Date.UTC(2024, 7, 4, 11, 28, 41, 500)), '2024-08-04T11:28:41Z');
  });
});
