import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleEntry, TargetEntry, TargetGroupEntry, WeightedTargetGroupEntry } from '../../config/index.js';
import type { TargetHealthSource, TargetStatus } from '../contracts.js';
import { Balancer, SmoothWeighted } from './balancer.js';

/** A health source backed by a plain map: `tg/ip:port` → status (default HEALTHY). */
class MapHealth implements TargetHealthSource {
  readonly map = new Map<string, TargetStatus>();
  status(tgId: string, t: TargetEntry): TargetStatus { return this.map.get(`${tgId}/${t.id}:${t.port}`) ?? 'HEALTHY'; }
}

const letters = 'ABCDEFGHIJ';
function sequence(weights: readonly number[], n: number): string {
  const wrr = new SmoothWeighted(weights);
  let out = '';
  for (let i = 0; i < n; i++) { const k = wrr.next(); out += k < 0 ? '-' : letters[k]; }
  return out;
}

describe('balancer: smooth weighted round robin (nginx)', () => {
  const cases: readonly [readonly number[], string][] = [
    [[10, 10], 'ABABABAB'],
    [[10, 20], 'BABBABBAB'],
    [[20, 10], 'ABAABAABA'],
    [[5, 1, 1], 'AABACAAAABACAA'],
    [[1, 0, 1], 'ACACAC'],
    [[0, 7], 'BBBB'],
    [[0, 0], '----'],
    [[1, 2, 3], 'CBACBCCBACBC'],
    [[999, 1], 'A'.repeat(500) + 'B' + 'A'.repeat(499)],
  ];
  for (const [weights, expected] of cases) {
    it(`${weights.join('/')} → ${expected.length > 20 ? expected.slice(0, 20) + '…' : expected}`, () => {
      assert.equal(sequence(weights, expected.length), expected);
    });
  }
  it('splits exactly by weight over a full cycle', () => {
    const seq = sequence([3, 7, 0, 10], 200);
    assert.deepEqual([...'ABCD'].map((c) => seq.split(c).length - 1), [30, 70, 0, 100]);
  });
});

const rule = (id: string): RuleEntry => ({ id, arn: id, isDefault: true, action: { type: 'fixed-response', statusCode: 404 } });
const groups = (...w: readonly (readonly [string, number])[]): WeightedTargetGroupEntry[] => w.map(([targetGroupId, weight]) => ({ targetGroupId, weight }));
const tgOf = (id: string, targets: TargetEntry[]): TargetGroupEntry => ({ id, arn: id, type: 'IP', unused: false, targets });
const ip = (n: number, resolved = true): TargetEntry => ({ id: `10.0.0.${n}`, port: 80, ...(resolved ? { address: `127.0.0.${n}` } : { unresolved: 'x' }) });

describe('balancer: groups of a forward action', () => {
  it('keeps its state across snapshot swaps while the weights are unchanged', () => {
    const b = new Balancer(new MapHealth());
    const r = rule('rule-1');
    let out = '';
    for (let i = 0; i < 3; i++) out += b.pickGroup(r, groups(['A', 10], ['B', 10]))!.targetGroupId; // a new array each time, as after a swap
    assert.equal(out, 'ABA');
    out += b.pickGroup(r, groups(['A', 10], ['B', 10]))!.targetGroupId;
    assert.equal(out, 'ABAB');
  });
  it('starts afresh when weights change, and independently per rule', () => {
    const b = new Balancer(new MapHealth());
    const g = groups(['A', 10], ['B', 10]);
    assert.equal(b.pickGroup(rule('r1'), g)!.targetGroupId, 'A');
    assert.equal(b.pickGroup(rule('r2'), g)!.targetGroupId, 'A');
    const g2 = groups(['A', 10], ['B', 20]);
    let out = '';
    for (let i = 0; i < 3; i++) out += b.pickGroup(rule('r1'), g2)!.targetGroupId;
    assert.equal(out, 'BAB');
  });
  it('a single group is always picked unless its weight is 0; all-zero picks nothing', () => {
    const b = new Balancer(new MapHealth());
    assert.equal(b.pickGroup(rule('r'), groups(['A', 1]))!.targetGroupId, 'A');
    assert.equal(b.pickGroup(rule('r'), groups(['A', 0])), undefined);
    assert.equal(b.pickGroup(rule('r3'), groups(['A', 0], ['B', 0])), undefined);
  });
  it('retain() forgets rules that left the snapshot', () => {
    const b = new Balancer(new MapHealth());
    const g = groups(['A', 10], ['B', 10]);
    assert.equal(b.pickGroup(rule('r1'), g)!.targetGroupId, 'A');
    b.retain(new Set(), new Set());
    assert.equal(b.pickGroup(rule('r1'), g)!.targetGroupId, 'A');
  });
});

describe('balancer: targets within a group', () => {
  const pick = (b: Balancer, tg: TargetGroupEntry, n: number): string =>
    Array.from({ length: n }, () => b.pickTarget(tg)?.id.slice(7) ?? '-').join(',');

  it('round robin over healthy targets', () => {
    const b = new Balancer(new MapHealth());
    assert.equal(pick(b, tgOf('tg', [ip(1), ip(2), ip(3)]), 7), '1,2,3,1,2,3,1');
  });
  it('skips UNHEALTHY, DRAINING and unresolved targets; INITIAL and UNAVAILABLE are routable', () => {
    const h = new MapHealth();
    h.map.set('tg/10.0.0.2:80', 'UNHEALTHY');
    h.map.set('tg/10.0.0.4:80', 'DRAINING');
    h.map.set('tg/10.0.0.5:80', 'INITIAL');
    h.map.set('tg/10.0.0.6:80', 'UNAVAILABLE');
    const b = new Balancer(h);
    assert.equal(pick(b, tgOf('tg', [ip(1), ip(2), ip(3, false), ip(4), ip(5), ip(6)]), 6), '1,5,6,1,5,6');
  });
  it('follows health changes between picks', () => {
    const h = new MapHealth();
    const b = new Balancer(h);
    const tg = tgOf('tg', [ip(1), ip(2)]);
    assert.equal(pick(b, tg, 2), '1,2');
    h.map.set('tg/10.0.0.2:80', 'UNHEALTHY');
    assert.equal(pick(b, tg, 3), '1,1,1');
    h.map.delete('tg/10.0.0.2:80');
    assert.equal(pick(b, tg, 2), '2,1');
  });
  it('fails open to every resolved target when none is healthy, draining ones last', () => {
    const h = new MapHealth();
    for (const n of [1, 2, 3]) h.map.set(`tg/10.0.0.${n}:80`, 'UNHEALTHY');
    const b = new Balancer(h);
    assert.equal(pick(b, tgOf('tg', [ip(1), ip(2), ip(3), ip(4, false)]), 5), '1,2,3,1,2');
    const h2 = new MapHealth();
    h2.map.set('tg/10.0.0.1:80', 'DRAINING');
    h2.map.set('tg/10.0.0.2:80', 'UNHEALTHY');
    assert.equal(pick(new Balancer(h2), tgOf('tg', [ip(1), ip(2)]), 3), '2,2,2');
    const h3 = new MapHealth();
    h3.map.set('tg/10.0.0.1:80', 'DRAINING');
    assert.equal(pick(new Balancer(h3), tgOf('tg', [ip(1)]), 2), '1,1');
  });
  it('no resolved target → undefined', () => {
    const b = new Balancer(new MapHealth());
    assert.equal(b.pickTarget(tgOf('tg', [])), undefined);
    assert.equal(b.pickTarget(tgOf('tg', [ip(1, false)])), undefined);
  });
  it('the cursor survives a swap (a new group object with the same id)', () => {
    const b = new Balancer(new MapHealth());
    assert.equal(pick(b, tgOf('tg', [ip(1), ip(2), ip(3)]), 1), '1');
    assert.equal(pick(b, tgOf('tg', [ip(1), ip(2), ip(3)]), 2), '2,3');
  });
});
