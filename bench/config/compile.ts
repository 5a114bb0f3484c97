/**
 * Snapshot compiler benchmark, with 10,000 services and 100,000 targets loaded (issue 3):
 * one change rebuilds the snapshot in ≤ 100 ms, memory ≤ 1 KB per target, route lookup
 * does not slow with the number of services.
 *
 *   node --expose-gc --import tsx bench/config/compile.ts          # everything below
 *   ... --services 10000 --targets-per-service 10 --runs 100 --no-store
 *
 * Reports:
 * - `compile()` of every record (the full build; in memory, no store);
 * - from a real SQLite store: `fullRebuild` (scan + compile), and the follower's default
 *   `incrementalRebuild` after one change of each kind: a target registered, a rule's
 *   priority changed, a service associated with a network (p50/p99), each followed by the
 *   check the follower runs before publishing;
 * - heap per target: the snapshot alone, and the snapshot plus the incremental rebuild's
 *   state (what the follower keeps between rebuilds);
 * - route lookup (the router's networkOf/hostName/listenerOn/matchRule) at 10 services and
 *   at the full count.
 *
 * Records as the control plane stores them (bench/config/generate.ts). Without --expose-gc it
 * re-runs itself with it. Writes bench/results/config-compile-<date>.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkSnapshot, compile, fullRebuild, incrementalRebuild, type Rebuild, type RoutingSnapshot } from '../../src/config/index.js';
import { hostName, listenerOn, matchRule, networkOf } from '../../src/dataplane/index.js';
import { SqliteStore, type ResourceRecord, type StoreTx } from '../../src/store/index.js';
import { ACCOUNT, generate, hex, latticeArn, REGION } from './generate.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET_MS = 100;
const TARGET_BYTES_PER_TARGET = 1024;
const PLACE = { account: ACCOUNT, region: REGION };

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', cwd: ROOT });
  process.exit(r.status ?? 1);
}

const { values: opts } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    'targets-per-service': { type: 'string', default: '10' },
    runs: { type: 'string', default: '100' },
    'no-store': { type: 'boolean', default: false },
  },
});
const SERVICES = Number(opts.services);
const PER_SERVICE = Number(opts['targets-per-service']);
const RUNS = Number(opts.runs);

/** Heap in use once garbage is gone: some is freed only after a turn of the event loop. */
async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((ok) => setImmediate(ok));
  }
  return process.memoryUsage().heapUsed;
}

/**
 * The records as a store read returns them: parsed from JSON text, so strings are flat as in
 * production (generated template strings are rope strings, slow to hash).
 */
function asStored(records: readonly ResourceRecord[]): ResourceRecord[] {
  return records.map((r) => JSON.parse(JSON.stringify(r)) as ResourceRecord);
}

interface Stats { readonly runs: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly min: number }

function stats(ms: readonly number[]): Stats {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { runs: ms.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1]!, min: sorted[0]! };
}

function timeRuns(runs: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

// ---- Memory, on a clean heap. The snapshot is measured with the records dropped (as the
// follower drops them after a build), so the strings it shares with them count.
const heapEmpty = await heapAfterGc();
let records: ResourceRecord[] = asStored(generate(SERVICES, PER_SERVICE));
const recordCount = records.length;
const targets = SERVICES * PER_SERVICE;
const recordBytes = await heapAfterGc() - heapEmpty;
let snapshot: RoutingSnapshot = compile(records, 1);
records = [];
const snapshotBytes = await heapAfterGc() - heapEmpty;

// ---- compile() and checkSnapshot(), in memory.
records = asStored(generate(SERVICES, PER_SERVICE));
const violations = checkSnapshot(snapshot);
if (violations.length || snapshot.problems.length) throw new Error(`bad snapshot: ${[...violations, ...snapshot.problems.map((p) => p.reason)].slice(0, 5).join('; ')}`);
for (let i = 0; i < 3; i++) snapshot = compile(records, 1); // warm-up
const compileMs = stats(timeRuns(Math.min(RUNS, 15), () => { snapshot = compile(records, 1); }));
const checkMs = stats(timeRuns(5, () => { checkSnapshot(snapshot); }));

// ---- Route lookup: the request path's look-ups, at 10 services and at the full count.
/**
 * ns per request routed: VPC → network → service by Host → listener → rule. `sample`
 * requests (VPC, Host) spread over the snapshot's services are cycled through: the same
 * number at both sizes compares the look-ups themselves; cycling through every service of
 * the large snapshot adds what its size costs in cache misses.
 */
function lookupNs(s: RoutingSnapshot, sample: number): number {
  const all: { vpc: string; host: string }[] = [];
  for (const vpc of s.vpcs.values()) {
    const sn = vpc.association && s.serviceNetworks.get(vpc.association.serviceNetworkId);
    for (const svc of new Set(sn?.servicesByHost.values() ?? [])) all.push({ vpc: vpc.vpcId, host: `${svc.hostNames[0]!}:80` });
  }
  if (all.length === 0) throw new Error('no routable requests in the snapshot');
  const step = Math.max(1, Math.floor(all.length / sample));
  const requests = all.filter((_, i) => i % step === 0).slice(0, sample);
  const headers = ['Host', 'x', 'Accept', '*/*', 'X-Tenant', 'acme', 'User-Agent', 'bench'];
  let found = 0;
  const round = (n: number): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const r = requests[i % requests.length]!;
      const sn = networkOf(s, s.vpcs.get(r.vpc));
      if (typeof sn === 'string') continue;
      const svc = sn.servicesByHost.get(hostName(r.host));
      const listener = svc && listenerOn(svc, 80);
      if (listener && matchRule(listener, 'GET', i & 1 ? '/api/items' : '/', headers)) found++;
    }
    return Number(process.hrtime.bigint() - t0) / n;
  };
  round(200_000); // warm-up
  const per = Array.from({ length: 9 }, () => round(500_000));
  if (found === 0) throw new Error('no request routed');
  return stats(per).p50;
}
const small = compile(asStored(generate(10, PER_SERVICE)), 1);
const lookup = {
  sampled10At10ServicesNs: lookupNs(small, 10),
  sampled10AtAllServicesNs: lookupNs(snapshot, 10),
  everyServiceAtAllServicesNs: lookupNs(snapshot, Number.MAX_SAFE_INTEGER),
};

// ---- From the store: full rebuilds, and incremental rebuilds after one change.
interface StoreFigures {
  readonly scanAndCompileMs: Stats;
  readonly incrementalFirstBuildMs: number;
  readonly oneChange: Readonly<Record<string, { readonly rebuildMs: Stats; readonly checkMs: Stats; readonly mode: string }>>;
  readonly heap: { readonly snapshotAndStateBytes: number; readonly perTarget: number };
}
let store: StoreFigures | undefined;
if (!opts['no-store']) {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-bench-config-'));
  const db = new SqliteStore(join(dir, 'state.db'));
  try {
    await db.transact(async (tx) => { for (const { seq: _, ...r } of records) await tx.put(r); });
    records = [];
    snapshot = compile([], 0);
    await fullRebuild(db, undefined);
    const full: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await fullRebuild(db, undefined);
      full.push(performance.now() - t0);
    }

    // The follower's default: built once from a scan, then from the change feed.
    let mode = '';
    const rebuild: Rebuild = incrementalRebuild({ onRebuild: (i) => { mode = i.mode; } });
    const t0 = performance.now();
    let current = await rebuild(db, undefined);
    const firstBuild = performance.now() - t0;
    // The follower checks its first snapshot in full; each later one counts on from it.
    if (checkSnapshot(current).length) throw new Error('the first incremental build fails its check');
    const heapWithState = await heapAfterGc() - heapEmpty;

    const changes: Record<string, (tx: StoreTx, i: number) => Promise<void>> = {
      'target registered': async (tx, i) => {
        const id = `tg-${hex(2 * (i % SERVICES))}`;
        const tg = (await tx.get('targetgroup', PLACE, id))!;
        const list = [...(tg.doc['targets'] as unknown[]), { id: `127.9.${(i >> 8) & 255}.${i & 255}`, port: 8080 }];
        await tx.put({ ...tg, doc: { ...tg.doc, targets: list } });
      },
      'rule priority changed': async (tx, i) => {
        const id = `rule-${hex(2 * (i % SERVICES) + 1)}`;
        const rule = (await tx.get('rule', PLACE, id))!;
        await tx.put({ ...rule, doc: { ...rule.doc, priority: 10 + (i % 50) + 1 } });
      },
      'service association added': async (tx, i) => {
        // Service i joins a second network, ACTIVE (the control plane settles it shortly after).
        const svc = i % SERVICES;
        const sn = `sn-${hex((svc + 1 + (i % 7)) % 100)}`;
        const id = `snsa-${hex(1_000_000 + i)}`;
        await tx.put({
          kind: 'servicenetworkserviceassociation', id, ...PLACE, parentId: '', name: '', refs: [sn, `svc-${hex(svc)}`],
          doc: { id, arn: latticeArn(`servicenetworkserviceassociation/${id}`), status: 'ACTIVE', serviceNetworkId: sn, serviceId: `svc-${hex(svc)}`, createdAt: '2026-01-01T00:00:00.000Z', tags: {} },
        });
      },
    };
    const oneChange: Record<string, { rebuildMs: Stats; checkMs: Stats; mode: string }> = {};
    let n = 0;
    for (const [what, change] of Object.entries(changes)) {
      const ms: number[] = [];
      const check: number[] = [];
      const modes = new Set<string>();
      for (let i = 0; i < RUNS; i++) {
        await db.transact((tx) => change(tx, n++));
        const t1 = performance.now();
        const next = await rebuild(db, current);
        ms.push(performance.now() - t1);
        modes.add(mode);
        const t2 = performance.now();
        const found = checkSnapshot(next, current);
        check.push(performance.now() - t2);
        if (found.length) throw new Error(`${what}: ${found.slice(0, 3).join('; ')}`);
        current = next;
      }
      oneChange[what] = { rebuildMs: stats(ms), checkMs: stats(check), mode: [...modes].join('+') };
    }
    store = {
      scanAndCompileMs: stats(full), incrementalFirstBuildMs: firstBuild, oneChange,
      heap: { snapshotAndStateBytes: heapWithState, perTarget: Math.round(heapWithState / targets) },
    };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function machine() {
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  const cs = cpus();
  return { cpuModel: cs[0]?.model ?? 'unknown', cores: cs.length, node: process.version, platform: platform(), kernel: release(), memoryGiB: Math.round(totalmem() / 2 ** 30), commit };
}

const perTarget = snapshotBytes / targets;
const worstChange = store ? Math.max(...Object.values(store.oneChange).map((c) => c.rebuildMs.p99)) : undefined;
const results = {
  benchmark: 'config-compile', date: new Date().toISOString(), machine: machine(),
  command: `node --expose-gc --import tsx bench/config/compile.ts ${process.argv.slice(2).join(' ')}`.trim(),
  load: { services: SERVICES, targets, records: recordCount },
  compileMs, checkMs, lookup, ...(store ? { store } : {}),
  heap: {
    snapshotBytes, snapshotBytesPerTarget: Math.round(perTarget),
    recordsBytes: recordBytes, recordsBytesPerTarget: Math.round(recordBytes / targets),
    ...(store ? { snapshotAndIncrementalStateBytesPerTarget: store.heap.perTarget } : {}),
  },
  targets: { rebuildMs: TARGET_MS, bytesPerTarget: TARGET_BYTES_PER_TARGET },
  met: {
    ...(worstChange !== undefined ? { oneChangeRebuild: worstChange <= TARGET_MS } : {}),
    memory: (store?.heap.perTarget ?? perTarget) <= TARGET_BYTES_PER_TARGET,
    lookupFlat: lookup.sampled10AtAllServicesNs <= lookup.sampled10At10ServicesNs * 1.5,
  },
};

const f = (n: number) => n.toFixed(1);
console.log(`snapshot compile: ${SERVICES} services, ${targets} targets, ${recordCount} records (${results.machine.cpuModel}, ${results.machine.cores} cores, node ${process.version})`);
console.log(`  compile() (full build)        p50 ${f(compileMs.p50)} ms  p99 ${f(compileMs.p99)} ms`);
console.log(`  checkSnapshot() (full)        p50 ${f(checkMs.p50)} ms`);
if (store) {
  console.log(`  SQLite scan + compile         p50 ${f(store.scanAndCompileMs.p50)} ms  max ${f(store.scanAndCompileMs.max)} ms  (fullRebuild)`);
  console.log(`  incremental: first build      ${f(store.incrementalFirstBuildMs)} ms (scan + build of its state)`);
  for (const [what, c] of Object.entries(store.oneChange)) {
    console.log(`  incremental: ${what.padEnd(26)} p50 ${f(c.rebuildMs.p50)} ms  p99 ${f(c.rebuildMs.p99)} ms  (${c.mode}); then its check p50 ${f(c.checkMs.p50)} ms  p99 ${f(c.checkMs.p99)} ms`);
  }
  console.log(`  one change, worst p99         ${f(worstChange!)} ms  (target ≤ ${TARGET_MS} ms: ${results.met.oneChangeRebuild ? 'met' : 'NOT met'})`);
}
console.log(`  snapshot heap                 ${(snapshotBytes / 2 ** 20).toFixed(1)} MiB = ${Math.round(perTarget)} B/target`);
if (store) console.log(`  snapshot + incremental state  ${(store.heap.snapshotAndStateBytes / 2 ** 20).toFixed(1)} MiB = ${store.heap.perTarget} B/target  (target ≤ ${TARGET_BYTES_PER_TARGET} B: ${results.met.memory ? 'met' : 'NOT met'})`);
console.log(`  input records heap            ${(recordBytes / 2 ** 20).toFixed(1)} MiB = ${Math.round(recordBytes / targets)} B/target (held only during a full build)`);
console.log(`  route lookup                  ${f(lookup.sampled10At10ServicesNs)} ns at 10 services, ${f(lookup.sampled10AtAllServicesNs)} ns at ${SERVICES} (10 hosts cycled: ${results.met.lookupFlat ? 'flat' : 'GROWS'}); ${f(lookup.everyServiceAtAllServicesNs)} ns cycling every service`);
const resultsDir = join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const out = join(resultsDir, `config-compile-${results.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results: ${out}`);
