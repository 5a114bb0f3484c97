import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { DataPlane, type GatewayAddress } from '../../src/dataplane/index.js';
import { buildSnapshot, dnsNameOf, forward, type Fixture } from '../../src/dataplane/router/snapshot-fixture.js';
import { eventually } from '../support/trellis.js';
import { CountingMetrics, MapHealth, MemorySink, send, startBackend, type Backend } from './dataplane-support.js';

const SVC = dnsNameOf('svc-up');

/** A raw TCP server that answers every connection with `answer` (or never, or closes). */
async function rawServer(onConn: (s: import('node:net').Socket) => void): Promise<{ port: number; server: NetServer }> {
  const server = createNetServer(onConn);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('data plane: upstream', () => {
  const sink = new MemorySink();
  const metrics = new CountingMetrics();
  const health = new MapHealth();
  let dp: DataPlane;
  let gw: GatewayAddress;
  const b: Record<string, Backend> = {};
  const raw: Record<string, { port: number; server: NetServer }> = {};
  let closedPort = 0;
  let release: (() => void) | undefined;
  let upstreamAborted = false;

  const snapshotOf = (extra: Partial<Fixture> = {}): Fixture => {
    const ip = (name: string, port: number) => ({ id: `10.2.0.${port % 250}`, port, address: '127.0.0.1', name });
    return {
      vpcs: [{ id: 'vpc-c', cidr: '10.0.0.0/16', network: 'sn' }],
      networks: [{ id: 'sn', services: ['svc-up'] }],
      services: [{
        id: 'svc-up', idleTimeoutSeconds: 0.3,
        listeners: [{
          port: 80,
          rules: [
            { priority: 1, match: { path: { kind: 'prefix', value: '/refused', caseSensitive: false } }, action: forward(['tg-refused', 1]) },
            { priority: 2, match: { path: { kind: 'prefix', value: '/hang', caseSensitive: false } }, action: forward(['tg-hang', 1]) },
            { priority: 3, match: { path: { kind: 'prefix', value: '/close', caseSensitive: false } }, action: forward(['tg-close', 1]) },
            { priority: 4, match: { path: { kind: 'prefix', value: '/garbage', caseSensitive: false } }, action: forward(['tg-garbage', 1]) },
            { priority: 5, match: { path: { kind: 'prefix', value: '/stream', caseSensitive: false } }, action: forward(['tg-stream', 1]) },
            { priority: 6, match: { path: { kind: 'prefix', value: '/pair', caseSensitive: false } }, action: forward(['tg-pair', 1]) },
            { priority: 7, match: { path: { kind: 'prefix', value: '/w', caseSensitive: false } }, action: forward(['tg-a', 10], ['tg-b', 20]) },
            { priority: 8, match: { path: { kind: 'prefix', value: '/lambda', caseSensitive: false } }, action: forward(['tg-lambda', 1]) },
            { priority: 9, match: { path: { kind: 'prefix', value: '/zero', caseSensitive: false } }, action: forward(['tg-a', 0], ['tg-b', 0]) },
          ],
          defaultAction: forward(['tg-a', 1]),
        }],
      }],
      targetGroups: [
        { id: 'tg-a', targets: [ip('a', b.a!.port)] },
        { id: 'tg-b', targets: [ip('b', b.b!.port)] },
        { id: 'tg-pair', targets: [ip('a', b.a!.port), ip('b', b.b!.port)] },
        { id: 'tg-refused', targets: [ip('refused', closedPort)] },
        { id: 'tg-hang', targets: [ip('hang', raw.hang!.port)] },
        { id: 'tg-close', targets: [ip('close', raw.close!.port)] },
        { id: 'tg-garbage', targets: [ip('garbage', raw.garbage!.port)] },
        { id: 'tg-stream', targets: [ip('stream', b.stream!.port)] },
        { id: 'tg-lambda', type: 'LAMBDA', targets: [{ id: 'arn:aws:lambda:us-east-1:111122223333:function:f', port: 0 }] },
      ],
      ...extra,
    };
  };

  before(async () => {
    b.a = await startBackend('a');
    b.b = await startBackend('b');
    b.stream = await startBackend('stream', (req, res) => {
      if (req.url === '/stream/upload') {
        const hash = createHash('sha256');
        let n = 0;
        req.on('data', (c: Buffer) => { hash.update(c); n += c.length; });
        req.on('end', () => res.end(JSON.stringify({ n, sha: hash.digest('hex') })));
        return;
      }
      res.on('close', () => { if (!res.writableFinished) upstreamAborted = true; });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      release = () => res.end('last');
    });
    raw.hang = await rawServer(() => undefined);
    raw.close = await rawServer((s) => s.once('data', () => s.destroy()));
    raw.garbage = await rawServer((s) => s.once('data', () => s.end('NOT HTTP AT ALL\r\n\r\n')));
    const tmp = await rawServer(() => undefined);
    closedPort = tmp.port;
    await new Promise<void>((r) => tmp.server.close(() => r()));
    dp = new DataPlane({ accessLog: sink, metrics, health });
    dp.setSnapshot(buildSnapshot(snapshotOf()));
    gw = await dp.listenVpc('vpc-c');
  });
  after(async () => {
    await dp.close();
    for (const x of Object.values(b)) await x.close();
    for (const x of Object.values(raw)) { x.server.close(); }
  });

  const get = (path: string) => send({ port: gw.port, path, headers: { host: SVC } });

  it('maps upstream failures to Lattice codes and failure reasons', async () => {
    const cases: readonly [string, number, string][] = [
      ['/refused', 500, 'TargetConnectionError'],
      ['/hang', 504, 'TargetDataTimeout'],
      ['/close', 502, 'TargetConnectionClosed'],
      ['/garbage', 502, 'TargetProtocolError'],
      ['/lambda', 502, 'LambdaFunctionNotFound'],
      ['/zero', 500, 'NoTargetGroup'],
    ];
    for (const [path, status, reason] of cases) {
      const f = metrics.finished.length;
      const r = await get(path);
      assert.equal(r.status, status, path);
      assert.equal(sink.last().failureReason, reason, path);
      assert.equal(metrics.finished[f]!.latticeCode, status, path);
      assert.equal(metrics.finished[f]!.timedOut, reason === 'TargetDataTimeout');
    }
  });

  it('splits 10/20 weights in the exact smooth-weighted sequence B,A,B,B,A,B', async () => {
    let seq = '';
    for (let i = 0; i < 6; i++) seq += JSON.parse((await get('/w')).body).backend.toUpperCase();
    assert.equal(seq, 'BABBAB');
  });

  it('round robins within a group, skips unhealthy targets and fails open when none is healthy', async () => {
    const who = async () => JSON.parse((await get('/pair')).body).backend as string;
    const first = [await who(), await who(), await who(), await who()];
    assert.deepEqual(first, ['a', 'b', 'a', 'b']);
    health.map.set(`tg-pair/10.2.0.${b.a!.port % 250}:${b.a!.port}`, 'UNHEALTHY');
    assert.deepEqual([await who(), await who(), await who()], ['b', 'b', 'b']);
    health.map.set(`tg-pair/10.2.0.${b.b!.port % 250}:${b.b!.port}`, 'UNHEALTHY');
    const open = [await who(), await who()].sort();
    assert.deepEqual(open, ['a', 'b'], 'fail open: both unhealthy → both served');
    health.map.clear();
  });

  it('streams request and response bodies without buffering them', async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 7);
    const up = await send({ port: gw.port, path: '/stream/upload', method: 'POST', headers: { host: SVC, 'content-length': String(body.length) }, body });
    assert.deepEqual(JSON.parse(up.body), { n: body.length, sha: createHash('sha256').update(body).digest('hex') });

    // The backend sends 'first;' and holds the response open: the client must see it before the end.
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: gw.port, path: '/stream/down', headers: { host: SVC }, agent: false }, (res) => {
        let acc = '';
        res.on('data', (c: Buffer) => {
          acc += c.toString();
          if (acc === 'first;') release!();
        });
        res.on('end', () => resolve(acc));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(text, 'first;last');
  });

  it('aborts the upstream request when the client goes away', async () => {
    upstreamAborted = false;
    const n = sink.entries.length;
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: gw.port, path: '/stream/abandon', headers: { host: SVC }, agent: false }, (res) => {
        res.once('data', () => { req.destroy(); resolve(); });
      });
      req.on('error', () => undefined);
      req.end();
      setTimeout(() => reject(new Error('no first chunk')), 5000).unref();
    });
    await eventually(async () => upstreamAborted);
    await eventually(async () => sink.entries.length === n + 1);
    assert.equal(sink.last().failureReason, 'ClientConnectionClosed');
    release = undefined;
  });

  it('swaps snapshots atomically, keeps routing state, and closes pools of removed targets', async () => {
    await get('/');
    const origin = `http://127.0.0.1:${b.a!.port}`;
    assert.ok(dp.upstreamOrigins().includes(origin));
    const next = snapshotOf();
    dp.setSnapshot(buildSnapshot({
      ...next,
      revision: 2,
      targetGroups: next.targetGroups.map((g) => (g.id === 'tg-a' ? { ...g, targets: [{ id: '127.0.2.1', port: b.b!.port, address: '127.0.0.1' }] } : g.id === 'tg-pair' ? { ...g, targets: g.targets.slice(1) } : g)),
    }));
    assert.equal(dp.snapshot.revision, 2);
    assert.ok(!dp.upstreamOrigins().includes(origin), 'the pool of the removed target is closed');
    assert.equal(JSON.parse((await get('/')).body).backend, 'b');
  });
});
