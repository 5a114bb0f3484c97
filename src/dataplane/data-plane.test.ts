import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoutingSnapshot, ServiceEntry, TargetEntry } from '../config/index.js';
import type { AccessLogSink, RequestMetrics, TargetHealthSource } from './contracts.js';
import { DataPlane, type GatewayAddress } from './data-plane.js';
import { buildSnapshot, dnsNameOf, forward, type Fixture } from './router/snapshot-fixture.js';

/**
 * `setSnapshot` reconciles by entry identity: what it walks (`lastSwap`), and what it keeps
 * of the balancer's state across swaps, seen through real requests to two loopback
 * backends (which one answers shows the weighted pick).
 */

const SVC = dnsNameOf('svc-web');
const noLog: AccessLogSink = { write() {}, async close() {} };
const noMetrics: RequestMetrics = { requestStarted() {}, requestFinished() {} };
const healthy: TargetHealthSource = { status: () => 'HEALTHY' };

interface Named { readonly name: string; readonly port: number; readonly server: Server }

async function backend(name: string): Promise<Named> {
  const server = createServer((_req, res) => res.end(name));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { name, port: (server.address() as AddressInfo).port, server };
}

/** GET through the proxy gateway as vpc-client; resolves with the body (the backend's name). */
function get(proxyPort: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: proxyPort, path: `http://${SVC}/`, agent: false,
      headers: { host: SVC, 'proxy-authorization': 'Basic ' + Buffer.from('vpc-client:x').toString('base64') },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.end();
  });
}

describe('DataPlane.setSnapshot: a swap costs what changed', () => {
  let a: Named;
  let b: Named;
  let dp: DataPlane;
  let proxy: GatewayAddress;
  let base: RoutingSnapshot;

  const target = (n: Named): TargetEntry => ({ id: '127.0.0.1', port: n.port, address: '127.0.0.1' });
  const fixture = (extraServices = 0): Fixture => ({
    vpcs: [{ id: 'vpc-client', cidr: '10.0.0.0/16', network: 'sn-main' }],
    networks: [{ id: 'sn-main', services: ['svc-web'] }],
    services: [
      { id: 'svc-web', listeners: [{ port: 80, defaultAction: forward(['tg-a', 10], ['tg-b', 10]) }] },
      ...Array.from({ length: extraServices }, (_, i) => ({ id: `svc-${i}`, listeners: [{ port: 80, defaultAction: forward(['tg-a', 1]) }] })),
    ],
    targetGroups: [{ id: 'tg-a', targets: [target(a)] }, { id: 'tg-b', targets: [target(b)] }],
  });
  /** `base` with some entries replaced: new maps, every other entry the same object. */
  const derive = (services: Partial<Record<string, ServiceEntry | undefined>>): RoutingSnapshot => {
    const next = new Map(base.services);
    for (const [id, s] of Object.entries(services)) {
      if (s === undefined) next.delete(id);
      else next.set(id, s);
    }
    return { ...base, revision: base.revision + 1, services: next, targetGroups: new Map(base.targetGroups) };
  };

  before(async () => {
    a = await backend('a');
    b = await backend('b');
    base = buildSnapshot(fixture(50));
    dp = new DataPlane({ accessLog: noLog, metrics: noMetrics, health: healthy, snapshot: base });
    proxy = await dp.listenProxy(0, '127.0.0.1');
  });
  after(async () => {
    await dp.close();
    for (const n of [a, b]) await new Promise<void>((r) => { n.server.close(() => r()); n.server.closeAllConnections(); });
  });

  it('walks nothing when every service and group is the previous entry', () => {
    dp.setSnapshot(derive({}));
    assert.deepEqual(dp.lastSwap(), { services: 0, targetGroups: 0, origins: 0 });
  });

  it('walks only the changed service out of 51, and no target group', () => {
    const web = base.services.get('svc-web')!;
    dp.setSnapshot(derive({ 'svc-web': { ...web, idleTimeoutSeconds: 30 } }));
    assert.deepEqual(dp.lastSwap(), { services: 1, targetGroups: 0, origins: 0 });
    dp.setSnapshot(base);
  });

  it('keeps the 10/10 alternation of a rule its changed service still has', async () => {
    const first = await get(proxy.port);
    const web = base.services.get('svc-web')!;
    dp.setSnapshot(derive({ 'svc-web': { ...web, idleTimeoutSeconds: 30 } }));
    const second = await get(proxy.port);
    assert.notEqual(second, first, 'the pick after the swap continues A,B,A,B');
    dp.setSnapshot(base);
    assert.notEqual(await get(proxy.port), second);
  });

  it('forgets the balancer state of a rule that left: back, it starts afresh', async () => {
    // 10/10 from a fresh state picks a, b, a, b…: after a b the state is fresh again.
    for (let i = 0; i < 3 && (await get(proxy.port)) !== '200 b'; i++);
    assert.equal(await get(proxy.port), '200 a');
    // Kept, the state would now pick b.
    dp.setSnapshot(derive({ 'svc-web': undefined }));
    assert.equal(dp.lastSwap().services, 1);
    dp.setSnapshot(base);
    assert.equal(await get(proxy.port), '200 a', 'the rule came back with a fresh state');
  });
});
