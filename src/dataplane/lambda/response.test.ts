import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LAMBDA_PAYLOAD_LIMIT, mapLambdaResponse } from './response.js';

describe('lambda response mapping', () => {
  it('maps the spec example: status, headers in order, body, computed Content-Length', () => {
    const r = mapLambdaResponse(JSON.stringify({
      isBase64Encoded: false, statusCode: 200, headers: { 'Set-cookie': 'cookies', 'Content-Type': 'application/json' }, body: 'Hello from Lambda (optional)',
    }));
    assert.ok(r.ok);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.headers, ['Set-cookie', 'cookies', 'Content-Type', 'application/json', 'content-length', '28']);
    assert.equal(r.body.toString(), 'Hello from Lambda (optional)');
  });

  it('decodes base64 bodies, drops hop-by-hop headers and a stated length, sends list values as several lines', () => {
    const r = mapLambdaResponse(JSON.stringify({
      statusCode: 201, isBase64Encoded: true, body: Buffer.from([0, 255, 1]).toString('base64'),
      headers: { Connection: 'close', 'Transfer-Encoding': 'chunked', 'Content-Length': '999', 'set-cookie': ['a=1', 'b=2'], 'x-n': 5 },
      multiValueHeaders: { 'x-m': ['1', '2'] },
    }));
    assert.ok(r.ok);
    assert.deepEqual(r.body, Buffer.from([0, 255, 1]));
    assert.deepEqual(r.headers, ['set-cookie', 'a=1', 'set-cookie', 'b=2', 'x-n', '5', 'x-m', '1', 'x-m', '2', 'content-length', '3']);
  });

  it('reads absent headers, body and isBase64Encoded as empty', () => {
    const r = mapLambdaResponse('{"statusCode":204}');
    assert.ok(r.ok);
    assert.deepEqual(r.headers, ['content-length', '0']);
    assert.equal(r.body.length, 0);
  });

  for (const [payload, why] of [
    ['not json', 'not JSON'], ['"a string"', 'not a JSON object'], ['{"statusCode":"200"}', 'statusCode'], ['{"statusCode":100}', 'statusCode'],
    ['{"statusCode":200,"body":{}}', 'body'], ['{"statusCode":200,"headers":{"a b":"x"}}', 'header name'],
    ['{"statusCode":200,"headers":{"x":"a\\r\\nb"}}', 'header value'], ['{"statusCode":200,"headers":{"x":{}}}', 'header value'],
    ['{"statusCode":200,"isBase64Encoded":"yes"}', 'isBase64Encoded'],
  ] as const) {
    it(`refuses ${payload} (${why}) as LambdaInvalidResponse`, () => {
      const r = mapLambdaResponse(payload);
      assert.ok(!r.ok);
      assert.equal(r.reason, 'LambdaInvalidResponse');
      assert.match(r.detail, new RegExp(why));
    });
  }

  it('refuses a payload over 6 MB as LambdaResponseTooLarge', () => {
    const r = mapLambdaResponse(JSON.stringify({ statusCode: 200, body: 'x'.repeat(LAMBDA_PAYLOAD_LIMIT) }));
    assert.ok(!r.ok);
    assert.equal(r.reason, 'LambdaResponseTooLarge');
  });
});
