import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Http2Request } from './http2.js';

/**
 * The HTTP/2 request object's header map (auth's condition keys read `req.headers`): built on
 * first use from the translated list, in node:http's shape. The end-to-end translation (no
 * pseudo-headers, `:authority` as `host`, split cookies joined) is covered by
 * test/acceptance/http2.test.ts.
 */
describe('Http2Request', () => {
  const raw = ['host', 'svc.example', 'x-a', '1', 'cookie', 'a=1; b=2', 'x-a', '2', 'set-cookie', 'p', 'set-cookie', 'q'];
  const stream = { stream: true };
  const req = new Http2Request(stream as never, 'POST', '/trellis.test.Echo/Unary', raw, {} as never, true);

  it('head fields as given; the stream is the body', () => {
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/trellis.test.Echo/Unary');
    assert.equal(req.httpVersion, '2.0');
    assert.equal(req.grpc, true);
    assert.deepEqual(req.rawHeaders, raw);
    assert.equal(req.bodyStream(), stream);
  });

  it('headers: repeated fields joined with ", ", set-cookie a list, the map built once', () => {
    const h = req.headers;
    assert.equal(h.host, 'svc.example');
    assert.equal(h['x-a'], '1, 2');
    assert.equal(h.cookie, 'a=1; b=2');
    assert.deepEqual(h['set-cookie'], ['p', 'q']);
    assert.equal(req.headers, h);
  });
});
