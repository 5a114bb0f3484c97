import { createServer, type Server, type Socket } from 'node:net';
import { serveHttp1, type Http1Handler, type Http1ServerOptions } from '../http1/index.js';
import { hostPort } from '../router/router.js';
import type { DownstreamRequest, DownstreamResponse } from './downstream.js';
import { Exchange, type ExchangeContext } from './exchange.js';
import { scanRequestHeaders } from './headers.js';
import type { RequestPath } from './request-path.js';
import type { TlsTermination } from './tls.js';

/**
 * The two VPC gateways (ARCHITECTURE.md "VPCs and the gateway"): the VPC identity of a
 * request comes from which gateway it reached and how — configuration, never a header the
 * client can forge.
 *
 * (a) The proxy gateway is an HTTP forward proxy on one port. The client sends absolute-form
 * requests (`GET http://<service dns name>/path HTTP/1.1`) with
 * `Proxy-Authorization: Basic base64(vpc-id:secret)`: the user name is the caller's VPC id
 * (the secret is not checked yet — the auth issue will bind it to credentials). The listener
 * port is the URL's port (80 by default). No credentials → 407 with `Proxy-Authenticate`
 * (curl and every `http_proxy`-aware client then know to send them); a user name that names
 * no VPC known to Trellis → 403. Origin-form requests are accepted too (the Host header names
 * the service). `CONNECT host:port` (https through the proxy) tunnels into TLS termination
 * (tls.ts) when the data plane has certificates, and is answered 501 otherwise.
 *
 * (b) A VPC gateway is a listening address on loopback for one VPC where the Host header
 * names the service. Each listening address serves ONE listener port of the services,
 * fixed when it is opened (80 by default): a Host header's own port is ignored, so
 * `curl --resolve name:PORT:127.0.0.1 http://name:PORT/` works whatever PORT the address got.
 * To reach listeners on other ports, open one address per (VPC, listener port) pair. With
 * certificates, the same address also accepts TLS for HTTPS listeners (tls.ts `sniff`).
 *
 * Both speak HTTP/1.x through Trellis's own engine (http1/: `serveHttp1` on each accepted
 * socket). It reads up to 96 KB of request head so that the 60 KB / 100-header limits of
 * Lattice are answered by the request path (400, logged); past 96 KB the engine answers a
 * bare 431 and closes, with no access-log record (as node:http's bare 400 did).
 */
export type GatewayKind = 'proxy' | 'vpc';

const PROXY_AUTHENTICATE = ['proxy-authenticate', 'Basic realm="Trellis VPC gateway (user name = VPC id)"'];

/** A gateway's listening socket; `closeAllConnections` ends the connections it serves. */
export interface GatewayServer extends Server {
  closeAllConnections(): void;
}

export function createGatewayServer(
  ctx: ExchangeContext, path: RequestPath, kind: GatewayKind, vpcId: string, listenerPort: number, tls?: TlsTermination,
): GatewayServer {
  const onRequest: Http1Handler = kind === 'proxy'
    ? (req, res) => proxyRequest(ctx, path, req, res)
    : (req, res) => vpcRequest(ctx, path, req, res, vpcId, listenerPort);
  const options: Http1ServerOptions = kind !== 'proxy' ? {} : {
    onConnect: tls === undefined ? onConnectMethod : (req, socket, head) => tls.connect(req, socket, head),
  };
  const sockets = new Set<Socket>();
  // allowHalfOpen: a client that shuts its side after the request still gets the answer.
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // The one place a plaintext socket is handed to the HTTP/1.1 engine.
    serveHttp1(socket, onRequest, options);
  }) as GatewayServer;
  server.closeAllConnections = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return server;
}

function vpcRequest(ctx: ExchangeContext, path: RequestPath, req: DownstreamRequest, res: DownstreamResponse, vpcId: string, listenerPort: number): void {
  const ex = new Exchange(ctx, req, res);
  ex.vpcId = vpcId;
  ex.listenerPort = listenerPort;
  scanRequestHeaders(req.rawHeaders, ex, false);
  ex.path = req.url ?? '/';
  if (ex.host === undefined) return ex.reply(400, 'ClientProtocolError', 'Bad Request: no Host header');
  path.route(ex, ex.host);
}

const vpcOfCredentials = new Map<string, string>();

/** The VPC id of a `Basic base64(vpc-id:secret)` Proxy-Authorization value, '' if none. */
export function proxyUser(value: string): string {
  let user = vpcOfCredentials.get(value);
  if (user !== undefined) return user;
  user = '';
  const sp = value.indexOf(' ');
  if (sp > 0 && value.slice(0, sp).toLowerCase() === 'basic') {
    const decoded = Buffer.from(value.slice(sp + 1).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    user = colon < 0 ? decoded : decoded.slice(0, colon);
  }
  if (vpcOfCredentials.size > 10_000) vpcOfCredentials.clear();
  vpcOfCredentials.set(value, user);
  return user;
}

function proxyRequest(ctx: ExchangeContext, path: RequestPath, req: DownstreamRequest, res: DownstreamResponse): void {
  const ex = new Exchange(ctx, req, res);
  const url = req.url ?? '/';
  const absolute = url.charCodeAt(0) !== 0x2f /* / */;
  scanRequestHeaders(req.rawHeaders, ex, absolute);
  let authority: string;
  if (absolute) {
    if (url.length < 8 || url.slice(0, 7).toLowerCase() !== 'http://') {
      ex.path = url;
      return ex.reply(400, 'ClientProtocolError', 'Bad Request: the proxy gateway takes http:// URLs (https:// goes through CONNECT)');
    }
    let end = 7;
    while (end < url.length) {
      const c = url.charCodeAt(end);
      if (c === 0x2f || c === 0x3f) break;
      end++;
    }
    authority = url.slice(7, end);
    ex.path = end === url.length ? '/' : url.charCodeAt(end) === 0x3f ? '/' + url.slice(end) : url.slice(end);
    ex.host = authority;
    // RFC 9112 §3.2.2: a proxy replaces Host with the authority of the absolute URI.
    ex.headers.push('host', authority);
  } else {
    ex.path = url;
    if (ex.host === undefined) return ex.reply(400, 'ClientProtocolError', 'Bad Request: no Host header');
    authority = ex.host;
  }
  const port = hostPort(authority);
  ex.listenerPort = port > 0 ? port : 80;
  if (ex.proxyAuthorization === undefined) {
    return ex.reply(407, 'ProxyAuthenticationRequired', 'Proxy Authentication Required: use the VPC id as the proxy user name, e.g. http://vpc-0abc:x@host:port', PROXY_AUTHENTICATE);
  }
  ex.vpcId = proxyUser(ex.proxyAuthorization);
  if (ex.vpcId === '') {
    return ex.reply(407, 'ProxyAuthenticationRequired', 'Proxy Authentication Required: Basic credentials with the VPC id as user name', PROXY_AUTHENTICATE);
  }
  path.route(ex, authority);
}

function onConnectMethod(_req: unknown, socket: Socket): void {
  socket.on('error', () => socket.destroy());
  socket.end('HTTP/1.1 501 Not Implemented\r\ncontent-type: text/plain\r\ncontent-length: 47\r\nconnection: close\r\n\r\nCONNECT is not supported by the proxy gateway.\n');
}
