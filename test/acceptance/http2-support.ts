import { connect as h2connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { request as httpRequest } from 'node:http';
import { readFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { CreateAccessLogSubscriptionCommand, CreateServiceCommand, type TargetGroupProtocolVersion } from '@aws-sdk/client-vpc-lattice';
import { eventually, type TestTrellis } from '../support/trellis.js';
import { basic } from './dataplane-support.js';
import { LatticeNetwork } from './lattice-setup.js';

/**
 * Shared by the HTTP/2 and gRPC acceptance tests: a network with HTTPS services whose
 * default action forwards to one target group each (of a given protocolVersion), an
 * access-log subscription to files, node:http2 clients over TLS to the VPC address or
 * through the proxy's CONNECT, and a reader for the access-log records.
 */

export interface ServiceSpec {
  readonly name: string;
  readonly protocolVersion: TargetGroupProtocolVersion;
  readonly targetPort: number;
  /** Also an HTTP listener on this port (same default action). */
  readonly httpPort?: number;
}

export interface LatticeSetup {
  /** Service name → generated DNS name. */
  readonly hosts: Record<string, string>;
  readonly vpcPort: number;
  readonly ca: string;
  readonly logDir: string;
}

/** The network (with an access-log subscription) and `services`, each routed before this returns. */
export async function setUpServices(t: TestTrellis, vpcId: string, cidr: string, net: string, services: readonly ServiceSpec[]): Promise<LatticeSetup> {
  const network = await LatticeNetwork.create(t, vpcId, cidr, net);
  const [, , , region, account] = network.network.arn!.split(':');
  await t.lattice.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: network.network.id, destinationArn: `arn:aws:logs:${region}:${account}:log-group:/trellis/${net}` }));
  const hosts: Record<string, string> = {};
  for (const s of services) {
    const svc = await t.lattice.send(new CreateServiceCommand({ name: s.name }));
    hosts[s.name] = svc.dnsEntry!.domainName!;
    const tg = await network.targetGroup(`${s.name}-tg`, [s.targetPort], { protocolVersion: s.protocolVersion });
    await network.listener(svc.id!, 'https', 'HTTPS', 443, tg.id!);
    if (s.httpPort !== undefined) await network.listener(svc.id!, 'http', 'HTTP', s.httpPort, tg.id!);
    await network.associate(svc.id!);
  }
  const { vpcPort, ca } = await network.open();
  const setup = { hosts, vpcPort, ca, logDir: join(t.dataDir, 'logs') };
  // Routed once the data plane has compiled every service (a handshake needs the listener).
  for (const name of Object.keys(hosts)) {
    await eventually(async () => {
      const s = await h2Session(setup, name).catch(() => undefined);
      s?.destroy();
      return s !== undefined;
    }, 10_000);
  }
  return setup;
}

/** An HTTP/2 session over TLS to the VPC address, SNI = the service's name, trusting the CA only. */
export function h2Session(setup: LatticeSetup, service: string): Promise<ClientHttp2Session> {
  const host = setup.hosts[service]!;
  return openSession(`https://${host}`, () => tlsConnect({ host: '127.0.0.1', port: setup.vpcPort, servername: host, ca: setup.ca, ALPNProtocols: ['h2'] }));
}

/** The same through the proxy gateway: CONNECT host:443 as `vpcId`, then TLS + h2 in the tunnel. */
export function h2SessionViaProxy(setup: LatticeSetup, proxy: string, vpcId: string, service: string): Promise<ClientHttp2Session> {
  const host = setup.hosts[service]!;
  const [phost, pport] = proxy.split(':');
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: phost, port: Number(pport), method: 'CONNECT', path: `${host}:443`, headers: { host: `${host}:443`, 'proxy-authorization': basic(vpcId) }, agent: false });
    req.on('error', reject);
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) { socket.destroy(); reject(new Error(`CONNECT answered ${res.statusCode}`)); return; }
      openSession(`https://${host}`, () => tlsConnect({ socket, servername: host, ca: setup.ca, ALPNProtocols: ['h2'] })).then(resolve, reject);
    });
    req.end();
  });
}

function openSession(authority: string, createConnection: () => ReturnType<typeof tlsConnect>): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = h2connect(authority, { createConnection });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
    s.setTimeout(5000, () => { s.destroy(); reject(new Error('HTTP/2 session timed out')); });
  });
}

export interface H2Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly trailers: IncomingHttpHeaders | undefined;
  /** The stream's RST_STREAM code when it was reset, else 0. */
  readonly rstCode: number;
}

/** One request on a session, the body read whole. */
export function h2Request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string | Buffer): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let status = 0;
    let got: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => { status = Number(h[':status']); got = h; });
    stream.on('trailers', (h) => { trailers = h; });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.on('close', () => {
      if (status === 0 && stream.rstCode === constants.NGHTTP2_NO_ERROR) reject(new Error('closed without a response'));
      else resolve({ status, headers: got, body: Buffer.concat(chunks).toString('utf8'), trailers, rstCode: stream.rstCode ?? 0 });
    });
    stream.setTimeout(10_000, () => stream.close(constants.NGHTTP2_CANCEL));
    if (body !== undefined) stream.end(body);
  });
}

/** The access-log records (files under `logDir`) that `pred` picks, once there are `min`. */
export function logRecords(logDir: string, pred: (r: Record<string, unknown>) => boolean, min = 1): Promise<Record<string, unknown>[]> {
  return eventually(async () => {
    let files: string[] = [];
    try {
      files = readdirSync(logDir, { recursive: true }).map(String).filter((f) => f.endsWith('.log'));
    } catch {
      return undefined;
    }
    const all: Record<string, unknown>[] = [];
    for (const f of files) {
      for (const line of (await readFile(join(logDir, f), 'utf8')).split('\n')) if (line !== '') all.push(JSON.parse(line) as Record<string, unknown>);
    }
    const mine = all.filter(pred);
    return mine.length >= min ? mine : undefined;
  }, 5000, 20);
}
