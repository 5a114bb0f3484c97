import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestOutcome } from '../contracts.js';
import { MetricsRegistry } from './metrics-registry.js';
import { exportedRequests, isMetricsExport, type MetricsExport } from './metrics-export.js';

const OUTCOMES: readonly RequestOutcome[] = [
  { serviceId: 'svc-1', targetGroupId: 'tg-1', responseCode: 200, durationMs: 3, bytesReceived: 10, bytesSent: 20, timedOut: false },
  { serviceId: 'svc-1', targetGroupId: 'tg-1', responseCode: 503, durationMs: 700, bytesReceived: 10, bytesSent: 20, timedOut: false },
  { serviceId: 'svc-1', targetGroupId: 'tg-2', responseCode: 504, latticeCode: 504, durationMs: 61_000, bytesReceived: 0, bytesSent: 0, timedOut: true },
  { serviceId: 'svc-2', responseCode: 404, latticeCode: 404, durationMs: 0.2, bytesReceived: 0, bytesSent: 0, timedOut: false },
  { serviceId: 'svc-2', responseCode: 403, latticeCode: 403, durationMs: 1.5, bytesReceived: 0, bytesSent: 0, timedOut: false },
  { serviceId: '-', responseCode: 404, latticeCode: 404, durationMs: 0.1, bytesReceived: 0, bytesSent: 0, timedOut: false },
];

function feed(r: MetricsRegistry, outcomes: readonly RequestOutcome[]): void {
  for (const o of outcomes) {
    r.requestStarted(o.serviceId, o.targetGroupId);
    r.requestFinished(o);
  }
}

/** What crosses the IPC channel. */
function wire(e: MetricsExport): MetricsExport {
  const back: unknown = JSON.parse(JSON.stringify(e));
  assert.ok(isMetricsExport(back));
  return back;
}

describe('MetricsRegistry export / merge (one scrape over N worker processes)', () => {
  it('the merge of two workers renders exactly what one registry serving every request renders', () => {
    const one = new MetricsRegistry();
    feed(one, OUTCOMES);
    one.requestStarted('svc-1', 'tg-1'); // one request still in flight
    const w1 = new MetricsRegistry();
    const w2 = new MetricsRegistry();
    OUTCOMES.forEach((o, i) => feed(i % 2 === 0 ? w1 : w2, [o]));
    w2.requestStarted('svc-1', 'tg-1');
    const sum = new MetricsRegistry();
    sum.merge(wire(w1.export()));
    sum.merge(wire(w2.export()));
    assert.equal(sum.render(), one.render());
    assert.match(sum.render(), /trellis_vpclattice_TotalRequestCount\{service="svc-1"\} 3\n/);
    assert.match(sum.render(), /trellis_vpclattice_ActiveRequestCount\{target_group="tg-1"\} 1\n/);
  });

  it('exportedRequests counts a worker\'s completed requests', () => {
    const w = new MetricsRegistry();
    feed(w, OUTCOMES);
    assert.equal(exportedRequests(w.export()), OUTCOMES.length);
    assert.equal(exportedRequests(new MetricsRegistry().export()), 0);
  });

  it('merging an empty export changes nothing; the guard refuses malformed data', () => {
    const r = new MetricsRegistry();
    feed(r, OUTCOMES);
    const before = r.render();
    r.merge({ services: [], groups: [] });
    assert.equal(r.render(), before);
    for (const bad of [null, {}, { services: [], groups: {} }, { services: [['svc', { total: '1' }]], groups: [] },
      { services: [['svc', { total: 1, active: 0, codes: [], time: { counts: [], sum: 0 } }]], groups: [] },
      { services: [], groups: [['tg', { total: 1, active: 0, codes: [NaN], time: { counts: [], sum: 0, count: 0 } }]] }]) {
      assert.equal(isMetricsExport(JSON.parse(JSON.stringify(bad)) as unknown), false, JSON.stringify(bad));
    }
  });
});
