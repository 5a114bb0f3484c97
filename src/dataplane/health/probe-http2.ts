import { connect, constants } from 'node:http2';
import { isIPv6 } from 'node:net';
import type { ProbeRequest } from './probe.js';

/**
 * Health checks with `protocolVersion: HTTP2` (LATTICE.md §2.5): a GET over HTTP/2 — h2c
 * by prior knowledge for HTTP checks, h2 over TLS (ALPN) for HTTPS ones, the certificate not
 * verified as Lattice does not (§2.4) — on a fresh session closed as soon as the response
 * head arrives, so a check costs the target one short-lived connection, as the HTTP/1.1
 * prober does. A target that does not speak HTTP/2 fails the check.
 */
export function http2Probe(req: ProbeRequest, signal: AbortSignal, userAgent: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const scheme = req.protocol === 'HTTPS' ? 'https' : 'http';
    const defaultPort = req.protocol === 'HTTPS' ? 443 : 80;
    const hostName = isIPv6(req.address) ? `[${req.address}]` : req.address;
    const authority = req.port === defaultPort ? hostName : `${hostName}:${req.port}`;
    const session = connect(`${scheme}://${hostName}:${req.port}`, { rejectUnauthorized: false, settings: { enablePush: false } });
    let done = false;
    const finish = (err: Error | undefined, status?: number): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      session.destroy();
      if (err) reject(err);
      else resolve(status!);
    };
    const onAbort = (): void => finish(new Error('health check aborted'));
    session.on('error', (e: Error) => finish(e));
    const stream = session.request({
      ':method': 'GET', ':path': req.path === '' ? '/' : req.path, ':scheme': scheme, ':authority': authority,
      'user-agent': userAgent, accept: '*/*',
    });
    stream.on('response', (headers) => finish(undefined, Number(headers[':status'] ?? 0)));
    stream.on('error', (e: Error) => finish(e));
    stream.on('close', () => finish(new Error(`health check stream closed (code ${stream.rstCode ?? constants.NGHTTP2_NO_ERROR}) before a response`)));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort);
  });
}
