/**
 * Snapshot compiler benchmark: how long one full rebuild of the RoutingSnapshot takes with
 * 10,000 services and 100,000 targets loaded, and how much heap it holds per target.
 * Targets (issue 3): ≤ 100 ms per rebuild; ≤ 1 KB of memory per target.
 *
 *   node --expose-gc --import tsx bench/config/compile.ts              # compile() alone
 *   node --expose-gc --import tsx bench/config/compile.ts --store      # + rebuilds from SQLite:
 *                                                  full scan (fullRebuild), change feed (cachedRebuild)
 *   ... --services 10000 --targets-per-service 10 --runs 15
 *
 * Records are generated the way the control plane stores them (docs/records.md): per
 * service one HTTP:80 listener with its default rule forwarding 1/1 to two target groups
 * and one path rule; one group of IP targets and one of INSTANCE targets (every instance
 * with its record); 100 networks with the services spread over them; 500 client VPCs with
 * associations and security groups. Without --expose-gc it re-runs itself with it.
 * Writes bench/results/config-compile-<date>.json with the machine's facts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cachedRebuild, checkSnapshot, compile, fullRebuild, type RoutingSnapshot } from '../../src/config/index.js';
import type { ResourceKind } from '../../src/model/index.js';
import { SqliteStore, type ResourceRecord } from '../../src/store/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET_MS = 100;
const TARGET_BYTES_PER_TARGET = 1024;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', cwd: ROOT });
  process.exit(r.status ?? 1);
}

const { values: opts } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    'targets-per-service': { type: 'string', default: '10' },
    runs: { type: 'string', default: '15' },
    store: { type: 'boolean', default: false },
  },
});
const SERVICES = Number(opts.services);
const PER_SERVICE = Number(opts['targets-per-service']);
const RUNS = Number(opts.runs);

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const hex = (n: number, width = 17) => n.toString(16).padStart(width, '0');
const latticeArn = (path: string) => `arn:aws:vpc-lattice:${REGION}:${ACCOUNT}:${path}`;

/** The records a store of this size would hold, as `Store.scan` returns them. */
function generate(): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  let seq = 0;
  const add = (kind: ResourceKind, id: string, doc: Record<string, unknown>, parentId = '', refs: string[] = []) => {
    out.push({ kind, id, account: ACCOUNT, region: REGION, parentId, name: '', refs, doc, seq: ++seq });
  };
  const now = '2026-01-01T00:00:00.000Z';
  const networks = Array.from({ length: 100 }, (_, i) => `sn-${hex(i)}`);
  for (const id of networks) add('servicenetwork', id, { id, arn: latticeArn(`servicenetwork/${id}`), name: id, authType: 'NONE', createdAt: now, lastUpdatedAt: now, tags: {} });
  for (let v = 0; v < 500; v++) {
    const vpcId = `vpc-${hex(v)}`;
    const sg = `sg-${hex(v)}`;
    const cidr = `10.${v % 250}.0.0/16`;
    add('vpc', vpcId, { vpcId, cidrBlock: cidr, source: 'explicit', createdAt: now });
    add('securitygroup', sg, { groupId: sg, vpcId, source: 'explicit', createdAt: now, ingress: [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIp: cidr }] }, vpcId, [vpcId]);
    const snva = `snva-${hex(v)}`;
    const sn = networks[v % networks.length]!;
    add('servicenetworkvpcassociation', snva, { id: snva, arn: latticeArn(`servicenetworkvpcassociation/${snva}`), status: 'ACTIVE', serviceNetworkId: sn, vpcId, securityGroupIds: [sg], createdAt: now, tags: {} }, '', [sn, vpcId, sg]);
  }
  const health = {
    enabled: true, protocol: 'HTTP', protocolVersion: 'HTTP1', path: '/', healthCheckIntervalSeconds: 30, healthCheckTimeoutSeconds: 5,
    healthyThresholdCount: 5, unhealthyThresholdCount: 2, matcher: { httpCode: '200-299' },
  };
  const half = Math.floor(PER_SERVICE / 2);
  let instance = 0;
  for (let s = 0; s < SERVICES; s++) {
    const svc = `svc-${hex(s)}`;
    const name = `service-${s}`;
    add('service', svc, {
      id: svc, arn: latticeArn(`service/${svc}`), name, authType: 'NONE', status: 'ACTIVE', idleTimeoutSeconds: 60,
      dnsEntry: { domainName: `${name}-${hex(s)}.7d67968.vpc-lattice-svcs.${REGION}.on.aws`, hostedZoneId: 'Z0123456789ABCDEFGHIJ' }, createdAt: now, lastUpdatedAt: now, tags: {},
    });
    const ipGroup = `tg-${hex(2 * s)}`;
    const instGroup = `tg-${hex(2 * s + 1)}`;
    const ipTargets = Array.from({ length: PER_SERVICE - half }, (_, t) => ({ id: `127.${(s >> 8) & 255}.${s & 255}.${t + 1}`, port: 8080 }));
    const instTargets = Array.from({ length: half }, () => {
      const id = `i-${hex(instance++)}`;
      add('instance', id, { instanceId: id, privateIpAddress: `127.1.${(instance >> 8) & 255}.${instance & 255}`, source: 'explicit', createdAt: now });
      return { id, port: 8080 };
    });
    for (const [id, type, targets] of [[ipGroup, 'IP', ipTargets], [instGroup, 'INSTANCE', instTargets]] as const) {
      add('targetgroup', id, {
        id, arn: latticeArn(`targetgroup/${id}`), name: id, type, status: 'ACTIVE', createdAt: now, lastUpdatedAt: now, tags: {},
        config: { port: 80, protocol: 'HTTP', protocolVersion: 'HTTP1', vpcIdentifier: 'vpc-00000000000000000', healthCheck: health }, targets,
      });
    }
    const listener = `listener-${hex(s)}`;
    const listenerArn = latticeArn(`service/${svc}/listener/${listener}`);
    const defaultAction = { forward: { targetGroups: [{ targetGroupIdentifier: ipGroup, weight: 1 }, { targetGroupIdentifier: instGroup, weight: 1 }] } };
    add('listener', listener, { id: listener, arn: listenerArn, name: 'http-80', protocol: 'HTTP', port: 80, serviceId: svc, serviceArn: latticeArn(`service/${svc}`), defaultAction, createdAt: now, lastUpdatedAt: now, tags: {} }, svc, [svc, ipGroup, instGroup]);
    const def = `rule-${hex(2 * s)}`;
    add('rule', def, { id: def, arn: `${listenerArn}/rule/${def}`, name: 'default', isDefault: true, action: defaultAction, serviceId: svc, listenerId: listener, createdAt: now, lastUpdatedAt: now, tags: {} }, listener, [svc, listener, ipGroup, instGroup]);
    const rule = `rule-${hex(2 * s + 1)}`;
    add('rule', rule, {
      id: rule, arn: `${listenerArn}/rule/${rule}`, name: 'api', isDefault: false, priority: 10,
      match: { httpMatch: { pathMatch: { match: { prefix: '/API' } }, headerMatches: [{ name: 'X-Tenant', match: { exact: 'Acme' } }] } },
      action: { forward: { targetGroups: [{ targetGroupIdentifier: ipGroup, weight: 1 }] } }, serviceId: svc, listenerId: listener, createdAt: now, lastUpdatedAt: now, tags: {},
    }, listener, [svc, listener, ipGroup]);
    const snsa = `snsa-${hex(s)}`;
    const sn = networks[s % networks.length]!;
    add('servicenetworkserviceassociation', snsa, { id: snsa, arn: latticeArn(`servicenetworkserviceassociation/${snsa}`), status: 'ACTIVE', serviceNetworkId: sn, serviceId: svc, createdAt: now, tags: {} }, '', [sn, svc]);
  }
  return out;
}

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

function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { runs: ms.length, p50: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1]!, min: sorted[0]! };
}

function timeRuns(runs: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

// Memory first, on a clean heap. The snapshot is measured with the records dropped (as the
// follower drops them after a rebuild), so the strings it shares with them count.
const heapEmpty = await heapAfterGc();
let records: ResourceRecord[] = asStored(generate());
const recordCount = records.length;
const targets = SERVICES * PER_SERVICE;
const recordBytes = await heapAfterGc() - heapEmpty;
let snapshot: RoutingSnapshot = compile(records, 1);
records = [];
const snapshotBytes = await heapAfterGc() - heapEmpty;

records = asStored(generate());
const violations = checkSnapshot(snapshot);
if (violations.length || snapshot.problems.length) throw new Error(`bad snapshot: ${[...violations, ...snapshot.problems.map((p) => p.reason)].slice(0, 5).join('; ')}`);
for (let i = 0; i < 3; i++) snapshot = compile(records, 1); // warm-up
const compileMs = stats(timeRuns(RUNS, () => { snapshot = compile(records, 1); }));
const checkMs = stats(timeRuns(Math.min(RUNS, 5), () => { checkSnapshot(snapshot); }));

let storeMs: ReturnType<typeof stats> | undefined;
let changeMs: ReturnType<typeof stats> | undefined;
if (opts.store) {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-bench-config-'));
  const store = new SqliteStore(join(dir, 'state.db'));
  try {
    await store.transact(async (tx) => { for (const { seq: _, ...r } of records) await tx.put(r); });
    // A full rebuild per change: scan everything, compile.
    await fullRebuild(store, undefined);
    const ms: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      const t0 = process.hrtime.bigint();
      await fullRebuild(store, undefined);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    storeMs = stats(ms);
    // One change (a target registered), then a rebuild from the change feed.
    const rebuild = cachedRebuild();
    let current = await rebuild(store, undefined);
    const group = records.find((r) => r.kind === 'targetgroup')!;
    const changes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await store.transact(async (tx) => {
        const tg = await tx.get('targetgroup', group, group.id);
        const targets = [...(tg!.doc['targets'] as unknown[]), { id: `127.9.${i >> 8}.${i & 255}`, port: 8080 }];
        await tx.put({ ...tg!, doc: { ...tg!.doc, targets } });
      });
      const t0 = process.hrtime.bigint();
      current = await rebuild(store, current);
      changes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    changeMs = stats(changes);
  } finally {
    await store.close();
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
const results = {
  benchmark: 'config-compile', date: new Date().toISOString(), machine: machine(),
  command: `node --expose-gc --import tsx bench/config/compile.ts ${process.argv.slice(2).join(' ')}`.trim(),
  load: { services: SERVICES, targets, records: recordCount },
  compileMs, checkMs, ...(storeMs ? { scanAndCompileMs: storeMs } : {}), ...(changeMs ? { oneChangeCachedRebuildMs: changeMs } : {}),
  heap: {
    snapshotBytes, snapshotBytesPerTarget: Math.round(perTarget),
    recordsBytes: recordBytes, recordsBytesPerTarget: Math.round(recordBytes / targets),
    totalBytesPerTarget: Math.round((snapshotBytes + recordBytes) / targets),
  },
  targets: { rebuildMs: TARGET_MS, bytesPerTarget: TARGET_BYTES_PER_TARGET },
  met: { rebuild: compileMs.p50 <= TARGET_MS, memory: perTarget <= TARGET_BYTES_PER_TARGET },
};

const f = (n: number) => n.toFixed(1);
console.log(`snapshot compile: ${SERVICES} services, ${targets} targets, ${recordCount} records (${results.machine.cpuModel}, node ${process.version})`);
console.log(`  compile()            p50 ${f(compileMs.p50)} ms  p90 ${f(compileMs.p90)} ms  max ${f(compileMs.max)} ms  (target ≤ ${TARGET_MS} ms: ${results.met.rebuild ? 'met' : 'NOT met'})`);
console.log(`  checkSnapshot()      p50 ${f(checkMs.p50)} ms`);
if (storeMs) console.log(`  SQLite scan+compile  p50 ${f(storeMs.p50)} ms  max ${f(storeMs.max)} ms  (fullRebuild: one change)`);
if (changeMs) console.log(`  change feed+compile  p50 ${f(changeMs.p50)} ms  max ${f(changeMs.max)} ms  (cachedRebuild: one change)`);
console.log(`  snapshot heap        ${(snapshotBytes / 2 ** 20).toFixed(1)} MiB = ${Math.round(perTarget)} B/target  (target ≤ ${TARGET_BYTES_PER_TARGET} B: ${results.met.memory ? 'met' : 'NOT met'})`);
console.log(`  input records heap   ${(recordBytes / 2 ** 20).toFixed(1)} MiB = ${Math.round(recordBytes / targets)} B/target (held only during a rebuild)`);
const resultsDir = join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const out = join(resultsDir, `config-compile-${results.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results: ${out}`);
