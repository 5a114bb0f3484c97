import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessLogDestination, TargetEntry } from '../../src/config/index.js';
import type { AccessLogRecord, AccessLogSink, RequestMetrics, RequestOutcome, TargetHealthSource, TargetStatus } from '../../src/dataplane/index.js';

/**
 * Simple real implementations of the data plane's contracts for its acceptance tests (an
 * in-memory sink, counting metrics, a health map), loopback backends on port 0 and a raw
 * HTTP client that can speak to a forward proxy.
 */

export class MemorySink implements AccessLogSink {
  readonly entries: { record: AccessLogRecord; destinations: readonly AccessLogDestination[] }[] = [];
  write(record: AccessLogRecord, destinations: readonly AccessLogDestination[]): void { this.entries.push({ record, destinations }); }
  async close(): Promise<void> {}
  get records(): AccessLogRecord[] { return this.entries.map((e) => e.record); }
  last(): AccessLogRecord { return this.entries[this.entries.length - 1]!.record; }
}

export class CountingMetrics implements RequestMetrics {
  readonly started: { serviceId: string; targetGroupId?: string }[] = [];
  readonly finished: RequestOutcome[] = [];
  requestStarted(serviceId: string, targetGroupId?: string): void { this.started.push({ serviceId, ...(targetGroupId ? { targetGroupId } : {}) }); }
  requestFinished(o: RequestOutcome): void { this.finished.push(o); }
}

export class MapHealth implements TargetHealthSource {
  readonly map = new Map<string, TargetStatus>();
  status(tgId: string, t: TargetEntry): TargetStatus { return this.map.get(`${tgId}/${t.id}:${t.port}`) ?? 'HEALTHY'; }
}

/** What a backend saw of one request. */
export interface Seen {
  readonly backend: string;
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly headers: IncomingHttpHeaders;
  readonly bodyLength: number;
}

export interface Backend {
  readonly name: string;
  readonly port: number;
  readonly seen: Seen[];
  server: Server;
  close(): Promise<void>;
}

/**
 * A backend on 127.0.0.1:0 answering JSON `{backend, url}` and recording what it saw;
 * `handler` overrides the answer.
 */
export async function startBackend(name: string, handler?: (req: IncomingMessage, res: ServerResponse, b: Backend) => void): Promise<Backend> {
  const seen: Seen[] = [];
  const b = { name, seen, port: 0 } as unknown as Backend & { port: number };
  const server = createServer({ maxHeaderSize: 128 * 1024 }, (req, res) => {
    if (handler) { handler(req, res, b); return; }
    let len = 0;
    req.on('data', (c: Buffer) => { len += c.length; });
    req.on('end', () => {
      seen.push({ backend: name, method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, headers: req.headers, bodyLength: len });
      const body = JSON.stringify({ backend: name, url: req.url, bodyLength: len });
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'from-target', connection: 'keep-alive' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  b.server = server;
  b.port = (server.address() as AddressInfo).port;
  b.close = () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
  return b;
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface SendOptions {
  readonly port: number;
  /** Origin-form or absolute-form request target. */
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string | string[]> | string[];
  readonly body?: string | Buffer;
}

/** One request on a fresh connection (no agent), the whole body read as text. */
export function send(o: SendOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: o.port, path: o.path, method: o.method ?? 'GET', headers: o.headers ?? {}, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(o.body);
  });
}

export const basic = (vpcId: string, secret = 'x'): string => 'Basic ' + Buffer.from(`${vpcId}:${secret}`).toString('base64');

/** A request through the proxy gateway as `vpcId`. */
export function viaProxy(port: number, vpcId: string | undefined, url: string, extra: Omit<SendOptions, 'port' | 'path'> = {}): Promise<Reply> {
  const u = new URL(url);
  const headers: Record<string, string | string[]> = { host: u.host, ...(extra.headers as Record<string, string> | undefined) };
  if (vpcId !== undefined) headers['proxy-authorization'] = basic(vpcId);
  return send({ ...extra, port, path: url, headers });
}

/** All values of a header, by raw name in any case. */
export function rawValues(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}
