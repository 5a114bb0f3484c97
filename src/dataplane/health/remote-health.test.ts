import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { RoutingSnapshot, TargetEntry } from '../../config/index.js';
import { HealthChecker } from './health-checker.js';
import { ManualScheduler } from './scheduler.js';
import { group, snapshot } from './test-fixture.js';
import { RemoteHealth, changedHealth, fullHealth, isHealthMessage, transitionHealth, type HealthMessage } from './remote-health.js';

const A: TargetEntry = { id: '127.0.0.1', port: 8080, address: '127.0.0.1' };
const B: TargetEntry = { id: '127.0.0.2', port: 8080, address: '127.0.0.2' };

/** What crosses the IPC channel: JSON in, unknown out, checked by the guard. */
function wire(m: HealthMessage): HealthMessage {
  const back: unknown = JSON.parse(JSON.stringify(m));
  assert.ok(isHealthMessage(back), `not a health message: ${JSON.stringify(back)}`);
  return back;
}

describe('RemoteHealth mirrors a HealthChecker in another process', () => {
  let clock: ManualScheduler;
  let down: Set<string>;
  let checker: HealthChecker;
  let remote: RemoteHealth;
  let last: RoutingSnapshot | undefined;

  /** The primary's side: update the checker, send the groups that changed. */
  const swap = (s: RoutingSnapshot): void => {
    checker.update(s);
    const m = changedHealth(checker, last, s);
    last = s;
    if (m) remote.apply(wire(m));
  };

  beforeEach(() => {
    clock = new ManualScheduler(1_000_000);
    down = new Set();
    remote = new RemoteHealth();
    last = undefined;
    checker = new HealthChecker({
      scheduler: clock, random: () => 0,
      prober: (req) => (down.has(req.address) ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve(200)),
      onTransition: (t) => remote.apply(wire(transitionHealth(t))),
    });
  });
  afterEach(() => checker.close());

  it('answers INITIAL for what it was never told, and follows every transition', async () => {
    assert.equal(remote.status('tg-1', A), 'INITIAL');
    swap(snapshot(1, group('tg-1', [A, B])));
    assert.equal(remote.status('tg-1', A), 'INITIAL');
    await clock.advance(0);
    assert.equal(remote.status('tg-1', A), 'HEALTHY');
    assert.equal(remote.status('tg-1', B), 'HEALTHY');
    down.add(B.address!);
    await clock.advance(2000);
    assert.equal(checker.status('tg-1', B), 'UNHEALTHY');
    assert.equal(remote.status('tg-1', B), 'UNHEALTHY');
    assert.equal(remote.status('tg-1', A), 'HEALTHY');
    down.clear();
    await clock.advance(3000); // healthyThreshold 3 at 1 s
    assert.equal(remote.status('tg-1', B), 'HEALTHY');
  });

  it('a swap replaces changed groups whole: a disabled check no longer reports a stale UNHEALTHY', async () => {
    swap(snapshot(1, group('tg-1', [A])));
    down.add(A.address!);
    await clock.advance(2000);
    assert.equal(remote.status('tg-1', A), 'UNHEALTHY');
    swap(snapshot(2, group('tg-1', [A], { healthCheck: undefined })));
    assert.equal(remote.status('tg-1', A), 'UNAVAILABLE');
    swap(snapshot(3, group('tg-1', [A], { unused: true })));
    assert.equal(remote.status('tg-1', A), 'UNUSED');
  });

  it('a group that leaves the snapshot is forgotten; an unchanged group sends nothing', async () => {
    const g1 = group('tg-1', [A]);
    swap(snapshot(1, g1, group('tg-2', [B])));
    await clock.advance(0);
    assert.equal(remote.size(), 2);
    const s2 = snapshot(2, g1);
    checker.update(s2);
    const m = changedHealth(checker, last, s2);
    assert.deepEqual(m, { kind: 'groups', groups: [], gone: ['tg-2'] });
    remote.apply(wire(m!));
    last = s2;
    assert.equal(remote.status('tg-2', B), 'INITIAL');
    assert.equal(changedHealth(checker, s2, snapshot(3, g1)), undefined, 'same entry object: nothing changed');
  });

  it('a full state replaces everything (a worker that starts or restarts)', async () => {
    const s = snapshot(1, group('tg-1', [A, B]));
    swap(s);
    down.add(A.address!);
    await clock.advance(2000);
    const fresh = new RemoteHealth();
    fresh.apply({ kind: 'target', targetGroupId: 'tg-9', target: ['x', 1, 'UNHEALTHY'] });
    fresh.apply(wire(fullHealth(checker, s)));
    assert.equal(fresh.status('tg-1', A), 'UNHEALTHY');
    assert.equal(fresh.status('tg-1', B), 'HEALTHY');
    assert.equal(fresh.status('tg-9', { id: 'x', port: 1 }), 'INITIAL', 'what the full state does not hold is gone');
  });

  it('the guard refuses malformed messages', () => {
    for (const bad of [null, 'x', [], { kind: 'nope' }, { kind: 'full' }, { kind: 'full', groups: [{ targetGroupId: 1, targets: [] }] },
      { kind: 'target', targetGroupId: 'tg', target: ['a', '80', 'HEALTHY'] }, { kind: 'target', targetGroupId: 'tg', target: ['a', 80, 'FINE'] },
      { kind: 'groups', groups: [], gone: [1] }]) {
      assert.equal(isHealthMessage(bad), false, JSON.stringify(bad));
    }
  });
});
