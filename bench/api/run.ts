/**
 * API benchmark: how fast Trellis takes creates, and how fast it answers the first page of a
 * listing with 10,000 records stored. Targets (the issue's): ≥ 2,000 creates/s on a 2-core
 * machine; p99 ≤ 5 ms for one ListServices page at 10,000 services.
 *
 *   npm run bench:api                        # or: node --import tsx bench/api/run.ts
 *   npm run bench:api -- --cpu-prof          # also profile the server, print its hot spots
 *   npm run bench:api -- --record            # also append a row to bench/RESULTS.md
 *
 * Trellis runs as a child process (bench/api/server.ts: startTrellis with quotas lifted,
 * state in a fresh SQLite file on disk), so the load generator does not share its event loop.
 * Writes bench/results/api-<date>.json with the machine's facts.
 */
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closedLoop, LatticeHttp, type LoadResult } from './load.js';
import { hotSpots } from './profile.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET_CREATES_PER_S = 2000;
const TARGET_LIST_P99_MS = 5;

const { values: opts } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    lists: { type: 'string', default: '2000' },
    'cpu-prof': { type: 'boolean', default: false },
    record: { type: 'boolean', default: false },
  },
});
const COUNT = Number(opts.count);
const CONCURRENCY = Number(opts.concurrency);
const LISTS = Number(opts.lists);

interface Server { port: number; stop(): Promise<void> }

/** Starts bench/api/server.ts and waits for `listening on port N`. */
function startServer(dataDir: string, profDir: string | undefined): Promise<Server> {
  const prof = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'bench/api/server.ts', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`server did not start:\n${out}`)); }, 30_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /listening on port (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      ok({ port: Number(m[1]), stop: async () => { child.kill('SIGTERM'); await exited; } });
    });
    void exited.then(() => { clearTimeout(timer); fail(new Error(`server exited:\n${out}`)); });
  });
}

function machine() {
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  const cs = cpus();
  return {
    cpuModel: cs[0]?.model ?? 'unknown', cores: cs.length, node: process.version, platform: platform(), kernel: release(),
    memoryGiB: Math.round(totalmem() / 2 ** 30), commit,
  };
}

interface Row { readonly what: string; readonly r: LoadResult; readonly concurrency: number; readonly target?: string; readonly met?: boolean }

function fmt(n: number, digits = 2): string { return n.toFixed(digits); }

function table(rows: readonly Row[]): string {
  const head = ['measurement', 'requests', 'clients', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'target', 'met'];
  const body = rows.map((x) => [
    x.what, String(x.r.requests), String(x.concurrency), fmt(x.r.perSecond, 0), fmt(x.r.latencyMs.p50), fmt(x.r.latencyMs.p99),
    fmt(x.r.latencyMs.max), x.target ?? '', x.met === undefined ? '' : x.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function check(what: string, r: LoadResult): LoadResult {
  if (r.failures > 0) throw new Error(`${what}: ${r.failures} of ${r.requests} failed, e.g. ${r.failureSamples.join(' | ')}`);
  return r;
}

const facts = machine();
const dataDir = mkdtempSync(join(tmpdir(), 'trellis-bench-'));
const resultsDir = join(ROOT, 'bench', 'results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
// The server writes one profile per thread (tsx's loader runs in a worker); kept apart
// until the main thread's is picked.
const profDir = opts['cpu-prof'] ? mkdtempSync(join(tmpdir(), 'trellis-prof-')) : undefined;
const loadBefore = loadavg()[0]!;
mkdirSync(resultsDir, { recursive: true });
console.log(`Trellis API benchmark: ${facts.cpuModel}, ${facts.cores} cores, node ${facts.node}, commit ${facts.commit}`);
console.log(`${COUNT} records per kind, ${CONCURRENCY} keep-alive clients, ${LISTS} list calls${profDir ? ', server profiled' : ''}`);
console.log(`load average ${fmt(loadBefore)} on ${facts.cores} cores${loadBefore > facts.cores / 2 ? ': THE MACHINE IS BUSY, figures will be low' : ''}\n`);

const server = await startServer(dataDir, profDir);
const http = new LatticeHttp(server.port, CONCURRENCY);
const rows: Row[] = [];
const notes: string[] = [];
let listKind: 'services' | 'servicenetworks' = 'servicenetworks';
try {
  // Warm-up, in a region of its own so the measured regions hold exactly COUNT records.
  check('warm-up', await closedLoop(1000, CONCURRENCY, 201, (i) => http.call('POST', '/servicenetworks', 'us-west-2', { name: `warm-${i}` })));

  const sn = check('CreateServiceNetwork', await closedLoop(COUNT, CONCURRENCY, 201, (i) => http.call('POST', '/servicenetworks', 'us-east-1', { name: `bench-net-${i}` })));
  rows.push({ what: 'CreateServiceNetwork', r: sn, concurrency: CONCURRENCY, target: `≥ ${TARGET_CREATES_PER_S}/s`, met: sn.perSecond >= TARGET_CREATES_PER_S });
  const sn1 = check('CreateServiceNetwork (1 client)', await closedLoop(1000, 1, 201, (i) => http.call('POST', '/servicenetworks', 'eu-north-1', { name: `serial-net-${i}` })));
  rows.push({ what: 'CreateServiceNetwork', r: sn1, concurrency: 1 });

  const probe = await http.call('POST', '/services', 'eu-west-1', { name: 'bench-probe' });
  if (probe.status === 201) {
    const svc = check('CreateService', await closedLoop(COUNT, CONCURRENCY, 201, (i) => http.call('POST', '/services', 'us-east-1', { name: `bench-svc-${i}` })));
    rows.push({ what: 'CreateService', r: svc, concurrency: CONCURRENCY, target: `≥ ${TARGET_CREATES_PER_S}/s`, met: svc.perSecond >= TARGET_CREATES_PER_S });
    listKind = 'services';
  } else {
    notes.push(`CreateService skipped: Trellis answered ${probe.status} (${probe.body.slice(0, 120)}); ListServiceNetworks stands in for ListServices.`);
  }

  const listOp = listKind === 'services' ? 'ListServices' : 'ListServiceNetworks';
  const first = await http.call('GET', `/${listKind}`, 'us-east-1');
  const page = JSON.parse(first.body) as { items?: unknown[]; nextToken?: string };
  if (first.status !== 200 || !page.items || page.items.length === 0 || !page.nextToken) throw new Error(`${listOp} first page looks wrong: ${first.status} ${first.body.slice(0, 200)}`);
  notes.push(`${listOp} first page: ${page.items.length} items of ${COUNT} stored (AWS's default page size), ${first.body.length} bytes.`);
  check(`${listOp} warm-up`, await closedLoop(200, 1, 200, () => http.call('GET', `/${listKind}`, 'us-east-1')));
  const list = check(listOp, await closedLoop(LISTS, 1, 200, () => http.call('GET', `/${listKind}`, 'us-east-1')));
  rows.push({ what: `${listOp} page 1`, r: list, concurrency: 1, target: `p99 ≤ ${TARGET_LIST_P99_MS} ms`, met: list.latencyMs.p99 <= TARGET_LIST_P99_MS });
  const listC = check(`${listOp} (concurrent)`, await closedLoop(LISTS, 8, 200, () => http.call('GET', `/${listKind}`, 'us-east-1')));
  rows.push({ what: `${listOp} page 1`, r: listC, concurrency: 8 });
} finally {
  http.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

console.log(table(rows));
for (const n of notes) console.log(`\nnote: ${n}`);

let profile: ReturnType<typeof hotSpots> | undefined;
const profFile = join(resultsDir, `api-server-${stamp}.cpuprofile.json`);
if (profDir) {
  // The thread that served the API is the one that was busy.
  const found = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f: join(profDir, f), p: hotSpots(join(profDir, f), ROOT) }))
    .sort((a, b) => a.p.totalMs * (1 - a.p.idleShare) - b.p.totalMs * (1 - b.p.idleShare)).pop();
  if (found) {
    // Named *.json so bench/results/'s ignore rule covers it; DevTools opens it all the same.
    copyFileSync(found.f, profFile);
    profile = found.p;
  }
  rmSync(profDir, { recursive: true, force: true });
}
if (profile) {
  console.log(`\nserver CPU profile (${profFile}): ${fmt(profile.totalMs / 1000, 1)} s sampled, ${fmt(profile.idleShare * 100, 1)}% idle`);
  for (const s of profile.spots) console.log(`  ${fmt(s.share * 100, 1).padStart(5)}%  ${fmt(s.selfMs, 0).padStart(6)} ms  ${s.fn}  ${s.where}`);
}

const date = new Date().toISOString();
const out = join(resultsDir, `api-${stamp}.json`);
const missed = rows.filter((r) => r.met === false).map((r) => r.what);
writeFileSync(out, JSON.stringify({
  benchmark: 'api', date, command: `node --import tsx bench/api/run.ts ${process.argv.slice(2).join(' ')}`.trim(), machine: facts,
  config: { count: COUNT, concurrency: CONCURRENCY, lists: LISTS }, loadAverage: { before: loadBefore, after: loadavg()[0] },
  results: rows.map((r) => ({ measurement: r.what, concurrency: r.concurrency, ...r.r, target: r.target, met: r.met })),
  notes, profile, missed,
}, null, 2));
console.log(`\nresults: ${out}`);
console.log(missed.length ? `targets MISSED: ${missed.join(', ')}` : 'all targets met');

if (opts.record) {
  const get = (what: string, c: number) => rows.find((r) => r.what === what && r.concurrency === c);
  const sn = get('CreateServiceNetwork', CONCURRENCY);
  const svc = get('CreateService', CONCURRENCY);
  const list = rows.find((r) => r.what.endsWith('page 1') && r.concurrency === 1);
  const cell = (r: Row | undefined) => (r ? fmt(r.r.perSecond, 0) : 'n/a');
  appendFileSync(join(ROOT, 'bench', 'RESULTS.md'),
    `| ${date.slice(0, 10)} | ${facts.commit} | ${facts.cpuModel}, ${facts.cores} cores | ${facts.node} | ${fmt(loadBefore)} | ${cell(sn)} | ${cell(svc)} | `
    + `${list ? `${list.what.split(' ')[0]} ${fmt(list.r.latencyMs.p50)} / ${fmt(list.r.latencyMs.p99)}` : 'n/a'} | ${missed.length ? `missed: ${missed.join(', ')}` : 'met'} |\n`);
}
