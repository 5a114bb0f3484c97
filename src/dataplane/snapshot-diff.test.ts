import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { changedEntries, diffEntries, entryId } from './snapshot-diff.js';

/**
 * The identity diff every data-plane consumer reconciles with: table-driven over the ways
 * the incremental rebuild derives a map from the previous one (copy, then set / delete),
 * and over maps built afresh (a full rebuild), where the order says nothing.
 */

/** An entry stored under its own id, as in a snapshot's maps; `n` names the object. */
interface E { readonly id: string; readonly n: number }
const e = (id: string, n: number): E => ({ id, n });
const a = e('x', 1);
const b = e('y', 2);
const c = e('z', 3);
const b2 = e('y', 2);

/** A map from pairs (the key is the entry's id in every case). */
const m = (...pairs: (readonly [string, E])[]): Map<string, E> => new Map(pairs);
/** A diff as `id:before>after` strings, with `-` for undefined, sorted (order is not the contract). */
const show = (prev: ReadonlyMap<string, E> | undefined, next: ReadonlyMap<string, E>): string[] =>
  changedEntries(prev, next, entryId).map((ch) => `${ch.id}:${ch.before?.n ?? '-'}>${ch.after?.n ?? '-'}`).sort();

const base = m(['x', a], ['y', b], ['z', c]);
/** The incremental rebuild's way: a copy, then edits. */
const derived = (edit: (m: Map<string, E>) => void): Map<string, E> => {
  const next = new Map(base);
  edit(next);
  return next;
};

const cases: readonly { readonly name: string; readonly prev: ReadonlyMap<string, E> | undefined; readonly next: ReadonlyMap<string, E>; readonly want: string[] }[] = [
  { name: 'the same map', prev: base, next: base, want: [] },
  { name: 'a copy with the same entries', prev: base, next: derived(() => {}), want: [] },
  { name: 'one entry replaced in place', prev: base, next: derived((n) => n.set('y', b2)), want: ['y:2>2'] },
  { name: 'one entry added at the end', prev: base, next: derived((n) => n.set('w', e('w', 4))), want: ['w:->4'] },
  { name: 'one replaced, one added', prev: base, next: derived((n) => { n.set('x', e('x', 4)); n.set('v', e('v', 2)); }), want: ['v:->2', 'x:1>4'] },
  { name: 'the last replaced, then one added', prev: base, next: derived((n) => { n.set('z', e('z', 5)); n.set('v', e('v', 2)); }), want: ['v:->2', 'z:3>5'] },
  { name: 'one entry removed', prev: base, next: derived((n) => n.delete('y')), want: ['y:2>-'] },
  { name: 'removed and added (same size)', prev: base, next: derived((n) => { n.delete('x'); n.set('w', e('w', 4)); }), want: ['w:->4', 'x:1>-'] },
  { name: 'the last removed and one added (same size, same order before it)', prev: base, next: derived((n) => { n.delete('z'); n.set('w', e('w', 4)); }), want: ['w:->4', 'z:3>-'] },
  { name: 'removed, re-added at the end with a new entry', prev: base, next: derived((n) => { n.delete('x'); n.set('x', e('x', 6)); }), want: ['x:1>6'] },
  { name: 'built afresh in another order, same entries', prev: base, next: m(['z', c], ['x', a], ['y', b]), want: [] },
  { name: 'built afresh in another order, one replaced', prev: base, next: m(['z', c], ['y', b2], ['x', a]), want: ['y:2>2'] },
  { name: 'everything removed', prev: base, next: m(), want: ['x:1>-', 'y:2>-', 'z:3>-'] },
  { name: 'no previous map: all added', prev: undefined, next: base, want: ['x:->1', 'y:->2', 'z:->3'] },
  { name: 'an empty previous map: all added', prev: m(), next: base, want: ['x:->1', 'y:->2', 'z:->3'] },
];

describe('changedEntries', () => {
  for (const t of cases) {
    it(t.name, () => assert.deepEqual(show(t.prev, t.next), t.want));
  }

  it('lists removals after additions and changes', () => {
    const next = derived((n) => { n.delete('x'); n.set('y', b2); });
    assert.deepEqual(changedEntries(base, next, entryId).map((ch) => ch.id), ['y', 'x']);
  });

  it('computes a pair once: later consumers of the same swap get the same list', () => {
    const next = derived((n) => n.set('y', b2));
    const first = changedEntries(base, next, entryId);
    assert.equal(changedEntries(base, next, entryId), first, 'the cached list, not a second scan');
    assert.notEqual(changedEntries(m(['y', b]), next, entryId), first, 'another previous map is diffed afresh');
    assert.deepEqual(show(m(['y', b]), next), ['x:->1', 'y:2>2', 'z:->3']);
  });
});

describe('diffEntries', () => {
  it('visits only the ids whose entry is another object', () => {
    const seen: string[] = [];
    diffEntries(base, derived((n) => { n.set('z', e('z', 4)); n.delete('x'); }), entryId, (id, before, after) => seen.push(`${id}:${before?.n ?? '-'}>${after?.n ?? '-'}`));
    assert.deepEqual(seen, ['z:3>4', 'x:1>-']);
  });
});
