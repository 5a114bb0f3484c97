/**
 * The gRPC benchmark's floor for a Node proxy (bench/grpc/run.sh, config `node-bare`): what
 * node:http2 itself costs per gRPC call — TLS + HTTP/2 server (core API) in, one h2c session
 * out, body piped, response head, data and trailers relayed — with no Lattice feature (no
 * routing, auth, headers, access log, metrics). Trellis's figure minus this one is what
 * Trellis's own code costs on this path. Plain node:http2 as it comes: without the
 * `AsyncResource#bind` workaround Trellis's upstream uses (src/dataplane/upstream/h2-pool.ts,
 * ~17 µs per call on this machine), so Trellis can come out below it.
 *
 *   node bench/grpc/bare-proxy.mjs <port> <target port> <dir with cert.pem, key.pem>
 */
import { connect, createSecureServer } from 'node:http2';
import { readFileSync } from 'node:fs';

const [port, target, certDir] = process.argv.slice(2);
let upstream;
/** One h2c session to the target, reopened when it closes. */
function session() {
  if (upstream === undefined || upstream.closed || upstream.destroyed) {
    upstream = connect(`http://127.0.0.1:${target}`);
    upstream.on('error', () => {});
  }
  return upstream;
}

const server = createSecureServer({
  key: readFileSync(`${certDir}/key.pem`), cert: readFileSync(`${certDir}/cert.pem`),
  settings: { enablePush: false, initialWindowSize: 1 << 20 },
});
server.on('stream', (s, h) => {
  s.on('error', () => {});
  const u = session().request({
    ':method': h[':method'], ':path': h[':path'], ':authority': h[':authority'], 'content-type': h['content-type'], te: 'trailers',
  }, { endStream: false });
  u.on('error', () => { if (!s.destroyed) s.close(2); });
  s.pipe(u);
  let trailers;
  u.on('response', (head) => {
    if (s.destroyed) return;
    s.respond({ ':status': head[':status'], 'content-type': head['content-type'] }, { waitForTrailers: true });
  });
  u.on('trailers', (t) => { trailers = t; });
  s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': trailers?.['grpc-status'] ?? '0' }));
  u.on('data', (d) => { if (!s.destroyed) s.write(d); });
  u.on('end', () => { if (!s.destroyed) s.end(); });
});
server.listen(Number(port), '127.0.0.1', () => console.log(`bare node:http2 gRPC proxy on 127.0.0.1:${port} -> ${target}`));
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
