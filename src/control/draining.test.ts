import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../store/index.js';
import { drainEnded, isDraining, nextDrainEnd, presentTargets, registered, startDrain, type TargetRecordEntry } from './draining.js';
import { Lifecycle } from './lifecycle.js';
import { targetStatus } from './targets.js';
import { fillCreateConfig } from './target-group-config.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('target drain entries', () => {
  it('starts a drain with both times, and cancels it back to the plain entry', () => {
    const d = startDrain({ id: '10.0.0.1', port: 80 }, T0, 60_000);
    assert.deepEqual(d, { id: '10.0.0.1', port: 80, deregisteredAt: '2026-03-01T12:00:00.000Z', drainUntil: '2026-03-01T12:01:00.000Z' });
    assert.equal(isDraining(d), true);
    assert.deepEqual(registered(d), { id: '10.0.0.1', port: 80 });
    assert.deepEqual(registered(startDrain({ id: 'arn:aws:lambda:us-east-1:111122223333:function:f' }, T0, 1)), { id: 'arn:aws:lambda:us-east-1:111122223333:function:f' });
  });

  it('ends a drain at drainUntil exactly, and at once when drainUntil cannot be read', () => {
    const d = startDrain({ id: '10.0.0.1', port: 80 }, T0, 60_000);
    assert.equal(drainEnded(d, T0 + 59_999), false);
    assert.equal(drainEnded(d, T0 + 60_000), true);
    assert.equal(drainEnded({ id: '10.0.0.1', port: 80 }, T0 + 1e12), false, 'a registered target never ends');
    assert.equal(drainEnded({ id: '10.0.0.1', port: 80, deregisteredAt: iso(T0), drainUntil: 'soon' }, T0), true);
    assert.equal(drainEnded({ id: '10.0.0.1', port: 80, deregisteredAt: iso(T0) }, T0), true);
  });

  it('keeps present entries and finds the earliest drain end', () => {
    const a: TargetRecordEntry = { id: '10.0.0.1', port: 80 };
    const b = startDrain({ id: '10.0.0.2', port: 80 }, T0, 1000);
    const c = startDrain({ id: '10.0.0.3', port: 80 }, T0, 5000);
    assert.deepEqual(presentTargets([a, b, c], T0 + 1000), [a, c]);
    assert.equal(nextDrainEnd([a, c, b]), T0 + 1000);
    assert.equal(nextDrainEnd([a]), undefined);
  });

  it('reports DRAINING before UNUSED and before health', () => {
    const group = { id: 'tg-0123456789abcdef0', type: 'IP' as const, config: fillCreateConfig('IP', { protocol: 'HTTP', vpcIdentifier: 'vpc-0123456789abcdef0' }) };
    const d = startDrain({ id: '10.0.0.1', port: 80 }, T0, 1000);
    const healthy = { health: () => ({ status: 'HEALTHY' as const }) };
    const draining = { status: 'DRAINING', reasonCode: 'Target.DeregistrationInProgress' };
    assert.deepEqual(targetStatus(group, true, d, healthy), draining);
    assert.deepEqual(targetStatus(group, false, d, healthy), draining);
    assert.deepEqual(targetStatus(group, true, registered(d), healthy), { status: 'HEALTHY' });
  });
});

const PLACE = { account: '111122223333', region: 'us-east-1' };

async function groupWith(store: SqliteStore, id: string, targets: readonly TargetRecordEntry[]): Promise<void> {
  await store.transact(async (tx) => {
    await tx.put({ kind: 'targetgroup', ...PLACE, id, parentId: '', name: id, refs: [], doc: { id, status: 'ACTIVE', targets } });
  });
}

async function targetsOf(store: SqliteStore, id: string): Promise<string[]> {
  const rec = await store.get<{ targets: TargetRecordEntry[] }>('targetgroup', PLACE, id);
  return rec!.doc.targets.map((t) => `${t.id}${isDraining(t) ? ' draining' : ''}`);
}

async function until(fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('condition not met within 5000 ms');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('lifecycle: ending drains', () => {
  it('removes ended drains with a write, keeps the rest, and comes back for later ones', async () => {
    const store = new SqliteStore(':memory:');
    const now = Date.now();
    await groupWith(store, 'tg-a', [
      { id: '10.0.0.1', port: 80 },
      startDrain({ id: '10.0.0.2', port: 80 }, now, 20),
      startDrain({ id: '10.0.0.3', port: 80 }, now, 500),
    ]);
    const lc = new Lifecycle(store, 10, Date.now);
    try {
      const before = await store.revision();
      lc.endDrains(PLACE, 'tg-a', now + 20);
      await until(async () => (await targetsOf(store, 'tg-a')).length === 2);
      assert.deepEqual(await targetsOf(store, 'tg-a'), ['10.0.0.1', '10.0.0.3 draining']);
      assert.ok((await store.revision()) > before, 'a real write: the change feed sees it');
      // Nobody asked for 10.0.0.3's end: the purge found it and came back for it.
      await until(async () => (await targetsOf(store, 'tg-a')).length === 1);
      assert.deepEqual(await targetsOf(store, 'tg-a'), ['10.0.0.1']);
    } finally {
      lc.close();
      await store.close();
    }
  });

  it('on resume, purges drains that ended while Trellis was down and schedules the others', async () => {
    const store = new SqliteStore(':memory:');
    const now = Date.now();
    await groupWith(store, 'tg-past', [startDrain({ id: '10.0.0.1', port: 80 }, now - 120_000, 60_000), { id: '10.0.0.2', port: 80 }]);
    await groupWith(store, 'tg-soon', [startDrain({ id: '10.0.0.3', port: 80 }, now, 60)]);
    await groupWith(store, 'tg-later', [startDrain({ id: '10.0.0.4', port: 80 }, now, 3_600_000)]);
    const lc = new Lifecycle(store, 10, Date.now);
    try {
      await lc.resume(['targetgroup']);
      await until(async () => (await targetsOf(store, 'tg-past')).length === 1 && (await targetsOf(store, 'tg-soon')).length === 0);
      assert.deepEqual(await targetsOf(store, 'tg-past'), ['10.0.0.2']);
      assert.deepEqual(await targetsOf(store, 'tg-later'), ['10.0.0.4 draining']);
    } finally {
      lc.close();
      await store.close();
    }
  });
});
