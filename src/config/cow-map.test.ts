import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CowMap, CowMapBuilder, cowChanges } from './cow-map.js';
import { prng } from '../model/index.js';


interface Value { readonly n: number }

/** Everything a ReadonlyMap answers, in order: what a Map with the same history answers. */
function assertSame(m: ReadonlyMap<string, Value>, model: ReadonlyMap<string, Value>, what: string): void {
  assert.equal(m.size, model.size, `${what}: size`);
  assert.deepEqual([...m.keys()], [...model.keys()], `${what}: keys in insertion order`);
  assert.deepEqual([...m.values()], [...model.values()], `${what}: values`);
  assert.deepEqual([...m], [...model.entries()], `${what}: entries`);
  const seen: [string, Value][] = [];
  m.forEach((v, k, self) => { assert.equal(self, m); seen.push([k, v]); });
  assert.deepEqual(seen, [...model], `${what}: forEach`);
  for (const [k, v] of model) {
    assert.equal(m.get(k), v, `${what}: get ${k}`);
    assert.ok(m.has(k), `${what}: has ${k}`);
  }
  assert.equal(m.get('absent'), undefined);
  assert.equal(m.has('absent'), false);
}

/** The naive diff by identity, sorted for comparison. */
function naive(a: ReadonlyMap<string, Value>, b: ReadonlyMap<string, Value>): string[] {
  const out: string[] = [];
  for (const [k, v] of b) if (a.get(k) !== v) out.push(`${k}:${a.get(k)?.n ?? '-'}>${v.n}`);
  for (const [k, v] of a) if (!b.has(k)) out.push(`${k}:${v.n}>-`);
  return out.sort();
}

describe('CowMap', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`behaves as a Map with the same history, and keeps every version (seed ${seed})`, () => {
      const rnd = prng(seed);
      const keys = Array.from({ length: 700 }, (_, i) => `k-${seed}-${i}`);
      const b = new CowMapBuilder<Value>();
      const model = new Map<string, Value>();
      const versions: [CowMap<Value>, Map<string, Value>][] = [];
      let n = 0;
      for (let step = 0; step < 60; step++) {
        // Phases of growth and of mass deletion, so that chunks empty and get repacked.
        const deleting = step % 20 >= 14;
        const ops = 1 + Math.floor(rnd() * (step < 5 ? 300 : 40));
        for (let i = 0; i < ops; i++) {
          const k = keys[Math.floor(rnd() * keys.length)]!;
          if (deleting ? rnd() < 0.9 : rnd() < 0.15) {
            assert.equal(b.delete(k), model.delete(k));
          } else {
            const v = rnd() < 0.1 && model.has(k) ? model.get(k)! : { n: n++ };
            b.set(k, v);
            model.set(k, v);
          }
          assert.equal(b.size, model.size);
        }
        assert.deepEqual([...b], [...model], `builder after step ${step}`);
        const v = b.freeze();
        assertSame(v, model, `version ${step}`);
        const prev = versions[versions.length - 1];
        if (prev) {
          const found = cowChanges(prev[0], v)!.map((c) => `${c.key}:${c.before?.n ?? '-'}>${c.after?.n ?? '-'}`).sort();
          assert.deepEqual(found, naive(prev[1], model), `changes into version ${step}`);
        }
        versions.push([v, new Map(model)]);
      }
      // Later writes never showed through to an earlier version.
      versions.forEach(([v, m], i) => assertSame(v, m, `version ${i} at the end`));
    });
  }

  it('freezes to the same version while nothing was written', () => {
    const b = new CowMapBuilder<Value>();
    b.set('a', { n: 1 });
    const v1 = b.freeze();
    assert.equal(b.freeze(), v1);
    b.set('a', v1.get('a')!);
    assert.equal(b.freeze(), v1, 'setting the value a key already holds writes nothing');
    b.delete('missing');
    assert.equal(b.freeze(), v1);
    b.set('a', { n: 2 });
    assert.notEqual(b.freeze(), v1);
    assert.equal(v1.get('a')!.n, 1);
  });

  it('copies only what a write touches', () => {
    const b = new CowMapBuilder<Value>();
    for (let i = 0; i < 10_000; i++) b.set(`svc-${i}`, { n: i });
    const v1 = b.freeze();
    b.set('svc-5000', { n: -1 });
    const v2 = b.freeze();
    const shared = v2.chunks.filter((c, i) => v1.chunks[i] === c).length;
    assert.equal(shared, v1.chunks.length - 1, 'one chunk copied');
    assert.deepEqual(cowChanges(v1, v2)!.map((c) => c.key), ['svc-5000']);
    assert.equal(v2.get('svc-5000')!.n, -1);
    assert.equal(v1.get('svc-5000')!.n, 5000);
  });

  it('packs chunks again after mass deletes, keeping order and the versions before', () => {
    const b = new CowMapBuilder<Value>();
    const model = new Map<string, Value>();
    for (let i = 0; i < 5000; i++) {
      const v = { n: i };
      b.set(`k${i}`, v);
      model.set(`k${i}`, v);
    }
    const full = b.freeze();
    const fullModel = new Map(model);
    for (let i = 0; i < 5000; i++) {
      if (i % 200 === 7) continue;
      b.delete(`k${i}`);
      model.delete(`k${i}`);
    }
    const sparse = b.freeze();
    assert.ok(sparse.chunks.length <= 10, `${sparse.chunks.length} chunks for ${sparse.size} entries`);
    assertSame(sparse, model, 'after the deletes');
    assertSame(full, fullModel, 'the version before');
    const v = { n: -1 };
    b.set('k-new', v);
    model.set('k-new', v);
    const after = b.freeze();
    assertSame(after, model, 'a write after the repack');
    assert.deepEqual(cowChanges(sparse, after)!.map((c) => c.key), ['k-new']);
    assert.equal(cowChanges(full, after)!.length, 5000 - 25 + 1);
  });

  it('keeps a key set again after a delete last, as a Map does', () => {
    const b = new CowMapBuilder<Value>();
    for (const k of ['a', 'b', 'c']) b.set(k, { n: 0 });
    b.delete('a');
    b.set('a', { n: 1 });
    b.set('b', { n: 2 });
    assert.deepEqual([...b.freeze().keys()], ['b', 'c', 'a']);
  });

  it('compares chunk by chunk only within one lineage', () => {
    const a = new CowMapBuilder<Value>().set('x', { n: 1 }).freeze();
    const b = new CowMapBuilder<Value>().set('x', { n: 1 }).freeze();
    assert.equal(cowChanges(a, b), undefined);
    assert.equal(cowChanges(a, new Map([['x', { n: 1 }]])), undefined);
    assert.deepEqual(cowChanges(a, a), []);
    assert.equal(Object.prototype.toString.call(a), '[object CowMap]');
  });
});
