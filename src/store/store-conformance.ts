import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { ResourceKind } from '../model/index.js';
import type { NewRecord, Place, ResourceRecord, Store } from './store.js';

/**
 * What an implementation can promise beyond the common contract. Both default to true;
 * only stores that cannot offer them (SQLite ':memory:', whose one connection both reads
 * and writes and whose data dies with it) turn them off.
 */
export interface ConformanceOptions {
  /** Data written before `close()` is there after the next `open()`. */
  readonly durable?: boolean;
  /** Reads outside a transaction see only committed state, never a running transaction's writes. */
  readonly isolatedReads?: boolean;
}

/** A promise and the function that settles it: lets a test hold a transaction open. */
function gate(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((r) => { release = r; });
  return { promise, release };
}

/**
 * The contract every `Store` implementation keeps, as node:test tests. SQLite runs it in
 * src/store/sqlite-store.test.ts; the PostgreSQL store runs the very same suite, so the control
 * plane can rely on one behaviour whatever the backend.
 *
 * `open` opens the store under test; called again after `close()`, it must reach the same
 * data (that is how durability is checked). The suite opens it once, before its tests, and
 * may share it between tests: each test works in a place (account) of its own and measures
 * revisions and the change feed relative to where they were when it started, so the store
 * need not be empty. Tests run one after another. `cleanup` runs after the last test, once
 * the store is closed, to remove what the suite wrote (a temp file, a schema).
 */
export function storeConformance(
  name: string,
  open: () => Promise<Store>,
  cleanup?: () => Promise<void>,
  options: ConformanceOptions = {},
): void {
  const durable = options.durable ?? true;
  const isolatedReads = options.isolatedReads ?? true;

  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    before(async () => { store = await open(); });
    after(async () => {
      await store.close();
      await cleanup?.();
    });

    // A random base keeps places apart even if a shared backend was not cleaned last time.
    const base = 100_000_000_000 + randomInt(0, 800_000_000) * 1000;
    let n = 0;
    const newPlace = (region = 'us-east-1'): Place => ({ account: String(base + ++n), region });
    const rec = (kind: ResourceKind, place: Place, id: string, extra: Partial<NewRecord> = {}): NewRecord => ({
      kind, ...place, id, parentId: '', name: '', refs: [], doc: { id, n: 1 }, ...extra,
    });
    const put = (r: NewRecord) => store.transact((tx) => tx.put(r));
    const ids = (rs: readonly ResourceRecord[]) => rs.map((r) => r.id);

    it('puts a record and reads it back by id and by name, only in its own place and kind', async () => {
      const p = newPlace();
      const doc = { id: 'svc-1', nested: { list: [1, 'two', null], flag: true }, text: 'ünïcödé' };
      const stored = await put(rec('service', p, 'svc-1', { name: 'alpha', refs: ['tg-1', 'tg-1', 'sn-1'], doc }));
      assert.ok(Number.isInteger(stored.seq) && stored.seq > 0, 'the store assigns a positive seq');
      assert.deepEqual([...stored.refs].sort(), ['sn-1', 'tg-1'], 'refs are a set');

      const got = await store.get('service', p, 'svc-1');
      assert.ok(got);
      assert.deepEqual(
        { ...got, refs: [...got.refs].sort() },
        { kind: 'service', ...p, id: 'svc-1', parentId: '', name: 'alpha', refs: ['sn-1', 'tg-1'], doc, seq: stored.seq },
      );
      assert.equal((await store.getByName('service', p, '', 'alpha'))?.id, 'svc-1');
      assert.equal(await store.getByName('service', p, 'other-parent', 'alpha'), undefined);
      assert.equal(await store.getByName('service', p, '', 'beta'), undefined);
      assert.equal(await store.get('targetgroup', p, 'svc-1'), undefined, 'another kind');
      assert.equal(await store.get('service', newPlace(), 'svc-1'), undefined, 'another account');
      assert.equal(await store.get('service', { ...p, region: 'eu-west-1' }, 'svc-1'), undefined, 'another region');
    });

    it('sees its own writes inside a transaction and returns what the callback returns', async () => {
      const p = newPlace();
      const out = await store.transact(async (tx) => {
        await tx.put(rec('service', p, 'svc-own', { name: 'own' }));
        const again = await tx.get('service', p, 'svc-own');
        return { name: again?.name, count: await tx.count('service', p) };
      });
      assert.deepEqual(out, { name: 'own', count: 1 });
    });

    it('keeps the seq, and replaces name, parent, doc and refs, when a record is put again', async () => {
      const p = newPlace();
      const first = await put(rec('listener', p, 'l-1', { parentId: 'svc-a', name: 'one', refs: ['tg-old'] }));
      const second = await put(rec('listener', p, 'l-2', { parentId: 'svc-a', name: 'two' }));
      const updated = await put(rec('listener', p, 'l-1', { parentId: 'svc-b', name: 'uno', refs: ['tg-new'], doc: { v: 2 } }));
      assert.equal(updated.seq, first.seq);
      const got = await store.get('listener', p, 'l-1');
      assert.deepEqual([got?.seq, got?.parentId, got?.name, got?.refs, got?.doc], [first.seq, 'svc-b', 'uno', ['tg-new'], { v: 2 }]);
      assert.equal(await store.getByName('listener', p, 'svc-a', 'one'), undefined, 'the old name is free');
      assert.deepEqual(ids(await store.referrers(p, 'tg-old')), [], 'the old refs are gone');
      assert.deepEqual(ids(await store.referrers(p, 'tg-new')), ['l-1']);
      assert.deepEqual(ids(await store.list('listener', p)), ['l-1', 'l-2'], 'still first in creation order');
      assert.ok(second.seq > first.seq);
    });

    it('lists in creation order, filtered by parentId and ref, paged by afterSeq and limit', async () => {
      const p = newPlace();
      const made: ResourceRecord[] = [];
      // Ids in reverse alphabetical order, so an order by id cannot pass for creation order.
      const plan: [string, string, string[]][] = [
        ['r-9', 'p1', ['tg-x']], ['r-8', 'p2', ['tg-x', 'tg-y']], ['r-7', 'p1', []], ['r-6', 'p1', ['tg-y']], ['r-5', 'p2', ['tg-x']],
      ];
      for (const [id, parentId, refs] of plan) made.push(await put(rec('rule', p, id, { parentId, refs })));
      await put(rec('rule', newPlace(), 'r-other'));
      await put(rec('listener', p, 'l-not-a-rule', { parentId: 'p1', refs: ['tg-x'] }));

      assert.deepEqual(ids(await store.list('rule', p)), ['r-9', 'r-8', 'r-7', 'r-6', 'r-5']);
      assert.deepEqual(ids(await store.list('rule', p, { parentId: 'p1' })), ['r-9', 'r-7', 'r-6']);
      assert.deepEqual(ids(await store.list('rule', p, { parentId: 'none' })), []);
      assert.deepEqual(ids(await store.list('rule', p, { ref: 'tg-x' })), ['r-9', 'r-8', 'r-5']);
      assert.deepEqual(ids(await store.list('rule', p, { ref: 'tg-x', parentId: 'p2' })), ['r-8', 'r-5']);
      assert.deepEqual(ids(await store.list('rule', p, { afterSeq: made[1]!.seq })), ['r-7', 'r-6', 'r-5']);
      assert.deepEqual(ids(await store.list('rule', p, { limit: 2 })), ['r-9', 'r-8']);
      assert.deepEqual(ids(await store.list('rule', p, { afterSeq: made[0]!.seq, limit: 2 })), ['r-8', 'r-7']);
      assert.deepEqual(ids(await store.list('rule', p, { parentId: 'p1', afterSeq: made[0]!.seq, limit: 1 })), ['r-7']);
      assert.deepEqual(ids(await store.list('rule', p, { ref: 'tg-y', afterSeq: made[1]!.seq, limit: 5 })), ['r-6']);
      assert.deepEqual(ids(await store.list('rule', p, { afterSeq: made[4]!.seq })), []);
      const seqs = (await store.list('rule', p)).map((r) => r.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    });

    it('counts with each kind of query', async () => {
      const p = newPlace();
      await put(rec('targetgroup', p, 'tg-1', { parentId: 'a', refs: ['vpc-1'] }));
      await put(rec('targetgroup', p, 'tg-2', { parentId: 'a', refs: ['vpc-2'] }));
      await put(rec('targetgroup', p, 'tg-3', { parentId: 'b', refs: ['vpc-1'] }));
      await put(rec('targetgroup', newPlace(), 'tg-4', { parentId: 'a', refs: ['vpc-1'] }));
      await put(rec('service', p, 'svc-1', { parentId: 'a', refs: ['vpc-1'] }));
      assert.equal(await store.count('targetgroup', p), 3);
      assert.equal(await store.count('targetgroup', p, { parentId: 'a' }), 2);
      assert.equal(await store.count('targetgroup', p, { ref: 'vpc-1' }), 2);
      assert.equal(await store.count('targetgroup', p, { ref: 'vpc-1', parentId: 'b' }), 1);
      assert.equal(await store.count('targetgroup', p, { ref: 'vpc-9' }), 0);
      assert.equal(await store.count('listener', p), 0);
    });

    it('finds referrers of an id, of any kind or of the given kinds, in creation order', async () => {
      const p = newPlace();
      await put(rec('listener', p, 'l-1', { refs: ['svc-1', 'tg-1'] }));
      await put(rec('rule', p, 'rule-1', { refs: ['svc-1', 'l-1', 'tg-1'] }));
      await put(rec('authpolicy', p, 'svc-1', { refs: ['svc-1'] }));
      await put(rec('rule', newPlace(), 'rule-elsewhere', { refs: ['tg-1'] }));
      assert.deepEqual(ids(await store.referrers(p, 'tg-1')), ['l-1', 'rule-1']);
      assert.deepEqual((await store.referrers(p, 'svc-1')).map((r) => `${r.kind}/${r.id}`), ['listener/l-1', 'rule/rule-1', 'authpolicy/svc-1']);
      assert.deepEqual(ids(await store.referrers(p, 'svc-1', ['rule', 'authpolicy'])), ['rule-1', 'svc-1']);
      assert.deepEqual(ids(await store.referrers(p, 'svc-1', ['targetgroup'])), []);
      assert.deepEqual(ids(await store.referrers(p, 'tg-unknown')), []);
    });

    it('deletes a record with its refs, and says whether there was one', async () => {
      const p = newPlace();
      await put(rec('listener', p, 'l-1', { parentId: 'svc-1', name: 'http', refs: ['tg-1'] }));
      await put(rec('listener', p, 'l-2', { parentId: 'svc-1', name: 'https', refs: ['tg-1'] }));
      assert.equal(await store.transact((tx) => tx.delete('listener', p, 'l-1')), true);
      assert.equal(await store.transact((tx) => tx.delete('listener', p, 'l-1')), false, 'gone already');
      assert.equal(await store.transact((tx) => tx.delete('service', p, 'l-2')), false, 'another kind');
      assert.equal(await store.get('listener', p, 'l-1'), undefined);
      assert.equal(await store.getByName('listener', p, 'svc-1', 'http'), undefined);
      assert.deepEqual(ids(await store.list('listener', p)), ['l-2']);
      assert.deepEqual(ids(await store.referrers(p, 'tg-1')), ['l-2']);
      assert.equal(await store.count('listener', p, { ref: 'tg-1' }), 1);
      // A new record under the old id is a new record: it gets a new seq at the end.
      const again = await put(rec('listener', p, 'l-1'));
      assert.deepEqual(ids(await store.list('listener', p)), ['l-2', 'l-1']);
      assert.ok(again.seq > (await store.get('listener', p, 'l-2'))!.seq);
    });

    it('keeps idempotency entries by place, operation and token', async () => {
      const p = newPlace();
      assert.equal(await store.getIdempotency(p, 'CreateService', 'tok'), undefined);
      const entry = { inputHash: 'abc123', response: { id: 'svc-1', nested: { ok: true } }, createdAt: 1_700_000_000_000 };
      await store.transact((tx) => tx.putIdempotency(p, 'CreateService', 'tok', entry));
      assert.deepEqual(await store.getIdempotency(p, 'CreateService', 'tok'), entry);
      assert.equal(await store.getIdempotency(p, 'CreateListener', 'tok'), undefined, 'another operation');
      assert.equal(await store.getIdempotency(p, 'CreateService', 'tok2'), undefined, 'another token');
      assert.equal(await store.getIdempotency(newPlace(), 'CreateService', 'tok'), undefined, 'another place');
      const inside = await store.transact((tx) => tx.getIdempotency(p, 'CreateService', 'tok'));
      assert.deepEqual(inside, entry, 'visible inside a transaction');
    });

    it('writes nothing and keeps the revision when the transaction throws', async () => {
      const p = newPlace();
      await put(rec('service', p, 'svc-keep', { name: 'keep', doc: { v: 1 } }));
      const r0 = await store.revision();
      const boom = new Error('boom');
      await assert.rejects(store.transact(async (tx) => {
        await tx.put(rec('service', p, 'svc-new', { name: 'new', refs: ['tg-1'] }));
        await tx.put(rec('service', p, 'svc-keep', { name: 'renamed', doc: { v: 2 } }));
        await tx.delete('service', p, 'svc-keep');
        await tx.putIdempotency(p, 'CreateService', 'tok', { inputHash: 'h', response: {}, createdAt: 1 });
        await Promise.resolve();
        throw boom;
      }), (err) => err === boom);
      assert.equal(await store.get('service', p, 'svc-new'), undefined);
      assert.deepEqual((await store.get('service', p, 'svc-keep'))?.doc, { v: 1 });
      assert.equal((await store.getByName('service', p, '', 'keep'))?.id, 'svc-keep');
      assert.deepEqual(ids(await store.referrers(p, 'tg-1')), []);
      assert.equal(await store.getIdempotency(p, 'CreateService', 'tok'), undefined);
      assert.equal(await store.revision(), r0);
      assert.deepEqual(await store.changesSince(r0), []);
      // The store is usable after a rollback.
      await put(rec('service', p, 'svc-after'));
      assert.equal(await store.revision(), r0 + 1);
    });

    it('bumps the revision once per transaction that wrote, and never for one that only read', async () => {
      const p = newPlace();
      const r0 = await store.revision();
      await store.transact(async (tx) => {
        await tx.put(rec('service', p, 'svc-1'));
        await tx.put(rec('service', p, 'svc-2'));
        await tx.put(rec('listener', p, 'l-1', { parentId: 'svc-1' }));
        await tx.delete('service', p, 'svc-2');
      });
      assert.equal(await store.revision(), r0 + 1);
      await store.transact(async (tx) => { await tx.get('service', p, 'svc-1'); await tx.list('service', p); });
      await store.transact(async (tx) => { await tx.delete('service', p, 'svc-none'); });
      assert.equal(await store.revision(), r0 + 1, 'read-only transactions and deletes of nothing change nothing');
      await put(rec('service', p, 'svc-1', { doc: { v: 2 } }));
      assert.equal(await store.revision(), r0 + 2);
    });

    it('feeds every change in order, with its revision and op', async () => {
      const p = newPlace();
      const r0 = await store.revision();
      await store.transact(async (tx) => {
        await tx.put(rec('service', p, 'svc-1'));
        await tx.put(rec('listener', p, 'l-1', { parentId: 'svc-1' }));
      });
      await put(rec('service', p, 'svc-1', { doc: { v: 2 } }));
      await store.transact(async (tx) => {
        await tx.delete('listener', p, 'l-1');
        await tx.delete('service', p, 'svc-1');
      });
      const feed = await store.changesSince(r0);
      assert.deepEqual(feed.map((c) => [c.revision - r0, c.kind, c.id, c.op, c.account, c.region]), [
        [1, 'service', 'svc-1', 'put', p.account, p.region],
        [1, 'listener', 'l-1', 'put', p.account, p.region],
        [2, 'service', 'svc-1', 'put', p.account, p.region],
        [3, 'listener', 'l-1', 'delete', p.account, p.region],
        [3, 'service', 'svc-1', 'delete', p.account, p.region],
      ]);
      assert.equal(await store.revision(), r0 + 3);
      assert.deepEqual((await store.changesSince(r0 + 2)).map((c) => c.op), ['delete', 'delete']);
      assert.deepEqual(await store.changesSince(r0 + 3), []);
      assert.equal((await store.changesSince(r0, 2)).length, 2, 'limit caps the feed');
    });

    it('serialises concurrent transactions and commits every one', async () => {
      const p = newPlace();
      const r0 = await store.revision();
      await put(rec('service', p, 'counter', { doc: { n: 0 } }));
      let inside = 0;
      let overlap = 0;
      const N = 50;
      await Promise.all(Array.from({ length: N }, (_, i) => store.transact(async (tx) => {
        if (++inside > 1) overlap++;
        const counter = await tx.get<{ n: number }>('service', p, 'counter');
        // Yield to the event loop mid-transaction: a store that does not serialise would
        // let the others read the same counter here and lose updates.
        await new Promise((r) => setImmediate(r));
        await tx.put({ ...counter!, doc: { n: counter!.doc.n + 1 } });
        await tx.put(rec('listener', p, `l-${i}`, { parentId: 'counter' }));
        inside--;
      })));
      assert.equal(overlap, 0, 'no two transaction callbacks ran at once');
      assert.equal((await store.get<{ n: number }>('service', p, 'counter'))?.doc.n, N, 'no lost update');
      assert.equal(await store.count('listener', p, { parentId: 'counter' }), N);
      assert.equal(await store.revision(), r0 + 1 + N);
      const revisions = (await store.changesSince(r0)).map((c) => c.revision);
      assert.equal(new Set(revisions).size, N + 1);
    });

    it('does not show a running transaction\'s writes to reads outside it', { skip: !isolatedReads && 'reads share the writer here' }, async () => {
      const p = newPlace();
      await put(rec('service', p, 'svc-old', { doc: { v: 1 } }));
      const r0 = await store.revision();
      const g = gate();
      const wrote = gate();
      const running = store.transact(async (tx) => {
        await tx.put(rec('service', p, 'svc-new', { name: 'new', refs: ['sn-1'] }));
        await tx.put(rec('service', p, 'svc-old', { doc: { v: 2 } }));
        wrote.release();
        await g.promise;
      });
      await wrote.promise;
      try {
        assert.equal(await store.get('service', p, 'svc-new'), undefined);
        assert.equal(await store.getByName('service', p, '', 'new'), undefined);
        assert.deepEqual((await store.get('service', p, 'svc-old'))?.doc, { v: 1 });
        assert.deepEqual(ids(await store.list('service', p)), ['svc-old']);
        assert.equal(await store.count('service', p), 1);
        assert.deepEqual(ids(await store.referrers(p, 'sn-1')), []);
        assert.equal(await store.revision(), r0);
        assert.deepEqual(await store.changesSince(r0), []);
      } finally {
        g.release();
        await running;
      }
      assert.equal((await store.get('service', p, 'svc-new'))?.name, 'new');
      assert.deepEqual((await store.get('service', p, 'svc-old'))?.doc, { v: 2 });
      assert.equal(await store.revision(), r0 + 1);
    });

    it('scans records of the given kinds across places, in creation order', async () => {
      const a = newPlace('us-east-1');
      const b = newPlace('eu-west-1');
      await put(rec('service', a, 'svc-a'));
      await put(rec('targetgroup', b, 'tg-b'));
      await put(rec('service', b, 'svc-b'));
      await put(rec('listener', a, 'l-a', { parentId: 'svc-a' }));
      const mine = (rs: ResourceRecord[]) => rs.filter((r) => r.account === a.account || r.account === b.account);
      const services = mine(await store.scan(['service']));
      assert.deepEqual(services.map((r) => `${r.region}/${r.id}`), ['us-east-1/svc-a', 'eu-west-1/svc-b']);
      const both = mine(await store.scan(['service', 'targetgroup']));
      assert.deepEqual(ids(both), ['svc-a', 'tg-b', 'svc-b']);
      assert.deepEqual(mine(await store.scan(['rule'])), []);
    });

    it('keeps everything across close and reopen', { skip: !durable && 'this store keeps nothing once closed' }, async () => {
      const p = newPlace();
      const first = await put(rec('service', p, 'svc-1', { name: 'kept', refs: ['sn-1'], doc: { deep: { v: [1, 2] } } }));
      await store.transact((tx) => tx.putIdempotency(p, 'CreateService', 'tok', { inputHash: 'h', response: { id: 'svc-1' }, createdAt: 5 }));
      const r0 = await store.revision();
      const feed = await store.changesSince(r0 - 1);
      await store.close();
      store = await open();
      assert.deepEqual(await store.get('service', p, 'svc-1'), { ...first, refs: ['sn-1'] });
      assert.equal((await store.getByName('service', p, '', 'kept'))?.id, 'svc-1');
      assert.deepEqual(ids(await store.referrers(p, 'sn-1')), ['svc-1']);
      assert.deepEqual(await store.getIdempotency(p, 'CreateService', 'tok'), { inputHash: 'h', response: { id: 'svc-1' }, createdAt: 5 });
      assert.equal(await store.revision(), r0);
      assert.deepEqual(await store.changesSince(r0 - 1), feed);
      const next = await put(rec('service', p, 'svc-2'));
      assert.ok(next.seq > first.seq, 'seq keeps growing after a reopen');
      assert.equal(await store.revision(), r0 + 1);
    });
  });
}
