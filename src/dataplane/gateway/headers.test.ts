import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { responseHeaders, scanRequestHeaders, type ScannedHeaders } from './headers.js';

const fresh = (): ScannedHeaders => ({ headers: [], host: undefined, userAgent: '-', forwardedFor: undefined, requestId: undefined, proxyAuthorization: undefined, hasBody: false, headerBytes: 0, headerCount: 0 });

describe('headers: request scan', () => {
  it('drops spoofable, hop-by-hop and listed headers; keeps the rest in order and case', () => {
    const s = fresh();
    scanRequestHeaders([
      'Host', 'svc', 'Accept', '*/*', 'X-Amzn-Lattice-Identity', 'p', 'x-amzn-source-vpc', 'vpc-evil', 'X-AMZN-LATTICE-TARGET', 't',
      'Connection', 'keep-alive, X-Secret', 'X-Secret', 's', 'Keep-Alive', 'timeout=5', 'TE', 'trailers', 'Upgrade', 'websocket',
      'Transfer-Encoding', 'chunked', 'Proxy-Authorization', 'Basic abc', 'Proxy-Connection', 'x', 'Expect', '100-continue',
      'X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2', 'X-Forwarded-Port', '1', 'X-Forwarded-Proto', 'https',
      'User-Agent', 'ua', 'X-Amzn-RequestId', 'rid', 'Cookie', 'c=1',
    ], s, false);
    assert.deepEqual(s.headers, ['Host', 'svc', 'Accept', '*/*', 'User-Agent', 'ua', 'Cookie', 'c=1']);
    assert.equal(s.host, 'svc');
    assert.equal(s.forwardedFor, '1.1.1.1, 2.2.2.2');
    assert.equal(s.requestId, 'rid');
    assert.equal(s.proxyAuthorization, 'Basic abc');
    assert.equal(s.userAgent, 'ua');
    assert.equal(s.hasBody, true);
    assert.equal(s.headerCount, 21);
  });
  it('content-length 0 is no body; dropHost removes Host', () => {
    const s = fresh();
    scanRequestHeaders(['host', 'a', 'content-length', '0'], s, true);
    assert.equal(s.hasBody, false);
    assert.deepEqual(s.headers, ['content-length', '0']);
    assert.equal(s.headerBytes, 4 + 1 + 4 + 14 + 1 + 4);
  });
});

describe('headers: response', () => {
  it('drops hop-by-hop and the target request id, appends ours', () => {
    const raw = ['Content-Type', 'text/html', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'x-amzn-requestid', 'theirs', 'Set-Cookie', 'a', 'set-cookie', 'b'].map((s) => Buffer.from(s));
    const size = [0];
    assert.deepEqual(responseHeaders(raw, 'ours', size), ['Content-Type', 'text/html', 'Set-Cookie', 'a', 'set-cookie', 'b', 'x-amzn-requestid', 'ours']);
    assert.ok(size[0]! > 0);
  });
});
