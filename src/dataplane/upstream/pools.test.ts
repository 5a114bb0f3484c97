import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoutingSnapshot, TargetEntry, TargetGroupEntry } from '../../config/index.js';
import { UpstreamPools } from './pools.js';

/**
 * Pools of targets that leave routing: graceful while the target drains, cut when the
 * drain ends first, and a fresh pool when the target is routed again. A real backend on
 * loopback holds each response until the test releases it, so nothing depends on timing.
 */

interface HeldBackend {
  readonly port: number;
  /** Responses waiting for `release`, in arrival order. */
  readonly held: ServerResponse[];
  arrived(n: number): Promise<void>;
  release(): void;
  close(): Promise<void>;
}

async function heldBackend(): Promise<HeldBackend> {
  const held: ServerResponse[] = [];
  let waiters: (() => void)[] = [];
  let count = 0;
  const server: Server = createServer((_req, res) => {
    held.push(res);
    count++;
    for (const w of waiters) w();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    held,
    arrived: (n) => new Promise<void>((resolve) => {
      const check = (): void => { if (count >= n) { waiters = waiters.filter((w) => w !== check); resolve(); } };
      waiters.push(check);
      check();
    }),
    release: () => { for (const res of held.splice(0)) res.end('done'); },
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

function group(id: string, targets: TargetEntry[], draining?: TargetEntry[]): TargetGroupEntry {
  return { id, arn: `arn:${id}`, type: 'IP', protocol: 'HTTP', unused: false, targets, ...(draining ? { draining } : {}) };
}

function snapshot(...groups: TargetGroupEntry[]): RoutingSnapshot {
  return {
    revision: 1, vpcs: new Map(), serviceNetworks: new Map(), services: new Map(),
    targetGroups: new Map(groups.map((g) => [g.id, g])), problems: [],
  };
}

/** Sends GET / through the pool; resolves with the status and body, or the error's code. */
async function get(pools: UpstreamPools, tg: TargetGroupEntry, t: TargetEntry): Promise<string> {
  return new Promise((resolve) => {
    let status = 0;
    const body: Buffer[] = [];
    pools.poolFor(tg, t).dispatch({ path: '/', method: 'GET' }, {
      onHeaders: (s) => { status = s; return true; },
      onData: (c) => { body.push(c); return true; },
      onComplete: () => resolve(`${status} ${Buffer.concat(body).toString()}`),
      onError: (err) => resolve(`error ${(err as { code?: string }).code ?? String(err)}`),
    });
  });
}

describe('upstream pools: targets that leave routing', () => {
  let b: HeldBackend;
  let target: TargetEntry;
  const other: TargetEntry = { id: '127.0.0.1', port: 1, address: '127.0.0.1' };

  before(async () => {
    b = await heldBackend();
    target = { id: '127.0.0.1', port: b.port, address: '127.0.0.1' };
  });
  after(() => b.close());

  it('lets a draining target finish its in-flight request, then closes its pool', async () => {
    const pools = new UpstreamPools();
    const routed = group('tg-a', [target]);
    pools.retain(snapshot(routed));
    const inFlight = get(pools, routed, target);
    await b.arrived(1);
    pools.retain(snapshot(group('tg-a', [other], [target])));
    const origin = `http://127.0.0.1:${b.port}`;
    assert.deepEqual(pools.origins(), [], 'no pool takes new requests for the draining origin');
    assert.deepEqual(pools.drainingOrigins(), [origin]);
    b.release();
    assert.equal(await inFlight, '200 done');
    // The pool closes once its last request is done, without waiting for the drain to end.
    for (let i = 0; i < 100 && pools.drainingOrigins().length > 0; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(pools.drainingOrigins(), []);
    await pools.close();
  });

  it('cuts what is still running when the drain ends first', async () => {
    const pools = new UpstreamPools();
    const routed = group('tg-a', [target]);
    pools.retain(snapshot(routed));
    const inFlight = get(pools, routed, target);
    await b.arrived(2);
    pools.retain(snapshot(group('tg-a', [], [target])));
    assert.equal(pools.drainingOrigins().length, 1);
    pools.retain(snapshot(group('tg-a', [])));
    assert.match(await inFlight, /^error /);
    assert.deepEqual(pools.drainingOrigins(), []);
    b.held.splice(0);
    await pools.close();
  });

  it('closes gracefully a target that leaves without draining (its group was unused)', async () => {
    const pools = new UpstreamPools();
    const routed = group('tg-a', [target]);
    pools.retain(snapshot(routed));
    const inFlight = get(pools, routed, target);
    await b.arrived(3);
    pools.retain(snapshot(group('tg-a', [])));
    assert.deepEqual(pools.drainingOrigins(), [], 'nothing waits for a drain to end');
    b.release();
    assert.equal(await inFlight, '200 done');
    await pools.close();
  });

  it('gives a re-registered target a fresh pool while the old one finishes', async () => {
    const pools = new UpstreamPools();
    const routed = group('tg-a', [target]);
    pools.retain(snapshot(routed));
    const old = pools.poolFor(routed, target);
    const inFlight = get(pools, routed, target);
    await b.arrived(4);
    pools.retain(snapshot(group('tg-a', [], [target])));
    const again = group('tg-a', [{ ...target }]);
    pools.retain(snapshot(again));
    assert.deepEqual(pools.drainingOrigins(), [], 'routed again: no longer waiting for a drain end');
    const fresh = pools.poolFor(again, again.targets[0]!);
    assert.notEqual(fresh, old);
    const next = get(pools, again, again.targets[0]!);
    await b.arrived(5);
    b.release();
    assert.deepEqual(await Promise.all([inFlight, next]), ['200 done', '200 done']);
    await pools.close();
  });

  it('keeps the pool of an origin that another group still routes', async () => {
    const pools = new UpstreamPools();
    const a = group('tg-a', [target]);
    const c = group('tg-c', [{ ...target }]);
    pools.retain(snapshot(a, c));
    const pool = pools.poolFor(a, target);
    pools.retain(snapshot(group('tg-a', [], [target]), c));
    assert.deepEqual(pools.drainingOrigins(), []);
    assert.equal(pools.poolFor(c, c.targets[0]!), pool, 'the shared pool stays open');
    await pools.close();
  });
});

/** A group whose target lists count their reads: proof of whether `retain` walked it. */
function watched(id: string, targets: TargetEntry[]): { group: TargetGroupEntry; reads: () => number } {
  let reads = 0;
  const group: TargetGroupEntry = {
    id, arn: `arn:${id}`, type: 'IP', protocol: 'HTTP', unused: false,
    get targets() { reads++; return targets; },
  };
  return { group, reads: () => reads };
}

describe('upstream pools: a swap costs what changed', () => {
  let b: HeldBackend;
  before(async () => { b = await heldBackend(); });
  after(() => b.close());

  it('never reads the targets of a group whose entry is the previous snapshot\'s object', async () => {
    const pools = new UpstreamPools();
    const target: TargetEntry = { id: '127.0.0.1', port: b.port, address: '127.0.0.1' };
    const kept = watched('tg-kept', [target]);
    const changed = group('tg-changed', [{ id: '127.0.0.2', port: 1, address: '127.0.0.2' }]);
    pools.retain(snapshot(kept.group, changed));
    assert.deepEqual(pools.lastRetain(), { groups: 2, origins: 2 }, 'the first snapshot is counted whole');
    const pool = pools.poolFor(kept.group, target);
    const readsBefore = kept.reads();

    pools.retain(snapshot(kept.group, group('tg-changed', [{ id: '127.0.0.3', port: 1, address: '127.0.0.3' }])));
    assert.equal(kept.reads(), readsBefore, 'the unchanged group was not visited');
    assert.deepEqual(pools.lastRetain(), { groups: 1, origins: 2 }, 'one group: its old and its new origin');
    assert.equal(pools.poolFor(kept.group, target), pool, 'its pool is untouched');
    assert.deepEqual(pools.origins(), [`http://127.0.0.1:${b.port}`], 'the changed group\'s old origin had no pool; nothing else closed');

    pools.retain(snapshot(kept.group, changed));
    pools.retain(snapshot(kept.group, changed));
    assert.deepEqual(pools.lastRetain(), { groups: 0, origins: 0 }, 'the same entries again: no work at all');
    assert.equal(kept.reads(), readsBefore);
    const answer = get(pools, kept.group, target);
    await b.arrived(1);
    b.release();
    assert.equal(await answer, '200 done', 'and it still carries requests');
    await pools.close();
  });

  it('skips a group that changed without changing its targets (it fell out of use)', () => {
    const pools = new UpstreamPools();
    const targets = [{ id: '127.0.0.1', port: 9, address: '127.0.0.1' }];
    const g = watched('tg-a', targets);
    pools.retain(snapshot(g.group));
    const reads = g.reads();
    // The incremental rebuild's `{ ...g, unused }`: a new entry sharing the target list.
    pools.retain(snapshot({ id: 'tg-a', arn: 'arn:tg-a', type: 'IP', protocol: 'HTTP', unused: true, targets }));
    assert.deepEqual(pools.lastRetain(), { groups: 0, origins: 0 });
    assert.equal(g.reads(), reads + 1, 'one read, to compare the lists; no walk');
  });

  it('closes a pool opened for a target of no retained snapshot at the next retain', async () => {
    const pools = new UpstreamPools();
    const stray = group('tg-old', [{ id: '127.0.0.1', port: b.port, address: '127.0.0.1' }]);
    pools.retain(snapshot());
    pools.poolFor(stray, stray.targets[0]!);
    assert.deepEqual(pools.origins(), [`http://127.0.0.1:${b.port}`]);
    pools.retain(snapshot());
    assert.deepEqual(pools.origins(), []);
    await pools.close();
  });
});
