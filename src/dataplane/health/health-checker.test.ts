import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { TargetEntry, TargetGroupEntry } from '../../config/index.js';
import { HealthChecker, healthView, matches, type HealthTransition } from './health-checker.js';
import { ManualScheduler } from './scheduler.js';
import type { Prober, ProbeRequest } from './probe.js';
import { HC, group, snapshot } from './test-fixture.js';

type Behaviour = number | 'refuse' | 'hang' | { readonly after: number; readonly code: number };

/** A prober whose answer per address the test sets, recording each call and its time. */
class FakeTargets {
  readonly calls: { at: number; req: ProbeRequest }[] = [];
  private readonly behaviour = new Map<string, Behaviour>();
  constructor(private readonly clock: ManualScheduler) {}
  set(address: string, b: Behaviour): void {
    this.behaviour.set(address, b);
  }
  callsTo(address: string): number[] {
    return this.calls.filter((c) => c.req.address === address).map((c) => c.at);
  }
  readonly prober: Prober = (req, signal) => {
    this.calls.push({ at: this.clock.now(), req });
    const b = this.behaviour.get(req.address) ?? 200;
    if (typeof b === 'number') return Promise.resolve(b);
    if (b === 'refuse') return Promise.reject(new Error('ECONNREFUSED'));
    if (b === 'hang') return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    return new Promise((resolve) => this.clock.setTimeout(() => resolve(b.code), b.after));
  };
}

const A: TargetEntry = { id: '127.0.0.1', port: 8080, address: '127.0.0.1' };
const B: TargetEntry = { id: '127.0.0.2', port: 8080, address: '127.0.0.2' };

describe('HealthChecker state machine (manual clock)', () => {
  let clock: ManualScheduler;
  let targets: FakeTargets;
  let transitions: HealthTransition[];
  let hc: HealthChecker;

  beforeEach(() => {
    clock = new ManualScheduler(1_000_000);
    targets = new FakeTargets(clock);
    transitions = [];
    hc = new HealthChecker({ scheduler: clock, prober: targets.prober, random: () => 0, onTransition: (t) => transitions.push(t) });
  });
  afterEach(() => hc.close());

  it('reports INITIAL until the first result, then HEALTHY after one success', async () => {
    hc.update(snapshot(1, group('tg-1', [A])));
    assert.equal(hc.status('tg-1', A), 'INITIAL');
    assert.equal(hc.reasonCode('tg-1', A), 'Elb.RegistrationInProgress');
    await clock.advance(0);
    assert.equal(hc.status('tg-1', A), 'HEALTHY');
    assert.equal(hc.reasonCode('tg-1', A), undefined);
    assert.deepEqual(transitions.map((t) => [t.from, t.to]), [['INITIAL', 'HEALTHY']]);
  });

  it('sends the configured request: path, health-check port over the target port, protocol', async () => {
    hc.update(snapshot(1, group('tg-1', [A], { healthCheck: { ...HC, protocol: 'HTTPS', port: 9443, path: '/ping?x=1' } })));
    await clock.advance(0);
    assert.deepEqual(targets.calls[0]?.req, { protocol: 'HTTPS', address: '127.0.0.1', port: 9443, path: '/ping?x=1' });
    hc.update(snapshot(2, group('tg-1', [A])));
    await clock.advance(0);
    assert.equal(targets.calls.at(-1)?.req.port, 8080, 'no health-check port: the target port');
  });

  it('turns UNHEALTHY only after unhealthyThreshold consecutive failures, with the reason', async () => {
    hc.update(snapshot(1, group('tg-1', [A])));
    await clock.advance(0);
    targets.set(A.address!, 500);
    await clock.advance(1000);
    assert.equal(hc.status('tg-1', A), 'HEALTHY', 'one failure is below the threshold of 2');
    await clock.advance(1000);
    assert.equal(hc.status('tg-1', A), 'UNHEALTHY');
    assert.equal(hc.reasonCode('tg-1', A), 'Target.ResponseCodeMismatch');
  });

  it('needs healthyThreshold consecutive successes to recover; a failure restarts the count', async () => {
    hc.update(snapshot(1, group('tg-1', [A])));
    targets.set(A.address!, 'refuse');
    await clock.advance(1000);
    assert.equal(hc.status('tg-1', A), 'UNHEALTHY', 'INITIAL fails into UNHEALTHY after the threshold');
    assert.equal(hc.reasonCode('tg-1', A), 'Target.FailedHealthChecks');
    targets.set(A.address!, 200);
    await clock.advance(2000);
    assert.equal(hc.status('tg-1', A), 'UNHEALTHY', 'two successes are below the threshold of 3');
    targets.set(A.address!, 503);
    await clock.advance(1000);
    assert.equal(hc.reasonCode('tg-1', A), 'Target.ResponseCodeMismatch', 'the reason follows the latest failure');
    targets.set(A.address!, 200);
    await clock.advance(2000);
    assert.equal(hc.status('tg-1', A), 'UNHEALTHY');
    await clock.advance(1000);
    assert.equal(hc.status('tg-1', A), 'HEALTHY');
    assert.deepEqual(transitions.map((t) => [t.from, t.to, t.reasonCode]),
      [['INITIAL', 'UNHEALTHY', 'Target.FailedHealthChecks'], ['UNHEALTHY', 'HEALTHY', undefined]]);
  });

  it('times a probe out on the injected clock and reports Target.Timeout', async () => {
    hc.update(snapshot(1, group('tg-1', [A])));
    targets.set(A.address!, 'hang');
    await clock.advance(299);
    assert.equal(hc.status('tg-1', A), 'INITIAL', 'still within the 300 ms timeout');
    await clock.advance(1001);
    assert.equal(hc.status('tg-1', A), 'UNHEALTHY');
    assert.equal(hc.reasonCode('tg-1', A), 'Target.Timeout');
  });

  it('reports Target.InvalidState for a target with no address, without probing it', async () => {
    const lost: TargetEntry = { id: 'i-0123456789abcdef0', port: 80, unresolved: 'unknown instance' };
    hc.update(snapshot(1, group('tg-1', [lost])));
    await clock.advance(1000);
    assert.equal(hc.status('tg-1', lost), 'UNHEALTHY');
    assert.equal(hc.reasonCode('tg-1', lost), 'Target.InvalidState');
    assert.equal(targets.calls.length, 0);
  });

  it('probes each target on its own fixed schedule that slow probes do not shift', async () => {
    hc.update(snapshot(1, group('tg-1', [A])));
    targets.set(A.address!, { after: 250, code: 200 });
    await clock.advance(500);
    hc.update(snapshot(2, group('tg-1', [A, B])));
    await clock.advance(3000);
    assert.deepEqual(targets.callsTo(A.address!).map((t) => t - 1_000_000), [0, 1000, 2000, 3000]);
    assert.deepEqual(targets.callsTo(B.address!).map((t) => t - 1_000_000), [500, 1500, 2500, 3500]);
  });

  it('skips a tick while the previous probe is still running', async () => {
    hc.update(snapshot(1, group('tg-1', [A], { healthCheck: { ...HC, timeoutMs: 2500 } })));
    targets.set(A.address!, 'hang');
    await clock.advance(3000);
    assert.deepEqual(targets.callsTo(A.address!).map((t) => t - 1_000_000), [0, 3000], 'ticks at 1000 and 2000 found a probe in flight');
    assert.equal(hc.status('tg-1', A), 'INITIAL', 'one timeout so far, below the threshold');
  });

  it('spreads first probes with the injected randomness, within the spread and the interval', async () => {
    const spread = new HealthChecker({ scheduler: clock, prober: targets.prober, random: () => 0.5, firstProbeSpreadMs: 600 });
    try {
      spread.update(snapshot(1, group('tg-1', [A])));
      await clock.advance(1000);
      assert.deepEqual(targets.callsTo(A.address!).map((t) => t - 1_000_000), [300]);
    } finally {
      spread.close();
    }
  });

  it('answers UNUSED and UNAVAILABLE without probing, and INITIAL for what it has not seen', async () => {
    const nohc: TargetGroupEntry = { ...group('tg-off', [A]), healthCheck: undefined };
    hc.update(snapshot(1, group('tg-unused', [A], { unused: true }), nohc));
    await clock.advance(5000);
    assert.equal(targets.calls.length, 0);
    assert.deepEqual(hc.health('tg-unused', A), { status: 'UNUSED', reasonCode: 'Target.NotInUse' });
    assert.deepEqual(hc.health('tg-off', A), { status: 'UNAVAILABLE', reasonCode: 'Target.HealthCheckDisabled' });
    assert.equal(hc.status('tg-new', A), 'INITIAL');
    assert.equal(hc.health('tg-new', A), undefined, 'the view falls back to the control plane for unseen groups');
  });

  it('forgets targets and groups that leave the snapshot, and clears their timers', async () => {
    hc.update(snapshot(1, group('tg-1', [A, B]), group('tg-2', [A])));
    await clock.advance(0);
    assert.equal(clock.pending(), 3);
    hc.update(snapshot(2, group('tg-1', [A])));
    assert.equal(clock.pending(), 1);
    assert.equal(hc.health('tg-2', A), undefined);
    assert.equal(hc.status('tg-1', B), 'INITIAL', 'a forgotten target starts over');
    const before = targets.callsTo(B.address!).length;
    await clock.advance(3000);
    assert.equal(targets.callsTo(B.address!).length, before, 'no probe of a removed target');
    hc.update(snapshot(3, group('tg-1', [A], { unused: true })));
    assert.equal(clock.pending(), 0, 'a group that falls out of use stops probing');
  });

  it('restarts a group on a changed check config, keeping each target state', async () => {
    hc.update(snapshot(1, group('tg-1', [A])));
    targets.set(A.address!, 500);
    await clock.advance(1000);
    assert.equal(hc.status('tg-1', A), 'UNHEALTHY');
    const at = clock.now();
    const before = targets.calls.length;
    hc.update(snapshot(2, group('tg-1', [A], { healthCheck: { ...HC, intervalMs: 5000, matcher: [[200, 599]] } })));
    assert.equal(hc.status('tg-1', A), 'UNHEALTHY', 'a new config does not make a failing target routable');
    await clock.advance(10_000);
    assert.deepEqual(targets.calls.slice(before).map((c) => c.at - at), [0, 5000, 10_000]);
    assert.equal(hc.status('tg-1', A), 'HEALTHY', 'three successes under the new matcher');
  });

  it('keeps probing when an unchanged group entry is handed over again', async () => {
    const g = group('tg-1', [A]);
    hc.update(snapshot(1, g));
    await clock.advance(0);
    hc.update(snapshot(2, g));
    hc.update(snapshot(3, { ...g }));
    await clock.advance(2000);
    assert.deepEqual(targets.callsTo(A.address!).map((t) => t - 1_000_000), [0, 1000, 2000]);
  });

  it('does no work for a group whose entry is the previous snapshot\'s object', async () => {
    let reads = 0;
    const kept: TargetGroupEntry = { ...group('tg-kept', []), get targets() { reads++; return [A]; } };
    hc.update(snapshot(1, kept, group('tg-2', [B])));
    assert.equal(hc.lastUpdateVisited(), 2);
    await clock.advance(0);
    const readsBefore = reads;
    const timers = clock.pending();
    hc.update(snapshot(2, kept, group('tg-2', [B, { ...A, port: 9090 }])));
    assert.equal(hc.lastUpdateVisited(), 1, 'only the changed group');
    assert.equal(reads, readsBefore, 'the unchanged group\'s targets were not even read');
    assert.equal(clock.pending(), timers + 1, 'one new probe schedule, the others untouched');
    hc.update(snapshot(3, kept));
    assert.equal(hc.lastUpdateVisited(), 1, 'tg-2 left: visited to stop its probes');
    assert.equal(clock.pending(), 1);
    await clock.advance(2000);
    const keptCalls = targets.calls.filter((c) => c.req.address === A.address && c.req.port === A.port).map((c) => c.at - 1_000_000);
    assert.deepEqual(keptCalls, [0, 1000, 2000], 'the unchanged group kept its schedule through the swaps');
  });

  it('keeps the probes of a group that changed without changing targets or check (a new ARN, say)', async () => {
    const targetList = [A];
    hc.update(snapshot(1, group('tg-1', targetList)));
    await clock.advance(500);
    hc.update(snapshot(2, group('tg-1', targetList, { arn: 'arn:other' })));
    assert.equal(hc.lastUpdateVisited(), 1);
    await clock.advance(1500);
    assert.deepEqual(targets.callsTo(A.address!).map((t) => t - 1_000_000), [0, 1000, 2000], 'no restart, no extra probe');
  });

  it('reports DRAINING until the deadline, even after the target left the snapshot', async () => {
    hc.update(snapshot(1, group('tg-1', [A])));
    await clock.advance(0);
    hc.drain('tg-1', A, clock.now() + 60_000);
    hc.update(snapshot(2, group('tg-1', [])));
    assert.equal(hc.status('tg-1', A), 'DRAINING');
    assert.deepEqual(healthView(hc).health('tg-1', A.id, A.port), { status: 'DRAINING', reasonCode: 'Target.DeregistrationInProgress' });
    assert.equal(hc.status('tg-1', B), 'INITIAL', 'only the drained target');
    await clock.advance(59_999);
    assert.equal(hc.status('tg-1', A), 'DRAINING');
    await clock.advance(1);
    assert.equal(hc.status('tg-1', A), 'INITIAL');
    assert.equal(clock.pending(), 0, 'the drain timer is gone');
  });

  it('adapts to the control plane view by id and port', async () => {
    hc.update(snapshot(1, group('tg-1', [A])));
    targets.set(A.address!, 404);
    await clock.advance(1000);
    const view = healthView(hc);
    assert.deepEqual(view.health('tg-1', '127.0.0.1', 8080), { status: 'UNHEALTHY', reasonCode: 'Target.ResponseCodeMismatch' });
    assert.deepEqual(view.health('tg-1', '127.0.0.1', 9999), { status: 'INITIAL', reasonCode: 'Elb.RegistrationInProgress' });
    assert.equal(view.health('tg-none', '127.0.0.1', 8080), undefined);
  });

  it('clears everything on close', async () => {
    hc.update(snapshot(1, group('tg-1', [A, B])));
    targets.set(B.address!, 'hang');
    await clock.advance(0);
    hc.drain('tg-1', A, clock.now() + 1000);
    hc.close();
    assert.equal(clock.pending(), 0);
    assert.equal(hc.health('tg-1', A), undefined);
    hc.update(snapshot(2, group('tg-1', [A])));
    assert.equal(clock.pending(), 0, 'a closed checker starts nothing');
  });
});

describe('matches', () => {
  const cases: [readonly (readonly [number, number])[], number, boolean][] = [
    [[[200, 200]], 200, true],
    [[[200, 200]], 201, false],
    [[[200, 299]], 204, true],
    [[[200, 200], [302, 302]], 302, true],
    [[[200, 200], [302, 302]], 301, false],
    [[], 200, false],
  ];
  for (const [ranges, code, want] of cases) {
    it(`${JSON.stringify(ranges)} ${want ? 'accepts' : 'rejects'} ${code}`, () => assert.equal(matches(ranges, code), want));
  }
});
