import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoutingSnapshot, ServiceEntry, TargetGroupEntry } from '../../config/index.js';
import type { RequestOutcome } from '../contracts.js';
import { escapeLabel, MetricsRegistry, REQUEST_TIME_BUCKETS_MS } from './metrics-registry.js';

/**
 * A strict reader of the Prometheus text format 0.0.4, enough to prove the exposition
 * parses: every sample belongs to a family declared by HELP and TYPE before it, names and
 * labels are well-formed, values are numbers, histograms are cumulative and end at +Inf =
 * _count. Returns the samples keyed `name{labels}`.
 */
function parseExposition(text: string): Map<string, number> {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const sample = new RegExp(`^(${NAME})(\\{(?:${LABEL})(?:,${LABEL})*\\})? (\\S+)$`);
  let family = '';
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP (\S+) .+$/.exec(line);
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help) { assert.ok(!helped.has(help[1]!), `one HELP for ${help[1]}`); helped.add(help[1]!); family = help[1]!; continue; }
    if (type) { assert.equal(type[1], family, 'TYPE follows its HELP'); assert.ok(!types.has(type[1]!)); types.set(type[1]!, type[2]!); continue; }
    const m = sample.exec(line);
    assert.ok(m, `sample line: ${line}`);
    const [, name, labels = '', value] = m;
    const base = types.get(family) === 'histogram' ? name!.replace(/_(bucket|sum|count)$/, '') : name;
    assert.equal(base, family, `${name} belongs to the family declared last`);
    const v = value === '+Inf' ? Infinity : Number(value);
    assert.ok(!Number.isNaN(v), `numeric value in ${line}`);
    const key = `${name}${labels}`;
    assert.ok(!samples.has(key), `one sample per series: ${key}`);
    samples.set(key, v);
  }
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    const series = [...samples.keys()].filter((k) => k.startsWith(`${name}_count{`)).map((k) => k.slice(`${name}_count`.length));
    for (const labels of series) {
      const inner = labels.slice(1, -1);
      let prev = 0;
      for (const le of [...REQUEST_TIME_BUCKETS_MS.map(String), '+Inf']) {
        const v = samples.get(`${name}_bucket{${inner},le="${le}"}`);
        assert.ok(v !== undefined && v >= prev, `cumulative bucket le=${le} of ${labels}`);
        prev = v;
      }
      assert.equal(prev, samples.get(`${name}_count${labels}`), '+Inf bucket equals _count');
    }
  }
  return samples;
}

const P = 'trellis_vpclattice_';
const SVC = 'svc-0123456789abcdef0';
const TG = 'tg-0123456789abcdef0';

function outcome(o: Partial<RequestOutcome>): RequestOutcome {
  return { serviceId: SVC, responseCode: 200, durationMs: 1, bytesReceived: 0, bytesSent: 0, timedOut: false, ...o };
}

function snapshot(services: string[], groups: string[]): RoutingSnapshot {
  return {
    revision: 1, vpcs: new Map(), serviceNetworks: new Map(), problems: [],
    services: new Map(services.map((id) => [id, { id } as ServiceEntry])),
    targetGroups: new Map(groups.map((id) => [id, { id } as TargetGroupEntry])),
  };
}

describe('MetricsRegistry', () => {
  it('counts a sequence of outcomes per service and per target group', () => {
    const m = new MetricsRegistry();
    const run = (o: Partial<RequestOutcome>): void => {
      m.requestStarted(o.serviceId ?? SVC, o.targetGroupId);
      m.requestFinished(outcome(o));
    };
    run({ targetGroupId: TG, responseCode: 200, durationMs: 0.4 });
    run({ targetGroupId: TG, responseCode: 302, durationMs: 3 });
    run({ targetGroupId: TG, responseCode: 404, durationMs: 7 });
    run({ targetGroupId: TG, responseCode: 503, durationMs: 30 });
    run({ targetGroupId: TG, responseCode: 504, latticeCode: 504, timedOut: true, durationMs: 60_000 });
    run({ responseCode: 404, latticeCode: 404, durationMs: 0.2 });
    run({ responseCode: 403, latticeCode: 403, durationMs: 0.3 });
    m.requestStarted(SVC, TG);
    const s = parseExposition(m.render());
    const svc = (name: string) => s.get(`${P}${name}{service="${SVC}"}`);
    const tg = (name: string) => s.get(`${P}${name}{target_group="${TG}"}`);
    assert.equal(svc('TotalRequestCount'), 7);
    assert.equal(svc('ActiveRequestCount'), 1);
    assert.equal(svc('RequestTimeoutCount'), 1);
    assert.deepEqual(['2XX', '3XX', '4XX', '5XX'].map((c) => svc(`HTTPCode_${c}_Count`)), [1, 1, 3, 2]);
    assert.deepEqual([400, 403, 404, 429, 500, 502, 504].map((c) => svc(`HTTPCode_VpcLattice_${c}_Count`)), [0, 1, 1, 0, 0, 0, 1]);
    assert.equal(tg('TotalRequestCount'), 5);
    assert.equal(tg('ActiveRequestCount'), 1);
    assert.deepEqual(['2XX', '3XX', '4XX', '5XX'].map((c) => tg(`HTTPCode_${c}_Count`)), [1, 1, 1, 1], "the 504 was Trellis's, not the target's");
    assert.equal(tg('RequestTimeoutCount'), undefined, 'a service-only metric');
    assert.equal(s.get(`${P}RequestTime_count{service="${SVC}"}`), 7);
    assert.equal(s.get(`${P}RequestTime_sum{service="${SVC}"}`), 0.4 + 3 + 7 + 30 + 60_000 + 0.2 + 0.3);
    assert.equal(s.get(`${P}RequestTime_bucket{service="${SVC}",le="1"}`), 3);
    assert.equal(s.get(`${P}RequestTime_bucket{service="${SVC}",le="5"}`), 4);
    assert.equal(s.get(`${P}RequestTime_bucket{service="${SVC}",le="30000"}`), 6);
    assert.equal(s.get(`${P}RequestTime_bucket{service="${SVC}",le="60000"}`), 7, 'bounds are inclusive');
    assert.equal(s.get(`${P}RequestTime_count{target_group="${TG}"}`), 5);
  });

  it('preallocates series from the snapshot and forgets idle ones that left it', () => {
    const m = new MetricsRegistry();
    m.update(snapshot(['svc-a', 'svc-b'], ['tg-a']));
    let s = parseExposition(m.render());
    assert.equal(s.get(`${P}TotalRequestCount{service="svc-b"}`), 0, 'rendered before any traffic');
    assert.equal(s.get(`${P}HTTPCode_5XX_Count{target_group="tg-a"}`), 0);
    m.requestStarted('svc-a', 'tg-a');
    m.update(snapshot([], []));
    s = parseExposition(m.render());
    assert.equal(s.get(`${P}TotalRequestCount{service="svc-b"}`), undefined, 'svc-b is gone');
    assert.equal(s.get(`${P}ActiveRequestCount{service="svc-a"}`), 1, 'kept while a request is in flight');
    m.requestFinished(outcome({ serviceId: 'svc-a', targetGroupId: 'tg-a' }));
    m.update(snapshot([], []));
    assert.equal(parseExposition(m.render()).size, 0, 'nothing left but HELP and TYPE');
  });

  it('visits nothing on a swap whose services and groups are the previous entries', () => {
    const m = new MetricsRegistry();
    const first = snapshot(['svc-a', 'svc-b'], ['tg-a']);
    m.update(first);
    assert.equal(m.lastUpdateVisited(), 3);
    m.requestStarted('svc-a', 'tg-a');
    m.requestFinished(outcome({ serviceId: 'svc-a', targetGroupId: 'tg-a' }));
    // New maps, same entry objects, plus one service: the incremental rebuild's shape.
    const svcC = { id: 'svc-c' } as ServiceEntry;
    m.update({ ...first, revision: 2, services: new Map([...first.services, ['svc-c', svcC]]), targetGroups: new Map(first.targetGroups) });
    assert.equal(m.lastUpdateVisited(), 1, 'only the service that appeared');
    const s = parseExposition(m.render());
    assert.equal(s.get(`${P}TotalRequestCount{service="svc-a"}`), 1, 'counters of untouched series kept');
    assert.equal(s.get(`${P}TotalRequestCount{service="svc-c"}`), 0);
  });

  it('forgets a busy series that left once idle, on a later swap that does not touch it', () => {
    const m = new MetricsRegistry();
    const b = snapshot(['svc-b'], []);
    m.update(snapshot(['svc-a', 'svc-b'], []));
    m.requestStarted('svc-a');
    m.update(b);
    assert.equal(parseExposition(m.render()).get(`${P}ActiveRequestCount{service="svc-a"}`), 1, 'kept while in flight');
    m.requestFinished(outcome({ serviceId: 'svc-a' }));
    m.update({ ...b, revision: 3 });
    assert.equal(m.lastUpdateVisited(), 0, 'the swap itself changed nothing');
    assert.equal(parseExposition(m.render()).get(`${P}TotalRequestCount{service="svc-a"}`), undefined, 'svc-a is gone');
    assert.equal(parseExposition(m.render()).get(`${P}TotalRequestCount{service="svc-b"}`), 0);
  });

  it('forgets at the next swap a series first seen for an id outside the snapshot; keeps service="-"', () => {
    const m = new MetricsRegistry();
    const s1 = snapshot(['svc-a'], ['tg-a']);
    m.update(s1);
    for (const [svc, tg] of [['svc-gone', 'tg-gone'], ['-', undefined]] as const) {
      m.requestStarted(svc, tg);
      m.requestFinished(outcome({ serviceId: svc, ...(tg ? { targetGroupId: tg } : {}), responseCode: 404, latticeCode: 404 }));
    }
    m.update({ ...s1, revision: 2 });
    const s = parseExposition(m.render());
    assert.equal(s.get(`${P}TotalRequestCount{service="svc-gone"}`), undefined);
    assert.equal(s.get(`${P}TotalRequestCount{target_group="tg-gone"}`), undefined);
    assert.equal(s.get(`${P}TotalRequestCount{service="-"}`), 1);
  });

  it('escapes label values', () => {
    assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
    const m = new MetricsRegistry();
    m.requestStarted('odd"id');
    assert.ok(parseExposition(m.render()).has(`${P}ActiveRequestCount{service="odd\\"id"}`));
  });

  it('renders the golden exposition (UPDATE_GOLDEN=1 rewrites it)', () => {
    const m = new MetricsRegistry();
    m.requestStarted(SVC, TG);
    m.requestFinished(outcome({ targetGroupId: TG, responseCode: 201, durationMs: 12 }));
    m.requestStarted(SVC);
    m.requestFinished(outcome({ responseCode: 404, latticeCode: 404, durationMs: 0.5 }));
    const text = m.render();
    const golden = join(import.meta.dirname, 'testdata', 'exposition.golden.txt');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'));
    parseExposition(text);
  });
});
