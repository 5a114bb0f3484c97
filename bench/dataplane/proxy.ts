/**
 * Self-check micro-benchmark of the data plane's request path (not the nginx side-by-side,
 * which bench/RESULTS.md and ../shared/bench/run-baseline.sh do).
 *
 *   node --import tsx bench/dataplane/proxy.ts [--seconds 4]
 *
 * Three processes: two node:http backends (~100-byte bodies, HTML and JSON), the data plane
 * (walkthrough routing: one listener, a path rule, the default action forwarding to two
 * groups weighted 10/10; access log to files, metrics registry, header insertion — every
 * feature on), and this process as the undici load client. For 50 and 1 connections it
 * reports proxied req/s, the data plane's CPU µs per request (its own process.cpuUsage
 * delta over the window), and p50/p99 latency, plus direct-to-backend at 1 connection for
 * the added latency. Bounded: each window lasts `--seconds` (default 4 s; ~10 s in all).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const role = process.argv.find((a) => a.startsWith('--role='))?.slice(7);
const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 4;
const HOST = 'bench.local';

async function backends(): Promise<void> {
  const ports: number[] = [];
  for (const [type, body] of [['text/html', '<html><body><h1>Hello from the HTML backend of the walkthrough</h1></body></html>\n'], ['application/json', JSON.stringify({ message: 'Hello from the JSON backend of the walkthrough', ok: true }) + '\n']] as const) {
    const s = createServer((_req, res) => { res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) }); res.end(body); });
    s.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    ports.push((s.address() as AddressInfo).port);
  }
  process.send!({ ports });
}

/**
 * The reference "bare Node proxy on undici's dispatcher" of ../shared/bench/README.md,
 * rebuilt here so that both run in the same conditions: no routing, no headers, no log.
 */
async function bareProxy(ports: number[]): Promise<void> {
  const pools = ports.map((p) => new Pool(`http://127.0.0.1:${p}`, { connections: 256, pipelining: 1 }));
  let i = 0;
  const s = createServer((req, res) => {
    const pool = pools[i++ & 1]!;
    pool.dispatch({ path: req.url!, method: 'GET', headers: req.rawHeaders, body: null }, {
      onConnect() {}, onError() { res.destroy(); },
      onHeaders(status: number, raw: Buffer[]) { const h: string[] = []; for (let k = 0; k < raw.length; k += 2) { const n = raw[k]!.toString('latin1'); if (n.length !== 10) h.push(n, raw[k + 1]!.toString('latin1')); } res.writeHead(status, h); return true; },
      onData(c: Buffer) { return res.write(c); }, onComplete() { res.end(); },
    } as never);
  });
  s.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  process.on('message', (m: { cpu?: boolean; exit?: boolean }) => {
    if (m.cpu) process.send!({ cpu: process.cpuUsage() });
    if (m.exit) process.exit(0);
  });
  process.send!({ port: (s.address() as AddressInfo).port });
}

async function dataPlane(ports: number[]): Promise<void> {
  const { DataPlane, FileAccessLogSink, MetricsRegistry } = await import('../../src/dataplane/index.js');
  const { buildSnapshot, forward } = await import('../../src/dataplane/router/snapshot-fixture.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'trellis-bench-'));
  const accessLog = new FileAccessLogSink({ dataDir });
  const metrics = new MetricsRegistry();
  const snapshot = buildSnapshot({
    vpcs: [{ id: 'vpc-bench', cidr: '10.0.0.0/16', network: 'sn-bench', securityGroups: [{ id: 'sg-b', ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '10.0.0.0/16' }] }] }],
    networks: [{ id: 'sn-bench', services: ['svc-bench'], accessLogs: [{ subscriptionId: 'als-1', destinationArn: 'arn:aws:logs:us-east-1:111122223333:log-group:bench', resourceId: 'sn-bench' }] }],
    services: [{
      id: 'svc-bench', hostNames: [HOST],
      listeners: [{
        port: 80,
        rules: [{ priority: 10, match: { path: { kind: 'prefix', value: '/admin', caseSensitive: false } }, action: forward(['tg-html', 1]) }],
        defaultAction: forward(['tg-html', 10], ['tg-json', 10]),
      }],
    }],
    targetGroups: [
      { id: 'tg-html', targets: [{ id: '10.0.1.10', port: ports[0]!, address: '127.0.0.1' }] },
      { id: 'tg-json', targets: [{ id: '10.0.1.11', port: ports[1]!, address: '127.0.0.1' }] },
    ],
  });
  metrics.update(snapshot);
  const bare = process.env.BENCH_NO_LOG === '1';
  const dp = new DataPlane({
    accessLog: bare ? { write: () => undefined, close: async () => undefined } : accessLog,
    metrics: bare ? { requestStarted: () => undefined, requestFinished: () => undefined } : metrics,
    health: { status: () => 'HEALTHY' },
  });
  dp.setSnapshot(snapshot);
  const gw = await dp.listenVpc('vpc-bench', 0, '127.0.0.1');
  process.on('message', (m: { cpu?: boolean; exit?: boolean }) => {
    if (m.cpu) process.send!({ cpu: process.cpuUsage() });
    if (m.exit) void dp.close().then(() => accessLog.close()).then(() => { rmSync(dataDir, { recursive: true, force: true }); process.exit(0); });
  });
  process.send!({ port: gw.port });
}

function child(args: string[]): ChildProcess {
  const prof = args[0] === '--role=dataplane' && process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  return fork(new URL(import.meta.url).pathname, args, { execArgv: ['--import', 'tsx', ...prof], stdio: 'inherit' });
}
const next = <T>(c: ChildProcess): Promise<T> => new Promise((r) => c.once('message', (m) => r(m as T)));

interface Window { rps: number; p50: number; p99: number; count: number }

async function load(port: number, connections: number, seconds: number): Promise<Window> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections, pipelining: 1 });
  const lat: number[] = [];
  const until = performance.now() + seconds * 1000;
  let count = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      const { body, statusCode } = await pool.request({ path: '/', method: 'GET', headers: { host: HOST, 'user-agent': 'bench' } });
      await body.dump();
      if (statusCode !== 200) throw new Error(`status ${statusCode}`);
      if (lat.length < 2_000_000) lat.push(performance.now() - t0);
      count++;
    }
  };
  const t = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - t) / 1000;
  await pool.close();
  lat.sort((a, b) => a - b);
  return { rps: count / elapsed, p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.floor(lat.length * 0.99)]!, count };
}

async function main(): Promise<void> {
  const be = child(['--role=backends']);
  const { ports } = await next<{ ports: number[] }>(be);
  const mode = process.env.BENCH_BARE === '1' ? 'bare' : 'dataplane';
  const dpc = child([`--role=${mode}`, `--ports=${ports.join(',')}`]);
  const { port } = await next<{ port: number }>(dpc);
  const cpu = async () => { dpc.send({ cpu: true }); return (await next<{ cpu: NodeJS.CpuUsage }>(dpc)).cpu; };

  await load(port, 10, 0.5); // warm-up (JIT, pools)
  const rows: string[] = [];
  for (const c of [50, 1]) {
    const before = await cpu();
    const w = await load(port, c, SECONDS);
    const after = await cpu();
    const us = (after.user - before.user + after.system - before.system) / w.count;
    rows.push(`| ${mode} c=${c} | ${Math.round(w.rps)} | ${us.toFixed(1)} µs | ${(w.p50 * 1000).toFixed(0)} µs | ${(w.p99 * 1000).toFixed(0)} µs |`);
  }
  const direct = await load(ports[0]!, 1, Math.min(2, SECONDS));
  rows.push(`| direct c=1 | ${Math.round(direct.rps)} | – | ${(direct.p50 * 1000).toFixed(0)} µs | ${(direct.p99 * 1000).toFixed(0)} µs |`);
  console.log('| config | req/s | data-plane CPU per request | p50 | p99 |\n| --- | --- | --- | --- | --- |\n' + rows.join('\n'));
  dpc.send({ exit: true });
  be.kill();
  await new Promise((r) => dpc.once('exit', r));
}

if (role === 'backends') void backends();
else if (role === 'bare') void bareProxy(process.argv.find((a) => a.startsWith('--ports='))!.slice(8).split(',').map(Number));
else if (role === 'dataplane') void dataPlane(process.argv.find((a) => a.startsWith('--ports='))!.slice(8).split(',').map(Number));
else void main();
