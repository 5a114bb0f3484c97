import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIPv6 } from 'node:net';
import { http2Probe } from './probe-http2.js';

/** One health-check request, as the checker decided it from the group's config. */
export interface ProbeRequest {
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly address: string;
  readonly port: number;
  /** Path and query, e.g. `/health?deep=1`. */
  readonly path: string;
  /** HTTP2: probed over HTTP/2 (probe-http2.ts); HTTP1 or absent: HTTP/1.1. */
  readonly protocolVersion?: 'HTTP1' | 'HTTP2';
}

/**
 * Sends one probe and resolves with the response status code. Rejects on connection and
 * protocol errors; stops (and may reject) when `signal` aborts — the checker owns the
 * timeout, so that it runs on the injected clock.
 */
export type Prober = (req: ProbeRequest, signal: AbortSignal) => Promise<number>;

/** Sent as User-Agent, so target logs can tell probes from traffic. */
export const HEALTH_CHECK_USER_AGENT = 'Trellis-VpcLattice-HealthChecker/1.0';

/**
 * The real prober: an HTTP/1.1 GET on a fresh connection (no agent, `Connection: close`),
 * closed as soon as the status line arrives — a check costs the target one short-lived
 * connection, as on Lattice. HTTPS probes do not verify the target's certificate, as Lattice
 * does not (LATTICE.md §2.4). HTTP/2 health checks are probed over HTTP/2 (probe-http2.ts).
 */
export const httpProber: Prober = (req, signal) => req.protocolVersion === 'HTTP2' ? http2Probe(req, signal, HEALTH_CHECK_USER_AGENT) : new Promise<number>((resolve, reject) => {
  const defaultPort = req.protocol === 'HTTPS' ? 443 : 80;
  const hostName = isIPv6(req.address) ? `[${req.address}]` : req.address;
  const host = req.port === defaultPort ? hostName : `${hostName}:${req.port}`;
  const options = {
    host: req.address,
    port: req.port,
    method: 'GET',
    path: req.path === '' ? '/' : req.path,
    agent: false as const,
    headers: { host, 'user-agent': HEALTH_CHECK_USER_AGENT, connection: 'close', accept: '*/*' },
  };
  let done = false;
  const finish = (err: Error | undefined, status?: number): void => {
    if (done) return;
    done = true;
    signal.removeEventListener('abort', onAbort);
    clientReq.destroy();
    if (err) reject(err);
    else resolve(status!);
  };
  const onResponse = (res: IncomingMessage): void => {
    // Only the status matters; destroying the request closes the connection without
    // reading a body the target may still be sending.
    res.on('error', () => undefined);
    finish(undefined, res.statusCode ?? 0);
  };
  const clientReq: ClientRequest = req.protocol === 'HTTPS'
    ? httpsRequest({ ...options, rejectUnauthorized: false }, onResponse)
    : httpRequest(options, onResponse);
  const onAbort = (): void => finish(new Error('health check aborted'));
  clientReq.on('error', (e) => finish(e));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort);
  clientReq.end();
});
