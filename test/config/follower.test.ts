import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedRebuild, fullRebuild, snapshotToJson, SnapshotFollower, type Rebuild, type RoutingSnapshot } from '../../src/config/index.js';
import { ids, PLACE, walkthrough } from '../../src/config/testdata/records.js';
import { SqliteStore, type ResourceRecord } from '../../src/store/index.js';
import { eventually } from '../support/trellis.js';

/*
 * The follower against a real SQLite store on a temp file. It lives under test/ rather than
 * beside follower.ts because it uses test/support (src/ files may not import outside src/).
 */

const RULE = 'rule-0000000000000042';

/** Writes the walkthrough's records, one transaction each, as the control plane would. */
async function seed(store: SqliteStore): Promise<void> {
  for (const { seq: _, ...rec } of walkthrough().records) await store.transact((tx) => tx.put(rec));
}

function addRule(store: SqliteStore, priority = 5, id = RULE): Promise<ResourceRecord> {
  return store.transact((tx) => tx.put({
    kind: 'rule', id, ...PLACE, parentId: ids.listener, name: `r${priority}`, refs: [ids.service, ids.listener, ids.htmlGroup],
    doc: {
      id, arn: `arn:aws:vpc-lattice:us-east-1:111122223333:service/${ids.service}/listener/${ids.listener}/rule/${id}`,
      priority, isDefault: false, match: { httpMatch: { pathMatch: { match: { prefix: '/html' } } } },
      action: { forward: { targetGroups: [{ targetGroupIdentifier: ids.htmlGroup, weight: 1 }] } },
    },
  }));
}

const rulesOf = (s: RoutingSnapshot) => s.services.get(ids.service)?.listeners.get(80)?.rules.map((r) => r.id) ?? [];

describe('SnapshotFollower', () => {
  let dir: string;
  let store: SqliteStore;
  const followers: SnapshotFollower[] = [];
  const start = async (opts: Parameters<typeof SnapshotFollower.start>[1]) => {
    const f = await SnapshotFollower.start(store, opts);
    followers.push(f);
    return f;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-follower-'));
    store = new SqliteStore(join(dir, 'state.db'));
    await seed(store);
  });
  after(async () => {
    for (const f of followers) await f.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('compiles the current state at start', async () => {
    const f = await start({ pollMs: 0 });
    const s = f.current();
    assert.equal(s.revision, await store.revision());
    assert.ok(s.revision > 0);
    assert.equal(s.serviceNetworks.get(ids.network)?.servicesByHost.size, 2);
    assert.deepEqual(s.problems, []);
  });

  it('follows commits through the commit hook, without polling', async () => {
    const f = await start({ pollMs: 0, subscribe: (l) => store.onCommit(l) });
    const seen: number[] = [];
    f.onSnapshot((s) => seen.push(s.revision));
    await addRule(store);
    const revision = await store.revision();
    await eventually(async () => f.current().revision === revision);
    assert.deepEqual(rulesOf(f.current()), [RULE, 'rule-0c1d2e3f4a5b60718']);
    assert.equal(seen.at(-1), revision);
  });

  it('builds from the change feed what a full rebuild builds (cachedRebuild)', async () => {
    const f = await start({ pollMs: 0, subscribe: (l) => store.onCommit(l), rebuild: cachedRebuild() });
    await addRule(store, 7, 'rule-0000000000000007');
    await store.transact(async (tx) => {
      const tg = await tx.get('targetgroup', PLACE, ids.htmlGroup);
      await tx.put({ ...tg!, doc: { ...tg!.doc, targets: [{ id: ids.instance, port: 9090 }] } });
      await tx.delete('rule', PLACE, RULE);
    });
    const revision = await store.revision();
    await eventually(async () => f.current().revision === revision);
    assert.deepEqual(snapshotToJson(f.current()), snapshotToJson(await fullRebuild(store, undefined)));
    assert.deepEqual(rulesOf(f.current()), ['rule-0000000000000007', 'rule-0c1d2e3f4a5b60718']);
    assert.equal(f.current().targetGroups.get(ids.htmlGroup)?.targets[0]?.port, 9090);
  });

  it('follows commits by polling when there is no hook', async () => {
    const f = await start({ pollMs: 5 });
    await store.transact((tx) => tx.delete('servicenetworkserviceassociation', PLACE, 'snsa-0123456789abcdef0'));
    const revision = await store.revision();
    await eventually(async () => f.current().revision === revision);
    assert.equal(f.current().serviceNetworks.get(ids.network)?.servicesByHost.size, 0);
  });

  it('rebuilds one at a time and coalesces a burst of commits', async () => {
    let release!: () => void;
    const gate = new Promise<void>((ok) => { release = ok; });
    let running = 0;
    let most = 0;
    let rebuilds = 0;
    const rebuild: Rebuild = async (st, prev) => {
      rebuilds++;
      running++;
      most = Math.max(most, running);
      try {
        if (prev) await gate;
        return await fullRebuild(st, prev);
      } finally {
        running--;
      }
    };
    const f = await start({ pollMs: 0, subscribe: (l) => store.onCommit(l), rebuild });
    const published: number[] = [];
    f.onSnapshot((s) => published.push(s.revision));
    for (let p = 100; p < 120; p++) await addRule(store, p, `rule-00000000000001${p - 100}`);
    const revision = await store.revision();
    assert.equal(rebuilds, 2, 'one rebuild at start, one held at the gate');
    release();
    await eventually(async () => f.current().revision === revision);
    await eventually(async () => rebuilds === 3);
    assert.equal(most, 1);
    // The held rebuild read everything; the one the burst queued found nothing newer.
    assert.deepEqual(published, [revision]);
    assert.equal(rulesOf(f.current()).length, 22);
  });

  it('keeps the current snapshot when a rebuild fails, and recovers on the next change', async () => {
    let fail = true;
    const errors: unknown[] = [];
    const rebuild: Rebuild = async (st, prev) => {
      if (prev && fail) throw new Error('store unavailable');
      return fullRebuild(st, prev);
    };
    const f = await start({ pollMs: 0, subscribe: (l) => store.onCommit(l), rebuild, onError: (e) => errors.push(e) });
    const before = f.current();
    await addRule(store, 300, 'rule-0000000000000300');
    await eventually(async () => errors.length > 0);
    assert.equal(f.current(), before);
    assert.match(String(errors[0]), /store unavailable/);
    fail = false;
    f.onSnapshot(() => { throw new Error('a listener that throws'); });
    await addRule(store, 301, 'rule-0000000000000301');
    const revision = await store.revision();
    await eventually(async () => f.current().revision === revision);
    assert.ok(rulesOf(f.current()).includes('rule-0000000000000300'));
    assert.ok(errors.some((e) => /a listener that throws/.test(String(e))));
  });

  it('ignores pokes for revisions it already has, and stops following when closed', async () => {
    let rebuilds = 0;
    const rebuild: Rebuild = async (st, prev) => { rebuilds++; return fullRebuild(st, prev); };
    const f = await start({ pollMs: 0, rebuild });
    f.poke(f.current().revision);
    f.poke(0);
    assert.equal(rebuilds, 1);
    await f.close();
    const at = f.current();
    await addRule(store, 400, 'rule-0000000000000400');
    f.poke(await store.revision());
    assert.equal(rebuilds, 1);
    assert.equal(f.current(), at);
  });
});
