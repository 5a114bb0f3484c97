/**
 * Before the gRPC benchmark loads a proxy: one real grpc-js unary call through it (TLS,
 * trusting the local CA, authority `localhost`) must come back OK with the echoed message —
 * h2load only sees HTTP 200s, which gRPC errors are too.
 *
 *   node --import tsx bench/grpc/check.ts <port> <ca.pem>
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { echoClient, type EchoReply } from '../../test/acceptance/grpc-echo.js';

const [port, caPath] = process.argv.slice(2);
const Echo = echoClient();
const client = new Echo(`localhost:${port}`, grpc.credentials.createSsl(readFileSync(caPath!)));
const unary = (client as unknown as { Unary(req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: EchoReply) => void): void }).Unary;
unary.call(client, { message: 'hello' }, { deadline: Date.now() + 5000 }, (err, res) => {
  client.close();
  if (err !== null || res?.message.startsWith('hello|') !== true) {
    console.error(`gRPC check on ${port} failed: ${err?.code ?? ''} ${err?.details ?? JSON.stringify(res)}`);
    process.exit(1);
  }
  console.log(`gRPC check on ${port}: OK (${res.message})`);
});
