/**
 * LATTICE.md §2.6, the protocol-version matrix: may a request of this HTTP version (and
 * gRPC or not) go to a target group of this `protocolVersion`?
 *
 * | request \ group | HTTP1 | HTTP2 | GRPC |
 * | --- | --- | --- | --- |
 * | HTTP/1.x | forward | error | error |
 * | HTTP/2 | downgrade (to HTTP/1.1) | forward | forward only if POST |
 * | gRPC (HTTP/2, `application/grpc*`) | error | forward | forward (POST, as gRPC always is) |
 *
 * A gRPC content type on an HTTP/1.x request is not gRPC (gRPC needs HTTP/2): that request
 * is an HTTP/1.1 one. LAMBDA groups have no protocol version: they take every request, as
 * HTTP1 groups do (the Lambda event carries no version).
 *
 * Errors (AWS documents none: LATTICE.md recommends 502): `502`, failureReason
 * `ProtocolVersionMismatch`; a gRPC client gets it as gRPC status UNIMPLEMENTED (12) — the
 * mismatch is configuration, not a transient failure a client should retry, which is what
 * 502's gRPC mapping (UNAVAILABLE) would tell it.
 */

export type GroupProtocolVersion = 'HTTP1' | 'HTTP2' | 'GRPC';

/** What to do with the request; `undefined` verdicts mean "forward as it is". */
export interface ProtocolMismatch {
  readonly status: 502;
  readonly failureReason: 'ProtocolVersionMismatch';
  /** The text reason of the local answer. */
  readonly message: string;
  /** The gRPC status a gRPC client gets instead of the HTTP status. */
  readonly grpcStatus: number;
}

export type ProtocolVerdict = 'forward' | 'downgrade' | ProtocolMismatch;

/** gRPC status UNIMPLEMENTED. */
export const GRPC_UNIMPLEMENTED = 12;

/**
 * The matrix itself. `headers` is the flat forwarded list (only read for HTTP/2 requests,
 * to find the content type); `group` undefined is a group without a version (LAMBDA).
 */
export function protocolVerdict(
  httpVersion: string, method: string, headers: readonly string[], group: GroupProtocolVersion | undefined,
): ProtocolVerdict {
  const v = group ?? 'HTTP1';
  if (httpVersion !== '2.0') return v === 'HTTP1' ? 'forward' : mismatch(`Bad Gateway: the target group speaks ${v === 'GRPC' ? 'gRPC' : 'HTTP/2'}; send the request over HTTP/2 (HTTPS listener, ALPN h2)`);
  const grpc = isGrpcContentType(headerValue(headers, 'content-type'));
  if (v === 'HTTP1') return grpc ? mismatch('Bad Gateway: gRPC request to an HTTP/1.1 target group') : 'downgrade';
  if (v === 'GRPC' && method !== 'POST') return mismatch(`Bad Gateway: a gRPC target group takes POST requests only, not ${method}`);
  return 'forward';
}

/** True for `application/grpc`, `application/grpc+proto`, `application/grpc;…` (not grpc-web). */
export function isGrpcContentType(value: string | undefined): boolean {
  if (value === undefined || value.length < 16) return false;
  const lower = value.slice(0, 16).toLowerCase();
  if (lower !== 'application/grpc') return false;
  if (value.length === 16) return true;
  const c = value.charCodeAt(16);
  return c === 0x2b /* + */ || c === 0x3b /* ; */;
}

/** The first value of a header (any letter case) in a flat list. */
export function headerValue(headers: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i]!;
    if (n.length === lowerName.length && n.toLowerCase() === lowerName) return headers[i + 1];
  }
  return undefined;
}

function mismatch(message: string): ProtocolMismatch {
  return { status: 502, failureReason: 'ProtocolVersionMismatch', message, grpcStatus: GRPC_UNIMPLEMENTED };
}
