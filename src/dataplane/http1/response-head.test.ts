import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { responseHeaders } from '../gateway/headers.js';
import { HttpParseError, parseResponseHead } from './head.js';
import { readResponseHead, ResponseHeadBytes } from './response-head.js';
import { prng } from './test-support.js';

/**
 * The byte-level response head reader against head.ts's string parser: for generated and
 * fuzzed heads both refuse with the same code and message, or both read the same status,
 * reason, version, header list and framing. The kept lines and the access-log byte count
 * are checked against gateway/headers.ts's `responseHeaders` on the string list.
 */

type Outcome = { readonly error: string } | {
  readonly status: number; readonly reason: string; readonly version: string; readonly rawHeaders: readonly string[];
  readonly contentLength: number; readonly chunked: boolean; readonly close: boolean;
};

function viaString(head: string): Outcome {
  try {
    const r = parseResponseHead(head);
    return { status: r.status, reason: r.reason, version: r.version, rawHeaders: r.rawHeaders, contentLength: r.contentLength, chunked: r.chunked, close: r.close };
  } catch (err) {
    if (err instanceof HttpParseError) return { error: `${err.code}: ${err.message}` };
    throw err;
  }
}

/** Reads `head` placed inside a larger buffer (bytes before it, CRLFCRLF and a body after). */
function viaBytes(head: string, into: ResponseHeadBytes): Outcome {
  const buf = Buffer.from(`xyz${head}\r\n\r\nbody`, 'latin1');
  try {
    readResponseHead(buf, 3, 3 + head.length, into);
  } catch (err) {
    if (err instanceof HttpParseError) return { error: `${err.code}: ${err.message}` };
    throw err;
  }
  return {
    status: into.status, reason: into.reason(), version: into.version, rawHeaders: into.rawHeaders(),
    contentLength: into.contentLength, chunked: into.chunked, close: into.close,
  };
}

/** The kept lines (the runs, as text) and byte counts agree with the string path's. */
function checkKept(head: string, into: ResponseHeadBytes, raw: readonly string[]): void {
  const size = [0];
  const want = responseHeaders(raw, 'ID', size);
  want.splice(-2, 2);
  const out = Buffer.alloc(into.keptBytes + 10);
  assert.equal(into.copyKept(out, 3), into.keptBytes, head);
  const text = out.toString('latin1', 3, 3 + into.keptBytes);
  // The engine's form: `name: value` lines, as writeHead writes a string list.
  assert.equal(text, want.map((v, i) => (i % 2 === 0 ? `${v}: ` : `${v}\r\n`)).join(''), head);
  assert.equal(into.headerBytes + 'ID'.length + 20, size[0], head);
  let date = false;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'date') date = true;
  assert.equal(into.hasDate, date, head);
}

const NAMES = [
  'Content-Length', 'content-length', 'Transfer-Encoding', 'Connection', 'connection', 'Keep-Alive', 'Proxy-Connection',
  'TE', 'Trailer', 'Upgrade', 'X-Amzn-RequestId', 'x-amzn-requestid', 'Date', 'date', 'Server', 'Content-Type', 'X-A', 'Expect',
];
const VALUES: Record<string, readonly string[]> = {
  'content-length': ['0', '5', '12', '007', '5, 5', '5,6', ' 5 ', '5,\xa05', '', '1x', '-1', '999999999999999', '9999999999999999', ',5'],
  'transfer-encoding': ['chunked', 'Chunked', 'gzip, chunked', 'chunked, gzip', 'identity', '', ' , ', 'CHUNKED '],
  connection: ['keep-alive', 'Keep-Alive', 'close', 'CLOSE', 'foo, close', 'close\xa0', 'keep-alive, upgrade', '', 'x,\tkeep-alive'],
};
const OTHER_VALUES = ['', 'x', 'a b\tc', 'caf\xe9', 'text/plain; charset=utf-8', 'Mon, 01 Jan 2024 00:00:00 GMT', '\t v \t'];
const STATUS_LINES = [
  'HTTP/1.1 200 OK', 'HTTP/1.1 200', 'HTTP/1.1 200 ', 'HTTP/1.0 204 No Content', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 999 x',
  'HTTP/1.1 099 x', 'HTTP/1.1 2x0 OK', 'HTTP/1.2 200 OK', 'HTTP/2.0 200 OK', 'http/1.1 200 OK', 'HTTP/1.1  200 OK',
  'HTTP/1.1 200OK', 'HTTP/1.1 20', 'HTTP/1.1 101 Switching Protocols', 'HTTP/1.1 200 caf\xe9 \t ok', 'HTTP/1.1 200 \x7f',
];
/** Bytes the mutations insert: the ones the rules are about. */
const ALPHABET = ['\r', '\n', ':', ' ', '\t', ',', '\0', '\x7f', '\xa0', '\xe9', '0', '5', 'a', 'Z', '-', '(', '\r\n', '\r\n '];

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

function generate(rand: () => number): string {
  let head = pick(rand, STATUS_LINES);
  const n = Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) {
    const name = pick(rand, NAMES);
    const value = pick(rand, VALUES[name.toLowerCase()] ?? OTHER_VALUES);
    const sep = pick(rand, [': ', ':', ':  ', ':\t']);
    head += `\r\n${name}${sep}${value}${rand() < 0.1 ? ' ' : ''}`;
  }
  return head;
}

function mutate(rand: () => number, head: string): string {
  const at = Math.floor(rand() * (head.length + 1));
  const r = rand();
  if (r < 0.4) return head.slice(0, at) + pick(rand, ALPHABET) + head.slice(at);
  if (r < 0.7) return head.slice(0, at) + head.slice(at + 1);
  return head.slice(0, at) + pick(rand, ALPHABET) + head.slice(at + 1);
}

describe('http1 response head in bytes (differential against parseResponseHead)', () => {
  it('agrees on a typical head and exposes its spans', () => {
    const into = new ResponseHeadBytes();
    const head = 'HTTP/1.1 200 OK\r\nServer: t\r\nDate: d\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive';
    assert.deepEqual(viaBytes(head, into), viaString(head));
    assert.equal(into.hasDate, true);
    assert.equal(into.runCount, 1, 'the kept lines are one run');
    assert.equal(into.buf.toString('latin1', into.runs[0]!, into.runs[1]!), 'Server: t\r\nDate: d\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n');
  });

  it('rewrites a kept line not in `name: value` form and starts a new run after it', () => {
    const into = new ResponseHeadBytes();
    viaBytes('HTTP/1.1 200 OK\r\nA: 1\r\nB:2 \t\r\nC:\r\nD: 4', into);
    assert.equal(into.runCount, 4);
    const out = Buffer.alloc(into.keptBytes);
    into.copyKept(out, 0);
    assert.equal(out.toString('latin1'), 'A: 1\r\nB: 2\r\nC: \r\nD: 4\r\n');
  });

  it('splits the kept lines into runs around the dropped ones and grows past 32 lines', () => {
    const into = new ResponseHeadBytes();
    let head = 'HTTP/1.1 200 OK\r\nA: 1\r\nConnection: close\r\nB: 2\r\nX-Amzn-RequestId: t\r\nKeep-Alive: 5\r\nC: 3';
    for (let i = 0; i < 70; i++) head += `\r\nH${i}: ${i}`;
    const got = viaBytes(head, into);
    assert.deepEqual(got, viaString(head));
    assert.equal(into.runCount, 3);
    assert.equal(into.count, 76);
    assert.ok(!('error' in got));
    checkKept(head, into, got.rawHeaders);
  });

  it('agrees on 3,000 generated heads and 3,000 mutations of them (seeded)', () => {
    const rand = prng(20240917);
    const into = new ResponseHeadBytes();
    let valid = 0;
    let invalid = 0;
    const codes = new Set<string>();
    for (let i = 0; i < 6000; i++) {
      let head = generate(rand);
      if (i % 2 === 1) {
        const k = 1 + Math.floor(rand() * 3);
        for (let j = 0; j < k; j++) head = mutate(rand, head);
        // The caller cuts the head at its first CRLFCRLF: a mutation that made one is cut there too.
        const cut = head.indexOf('\r\n\r\n');
        if (cut >= 0) head = head.slice(0, cut);
      }
      const want = viaString(head);
      const got = viaBytes(head, into);
      assert.deepEqual(got, want, JSON.stringify(head));
      if ('error' in want) { invalid++; codes.add(want.error.split(':')[0]!); } else {
        valid++;
        checkKept(head, into, want.rawHeaders);
      }
    }
    // The generator must reach both sides and every rule of the status line and headers.
    assert.ok(valid > 1000 && invalid > 1000, `${valid} valid, ${invalid} invalid`);
    for (const code of ['HPE_INVALID_CONSTANT', 'HPE_INVALID_VERSION', 'HPE_INVALID_STATUS', 'HPE_INVALID_HEADER_TOKEN', 'HPE_INVALID_CONTENT_LENGTH', 'HPE_UNEXPECTED_CONTENT_LENGTH']) {
      assert.ok(codes.has(code), `no head refused with ${code}`);
    }
  });

  it('agrees on 2,000 seeded random byte strings', () => {
    const rand = prng(7);
    const into = new ResponseHeadBytes();
    for (let i = 0; i < 2000; i++) {
      let head = 'HTTP/1.1 200 OK\r\n';
      if (rand() < 0.3) head = head.slice(0, Math.floor(rand() * head.length));
      const n = Math.floor(rand() * 40);
      for (let j = 0; j < n; j++) head += rand() < 0.5 ? pick(rand, ALPHABET) : String.fromCharCode(Math.floor(rand() * 256));
      const cut = head.indexOf('\r\n\r\n');
      if (cut >= 0) head = head.slice(0, cut);
      assert.deepEqual(viaBytes(head, into), viaString(head), JSON.stringify(head));
    }
  });
});
