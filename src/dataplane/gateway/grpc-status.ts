/**
 * How Trellis's own answers reach gRPC clients. A gRPC client reads `grpc-status`, not the
 * HTTP status: an HTTP error it would map itself (gRPC's "HTTP to gRPC status code mapping")
 * with a generic message. Trellis answers such clients as a gRPC server would — HTTP 200,
 * `content-type: application/grpc`, `grpc-status` and `grpc-message` in a trailers-only
 * response — keeping the reason text (LATTICE.md §10 #8) as the message.
 *
 * The code follows gRPC's own HTTP mapping, except 500: Lattice's 500 means "target
 * connection failure" (`TargetConnectionError`, no target), which gRPC calls UNAVAILABLE (a
 * retry may reach another target), not UNKNOWN. A local answer may name its code outright
 * (the protocol-version mismatch: UNIMPLEMENTED).
 */

/** gRPC status codes used here. */
export const GrpcCode = {
  UNKNOWN: 2,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** The gRPC status a gRPC client gets for an HTTP status Trellis (or a target) answered. */
export function grpcStatusOfHttp(status: number): number {
  switch (status) {
    case 400: return GrpcCode.INTERNAL;
    case 401: case 407: return GrpcCode.UNAUTHENTICATED;
    case 403: return GrpcCode.PERMISSION_DENIED;
    case 404: return GrpcCode.UNIMPLEMENTED;
    case 413: case 431: return GrpcCode.RESOURCE_EXHAUSTED;
    case 429: case 500: case 502: case 503: case 504: return GrpcCode.UNAVAILABLE;
    default: return GrpcCode.UNKNOWN;
  }
}

/**
 * `grpc-message` encoding (gRPC over HTTP/2): percent-encode every byte outside printable
 * ASCII and `%` itself; UTF-8 first.
 */
export function encodeGrpcMessage(text: string): string {
  let simple = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) { simple = false; break; }
  }
  if (simple) return text;
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    out += b < 0x20 || b > 0x7e || b === 0x25 ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}
