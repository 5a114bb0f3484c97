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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTrellis } from '../../src/cli/start.js';
import { BENCH_VPC, configureBench } from './setup.js';

const port = Number(process.env.PORT ?? 18200);
const apiPort = Number(process.env.API_PORT ?? port + 1);
const wi = process.argv.indexOf('--workers');
const workers = wi > 0 ? Number(process.argv[wi + 1]) : 1;
const dataDir = mkdtempSync(join(tmpdir(), 'trellis-dp-bench-'));
const t = await startTrellis({
  port: apiPort, host: '127.0.0.1', dataDir, region: 'us-east-1', account: '000000000000', control: { settleDelayMs: 10 },
  gatewayPort: 0, workers, vpcPorts: new Map([[BENCH_VPC, port]]),
});
await configureBench(t.url);
// The gateway address opens once the association reaches the data plane (every worker's).
const deadline = Date.now() + 10_000;
while (!(await t.dataPlane!.vpcEndpoints()).some((e) => e.vpcId === BENCH_VPC)) {
  if (Date.now() > deadline) throw new Error(`the bench VPC's gateway address did not open on ${port}`);
  await new Promise((r) => setTimeout(r, 20));
}
console.log(`trellis bench proxy: VPC gateway 127.0.0.1:${port}, API 127.0.0.1:${apiPort}, workers ${workers > 1 ? workers : 'none (one process)'}, data ${dataDir}`);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void t.close().finally(() => { rmSync(dataDir, { recursive: true, force: true }); process.exit(0); });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
