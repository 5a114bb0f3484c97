/**
 * How an upstream failure is answered (LATTICE.md §2.8, §5.1, §10 #12): the status Trellis
 * sends when the response has not started, and the access log's `failureReason`.
 *
 * - connection could not be made (refused, unreachable, connect timeout) → 500
 *   `TargetConnectionError` ("500 internal or target connection failure");
 * - the target closed or reset the connection before the response was complete → 502
 *   `TargetConnectionClosed`;
 * - the target's response was not valid HTTP/1.1 → 502 `TargetProtocolError`;
 * - no response headers or body data within the service's `idleTimeoutSeconds` → 504
 *   `TargetDataTimeout` (also counted as a request timeout);
 * - anything else → 500 `InternalError`.
 */
export interface UpstreamFailure {
  readonly status: number;
  readonly reason: string;
  readonly timedOut: boolean;
}

const CONNECT: UpstreamFailure = { status: 500, reason: 'TargetConnectionError', timedOut: false };
const CLOSED: UpstreamFailure = { status: 502, reason: 'TargetConnectionClosed', timedOut: false };
const PROTOCOL: UpstreamFailure = { status: 502, reason: 'TargetProtocolError', timedOut: false };
const TIMEOUT: UpstreamFailure = { status: 504, reason: 'TargetDataTimeout', timedOut: true };
const INTERNAL: UpstreamFailure = { status: 500, reason: 'InternalError', timedOut: false };

export function classifyUpstreamError(err: unknown): UpstreamFailure {
  if (typeof err !== 'object' || err === null) return INTERNAL;
  // undici's HTTPParserError may carry no code (e.g. a status line that is not HTTP at all).
  if ((err as { name?: unknown }).name === 'HTTPParserError') return PROTOCOL;
  const code = 'code' in err ? String((err as { code: unknown }).code) : '';
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return TIMEOUT;
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return CONNECT;
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
    // HTTP/2 upstreams (h2-pool.ts): the target reset the stream, or the session went away.
    case 'ERR_HTTP2_STREAM_ERROR':
    case 'ERR_HTTP2_SESSION_ERROR':
    case 'ERR_HTTP2_GOAWAY_SESSION':
    case 'ERR_HTTP2_STREAM_CANCEL':
      return CLOSED;
    case 'ERR_HTTP2_PROTOCOL_ERROR':
      return PROTOCOL;
    case 'UND_ERR_INFO':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_HEADERS_OVERFLOW':
      return PROTOCOL;
    default:
      return code.startsWith('HPE_') ? PROTOCOL : INTERNAL;
  }
}
