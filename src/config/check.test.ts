import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceKind } from '../model/index.js';
import type { ResourceRecord } from '../store/index.js';
import { checkSnapshot } from './check.js';
import { compile } from './compile.js';
import { snapshotToJson } from './serialize.js';
import { CowMapBuilder, type CowMap } from './cow-map.js';
import type { ListenerEntry, RoutingSnapshot, ServiceEntry, ServiceNetworkEntry, TargetGroupEntry } from './snapshot.js';
import { ids, walkthrough } from './testdata/records.js';
import { prng } from '../model/index.js';

const base = (): RoutingSnapshot => compile(walkthrough().records, 3);

/** A copy of the walkthrough snapshot with its one listener replaced. */
function withListener(s: RoutingSnapshot, change: (l: ListenerEntry) => ListenerEntry): RoutingSnapshot {
  const svc = s.services.get(ids.service)!;
  const listener = change(svc.listeners.get(80)!);
  const service: ServiceEntry = { ...svc, listeners: new Map([[80, listener]]) };
  return { ...s, services: new Map([[ids.service, service]]) };
}

describe('checkSnapshot', () => {
  it('passes the walkthrough', () => assert.deepEqual(checkSnapshot(base()), []));

  const broken: [string, (s: RoutingSnapshot) => RoutingSnapshot, RegExp][] = [
    ['a forward to a group not in the snapshot', (s) => ({ ...s, targetGroups: new Map([...s.targetGroups].filter(([id]) => id !== ids.jsonGroup)) }), /forwards to target group tg-0ee55ff66aa77bb88, which is not in the snapshot/],
    ['a wrong unused flag', (s) => ({ ...s, targetGroups: new Map([...s.targetGroups].map(([id, g]) => [id, { ...g, unused: true }])) }), /unused is true but an action forwards to it/],
    ['a default rule that is not last', (s) => withListener(s, (l) => ({
      ...l, rules: [...l.rules, { id: 'rule-x', arn: 'arn:x', isDefault: false, priority: 5, match: { headers: [] }, action: { type: 'fixed-response', statusCode: 404 } }],
    })), /the last rule is not the default rule/],
    ['priorities out of order', (s) => withListener(s, (l) => ({
      ...l, rules: [
        { id: 'rule-b', arn: 'arn:b', isDefault: false, priority: 9, match: { headers: [] }, action: { type: 'fixed-response', statusCode: 404 } },
        { id: 'rule-a', arn: 'arn:a', isDefault: false, priority: 2, match: { headers: [] }, action: { type: 'fixed-response', statusCode: 404 } },
        ...l.rules,
      ],
    })), /rule rule-a \(priority 2\) is not after priority 9/],
    ['a listener under the wrong port', (s) => withListener(s, (l) => ({ ...l, port: 81 })), /keyed by port 80 but listens on 81/],
    ['a problem naming a resource that is present', (s) => ({ ...s, problems: [{ kind: 'service', id: ids.service, reason: 'x' }] }), /is named in problems/],
    ['an association to a network not in the snapshot', (s) => ({ ...s, serviceNetworks: new Map() }), /names service network sn-0f1e2d3c4b5a69788, which is not in the snapshot/],
    ['a target with both an address and a reason', (s) => ({
      ...s, targetGroups: new Map([...s.targetGroups].map(([id, g]) => [id, { ...g, targets: g.targets.map((t) => ({ ...t, unresolved: 'why' })) }])),
    }), /must have exactly one of address and unresolved/],
    ['a network answering for a service not in services', (s) => ({ ...s, services: new Map() }), /answers for service svc-0a1b2c3d4e5f60718, which is not in services/],
  ];
  for (const [what, breakIt, expected] of broken) {
    it(`finds ${what}`, () => {
      const found = checkSnapshot(breakIt(base()));
      assert.ok(found.some((v) => expected.test(v)), found.join('\n') || '(no violation found)');
    });
    it(`finds ${what}, also counting on from the verified snapshot it was derived from`, () => {
      const previous = base();
      assert.deepEqual(checkSnapshot(previous), []);
      const broken = breakIt(previous);
      const found = checkSnapshot(broken, previous);
      assert.ok(found.some((v) => expected.test(v)), found.join('\n') || '(no violation found)');
      // A refused snapshot leaves the counts of `previous` as they were.
      assert.deepEqual(checkSnapshot({ ...broken }, previous), found);
      assert.deepEqual(checkSnapshot({ ...previous, revision: 4 }, previous), []);
    });
  }

  it('counts forwards on from a verified snapshot: a group no rule names any more must say unused', () => {
    const previous = base();
    assert.deepEqual(checkSnapshot(previous), []);
    // Only the service changes (its listener forwards to the HTML group alone); the JSON
    // group's entry is shared with `previous`, but its `unused` no longer holds.
    const next = withListener(previous, (l) => ({
      ...l, rules: l.rules.map((r) => ({ ...r, action: { type: 'forward' as const, targetGroups: [{ targetGroupId: ids.htmlGroup, weight: 1 }] } })),
    }));
    const found = checkSnapshot({ ...next, revision: 4 }, previous);
    assert.ok(found.some((v) => v === `target group ${ids.jsonGroup}: unused is false but no action forwards to it`), found.join('\n'));
  });

  describe('counted on between CowMaps (the incremental rebuild\'s maps: only changed chunks are visited)', () => {
    /** The walkthrough with filler services, groups and networks, in CowMaps, as the incremental rebuild makes them. */
    const cowBase = (): RoutingSnapshot => {
      const s = base();
      const services = new CowMapBuilder<ServiceEntry>();
      const groups = new CowMapBuilder<TargetGroupEntry>();
      const networks = new CowMapBuilder<ServiceNetworkEntry>();
      for (const [id, e] of s.services) services.set(id, e);
      for (const [id, e] of s.targetGroups) groups.set(id, e);
      for (const [id, e] of s.serviceNetworks) networks.set(id, e);
      // Filler, so that the walkthrough's entries share no chunk with most of the map.
      for (let i = 0; i < 1000; i++) {
        const id = `svc-filler${i}`;
        services.set(id, { id, arn: `arn:${id}`, name: id, account: '1', region: 'r', hostNames: [`${id}.example`], authType: 'NONE', idleTimeoutSeconds: 60, listeners: new Map(), accessLogs: [] });
      }
      return { ...s, services: services.freeze(), targetGroups: groups.freeze(), serviceNetworks: networks.freeze() };
    };
    /** `s` with some maps written through a builder of the same lineage. */
    const derive = (s: RoutingSnapshot, write: { services?: (b: CowMapBuilder<ServiceEntry>) => void; groups?: (b: CowMapBuilder<TargetGroupEntry>) => void; networks?: (b: CowMapBuilder<ServiceNetworkEntry>) => void }): RoutingSnapshot => {
      const services = new CowMapBuilder(s.services as CowMap<ServiceEntry>);
      const groups = new CowMapBuilder(s.targetGroups as CowMap<TargetGroupEntry>);
      const networks = new CowMapBuilder(s.serviceNetworks as CowMap<ServiceNetworkEntry>);
      write.services?.(services);
      write.groups?.(groups);
      write.networks?.(networks);
      return { ...s, revision: s.revision + 1, services: services.freeze(), targetGroups: groups.freeze(), serviceNetworks: networks.freeze() };
    };
    const verified = (): RoutingSnapshot => {
      const s = cowBase();
      assert.deepEqual(checkSnapshot(s), []);
      return s;
    };

    it('passes a change that keeps every invariant, and counts on from it', () => {
      const previous = verified();
      const svc = previous.services.get(ids.service)!;
      const renamed = { ...svc, name: 'renamed' };
      const next = derive(previous, {
        services: (b) => b.set(ids.service, renamed),
        networks: (b) => {
          const sn = b.get(ids.network)!;
          b.set(ids.network, { ...sn, servicesByHost: new Map([...sn.servicesByHost].map(([h]) => [h, renamed])) });
        },
      });
      assert.deepEqual(checkSnapshot(next, previous), []);
      assert.deepEqual(checkSnapshot(derive(next, {}), next), []);
    });

    it('finds a network that still answers with the old entry of a service that changed, though the network did not change', () => {
      const previous = verified();
      const next = derive(previous, { services: (b) => b.set(ids.service, { ...b.get(ids.service)! }) });
      const found = checkSnapshot(next, previous);
      assert.ok(found.some((v) => /^network sn-0f1e2d3c4b5a69788: host .* answers for service svc-0a1b2c3d4e5f60718, which is not in services$/.test(v)), found.join('\n') || '(no violation found)');
      // Refused: the tallies of `previous` are as they were.
      assert.deepEqual(checkSnapshot(next, previous), found);
      assert.deepEqual(checkSnapshot(derive(previous, {}), previous), []);
    });

    it('finds a service removed while a network answers for it', () => {
      const previous = verified();
      const found = checkSnapshot(derive(previous, { services: (b) => b.delete(ids.service) }), previous);
      assert.ok(found.some((v) => /answers for service svc-0a1b2c3d4e5f60718, which is not in services/.test(v)), found.join('\n'));
      assert.ok(found.some((v) => /unused is false but no action forwards to it/.test(v)), found.join('\n'));
    });

    it('finds a listener or rule appearing while the unchanged problems name it', () => {
      const s = cowBase();
      const listener = s.services.get(ids.service)!.listeners.get(80)!;
      const previous: RoutingSnapshot = { ...s, problems: [{ kind: 'listener', id: 'listener-new', reason: 'left out' }, { kind: 'rule', id: 'rule-new', reason: 'left out' }] };
      assert.deepEqual(checkSnapshot(previous), []);
      const withIds = (l: typeof listener, id: string, ruleId: string) => ({ ...l, id, rules: l.rules.map((r) => ({ ...r, id: ruleId })) });
      const next = derive(previous, { services: (b) => b.set('svc-filler7', { ...b.get('svc-filler7')!, listeners: new Map([[80, withIds(listener, 'listener-new', 'rule-new')]]) }) });
      const found = checkSnapshot(next, previous);
      assert.ok(found.includes('listener listener-new is named in problems (left out) but is in the snapshot'), found.join('\n'));
      assert.ok(found.includes('rule rule-new is named in problems (left out) but is in the snapshot'), found.join('\n'));
    });

    it('finds a broken entry among the changed ones, and a problem list naming a present group', () => {
      const previous = verified();
      const next = derive(previous, { groups: (b) => b.set(ids.htmlGroup, { ...b.get(ids.htmlGroup)!, targets: [{ id: 'x', port: 1 }] }) });
      assert.ok(checkSnapshot(next, previous).some((v) => /target x:1 must have exactly one of address and unresolved/.test(v)));
      const named = { ...derive(previous, {}), problems: [{ kind: 'targetgroup', id: ids.jsonGroup, reason: 'r' }] };
      assert.ok(checkSnapshot(named, previous).some((v) => v === `targetgroup ${ids.jsonGroup} is named in problems (r) but is in the snapshot`));
    });
  });

  it('checks everything again when the previous snapshot did not pass', () => {
    const broken = withListener(base(), (l) => ({ ...l, port: 81 }));
    assert.ok(checkSnapshot(broken).some((v) => /keyed by port 80 but listens on 81/.test(v)));
    assert.ok(checkSnapshot({ ...broken, revision: 4 }, broken).some((v) => /keyed by port 80 but listens on 81/.test(v)));
  });
});


/**
 * Random record sets: mostly well-formed records that point at each other, mixed with
 * dangling references, wrong types, odd statuses, clashing priorities and host names,
 * duplicate ids in a second account, and docs that are not objects at all.
 */
function randomRecords(seed: number): ResourceRecord[] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const pool = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${seed.toString(16)}${i}`);
  const pools = {
    sn: pool('sn', 3), svc: pool('svc', 4), listener: pool('listener', 5), rule: pool('rule', 8), tg: pool('tg', 4),
    vpc: pool('vpc', 3), sg: pool('sg', 4), i: pool('i', 3), snsa: pool('snsa', 5), snva: pool('snva', 4), als: pool('als', 3),
  };
  const ref = (xs: readonly string[]) => (chance(0.1) ? 'gone-1' : pick(xs));
  const junk = () => pick<unknown>([null, 42, 'text', [], {}, true, -1]);
  /** A value, or now and then something of the wrong shape. */
  const maybe = (v: unknown) => (chance(0.07) ? junk() : v);
  const action = () => chance(0.3)
    ? { fixedResponse: { statusCode: maybe(pick([404, 500])) } }
    : { forward: { targetGroups: Array.from({ length: 1 + int(2) }, () => ({ targetGroupIdentifier: maybe(ref(pools.tg)), weight: maybe(int(20)) })) } };
  const match = () => ({
    httpMatch: maybe({
      ...(chance(0.5) ? { method: pick(['GET', 'post']) } : {}),
      ...(chance(0.6) ? { pathMatch: { match: maybe(pick([{ exact: '/A' }, { prefix: '/b' }, { exact: '/x', prefix: '/y' }])), caseSensitive: chance(0.5) } } : {}),
      ...(chance(0.5) ? { headerMatches: [{ name: 'X-H', match: pick([{ exact: 'V' }, { contains: 'v' }, { prefix: 'p' }]), caseSensitive: chance(0.5) }] } : {}),
    }),
  });

  const out: ResourceRecord[] = [];
  let seq = 0;
  const add = (kind: ResourceKind, id: string, doc: Record<string, unknown>, parentId = '') => {
    const account = chance(0.05) ? '444455556666' : '111122223333';
    const d = chance(0.03) ? junk() : doc;
    out.push({ kind, id, account, region: 'us-east-1', parentId, name: '', refs: [], doc: d as Record<string, unknown>, seq: ++seq });
  };
  const arn = (p: string) => maybe(`arn:aws:vpc-lattice:us-east-1:111122223333:${p}`);

  for (const id of pools.sn) if (chance(0.8)) add('servicenetwork', id, { arn: arn(`servicenetwork/${id}`), name: id, authType: maybe(pick(['NONE', 'AWS_IAM'])) });
  for (const id of pools.svc) {
    if (!chance(0.85)) continue;
    add('service', id, {
      arn: arn(`service/${id}`), status: maybe(pick(['ACTIVE', 'ACTIVE', 'CREATE_IN_PROGRESS'])),
      dnsEntry: maybe({ domainName: `${id}.On.Aws` }), ...(chance(0.4) ? { customDomainName: pick(['a.example.com', 'B.example.com']) } : {}),
      idleTimeoutSeconds: maybe(60),
    });
  }
  for (const id of pools.tg) {
    if (!chance(0.85)) continue;
    const type = maybe(pick(['IP', 'INSTANCE', 'ALB', 'LAMBDA']));
    add('targetgroup', id, {
      arn: arn(`targetgroup/${id}`), type,
      config: maybe({ port: maybe(80), protocol: 'HTTP', healthCheck: maybe({ enabled: chance(0.7), matcher: { httpCode: maybe(pick(['200', '200-299', '2xx'])) } }) }),
      targets: maybe(Array.from({ length: int(4) }, () => ({
        id: pick(['127.0.0.5', 'not-ip', ...pools.i, 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/a/0123456789abcdef']),
        port: maybe(8000 + int(3)), ...(chance(0.2) ? { deregisteredAt: '2026-01-01T00:00:00Z' } : {}),
      }))),
    });
  }
  for (const id of pools.i) if (chance(0.7)) add('instance', id, chance(0.7) ? { privateIpAddress: maybe('127.0.0.9') } : {});
  if (chance(0.5)) add('loadbalancer', 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/a/0123456789abcdef', { address: maybe('127.0.0.8') });
  for (const id of pools.listener) {
    if (!chance(0.85)) continue;
    const svc = ref(pools.svc);
    add('listener', id, { arn: arn(`listener/${id}`), protocol: maybe(pick(['HTTP', 'HTTPS', 'TLS_PASSTHROUGH'])), port: maybe(pick([80, 80, 443])), serviceId: svc, defaultAction: action() }, svc);
  }
  for (const id of pools.rule) {
    const isDefault = chance(0.35);
    add('rule', id, {
      arn: arn(`rule/${id}`), isDefault, action: action(),
      ...(isDefault ? {} : { priority: maybe(1 + int(4)), match: match() }),
    }, ref(pools.listener));
  }
  for (const id of pools.snsa) add('servicenetworkserviceassociation', id, { arn: arn(id), status: pick(['ACTIVE', 'ACTIVE', 'CREATE_IN_PROGRESS', 'DELETE_IN_PROGRESS']), serviceNetworkId: ref(pools.sn), serviceId: ref(pools.svc) });
  for (const id of pools.vpc) if (chance(0.8)) add('vpc', id, { cidrBlock: maybe(pick(['10.0.0.0/16', '10.9.0.0/16', 'nonsense'])) });
  for (const id of pools.sg) {
    if (!chance(0.8)) continue;
    add('securitygroup', id, {
      vpcId: ref(pools.vpc),
      ...(chance(0.7) ? { ingress: maybe([{ ipProtocol: pick(['tcp', '-1', '6']), fromPort: maybe(80), toPort: 80, ...(chance(0.5) ? { cidrIp: maybe('10.0.0.0/16') } : { sourceSecurityGroupId: ref(pools.sg) }) }]) } : {}),
    });
  }
  for (const id of pools.snva) {
    add('servicenetworkvpcassociation', id, {
      arn: arn(id), status: pick(['ACTIVE', 'ACTIVE', 'UPDATE_IN_PROGRESS', 'CREATE_IN_PROGRESS']), serviceNetworkId: ref(pools.sn), vpcId: ref(pools.vpc),
      securityGroupIds: maybe(pools.sg.filter(() => chance(0.4))),
    });
  }
  for (const id of pools.als) add('accesslogsubscription', id, { resourceId: ref([...pools.sn, ...pools.svc]), destinationArn: maybe('arn:aws:s3:::bucket'), ...(chance(0.3) ? { serviceNetworkLogType: pick(['SERVICE', 'RESOURCE']) } : {}) });
  for (const id of [...pools.sn, ...pools.svc]) if (chance(0.3)) add('authpolicy', id, { policy: maybe('{"Statement":[]}') });
  return out;
}

describe('compile: property', () => {
  it('never throws, and always passes checkSnapshot, over 400 random record sets', () => {
    let problems = 0;
    let routes = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const records = randomRecords(seed);
      let s: RoutingSnapshot;
      try {
        s = compile(records, seed);
      } catch (err) {
        assert.fail(`seed ${seed}: compile threw ${String(err)}`);
      }
      assert.deepEqual(checkSnapshot(s), [], `seed ${seed}`);
      // Creation order decides every tie, so the input's order does not matter.
      assert.deepEqual(snapshotToJson(compile([...records].reverse(), seed)), snapshotToJson(s), `seed ${seed}: order-dependent`);
      problems += s.problems.length;
      for (const sn of s.serviceNetworks.values()) routes += sn.servicesByHost.size;
    }
    // The generator must exercise both paths, or the property says nothing.
    assert.ok(problems > 400, `only ${problems} problems generated`);
    assert.ok(routes > 100, `only ${routes} routes generated`);
  });
});
