import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessLogSubscriptionCommand, CreateListenerCommand, CreateRuleCommand, CreateServiceCommand, CreateServiceNetworkCommand,
  CreateServiceNetworkServiceAssociationCommand, CreateServiceNetworkVpcAssociationCommand, CreateTargetGroupCommand,
  GetServiceNetworkServiceAssociationCommand, GetServiceNetworkVpcAssociationCommand, GetTargetGroupCommand, ListTargetsCommand, RegisterTargetsCommand,
  VPCLatticeClient,
} from '@aws-sdk/client-vpc-lattice';
import { spawnTrellis, type ChildTrellis } from '../support/child-trellis.js';
import { eventually, TEST_CREDENTIALS } from '../support/trellis.js';
import { startBackend, viaProxy, type Backend, type Reply } from './dataplane-support.js';

/**
 * `trellis up --workers 2`, as a user runs it (a child process): the primary runs the API,
 * the SQLite writer and the one health checker; two cluster workers run the request path.
 * Requests are spread over both workers, the primary's metrics sum them exactly, every
 * worker routes a change promptly, health is checked once (not per worker) and reaches the
 * workers, a killed worker is restarted with the full health state, and SIGTERM ends with
 * exit 0 and one whole access-log line per request.
 */

const VPC = 'vpc-0a0c0e0000000000b';

interface WorkerInfo { readonly worker: number; readonly pid: number; readonly restarts: number; readonly requests: number | null }

/** A backend answering data requests 200 and recording the time of each health probe (`/health`). */
async function probedBackend(name: string, healthCode: number): Promise<Backend & { probes: number[] }> {
  const probes: number[] = [];
  const b = await startBackend(name, (req, res, self) => {
    if (req.url === '/health') {
      probes.push(Date.now());
      res.writeHead(healthCode).end();
      return;
    }
    self.seen.push({ backend: name, method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, headers: req.headers, bodyLength: 0 });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ backend: name }));
  });
  return Object.assign(b, { probes });
}

describe('trellis up --workers 2', { timeout: 60_000 }, () => {
  let dir: string;
  let t: ChildTrellis;
  let lattice: VPCLatticeClient;
  let proxyPort: number;
  let host: string;
  let serviceId: string;
  let tgId: string;
  let listenerId: string;
  let a: Backend & { probes: number[] };
  let b: Backend & { probes: number[] };
  /** Every request sent through the gateway to the service: each must leave one access-log line. */
  let sent = 0;

  const api = async (path: string): Promise<string> => (await fetch(`${t.url}${path}`)).text();
  const status = async (): Promise<WorkerInfo[]> => (JSON.parse(await api('/_trellis/status')) as { dataPlane: { workers: WorkerInfo[] } }).dataPlane.workers;
  const metric = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const call = (path = '/'): Promise<Reply> => {
    sent++;
    return viaProxy(proxyPort, VPC, `http://${host}${path}`);
  };
  const logLines = (): string[] => {
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p); else if (n.endsWith('.log')) files.push(p);
      }
    };
    walk(join(dir, 'logs'));
    return files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l !== ''));
  };
  const targetStatus = async (port: number): Promise<string | undefined> => {
    const r = await lattice.send(new ListTargetsCommand({ targetGroupIdentifier: tgId }));
    return r.items?.find((i) => i.port === port)?.status;
  };

  const active = (id: string): Promise<boolean> =>
    eventually(async () => (await lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: id }))).status === 'ACTIVE');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-workers-'));
    t = await spawnTrellis(dir, ['--workers', '2', '--gateway-port', '0', '--settle-delay-ms', '10']);
    assert.match(t.output(), /data plane {3}2 worker processes/);
    lattice = new VPCLatticeClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    a = await probedBackend('a', 200);
    b = await probedBackend('b', 500);
    const vpcs = await fetch(`${t.url}/_trellis/vpcs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vpcId: VPC, cidrBlock: '10.44.0.0/16' }) });
    assert.equal(vpcs.status, 200);
    proxyPort = Number((JSON.parse(await api('/_trellis/vpcs')) as { proxy: string }).proxy.split(':')[1]);

    const sn = await lattice.send(new CreateServiceNetworkCommand({ name: 'workers-net', authType: 'NONE' }));
    // Logged from the start: every worker's first snapshot with the route has the subscription.
    await lattice.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: sn.id, destinationArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/vpclattice/workers' }));
    const svc = await lattice.send(new CreateServiceCommand({ name: 'workers-svc', authType: 'NONE' }));
    serviceId = svc.id!;
    host = svc.dnsEntry!.domainName!;
    tgId = (await lattice.send(new CreateTargetGroupCommand({
      name: 'workers-tg', type: 'IP',
      config: {
        protocol: 'HTTP', port: 80, vpcIdentifier: VPC,
        healthCheck: { enabled: true, protocol: 'HTTP', path: '/health', healthCheckIntervalSeconds: 5, healthCheckTimeoutSeconds: 2, healthyThresholdCount: 2, unhealthyThresholdCount: 2, matcher: { httpCode: '200' } },
      },
    }))).id!;
    await active(tgId);
    await lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tgId, targets: [{ id: '127.0.0.1', port: a.port }, { id: '127.0.0.1', port: b.port }] }));
    listenerId = (await lattice.send(new CreateListenerCommand({
      serviceIdentifier: serviceId, name: 'http', protocol: 'HTTP', port: 80,
      defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tgId, weight: 1 }] } },
    }))).id!;
    const sa = await lattice.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: serviceId }));
    const va = await lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: VPC }));
    await eventually(async () => (await lattice.send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: sa.id }))).status === 'ACTIVE');
    await eventually(async () => (await lattice.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: va.id }))).status === 'ACTIVE');
  });

  after(async () => {
    lattice?.destroy();
    await t?.kill();
    await a?.close();
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('routes through the proxy gateway on both workers; the primary\'s metrics sum them exactly', async () => {
    // Every worker routes the service once it has the association (each one's own snapshot).
    await eventually(async () => {
      for (let i = 0; i < 4; i++) if ((await call()).status !== 200) return false;
      return true;
    });
    const K = 40;
    for (let i = 0; i < K; i++) assert.equal((await call()).status, 200);
    // Each request on a fresh connection: the cluster hands connections out round robin.
    const total = `trellis_vpclattice_TotalRequestCount{service="${serviceId}"}`;
    const text = await eventually(async () => {
      const m = await api('/_trellis/metrics');
      return (metric(m, total) ?? 0) >= sent ? m : undefined;
    });
    assert.equal(metric(text, total), sent, 'every request counted once, over both workers');
    const w1 = metric(text, 'trellis_worker_requests_total{worker="1"}')!;
    const w2 = metric(text, 'trellis_worker_requests_total{worker="2"}')!;
    assert.ok(w1 > 0 && w2 > 0, `both workers served requests: ${w1} and ${w2}`);
    assert.equal(w1 + w2, sent, 'the per-worker counts add up to every request');
    assert.equal(metric(text, `trellis_vpclattice_TotalRequestCount{target_group="${tgId}"}`), sent);
    assert.equal(metric(text, `trellis_vpclattice_HTTPCode_2XX_Count{service="${serviceId}"}`), sent);
    const workers = await status();
    assert.deepEqual(workers.map((w) => [w.worker, w.requests]), [[1, w1], [2, w2]]);
  });

  it('a configuration change is routed by every worker promptly (the primary pokes them on commit)', async () => {
    const c = await startBackend('c');
    const tg2 = (await lattice.send(new CreateTargetGroupCommand({
      name: 'workers-v2', type: 'IP', config: { protocol: 'HTTP', port: 80, vpcIdentifier: VPC, healthCheck: { enabled: false } },
    }))).id!;
    await active(tg2);
    await lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg2, targets: [{ id: '127.0.0.1', port: c.port }] }));
    const began = Date.now();
    await lattice.send(new CreateRuleCommand({
      serviceIdentifier: serviceId, listenerIdentifier: listenerId, name: 'v2-route', priority: 1,
      match: { httpMatch: { pathMatch: { match: { prefix: '/v2' } } } },
      action: { forward: { targetGroups: [{ targetGroupIdentifier: tg2, weight: 1 }] } },
    }));
    // Eight requests in a row on fresh connections: both workers answer, and every one has the rule.
    const toC = async (): Promise<boolean> => {
      const r = await call('/v2/x');
      return r.status === 200 && (JSON.parse(r.body) as { backend: string }).backend === 'c';
    };
    try {
      await eventually(async () => {
        for (let i = 0; i < 8; i++) if (!(await toC())) return false;
        return true;
      }, 2000);
    } finally {
      await c.close();
    }
    assert.ok(Date.now() - began < 2000, 'within the bound, not held by the slow poll');
    assert.equal((await call('/v1')).status, 200, 'other paths still reach the targets');
  });

  it('one health checker: a failing target turns UNHEALTHY in ListTargets, traffic moves, one probe per interval per target', { timeout: 20_000 }, async () => {
    await eventually(async () => (await targetStatus(b.port)) === 'UNHEALTHY' && a.probes.length >= 2, 15_000, 100);
    assert.equal(await targetStatus(a.port), 'HEALTHY');
    // Two workers each probing would put two probes on a target within the 1 s first-probe spread.
    for (const probes of [a.probes, b.probes]) {
      for (let i = 1; i < probes.length; i++) assert.ok(probes[i]! - probes[i - 1]! >= 4000, `probes ${probes.map((p) => p - probes[0]!).join(', ')} ms: one per 5 s interval`);
    }
    // The workers learn the transition from the primary: nothing more goes to b.
    const before = b.seen.length;
    for (let i = 0; i < 10; i++) {
      const r = await call();
      assert.equal(r.status, 200);
      assert.equal((JSON.parse(r.body) as { backend: string }).backend, 'a');
    }
    assert.equal(b.seen.length, before);
    await b.close(); // stopped for good: a worker routing to it would answer 502
  });

  it('a worker killed with SIGKILL is restarted, gets the full health state and serves again', { timeout: 20_000 }, async () => {
    // What the workers logged so far is on disk (a killed worker loses what it buffered).
    await eventually(async () => logLines().length >= sent, 3000, 50);
    assert.equal(logLines().length, sent, 'one access-log line per request so far');
    const [first] = await status();
    process.kill(first!.pid, 'SIGKILL');
    const restarted = await eventually(async () => {
      const w = (await status())[0];
      return w && w.pid !== first!.pid && w.restarts === 1 ? w : undefined;
    }, 10_000, 50);
    assert.match(t.output(), new RegExp(`worker 1 \\(pid ${first!.pid}\\) exited \\(SIGKILL\\); restarting it`));
    // The status shows the new pid from the fork on; it serves once it says it is ready.
    await eventually(async () => t.output().includes(`worker 1 restarted (pid ${restarted.pid})`), 10_000, 50);
    // The new worker must know b is UNHEALTHY (b is down: routing to it would fail).
    for (let i = 0; i < 20; i++) assert.equal((await call()).status, 200);
    const m = await api('/_trellis/metrics');
    assert.ok(metric(m, 'trellis_worker_requests_total{worker="1"}')! > 0, `the restarted worker (pid ${restarted.pid}) served`);
  });

  it('SIGTERM: exit 0 after the workers flush; one whole access-log line per request', async () => {
    assert.equal(await t.stop(), 0);
    const lines = logLines();
    assert.equal(lines.length, sent);
    for (const l of lines) {
      const rec = JSON.parse(l) as { serviceArn?: string };
      assert.match(rec.serviceArn ?? '', new RegExp(`${serviceId}$`));
    }
  });
});
