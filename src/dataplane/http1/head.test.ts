import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { headEnd, HttpParseError, parseRequestHead, parseResponseHead } from './head.js';
import { prng } from '../../model/index.js';

/** Request and response heads: what is read, and every rule that refuses one (RFC 9112). */

describe('http1 head parser: requests', () => {
  const valid: [string, string, Partial<ReturnType<typeof parseRequestHead>>][] = [
    ['simple GET', 'GET / HTTP/1.1\r\nHost: a', { method: 'GET', target: '/', version: '1.1', rawHeaders: ['Host', 'a'], keepAlive: true, contentLength: -1, chunked: false }],
    ['absolute-form', 'GET http://svc.local:8080/p?q=1 HTTP/1.1\r\nHost: svc.local', { target: 'http://svc.local:8080/p?q=1' }],
    ['HTTP/1.0 closes by default', 'GET / HTTP/1.0', { version: '1.0', keepAlive: false }],
    ['HTTP/1.0 keep-alive', 'GET / HTTP/1.0\r\nConnection: Keep-Alive', { keepAlive: true }],
    ['HTTP/1.1 Connection: close', 'GET / HTTP/1.1\r\nConnection: foo, close', { keepAlive: false }],
    ['values trimmed, case kept', 'GET / HTTP/1.1\r\nX-A:   b c \t\r\nx-B:', { rawHeaders: ['X-A', 'b c', 'x-B', ''] }],
    ['content-length', 'POST / HTTP/1.1\r\nContent-Length: 12', { contentLength: 12 }],
    ['repeated equal content-length', 'POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5, 5', { contentLength: 5 }],
    ['chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: Chunked', { chunked: true }],
    ['expect 100-continue', 'PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1', { expectContinue: true }],
    ['obs-text in a value', 'GET / HTTP/1.1\r\nX: caf\xe9', { rawHeaders: ['X', 'caf\xe9'] }],
    ['CONNECT authority-form', 'CONNECT svc.local:443 HTTP/1.1', { method: 'CONNECT', target: 'svc.local:443' }],
  ];
  for (const [name, head, want] of valid) {
    it(`reads ${name}`, () => {
      const got = parseRequestHead(head);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof typeof got], v, k);
    });
  }

  const malformed: [string, string, string][] = [
    ['empty', '', 'HPE_INVALID_CONSTANT'],
    ['no version', 'GET /', 'HPE_INVALID_CONSTANT'],
    ['two spaces', 'GET  / HTTP/1.1', 'HPE_INVALID_CONSTANT'],
    ['extra token', 'GET / HTTP/1.1 x', 'HPE_INVALID_CONSTANT'],
    ['HTTP/2.0 line', 'PRI * HTTP/2.0', 'HPE_INVALID_VERSION'],
    ['HTTP/1.2', 'GET / HTTP/1.2', 'HPE_INVALID_VERSION'],
    ['lower-case version', 'GET / http/1.1', 'HPE_INVALID_VERSION'],
    ['bad method char', 'G(T / HTTP/1.1', 'HPE_INVALID_METHOD'],
    ['control char in target', 'GET /\x01 HTTP/1.1', 'HPE_INVALID_URL'],
    ['bare LF ending a header', 'GET / HTTP/1.1\r\nA: b\nC: d', 'HPE_INVALID_HEADER_TOKEN'],
    ['bare CR in a value', 'GET / HTTP/1.1\r\nA: b\rc', 'HPE_INVALID_HEADER_TOKEN'],
    ['bare LF ending the request line', 'GET / HTTP/1.1\nA: b', 'HPE_INVALID_CONSTANT'],
    ['NUL in a value', 'GET / HTTP/1.1\r\nA: b\0c', 'HPE_INVALID_HEADER_TOKEN'],
    ['space before colon', 'GET / HTTP/1.1\r\nA : b', 'HPE_INVALID_HEADER_TOKEN'],
    ['no colon', 'GET / HTTP/1.1\r\nAbc', 'HPE_INVALID_HEADER_TOKEN'],
    ['empty name', 'GET / HTTP/1.1\r\n: b', 'HPE_INVALID_HEADER_TOKEN'],
    ['obs-fold', 'GET / HTTP/1.1\r\nA: b\r\n c', 'HPE_INVALID_HEADER_TOKEN'],
    ['content-length not digits', 'POST / HTTP/1.1\r\nContent-Length: 1x', 'HPE_INVALID_CONTENT_LENGTH'],
    ['negative content-length', 'POST / HTTP/1.1\r\nContent-Length: -1', 'HPE_INVALID_CONTENT_LENGTH'],
    ['empty content-length', 'POST / HTTP/1.1\r\nContent-Length: ', 'HPE_INVALID_CONTENT_LENGTH'],
    ['huge content-length', 'POST / HTTP/1.1\r\nContent-Length: 99999999999999999999', 'HPE_INVALID_CONTENT_LENGTH'],
    ['differing content-lengths', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['differing content-length list', 'POST / HTTP/1.1\r\nContent-Length: 5, 6', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['content-length and chunked', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['gzip, chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked', 'HPE_INVALID_TRANSFER_ENCODING'],
    ['chunked, gzip', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip', 'HPE_INVALID_TRANSFER_ENCODING'],
    ['chunked twice', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked', 'HPE_INVALID_TRANSFER_ENCODING'],
    ['unknown coding', 'POST / HTTP/1.1\r\nTransfer-Encoding: identity', 'HPE_INVALID_TRANSFER_ENCODING'],
    ['empty transfer-encoding', 'POST / HTTP/1.1\r\nTransfer-Encoding: ', 'HPE_INVALID_TRANSFER_ENCODING'],
  ];
  for (const [name, head, code] of malformed) {
    it(`refuses ${name} (${code})`, () => {
      assert.throws(() => parseRequestHead(head), (err: unknown) => err instanceof HttpParseError && err.code === code);
    });
  }
});

describe('http1 head parser: responses', () => {
  it('reads status, reason, headers and framing', () => {
    const r = parseResponseHead('HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-Y: z');
    assert.equal(r.status, 404);
    assert.equal(r.reason, 'Not Found');
    assert.equal(r.contentLength, 3);
    assert.deepEqual(r.rawHeaders, ['Content-Length', '3', 'X-Y', 'z']);
    assert.equal(r.close, false);
  });

  it('reads a status line without a reason, chunked and Connection: close', () => {
    const r = parseResponseHead('HTTP/1.1 200\r\nTransfer-Encoding: chunked\r\nConnection: close');
    assert.equal(r.reason, '');
    assert.equal(r.chunked, true);
    assert.equal(r.close, true);
  });

  it('treats HTTP/1.0 as close unless keep-alive, and a non-chunked coding as close-delimited', () => {
    assert.equal(parseResponseHead('HTTP/1.0 200 OK').close, true);
    assert.equal(parseResponseHead('HTTP/1.0 200 OK\r\nConnection: keep-alive').close, false);
    const gz = parseResponseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip');
    assert.equal(gz.chunked, false);
    assert.equal(gz.close, true);
  });

  for (const [name, head] of [
    ['not HTTP', 'SSH-2.0-OpenSSH'], ['two-digit status', 'HTTP/1.1 20 OK'], ['letters in status', 'HTTP/1.1 2x0 OK'],
    ['HTTP/2', 'HTTP/2.0 200 OK'], ['length and chunked', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked'],
    ['bad header', 'HTTP/1.1 200 OK\r\nA b: c'],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parseResponseHead(head), HttpParseError);
    });
  }
});

describe('http1 head parser: where a head ends', () => {
  it('finds the first CRLFCRLF as Buffer#indexOf does, in short and long heads, from any offset', () => {
    const rnd = prng(7_2026);
    const CRLF2 = Buffer.from('\r\n\r\n');
    // Mostly header-like bytes with many CR/LF, so near-misses (\r\n\r, \n\r\n) are common.
    const alphabet = Buffer.from('ab:\r\n\r\n \r');
    for (let i = 0; i < 4000; i++) {
      const len = Math.floor(rnd() * (i % 10 === 0 ? 3000 : 300));
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = rnd() < 0.9 ? 0x61 + Math.floor(rnd() * 26) : alphabet[Math.floor(rnd() * alphabet.length)]!;
      // Some end exactly at the buffer's end, some past 1 KB (the native search's part).
      if (len >= 4 && rnd() < 0.3) CRLF2.copy(buf, len - 4);
      const from = Math.floor(rnd() * Math.max(1, len));
      assert.equal(headEnd(buf, from), buf.indexOf(CRLF2, from), `case ${i} (length ${len}, from ${from})`);
    }
    assert.equal(headEnd(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 0), 14);
    assert.equal(headEnd(Buffer.from('\r\n\r'), 0), -1);
    assert.equal(headEnd(Buffer.alloc(0), 0), -1);
  });
});
