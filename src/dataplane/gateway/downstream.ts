import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { ResponseHeadBytes } from '../http1/index.js';

/**
 * The client side of one exchange, whatever carried it: HTTP/1.x on Trellis's own
 * connection handling (src/dataplane/http1) or HTTP/2 streams (gateway/http2.ts, over
 * node:http2's core stream API). The request path (Exchange, auth, Lambda) sees only these
 * shapes, so the engine under a gateway can change without touching routing; both engines
 * implement just this much, and node:http's IncomingMessage / ServerResponse still satisfy
 * it as they are (tests and tools may use them).
 */

/** The connection a request came on: who sent it, and over what. */
export interface DownstreamSocket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  /** True on TLS connections (tls.TLSSocket's `encrypted`). */
  readonly encrypted?: boolean;
  /** The SNI the client sent, on TLS connections. */
  readonly servername?: string | false | null;
  /** OpenSSL's cipher name, on TLS connections (access log `sslCipher`). */
  getCipher?(): { readonly name: string } | undefined;
  /** 'TLSv1.3' etc., on TLS connections (access log `tlsVersion`). */
  getProtocol?(): string | null;
  /** Drops the connection without a response (a reset, as for a port with no listener). */
  destroy(): void;
}

/**
 * The request's head as received. Its body is reached through `requestBody(req)`: engines
 * that make a stream only for requests with a body (Trellis's HTTP/1.1 engine) offer
 * `bodyStream()`; node:http's and node:http2's request objects are themselves the body
 * stream (Readable).
 */
export interface DownstreamHead {
  readonly method?: string | undefined;
  /** The request target as received: origin-form, or absolute-form on the proxy gateway. */
  readonly url?: string | undefined;
  /** '1.0', '1.1' or '2.0'. */
  readonly httpVersion: string;
  /** Name/value alternating, names as the client sent them. */
  readonly rawHeaders: string[];
  /** Lower-cased header map (auth's condition keys); engines may build it on first use. */
  readonly headers: IncomingHttpHeaders;
  readonly socket: DownstreamSocket;
}

/** A request whose engine hands its body out on demand (no stream for bodyless requests). */
export interface BodySource {
  bodyStream(): Readable;
}

/** The request: its head, and its body either on demand (`bodyStream`) or as itself. */
export type DownstreamRequest = DownstreamHead & (BodySource | Readable);

/** The body stream of a request, whichever engine carried it. */
export function requestBody(req: DownstreamRequest): Readable {
  return 'bodyStream' in req ? req.bodyStream() : req;
}

/** The response: a head, then body chunks with backpressure, then the end. */
export interface DownstreamResponse {
  /** `headers` is a flat name/value list; the engine adds framing (length or chunked). */
  writeHead(status: number, headers: string[]): unknown;
  /**
   * Optional, for engines that can pass a target's head through as bytes (Trellis's
   * HTTP/1.1 engine): the head's kept lines (hop-by-hop and the target's x-amzn-requestid
   * already flagged), then `x-amzn-requestid: <requestId>`, then the engine's framing, as
   * `writeHead` would with the same list. `head` is valid only during the call. Engines
   * without it (HTTP/2) get `writeHead` with the list materialised.
   */
  writeHeadBytes?(head: ResponseHeadBytes, requestId: string): unknown;
  /** With writeHeadBytes: sends what is held back (the head, waiting to leave with its body). */
  flushHeld?(): void;
  /** False when the client is not keeping up: wait for 'drain'. */
  write(chunk: Buffer): boolean;
  end(data?: string): unknown;
  /**
   * Sends trailers after the body (gRPC's `grpc-status` over HTTP/2). Engines that cannot
   * carry trailers to this client (HTTP/1.x without chunked framing) drop them.
   */
  addTrailers?(trailers: Record<string, string>): void;
  /** Cuts the response short (the upstream failed mid-body). */
  destroy(): unknown;
  once(event: 'drain', listener: () => void): unknown;
  /** Emitted once when the exchange is over for the client: finished or gone. */
  on(event: 'close', listener: () => void): unknown;
  /** Removes a 'close' listener (engines that emit 'close' after `end` on a tick of their own). */
  off?(event: 'close', listener: () => void): unknown;
}

/** True when the request came over TLS. */
export function isEncrypted(req: DownstreamRequest): boolean {
  return req.socket.encrypted === true;
}
