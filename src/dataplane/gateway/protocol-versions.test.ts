import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeGrpcMessage, grpcStatusOfHttp } from './grpc-status.js';
import { isGrpcContentType, protocolVerdict, type GroupProtocolVersion } from './protocol-versions.js';

/** LATTICE.md §2.6 as a table: every (client, group) cell, plus the method rule of GRPC groups. */

const GRPC = ['content-type', 'application/grpc'];
const JSON_CT = ['Content-Type', 'application/json'];

type Cell = 'forward' | 'downgrade' | 'error';
const table: readonly [string, string, string, readonly string[], GroupProtocolVersion | undefined, Cell][] = [
  // [case, httpVersion, method, headers, group, verdict]
  ['HTTP/1.1 → HTTP1', '1.1', 'GET', JSON_CT, 'HTTP1', 'forward'],
  ['HTTP/1.0 → HTTP1', '1.0', 'GET', [], 'HTTP1', 'forward'],
  ['HTTP/1.1 → LAMBDA (no version)', '1.1', 'POST', [], undefined, 'forward'],
  ['HTTP/1.1 → HTTP2', '1.1', 'GET', [], 'HTTP2', 'error'],
  ['HTTP/1.1 → GRPC', '1.1', 'POST', [], 'GRPC', 'error'],
  ['HTTP/1.1 with a gRPC content type → GRPC (not gRPC without HTTP/2)', '1.1', 'POST', GRPC, 'GRPC', 'error'],
  ['HTTP/1.1 with a gRPC content type → HTTP1', '1.1', 'POST', GRPC, 'HTTP1', 'forward'],
  ['HTTP/2 → HTTP1 (downgrade)', '2.0', 'GET', JSON_CT, 'HTTP1', 'downgrade'],
  ['HTTP/2 → LAMBDA', '2.0', 'GET', [], undefined, 'downgrade'],
  ['HTTP/2 → HTTP2', '2.0', 'GET', [], 'HTTP2', 'forward'],
  ['HTTP/2 POST → GRPC', '2.0', 'POST', JSON_CT, 'GRPC', 'forward'],
  ['HTTP/2 GET → GRPC', '2.0', 'GET', [], 'GRPC', 'error'],
  ['gRPC → HTTP1', '2.0', 'POST', GRPC, 'HTTP1', 'error'],
  ['gRPC → HTTP2', '2.0', 'POST', GRPC, 'HTTP2', 'forward'],
  ['gRPC → GRPC', '2.0', 'POST', ['content-type', 'application/grpc+proto'], 'GRPC', 'forward'],
  ['gRPC (not POST) → GRPC', '2.0', 'GET', GRPC, 'GRPC', 'error'],
];

describe('protocol-version matrix (LATTICE.md §2.6)', () => {
  for (const [name, version, method, headers, group, want] of table) {
    it(name, () => {
      const v = protocolVerdict(version, method, headers, group);
      if (want === 'error') {
        assert.equal(typeof v, 'object', `${name}: an error`);
        assert.equal(typeof v === 'object' && v.status, 502);
        assert.equal(typeof v === 'object' && v.failureReason, 'ProtocolVersionMismatch');
        assert.equal(typeof v === 'object' && v.grpcStatus, 12);
      } else {
        assert.equal(v, want);
      }
    });
  }

  it('gRPC content types: application/grpc, +proto, ;params — not grpc-web or look-alikes', () => {
    for (const ct of ['application/grpc', 'Application/GRPC', 'application/grpc+proto', 'application/grpc;charset=utf-8']) assert.equal(isGrpcContentType(ct), true, ct);
    for (const ct of [undefined, '', 'application/grpc-web', 'application/grpc-web+proto', 'application/grpcx', 'application/json']) assert.equal(isGrpcContentType(ct), false, String(ct));
  });
});

describe('gRPC statuses of local answers', () => {
  it('follows gRPC\'s HTTP mapping, 500 (target connection failure) as UNAVAILABLE', () => {
    const cases: [number, number][] = [[400, 13], [401, 16], [403, 7], [404, 12], [429, 14], [500, 14], [502, 14], [503, 14], [504, 14], [413, 8], [418, 2]];
    for (const [http, grpc] of cases) assert.equal(grpcStatusOfHttp(http), grpc, String(http));
  });

  it('percent-encodes grpc-message outside printable ASCII and % itself', () => {
    assert.equal(encodeGrpcMessage('Not Found'), 'Not Found');
    assert.equal(encodeGrpcMessage('100% sure'), '100%25 sure');
    assert.equal(encodeGrpcMessage('line\nbreak é'), 'line%0Abreak %C3%A9');
  });
});
