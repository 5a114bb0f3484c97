/**
 * Access-log cost per record (issue 3: ≤ 35 µs of CPU per proxied request with every feature
 * on, so the log's share matters). Drives N realistic records through the real
 * `FileAccessLogSink.write` with one CloudWatch destination, as the request path does, and
 * flushes at the end (`close`):
 *
 *   node --import tsx bench/access-log/serialize.ts                 # N = 200,000
 *   node --import tsx bench/access-log/serialize.ts --n 50000 --max-seconds 10
 *   ... --sink /path/to/other/file-sink.ts   # another FileAccessLogSink (before/after runs)
 *
 * For a before/after pair, copy the old sink's modules out of git into a directory with a
 * `{"type":"module"}` package.json (without it tsx loads them as CommonJS, whose export
 * getters slow every call and flatter the new code) and point their relative imports of
 * unchanged modules back at src/.
 *
 * Records have the shape the gateway builds (src/dataplane/gateway/exchange.ts `finish`) for
 * the walkthrough: two target groups alternating, a unique request id, path and client port
 * per request, the same ARNs, VPC, host and user agent. Records are built in batches of 256
 * outside the timed part; between batches the loop yields to the event loop (as a server
 * does between requests), so background flushes run during the load, as in production.
 *
 * The backlog cap is raised to 1 GiB so that no record is dropped when the disk lags this
 * synthetic flood (a dropped record would cost less and skew the figure).
 *
 * Reports, per record:
 * - `write`: time inside `write` (the request path's share: encode the line into its file's
 *   chunk, record-bytes.ts), as the median over batches (robust to preemption on a shared
 *   machine) and the mean;
 * - `cpu`: process CPU (user + system, every thread: flush joins and file writes included)
 *   minus an identical run that only builds records and yields;
 * plus lines and bytes written (the file's size). Bounded by --max-seconds (default 60):
 * stops early and says how many records it wrote. Writes under a temp dir it removes.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { AccessLogDestination } from '../../src/config/index.js';
import { pathToFileURL } from 'node:url';
import { FileAccessLogSink, type AccessLogRecord, type AccessLogSink } from '../../src/dataplane/index.js';

const { values: opts } = parseArgs({
  options: { n: { type: 'string', default: '200000' }, 'max-seconds': { type: 'string', default: '60' }, sink: { type: 'string' } },
});
type SinkClass = new (o: { dataDir: string; maxBacklogBytes: number; warn: (m: string) => void }) => AccessLogSink;
const Sink: SinkClass = opts.sink === undefined
  ? FileAccessLogSink
  : ((await import(pathToFileURL(opts.sink).href)) as { FileAccessLogSink: SinkClass }).FileAccessLogSink;
const N = Number(opts.n);
const MAX_MS = Number(opts['max-seconds']) * 1000;
const BATCH = 256;

const ACCOUNT = '111122223333';
const SN = `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:servicenetwork/sn-0a1b2c3d4e5f60718`;
const SVC = `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:service/svc-0f1e2d3c4b5a69788`;
const TGS = [
  `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:targetgroup/tg-0123456789abcdef0`,
  `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:targetgroup/tg-0fedcba9876543210`,
] as const;
const TARGETS = ['127.0.0.1:18081', '127.0.0.1:18082'] as const;
const VPC = 'vpc-0c0ffee0000000001';
const VPC_ARN = `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/${VPC}`;
const HOST = 'awesome-service-0f1e2d3c4b5a69788.7d67968.vpc-lattice-svcs.us-east-1.on.aws';
const DEST: AccessLogDestination = {
  subscriptionId: 'als-0123456789abcdef0', resourceId: 'sn-0a1b2c3d4e5f60718',
  destinationArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/vpclattice/awesome-service-network`,
};
const DESTS = [DEST] as const;

let lastSecond = -1;
let lastIso = '';
/** As the gateway does: one startTime string per second. */
function isoSecond(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s !== lastSecond) {
    lastSecond = s;
    lastIso = `${new Date(s * 1000).toISOString().slice(0, 19)}Z`;
  }
  return lastIso;
}

/** One record as exchange.ts `finish` builds it for a proxied walkthrough request. */
function recordOf(i: number): AccessLogRecord {
  const g = i & 1;
  return {
    startTime: isoSecond(Date.now()),
    serviceNetworkArn: SN, serviceArn: SVC, targetGroupArn: TGS[g]!, sourceVpcArn: VPC_ARN, sourceVpcId: VPC,
    destinationVpcId: '-', sourceIpPort: `10.0.0.4:${40000 + (i % 20000)}`, targetIpPort: TARGETS[g]!,
    hostHeader: HOST, serverNameIndication: '-', sslCipher: '-', tlsVersion: '-', requestMethod: 'GET',
    requestPath: `/api/items/${i}?page=${i % 7}`, protocol: 'HTTP/1.1', userAgent: 'curl/8.5.0',
    responseCode: 200, grpcResponseCode: '-', bytesReceived: 180 + (i % 40), bytesSent: 612 + (i % 300),
    duration: 1 + (i % 5), requestToTargetDuration: i % 2, responseFromTargetDuration: 1 + (i % 3),
    requestId: randomUUID(), resolvedUser: '-', authDeniedReason: '-', callerPrincipal: '-', callerPrincipalOrgID: '-',
    callerPrincipalTags: '-', callerX509SubjectCN: '-', callerX509IssuerOU: '-', callerX509SANNameCN: '-',
    callerX509SANDNS: '-', callerX509SANURI: '-', listenerId: 'listener-0aa11bb22cc33dd44', listenerType: 'HTTP',
    failureReason: '-',
  };
}

const cpuUs = (): number => { const c = process.cpuUsage(); return c.user + c.system; };
const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Run { readonly records: number; readonly writeNs: number; readonly medianNs: number; readonly cpuUs: number; readonly wallMs: number }

/** `withSink` false: the same loop (build, yield) without the sink, to subtract its cost. */
async function run(dir: string, withSink: boolean): Promise<Run> {
  const sink = withSink ? new Sink({ dataDir: dir, maxBacklogBytes: 1 << 30, warn: (m) => console.error(m) }) : undefined;
  const batch: AccessLogRecord[] = new Array<AccessLogRecord>(BATCH);
  const t0 = performance.now();
  const c0 = cpuUs();
  let writeNs = 0n;
  const perBatch: number[] = [];
  let done = 0;
  while (done < N && performance.now() - t0 < MAX_MS) {
    const k = Math.min(BATCH, N - done);
    for (let j = 0; j < k; j++) batch[j] = recordOf(done + j);
    if (sink) {
      const w0 = process.hrtime.bigint();
      for (let j = 0; j < k; j++) sink.write(batch[j]!, DESTS);
      const dt = process.hrtime.bigint() - w0;
      writeNs += dt;
      perBatch.push(Number(dt) / k);
    }
    done += k;
    await yieldNow();
  }
  await sink?.close();
  perBatch.sort((a, b) => a - b);
  return { records: done, writeNs: Number(writeNs), medianNs: perBatch[perBatch.length >> 1] ?? 0, cpuUs: cpuUs() - c0, wallMs: performance.now() - t0 };
}

const dir = mkdtempSync(join(tmpdir(), 'trellis-alog-bench-'));
try {
  await run(join(dir, 'warm'), true); // JIT warm-up on the same shapes; its file is discarded
  const base = await run(join(dir, 'base'), false);
  const r = await run(join(dir, 'data'), true);
  const file = join(dir, 'data', 'logs', 'cloudwatch', 'aws_vpclattice_awesome-service-network.log');
  const bytes = statSync(file).size;
  const text = readFileSync(file, 'latin1');
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  const perRecordBase = base.cpuUs / base.records;
  console.log(`records: ${r.records}${r.records < N ? ` (stopped at --max-seconds ${MAX_MS / 1000})` : ''}, lines on disk: ${lines}, bytes: ${bytes} (${(bytes / lines).toFixed(0)} B/line)`);
  console.log(`write (request path): median ${r.medianNs.toFixed(0)} ns/record, mean ${(r.writeNs / r.records).toFixed(0)}`);
  console.log(`sink CPU, all threads, flushes included: ${((r.cpuUs / r.records - perRecordBase) * 1000).toFixed(0)} ns/record`
    + ` (run ${(r.cpuUs / r.records * 1000).toFixed(0)} − build-only ${(perRecordBase * 1000).toFixed(0)})`);
  console.log(`wall: ${r.wallMs.toFixed(0)} ms; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  if (lines !== r.records) {
    console.error(`expected ${r.records} lines, found ${lines}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
