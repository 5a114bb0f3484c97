import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/**
 * The Echo service of test/fixtures/echo.proto with @grpc/grpc-js: a server on 127.0.0.1
 * port 0 (the target of GRPC target groups in the tests and the benchmark) and the client
 * constructor. The server shows what reached it: the `x-client` metadata comes back in the
 * reply, the `:authority` it saw too; it sends initial metadata `x-initial` and trailing
 * metadata `x-trailer`. `message: 'not-found'` fails with NOT_FOUND and trailing metadata.
 */

const PROTO = fileURLToPath(new URL('../fixtures/echo.proto', import.meta.url));

export interface EchoRequest { message?: string; count?: number; delay_ms?: number }
export interface EchoReply { message: string; index: number }

type Unary = grpc.handleUnaryCall<EchoRequest, EchoReply>;

interface EchoPackage {
  readonly trellis: { readonly test: { readonly Echo: grpc.ServiceClientConstructor } };
}

let loaded: EchoPackage | undefined;
function pkg(): EchoPackage {
  loaded ??= grpc.loadPackageDefinition(loadSync(PROTO, { keepCase: true, defaults: true })) as unknown as EchoPackage;
  return loaded;
}

/** The client constructor: `new (echoClient())(address, credentials, options)`. */
export function echoClient(): grpc.ServiceClientConstructor {
  return pkg().trellis.test.Echo;
}

export interface EchoServer {
  readonly port: number;
  /** How many calls reached it. */
  calls: number;
  close(): Promise<void>;
}

function tagOf(call: { metadata: grpc.Metadata }): string {
  const v = call.metadata.get('x-client')[0];
  return v === undefined ? '' : String(v);
}

/** Starts the Echo server on 127.0.0.1:`port` (0: a free port). */
export async function startEchoServer(port = 0): Promise<EchoServer> {
  const server = new grpc.Server();
  const state = { calls: 0 };
  const trailer = (): grpc.Metadata => { const m = new grpc.Metadata(); m.set('x-trailer', 'bye'); return m; };
  const initial = (): grpc.Metadata => { const m = new grpc.Metadata(); m.set('x-initial', 'hi'); return m; };
  const unary: Unary = (call, callback) => {
    state.calls++;
    const req = call.request;
    if (req.message === 'not-found') {
      const m = new grpc.Metadata();
      m.set('x-detail', 'no such echo');
      callback({ code: grpc.status.NOT_FOUND, details: 'nothing called not-found', metadata: m });
      return;
    }
    call.sendMetadata(initial());
    const answer = (): void => callback(null, { message: `${req.message ?? ''}|${tagOf(call)}|${call.getPath()}`, index: 0 }, trailer());
    if ((req.delay_ms ?? 0) > 0) setTimeout(answer, req.delay_ms).unref();
    else answer();
  };
  server.addService(echoClient().service, {
    Unary: unary,
    ServerStream: (call: grpc.ServerWritableStream<EchoRequest, EchoReply>) => {
      state.calls++;
      for (let i = 0; i < (call.request.count ?? 0); i++) call.write({ message: call.request.message ?? '', index: i });
      call.end(trailer());
    },
    ClientStream: (call: grpc.ServerReadableStream<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) => {
      state.calls++;
      const parts: string[] = [];
      call.on('data', (r: EchoRequest) => parts.push(r.message ?? ''));
      call.on('end', () => callback(null, { message: parts.join(','), index: parts.length }));
    },
    Bidi: (call: grpc.ServerDuplexStream<EchoRequest, EchoReply>) => {
      state.calls++;
      let i = 0;
      call.on('data', (r: EchoRequest) => call.write({ message: `echo:${r.message ?? ''}`, index: i++ }));
      call.on('end', () => call.end());
    },
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port: bound,
    get calls() { return state.calls; },
    set calls(v: number) { state.calls = v; },
    close: () => new Promise<void>((resolve) => { server.tryShutdown(() => resolve()); }),
  };
}
