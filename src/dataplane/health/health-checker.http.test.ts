import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { TargetEntry } from '../../config/index.js';
import { HealthChecker } from './health-checker.js';
import { group, healthCheck, snapshot } from './test-fixture.js';

/**
 * The checker against real backends on loopback ports, on the real clock: short intervals,
 * and `eventually` polls with a deadline — no sleeps and no timing thresholds.
 */

async function eventually<T>(fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Seen { readonly method: string; readonly url: string; readonly headers: IncomingHttpHeaders; readonly socket: Socket }

/** A backend whose answer the test switches, and which it can stop and start on its port. */
class Backend {
  status = 200;
  readonly seen: Seen[] = [];
  port = 0;
  private server: Server | undefined;
  /** A backend that accepts and never answers stands for a hung target. */
  constructor(private readonly hang = false) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, socket: req.socket });
      if (this.hang) return;
      res.writeHead(this.status, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  target(): TargetEntry {
    return { id: '127.0.0.1', port: this.port, address: '127.0.0.1' };
  }
}

/** Fast checks on the real clock: a 40 ms interval, answers 200-299 healthy. */
const HC = healthCheck({ path: '/healthz?probe=1', intervalMs: 40, timeoutMs: 2000, healthyThreshold: 2, matcher: [[200, 299]] });

describe('HealthChecker against real backends', () => {
  const toggled = new Backend();
  const stoppable = new Backend();
  const hung = new Backend(true);
  const checker = new HealthChecker({ firstProbeSpreadMs: 5 });

  before(async () => {
    await Promise.all([toggled.start(), stoppable.start(), hung.start()]);
  });
  after(async () => {
    checker.close();
    await Promise.all([toggled.stop(), stoppable.stop(), hung.stop()]);
  });

  it('probes with GET on the configured path, Host the target, a new connection each time', async () => {
    checker.update(snapshot(1, group('tg-a', [toggled.target(), stoppable.target()], { healthCheck: HC })));
    await eventually(() => checker.status('tg-a', toggled.target()) === 'HEALTHY');
    await eventually(() => toggled.seen.length >= 3);
    const first = toggled.seen[0]!;
    assert.equal(first.method, 'GET');
    assert.equal(first.url, '/healthz?probe=1');
    assert.equal(first.headers.host, `127.0.0.1:${toggled.port}`);
    assert.equal(first.headers.connection, 'close');
    const sockets = new Set(toggled.seen.map((s) => s.socket));
    assert.equal(sockets.size, toggled.seen.length, 'every probe on its own connection');
  });

  it('turns a target UNHEALTHY on bad statuses and HEALTHY again when it recovers', async () => {
    toggled.status = 500;
    await eventually(() => checker.status('tg-a', toggled.target()) === 'UNHEALTHY');
    assert.equal(checker.reasonCode('tg-a', toggled.target()), 'Target.ResponseCodeMismatch');
    assert.equal(checker.status('tg-a', stoppable.target()), 'HEALTHY', 'the other target is unaffected');
    toggled.status = 204;
    await eventually(() => checker.status('tg-a', toggled.target()) === 'HEALTHY');
  });

  it('turns a stopped backend UNHEALTHY after the threshold, and a restarted one HEALTHY', async () => {
    await eventually(() => checker.status('tg-a', stoppable.target()) === 'HEALTHY');
    const target = stoppable.target();
    await stoppable.stop();
    await eventually(() => checker.status('tg-a', target) === 'UNHEALTHY');
    assert.equal(checker.reasonCode('tg-a', target), 'Target.FailedHealthChecks');
    await stoppable.start();
    assert.equal(stoppable.port, target.port);
    await eventually(() => checker.status('tg-a', target) === 'HEALTHY');
  });

  it('reports Target.Timeout for a target that accepts and never answers', async () => {
    checker.update(snapshot(1,
      group('tg-a', [toggled.target(), stoppable.target()], { healthCheck: HC }),
      group('tg-hung', [hung.target()], { healthCheck: { ...HC, timeoutMs: 30 } }),
    ));
    await eventually(() => checker.status('tg-hung', hung.target()) === 'UNHEALTHY');
    assert.equal(checker.reasonCode('tg-hung', hung.target()), 'Target.Timeout');
  });
});

const openssl = spawnSync('openssl', ['version']).status === 0;

describe('HealthChecker over HTTPS', () => {
  it('probes an HTTPS target without checking its self-signed certificate', { skip: !openssl && 'openssl not installed' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-hc-tls-'));
    const checker = new HealthChecker({ firstProbeSpreadMs: 5 });
    let paths: string[] = [];
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=self-signed.invalid',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    assert.equal(gen.status, 0, 'openssl made a certificate');
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (req, res) => { paths = [...paths, req.url ?? '']; res.writeHead(200).end(); });
    try {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      const target: TargetEntry = { id: '127.0.0.1', port, address: '127.0.0.1' };
      checker.update(snapshot(1, group('tg-tls', [target], { healthCheck: { ...HC, protocol: 'HTTPS', path: '/tls' } })));
      await eventually(() => checker.status('tg-tls', target) === 'HEALTHY');
      assert.equal(paths[0], '/tls');
    } finally {
      checker.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
