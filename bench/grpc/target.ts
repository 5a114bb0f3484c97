/**
 * The gRPC benchmark's cheap Node target (bench/grpc/run.sh TARGET=cheap): answers every unary call of the
 * Echo service (test/fixtures/echo.proto) on 127.0.0.1:$PORT (h2c, prior knowledge) with one
 * fixed, pre-encoded EchoReply and trailers `grpc-status: 0`, on node:http2's core API
 * (`'stream'` event, `respond` + `waitForTrailers`, no compatibility objects, no protobuf
 * decoding). Why: the tests' grpc-js server (backend.ts) costs several times what a proxy
 * does per call, and sharing a CPU with h2load it capped Trellis and nginx alike, so the
 * first measurement said nothing about the proxies. This one does several times what
 * Trellis does (the run's `direct` row shows it); nginx's grpc_pass, which opens one upstream
 * connection per call in flight, is held back by any node:http2 target, hence run.sh's
 * default C target (conf/target-nginx.conf).
 *
 * The reply is `hello|bench|/trellis.test.Echo/Unary` — the shape of the grpc-js server's
 * answer to check.ts's `hello`, so the same real grpc-js call validates both targets.
 *
 *   PORT=18092 node --import tsx bench/grpc/target.ts
 */
import { createServer, type ServerHttp2Stream } from 'node:http2';

const port = Number(process.env.PORT ?? 18092);

/** A gRPC length-prefixed message: flag 0, big-endian length, then the protobuf bytes. */
function frame(message: Buffer): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

const text = Buffer.from('hello|bench|/trellis.test.Echo/Unary', 'utf8');
// EchoReply{message = text}: field 1, wire type 2 (0x0a), one-byte length (< 128); index 0 is omitted.
const REPLY = frame(Buffer.concat([Buffer.from([0x0a, text.length]), text]));
const HEAD = { ':status': 200, 'content-type': 'application/grpc' };
const TRAILERS = { 'grpc-status': '0' };

function sendTrailers(this: ServerHttp2Stream): void {
  this.sendTrailers(TRAILERS);
}

function answer(this: ServerHttp2Stream): void {
  if (this.destroyed) return;
  this.respond(HEAD, { waitForTrailers: true });
  this.end(REPLY);
}

const server = createServer({ settings: { enablePush: false, initialWindowSize: 1 << 20, maxConcurrentStreams: 1000 }, maxSessionMemory: 64 });
server.on('stream', (stream: ServerHttp2Stream) => {
  stream.on('error', noop);
  stream.on('wantTrailers', sendTrailers);
  // A unary call is answered once the request message has been read, as a gRPC server does.
  if (stream.readableEnded) answer.call(stream);
  else { stream.on('end', answer); stream.resume(); }
});
server.on('sessionError', noop);
server.listen(port, '127.0.0.1', () => console.log(`cheap gRPC target on 127.0.0.1:${port}`));

const stop = (): void => { server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 500).unref(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

function noop(): void {}
