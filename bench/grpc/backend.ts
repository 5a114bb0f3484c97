/**
 * The gRPC benchmark's target (bench/grpc/run.sh): the tests' Echo service
 * (test/fixtures/echo.proto, @grpc/grpc-js) on 127.0.0.1:$PORT (default 18091), h2c.
 */
import { startEchoServer } from '../../test/acceptance/grpc-echo.js';

const server = await startEchoServer(Number(process.env.PORT ?? 18091));
console.log(`grpc echo backend on 127.0.0.1:${server.port}`);
const stop = (): void => { void server.close().finally(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
