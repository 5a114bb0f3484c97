/**
 * Trellis as the benchmark's "extra" proxy (bench/dataplane/run.sh): starts Trellis, configures
 * it through its API (setup.ts), and serves the bench VPC's gateway address on $PORT.
 *
 *   PORT=18200 node --import tsx bench/dataplane/server.ts [--workers N] [--bare]
 *
 * Without --workers: one process, as `trellis up` runs: control plane, API and data plane
 * (follower on the commit hook, health checks, access log, metrics) together. The only
 * difference from `trellis up` is that the VPC gateway address gets a fixed port ($PORT)
 * instead of a free one, so that wrk can be pointed at it.
 * With --workers N: the primary runs the control plane; N cluster workers run the data plane
 * (src/cli/gateway.ts, the `trellis gateway` prototype).
 * The API listens on $API_PORT (default PORT + 1). State goes to a fresh temp dir, removed at exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGatewayWorker, runGatewayWorker, startGatewayDataPlane, startGatewayPrimary } from '../../src/cli/gateway.js';
import { startTrellis } from '../../src/cli/start.js';
import type { SqliteStore } from '../../src/store/index.js';
import { BENCH_VPC, configureBench } from './setup.js';

if (isGatewayWorker()) {
  await runGatewayWorker();
} else {
  const port = Number(process.env.PORT ?? 18200);
  const apiPort = Number(process.env.API_PORT ?? port + 1);
  const wi = process.argv.indexOf('--workers');
  const workers = wi > 0 ? Number(process.argv[wi + 1]) : 0;
  const dataDir = mkdtempSync(join(tmpdir(), 'trellis-dp-bench-'));
  const base = { port: apiPort, host: '127.0.0.1', dataDir, region: 'us-east-1', account: '000000000000', control: { settleDelayMs: 10 } };
  const vpcPorts = new Map([[BENCH_VPC, port]]);
  let close: () => Promise<void>;
  if (workers > 0) {
    const p = await startGatewayPrimary({ ...base, workers, gatewayPort: null, vpcPorts }, (t) => configureBench(t.url));
    await p.workersOnline;
    close = () => p.close();
  } else {
    const t = await startTrellis({ ...base, gatewayPort: null });
    await configureBench(t.url);
    const store = t.store as SqliteStore;
    const gw = await startGatewayDataPlane({ store, dataDir, host: '127.0.0.1', proxyPort: null, vpcPorts, subscribe: (l) => store.onCommit(l) });
    close = async () => { await gw.close(); await t.close(); };
  }
  console.log(`trellis bench proxy: VPC gateway 127.0.0.1:${port}, API 127.0.0.1:${apiPort}, workers ${workers || 'none (one process)'}, data ${dataDir}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void close().finally(() => { rmSync(dataDir, { recursive: true, force: true }); process.exit(0); });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
