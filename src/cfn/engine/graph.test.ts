import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dependentsOf, findCycle, runGraph, topoOrder } from './graph.js';

const graph: Readonly<Record<string, readonly string[]>> = { a: [], b: ['a'], c: ['a'], d: ['b', 'c'], e: [] };
const deps = (id: string) => graph[id] ?? [];

describe('runGraph', () => {
  it('starts a node only after its dependencies, and every ready node at once', async () => {
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const outcome = await runGraph(Object.keys(graph), deps, async (id) => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${id}`);
      await new Promise((r) => setImmediate(r));
      log.push(`end ${id}`);
      running--;
    }, { stopOnFailure: true });
    assert.deepEqual([...outcome.completed].sort(), ['a', 'b', 'c', 'd', 'e']);
    for (const [id, ds] of Object.entries(graph)) for (const d of ds) assert.ok(log.indexOf(`end ${d}`) < log.indexOf(`start ${id}`), `${d} before ${id}`);
    assert.deepEqual(log.slice(0, 2), ['start a', 'start e']);
    assert.equal(most, 3, 'b and c start beside e as soon as a is done');
  });

  it('stops starting nodes after a failure, and lets in-flight ones see it', async () => {
    const seen: boolean[] = [];
    const outcome = await runGraph(['a', 'b', 'c', 'd'], deps, async (id, control) => {
      await new Promise((r) => setImmediate(r));
      if (id === 'b') throw new Error('b broke');
      if (id === 'c') { await new Promise((r) => setImmediate(r)); seen.push(control.stopped()); }
    }, { stopOnFailure: true });
    assert.deepEqual([...outcome.failed.keys()], ['b']);
    assert.deepEqual([...outcome.skipped], ['d']);
    assert.deepEqual(seen, [true]);
  });

  it('without stopOnFailure, skips only what depends on the failed node', async () => {
    const outcome = await runGraph(['a', 'b', 'c', 'd', 'e'], dependentsOf(Object.keys(graph), deps), async (id) => {
      if (id === 'b') throw new Error('no');
    }, { stopOnFailure: false });
    assert.deepEqual([...outcome.completed].sort(), ['c', 'd', 'e']);
    assert.deepEqual([...outcome.skipped], ['a']);
  });

  it('resolves at once for no nodes, and ignores dependencies outside the set', async () => {
    assert.equal((await runGraph([], deps, async () => undefined, { stopOnFailure: true })).completed.size, 0);
    assert.deepEqual([...(await runGraph(['d'], deps, async () => undefined, { stopOnFailure: true })).completed], ['d']);
  });
});

describe('findCycle / topoOrder', () => {
  it('finds a cycle, or none', () => {
    assert.equal(findCycle(Object.keys(graph), deps), undefined);
    assert.deepEqual(findCycle(['x', 'y', 'z'], (id) => ({ x: ['y'], y: ['z'], z: ['y'] } as Record<string, string[]>)[id] ?? [])?.sort(), ['y', 'z']);
  });
  it('orders dependencies first', () => {
    const order = topoOrder(['d', 'c', 'b', 'a', 'e'], deps);
    for (const [id, ds] of Object.entries(graph)) for (const d of ds) assert.ok(order.indexOf(d) < order.indexOf(id));
  });
});
