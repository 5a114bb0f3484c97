/**
 * The Trellis the API benchmark measures, as a process of its own: `trellis up` with the
 * region quotas lifted (the CLI has no quota option, and the benchmark stores tens of
 * thousands of records). Same startTrellis, same SQLite file on disk, same HTTP server.
 *
 *   node --import tsx bench/api/server.ts <data-dir>
 *
 * Prints `listening on port N` once ready; SIGTERM stops it cleanly, so a `--cpu-prof`
 * profile is written on the way out.
 */
import { startTrellis } from '../../src/cli/start.js';
import { defaultQuotas } from '../../src/control/index.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: bench/api/server.ts <data-dir>\n');
  process.exit(2);
}

const lifted = 10_000_000;
const t = await startTrellis({
  port: 0, host: '127.0.0.1', dataDir, region: 'us-east-1', account: '111122223333',
  control: { settleDelayMs: 100, quotas: { ...defaultQuotas, serviceNetworksPerRegion: lifted, servicesPerRegion: lifted } },
  gatewayPort: null,
});
process.stdout.write(`listening on port ${t.port}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void t.close().then(() => process.exit(0));
});
