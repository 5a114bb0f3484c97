import type { IncomingHttpHeaders } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, createServer as createTlsServer, type SecureContext, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { serveHttp1 } from '../http1/index.js';
import type { DownstreamRequest, DownstreamResponse } from './downstream.js';
import { hostPort, listenerOn, networkOf } from '../router/router.js';
import { Exchange, type ExchangeContext } from './exchange.js';
import { proxyUser } from './gateways.js';
import { scanRequestHeaders } from './headers.js';
import type { RequestPath } from './request-path.js';
import { Passthrough } from './passthrough.js';
import { Http2Gateway, refuseCleartextHttp2, startsHttp2Preface } from './http2.js';

/**
 * TLS termination for HTTPS listeners (LATTICE.md §2.2, issue 6).
 *
 * Where TLS arrives:
 * - **A VPC gateway address** accepts TLS on the same port as plaintext: the first byte of a
 *   connection decides (0x16, a TLS handshake record, → TLS; anything else → plaintext HTTP).
 *   TLS there reaches the services' listeners on port 443 (`tlsListenerPort`), plaintext
 *   those on port 80, so `curl --cacert ca.pem --resolve NAME:443:127.0.0.1:PORT
 *   https://NAME:PORT/` works with one address per VPC.
 * - **The proxy gateway** accepts `CONNECT host:port` (port 443 when absent) with the VPC id
 *   as the proxy user name, answers `200 Connection established` and terminates TLS inside
 *   the tunnel: the listener port is the CONNECT port. This is what `https_proxy` / `curl -x`
 *   do for `https://` URLs.
 *
 * The handshake: SNI is required (multi-tenant addresses, as on AWS) and selects the
 * service: the SNI must name a service of the VPC's network (generated DNS name or custom
 * domain) that has an HTTPS listener on the port; otherwise — no SNI, an unknown name, a VPC
 * without a network, an HTTP-only port — the handshake fails and no request is read. The
 * certificate: for a custom domain, the imported one its service's `certificateArn` names
 * (compiled into `ServiceEntry.certificate`, one object per certificate, so its
 * SecureContext is built once); for every other name the `CertificateProvider` the data
 * plane is given (the local CA in `trellis up`). TLS 1.2 and 1.3 with Lattice's cipher list; ALPN offers `h2` then
 * `http/1.1` (Lattice's HTTP2Preferred): `h2` connections go to http2.ts, the others (and
 * clients without ALPN) to the HTTP/1.1 engine. On a VPC address a cleartext HTTP/2 preface
 * is answered GOAWAY HTTP_1_1_REQUIRED (http2.ts `refuseCleartextHttp2`).
 *
 * Then the normal request path, with the service chosen by SNI (not by the Host header),
 * `x-forwarded-proto: https` and the listener port. Plaintext requests that reach an HTTPS
 * listener (`http://name:443/` through the proxy) are reset, as a TLS listener on AWS would
 * drop a connection that does not start with a handshake (request-path.ts, `isEncrypted`).
 */

/** A certificate chain and private key, PEM. */
export interface TlsKeyPair {
  readonly cert: string;
  readonly key: string;
}

/**
 * The certificate for a server name, or undefined when there is none (the handshake fails).
 * May answer asynchronously (issuing a leaf generates a key). The same object for the same
 * certificate lets the data plane reuse its SecureContext.
 */
export type CertificateProvider = (serverName: string) => TlsKeyPair | undefined | Promise<TlsKeyPair | undefined>;

/** Lattice's HTTPS listener ciphers, in its server-preference order (TLS 1.3 suites first). */
const LATTICE_CIPHERS = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-SHA',
  'AES128-GCM-SHA256', 'AES128-SHA', 'AES256-GCM-SHA384', 'AES256-SHA',
].join(':');

const TLS_HANDSHAKE = 0x16;

/**
 * The TLS side of the gateways: one tls.Server (never listening) per (VPC, listener port),
 * fed sockets by the sniffing VPC addresses and by CONNECT tunnels; each secured socket is
 * served by the HTTP/1.1 engine (http1/) in `secured`.
 */
export class TlsTermination {
  private readonly servers = new Map<string, TlsServer>();
  private readonly contexts = new WeakMap<TlsKeyPair, SecureContext>();
  /**
   * Raw sockets no http server tracks: those whose first byte has not come yet and those
   * handed to TLS (a VPC address's or the proxy's close would wait for them): `close` ends them.
   */
  private readonly owned = new Set<Duplex>();

  constructor(
    private readonly ctx: ExchangeContext,
    private readonly path: RequestPath,
    private readonly certificates: CertificateProvider,
  ) {
    this.passthrough = new Passthrough(ctx, path);
    this.http2 = new Http2Gateway(ctx, path);
  }

  /** TLS_PASSTHROUGH listeners (passthrough.ts): they see every TLS connection first. */
  readonly passthrough: Passthrough;
  /** HTTP/2 connections (ALPN h2), http2.ts. */
  private readonly http2: Http2Gateway;

  /**
   * Makes the plaintext gateway `server` (a VPC address) also accept TLS on its port: its
   * connection handler is wrapped so that the first byte picks plaintext or TLS.
   */
  sniff(server: Server, vpcId: string, tlsListenerPort: number): void {
    const plain = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      this.own(socket);
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        if (first[0] === TLS_HANDSHAKE) {
          // The TLS socket reads what is buffered itself; resuming here would lose it.
          this.accept(socket, vpcId, tlsListenerPort);
        } else if (first[0] === 0x50 /* P */ && startsHttp2Preface(first)) {
          // h2c prior knowledge: HTTP listeners speak HTTP/1.1 only (http2.ts).
          refuseCleartextHttp2(socket);
        } else {
          this.owned.delete(socket);
          for (const l of plain) l.call(server, socket);
          socket.resume();
        }
      });
    });
  }

  /** Terminates TLS on `socket` for `vpcId`'s services' listeners on `port`. */
  accept(socket: Duplex, vpcId: string, port: number): void {
    this.own(socket);
    // A TLS_PASSTHROUGH listener may claim the connection by its SNI; otherwise, termination.
    this.passthrough.dispatch(socket, vpcId, port, () => this.serverFor(vpcId, port).emit('connection', socket));
  }

  /**
   * The proxy gateway's CONNECT: the VPC is the proxy user name (407 without one, 403 for a
   * VPC Trellis does not know), the listener port the target's port (443 when absent); then
   * TLS is terminated inside the tunnel. Failed CONNECTs get no access-log record (no request
   * was read yet). A tunnel carries TLS only: anything else fails as a handshake.
   */
  connect(req: { readonly url?: string | undefined; readonly headers: IncomingHttpHeaders }, socket: Duplex, head: Buffer): void {
    const target = req.url ?? '';
    const port = hostPort(target);
    const auth = req.headers['proxy-authorization'];
    const vpcId = typeof auth === 'string' ? proxyUser(auth) : '';
    if (vpcId === '') {
      return refuse(socket, '407 Proxy Authentication Required', 'Proxy Authentication Required: use the VPC id as the proxy user name, e.g. http://vpc-0abc:x@host:port', PROXY_AUTHENTICATE);
    }
    if (!this.path.snapshot.vpcs.has(vpcId)) return refuse(socket, '403 Forbidden', `Forbidden: ${vpcId} is not a VPC known to Trellis`);
    socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    this.accept(socket, vpcId, port > 0 ? port : 443);
  }

  /** Closes every TLS connection (the data plane is closing). */
  close(): void {
    this.passthrough.close();
    this.http2.close();
    for (const s of this.owned) s.destroy();
    this.owned.clear();
    for (const s of this.servers.values()) s.close();
    this.servers.clear();
  }

  private own(socket: Duplex): void {
    if (this.owned.has(socket)) return;
    this.owned.add(socket);
    socket.once('close', () => this.owned.delete(socket));
    // A CONNECT socket lost its http server's error handler; a client's reset is not a crash.
    socket.on('error', destroyQuietly);
  }

  private serverFor(vpcId: string, port: number): TlsServer {
    const key = `${vpcId}:${port}`;
    let server = this.servers.get(key);
    if (server !== undefined) return server;
    server = createTlsServer({
      minVersion: 'TLSv1.2',
      ciphers: LATTICE_CIPHERS,
      honorCipherOrder: true,
      ALPNProtocols: ['h2', 'http/1.1'],
      SNICallback: (name, cb) => this.selectCertificate(vpcId, port, name, cb),
      allowHalfOpen: true,
    }, (socket) => this.secured(socket, vpcId, port));
    server.on('tlsClientError', (_err, socket) => socket.destroy());
    this.servers.set(key, server);
    return server;
  }

  /** SNI → the service's certificate, or an error that fails the handshake. */
  private selectCertificate(vpcId: string, port: number, serverName: string, cb: (err: Error | null, ctx?: SecureContext) => void): void {
    const name = serverName.toLowerCase();
    const snap = this.path.snapshot;
    const net = networkOf(snap, snap.vpcs.get(vpcId));
    if (typeof net === 'string') return cb(new Error(`${net}: ${vpcId}`));
    const svc = net.servicesByHost.get(name);
    const listener = svc === undefined ? undefined : listenerOn(svc, port);
    if (listener === undefined || listener.protocol !== 'HTTPS') return cb(new Error(`no HTTPS listener for ${name} on port ${port}`));
    // The service's imported certificate (compiled into its entry; set only with a custom
    // domain, its last host name) for that domain; the provider's (the local CA) otherwise.
    const imported = svc!.certificate;
    if (imported !== undefined && name === svc!.hostNames.at(-1)) return this.answer(name, imported, cb);
    let pair: ReturnType<CertificateProvider>;
    try {
      pair = this.certificates(name);
    } catch (err) {
      return cb(err instanceof Error ? err : new Error(String(err)));
    }
    if (pair instanceof Promise) {
      pair.then((p) => this.answer(name, p, cb), (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))));
    } else {
      this.answer(name, pair, cb);
    }
  }

  private answer(name: string, pair: TlsKeyPair | undefined, cb: (err: Error | null, ctx?: SecureContext) => void): void {
    if (pair === undefined) return cb(new Error(`no certificate for ${name}`));
    let context = this.contexts.get(pair);
    if (context === undefined) {
      try {
        context = createSecureContext({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2', ciphers: LATTICE_CIPHERS, honorCipherOrder: true });
      } catch (err) {
        return cb(err instanceof Error ? err : new Error(String(err)));
      }
      this.contexts.set(pair, context);
    }
    cb(null, context);
  }

  /** The one place a secured (handshake done) socket is handed to an HTTP engine. */
  private secured(socket: TLSSocket, vpcId: string, port: number): void {
    this.own(socket);
    // ALPN chose HTTP/2 (Lattice's HTTP2Preferred policy): http2.ts serves the connection.
    if (socket.alpnProtocol === 'h2') return this.http2.serveTls(socket, vpcId, port);
    serveHttp1(socket, (req, res) => this.request(req, res, vpcId, port));
  }

  private request(req: DownstreamRequest, res: DownstreamResponse, vpcId: string, port: number): void {
    const ex = new Exchange(this.ctx, req, res);
    ex.vpcId = vpcId;
    ex.listenerPort = port;
    scanRequestHeaders(req.rawHeaders, ex, false);
    ex.path = req.url ?? '/';
    // The handshake admitted this name for this VPC and port: route by it, as Lattice does.
    const sni = (req.socket as TLSSocket).servername;
    this.path.route(ex, typeof sni === 'string' ? sni : ex.host ?? '');
  }
}

const PROXY_AUTHENTICATE = 'proxy-authenticate: Basic realm="Trellis VPC gateway (user name = VPC id)"\r\n';

function refuse(socket: Duplex, status: string, text: string, extra = ''): void {
  const body = text + '\n';
  socket.on('error', destroyQuietly);
  socket.end(`HTTP/1.1 ${status}\r\n${extra}content-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function destroyQuietly(this: Duplex): void {
  this.destroy();
}
