/**
 * Control plane → data plane propagation (issue 3: "an API change is routed ≤ 50 ms p99
 * after the write"), measured end to end on a real Trellis in this process.
 *
 *   node --import tsx bench/config/propagation.ts                  # small store, then 10,000 services
 *   ... --changes 100 --services 10000 --targets-per-service 10 --only small|large
 *
 * Trellis starts as `trellis up` does (startTrellis: API, SQLite store, snapshot follower,
 * data plane with the proxy gateway on port 0) on a temp data dir, with one backend on
 * loopback. Through the SDK: a VPC, a network, a service with an HTTP:80 listener whose
 * default action is a fixed 404, an IP target group with the backend, both associations.
 * Then N times: UpdateListener switches the default action (fixed 404 ⇄ forward to the
 * group), and a keep-alive client polls the proxy gateway in a tight loop (bounded) until
 * the answer shows the change (404 ⇄ the backend's 200). Reported: write acknowledged (the
 * SDK call returned) → routed, and write sent → routed, p50/p99. Read both: the commit hook
 * starts the rebuild in the same process, and the rebuild, the check and the data plane's
 * update of the snapshot run on the event loop the API answers from, so they can delay the
 * acknowledgement itself; write sent → routed is what a user waits.
 *
 * "large" first loads 10,000 services (listeners, rules, 100,000 targets with health checks
 * off, so that no prober runs) directly into the store of another account, before Trellis
 * starts, so the follower compiles them at start and every change is rebuilt against them.
 * Writes bench/results/config-propagation-<date>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CreateListenerCommand, CreateServiceCommand, CreateServiceNetworkCommand, CreateServiceNetworkServiceAssociationCommand,
  CreateServiceNetworkVpcAssociationCommand, CreateTargetGroupCommand, GetServiceCommand, GetServiceNetworkServiceAssociationCommand,
  GetServiceNetworkVpcAssociationCommand, GetTargetGroupCommand, RegisterTargetsCommand, UpdateListenerCommand, VPCLatticeClient,
  type RuleAction,
} from '@aws-sdk/client-vpc-lattice';
import { startTrellis } from '../../src/cli/start.js';
import { SqliteStore } from '../../src/store/index.js';
import { generate } from './generate.js';
import { percentiles, until, type Percentiles } from '../lib/measure.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET_P99_MS = 50;
/** Longest wait for one change to be routed: past it the run fails rather than hangs. */
const ROUTE_DEADLINE_MS = 5000;
const VPC = 'vpc-0be7c4000000000a1';
const CREDENTIALS = { accessKeyId: 'AKIATRELLISBENCH0001', secretAccessKey: 'trellis-bench-secret' };

const { values: opts } = parseArgs({
  options: {
    changes: { type: 'string', default: '100' },
    services: { type: 'string', default: '10000' },
    'targets-per-service': { type: 'string', default: '10' },
    only: { type: 'string' },
  },
});
const CHANGES = Number(opts.changes);

interface Run {
  readonly scale: string;
  readonly servicesLoaded: number;
  readonly targetsLoaded: number;
  readonly loadMs?: number;
  readonly startMs: number;
  readonly ackToRoutedMs: Percentiles;
  readonly sendToRoutedMs: Percentiles;
  readonly writeMs: Percentiles;
  readonly pollsPerChange: number;
}

async function run(scale: 'small' | 'large'): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trellis-bench-propagation-'));
  const backend = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('backend'); });
  await new Promise<void>((ok) => backend.listen(0, '127.0.0.1', ok));
  const backendPort = (backend.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let services = 0;
  let targets = 0;
  let loadMs: number | undefined;
  if (scale === 'large') {
    // Straight into the store (another account), before Trellis starts: bounded, and the
    // control plane's quotas of Trellis's own account stay untouched.
    const t0 = performance.now();
    services = Number(opts.services);
    targets = services * Number(opts['targets-per-service']);
    const records = generate(services, Number(opts['targets-per-service']), { vpcs: 20, healthChecks: false });
    const store = new SqliteStore(join(dataDir, 'trellis.db'));
    await store.transact(async (tx) => { for (const { seq: _, ...r } of records) await tx.put(r); });
    await store.close();
    loadMs = performance.now() - t0;
  }
  const t1 = performance.now();
  const t = await startTrellis({
    port: 0, host: '127.0.0.1', dataDir, region: 'us-east-1', account: '000000000000', gatewayPort: 0, control: { settleDelayMs: 20 },
  });
  const startMs = performance.now() - t1;
  const lattice = new VPCLatticeClient({ endpoint: t.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  try {
    const gateway = t.gateway!;
    const gatewayPort = Number(gateway.slice(gateway.lastIndexOf(':') + 1));
    const vpc = await fetch(`${t.url}/_trellis/vpcs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vpcId: VPC, cidrBlock: '10.200.0.0/16' }) });
    if (!vpc.ok) throw new Error(`POST /_trellis/vpcs: ${vpc.status} ${await vpc.text()}`);
    const sn = await lattice.send(new CreateServiceNetworkCommand({ name: 'bench-propagation', authType: 'NONE' }));
    const svc = await lattice.send(new CreateServiceCommand({ name: 'bench-propagation', authType: 'NONE' }));
    await until('the service', async () => (await lattice.send(new GetServiceCommand({ serviceIdentifier: svc.id }))).status === 'ACTIVE');
    const tg = await lattice.send(new CreateTargetGroupCommand({
      name: 'bench-propagation', type: 'IP',
      config: { port: backendPort, protocol: 'HTTP', vpcIdentifier: VPC, healthCheck: { enabled: false } },
    }));
    await until('the target group', async () => (await lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id }))).status === 'ACTIVE');
    await lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: '127.0.0.1', port: backendPort }] }));
    const fixed: RuleAction = { fixedResponse: { statusCode: 404 } };
    const forward: RuleAction = { forward: { targetGroups: [{ targetGroupIdentifier: tg.id, weight: 1 }] } };
    const listener = await lattice.send(new CreateListenerCommand({ serviceIdentifier: svc.id, name: 'http', protocol: 'HTTP', port: 80, defaultAction: fixed }));
    const snsa = await lattice.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: svc.id }));
    const snva = await lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: VPC }));
    await until('the service association', async () => (await lattice.send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: snsa.id }))).status === 'ACTIVE');
    await until('the VPC association', async () => (await lattice.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: snva.id }))).status === 'ACTIVE');

    const url = `http://${svc.dnsEntry!.domainName}/`;
    const auth = 'Basic ' + Buffer.from(`${VPC}:x`).toString('base64');
    let polls = 0;
    const status = (): Promise<number> => new Promise((ok, fail) => {
      polls++;
      const req = request({ host: '127.0.0.1', port: gatewayPort, path: url, agent, headers: { host: svc.dnsEntry!.domainName!, 'proxy-authorization': auth } });
      req.on('error', fail);
      req.on('response', (res) => { res.resume(); res.on('end', () => ok(res.statusCode!)); });
      req.end();
    });
    // The fixed 404 routes once the associations are in the data plane's snapshot.
    await until('the first route', async () => (await status()) === 404);

    const ack: number[] = [];
    const sent: number[] = [];
    const write: number[] = [];
    polls = 0;
    for (let i = 0; i < CHANGES; i++) {
      const toForward = i % 2 === 0;
      const expected = toForward ? 200 : 404;
      const t0 = performance.now();
      await lattice.send(new UpdateListenerCommand({ serviceIdentifier: svc.id, listenerIdentifier: listener.id, defaultAction: toForward ? forward : fixed }));
      const tAck = performance.now();
      const deadline = tAck + ROUTE_DEADLINE_MS;
      while ((await status()) !== expected) {
        if (performance.now() > deadline) throw new Error(`change ${i} not routed within ${ROUTE_DEADLINE_MS} ms`);
      }
      const tRouted = performance.now();
      ack.push(tRouted - tAck);
      sent.push(tRouted - t0);
      write.push(tAck - t0);
    }
    return {
      scale, servicesLoaded: services, targetsLoaded: targets, ...(loadMs !== undefined ? { loadMs } : {}), startMs,
      ackToRoutedMs: percentiles(ack), sendToRoutedMs: percentiles(sent), writeMs: percentiles(write), pollsPerChange: polls / CHANGES,
    };
  } finally {
    lattice.destroy();
    agent.destroy();
    await t.close();
    await new Promise<void>((ok) => { backend.close(() => ok()); backend.closeAllConnections(); });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const scales = opts.only ? [opts.only as 'small' | 'large'] : (['small', 'large'] as const);
const runs: Run[] = [];
for (const scale of scales) runs.push(await run(scale));

let commit = 'unknown';
try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
const results = {
  benchmark: 'config-propagation', date: new Date().toISOString(),
  machine: { cpuModel: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, platform: platform(), kernel: release(), commit },
  command: `node --import tsx bench/config/propagation.ts ${process.argv.slice(2).join(' ')}`.trim(),
  changes: CHANGES, runs, target: { ackToRoutedP99Ms: TARGET_P99_MS },
  met: Object.fromEntries(runs.map((r) => [r.scale, r.ackToRoutedMs.p99 <= TARGET_P99_MS])),
  metFromSent: Object.fromEntries(runs.map((r) => [r.scale, r.sendToRoutedMs.p99 <= TARGET_P99_MS])),
};
const f = (n: number) => n.toFixed(2);
console.log(`propagation: ${CHANGES} UpdateListener changes each (${results.machine.cpuModel}, ${results.machine.cores} cores, node ${process.version})`);
for (const r of runs) {
  const what = r.scale === 'small' ? 'small store' : `${r.servicesLoaded} services, ${r.targetsLoaded} targets loaded`;
  console.log(`  ${what}:${r.loadMs !== undefined ? ` load ${(r.loadMs / 1000).toFixed(1)} s,` : ''} start ${(r.startMs / 1000).toFixed(1)} s`);
  console.log(`    write acknowledged → routed  p50 ${f(r.ackToRoutedMs.p50)} ms  p99 ${f(r.ackToRoutedMs.p99)} ms  max ${f(r.ackToRoutedMs.max)} ms  (target p99 ≤ ${TARGET_P99_MS} ms: ${results.met[r.scale] ? 'met' : 'NOT met'})`);
  console.log(`    write sent → routed          p50 ${f(r.sendToRoutedMs.p50)} ms  p99 ${f(r.sendToRoutedMs.p99)} ms  (${results.metFromSent[r.scale] ? 'met' : 'NOT met'}; the API call itself: p50 ${f(r.writeMs.p50)} ms, p99 ${f(r.writeMs.p99)} ms, which includes the work its commit starts on the same event loop; ${r.pollsPerChange.toFixed(1)} polls per change)`);
}
const dir = join(ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const out = join(dir, `config-propagation-${results.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results: ${out}`);
