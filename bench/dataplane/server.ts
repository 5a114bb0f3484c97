/**
 * Trellis as the benchmark's "extra" proxy (bench/dataplane/run.sh): starts Trellis, configures
 * it through its API (setup.ts), and serves the bench VPC's gateway address on $PORT.
 *
 *   PORT=18200 node --import tsx bench/dataplane/server.ts [--workers N]
 *
 * This is `trellis up` (startTrellis, the same runtime), with two differences: the bench VPC's
 * gateway address gets a fixed port ($PORT) instead of a free one, so that wrk can be pointed
 * at it, and the proxy gateway gets a free port. Without --workers (or with 1): one process
 * runs control plane, API and data plane together. With --workers N: `trellis up --workers N`
 * — the primary runs the control plane, API and health checks; N cluster workers run the
 * request path (src/cli/workers/).
 * The API listens on $API_PORT (default PORT + 1). State goes to a fresh temp dir, removed at exit.
 */
import { startBenchTrellis, waitForGateway } from '../lib/trellis-bench.js';
import { BENCH_VPC, configureBench } from './setup.js';

const port = Number(process.env.PORT ?? 18200);
const apiPort = Number(process.env.API_PORT ?? port + 1);
const wi = process.argv.indexOf('--workers');
const workers = wi > 0 ? Number(process.argv[wi + 1]) : 1;
const b = await startBenchTrellis({ port, apiPort, vpcId: BENCH_VPC, workers, name: 'trellis-dp-bench' });
await configureBench(b.apiUrl);
// The gateway address opens once the association reaches the data plane (every worker's).
await waitForGateway(b, BENCH_VPC, port);
console.log(`trellis bench proxy: VPC gateway 127.0.0.1:${port}, API 127.0.0.1:${apiPort}, workers ${workers > 1 ? workers : 'none (one process)'}, data ${b.dataDir}`);
