import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceKind } from '../model/index.js';
import { SqliteStore, type NewRecord, type Place, type StoreTx } from '../store/index.js';
import { checkSnapshot } from './check.js';
import { compile, SNAPSHOT_KINDS } from './compile.js';
import { incrementalRebuild, type RebuildInfo } from './incremental.js';
import { SnapshotFollower } from './follower.js';
import type { Rebuild } from './rebuild.js';
import { snapshotToJson } from './serialize.js';
import type { RoutingSnapshot } from './snapshot.js';
import { ids, walkthrough } from './testdata/records.js';
import { prng } from '../model/index.js';

/*
 * The incremental rebuild against `compile()` of a full scan, on a real SQLite store:
 * random sequences of writes (creates, updates, deletes, several per transaction or several
 * transactions per rebuild; well-formed records mostly, broken ones now and then; ids in a
 * second place; a second partition), and after every step both snapshots, serialised, must
 * be identical.
 */


const MAIN: Place = { account: '111122223333', region: 'us-east-1' };
/** A second place, in another partition: its ids may clash with the main place's. */
const OTHER: Place = { account: '444455556666', region: 'cn-north-1' };
const ALB = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/a/0123456789abcdef';

const KINDS: readonly ResourceKind[] = [
  'servicenetwork', 'service', 'listener', 'rule', 'rule', 'targetgroup', 'targetgroup', 'servicenetworkserviceassociation',
  'servicenetworkvpcassociation', 'vpc', 'securitygroup', 'instance', 'loadbalancer', 'accesslogsubscription', 'authpolicy',
];

/** Random writes over small id pools, so records point at each other (and at gone ones). */
class Writer {
  private readonly rnd: () => number;
  readonly pools: Readonly<Record<string, readonly string[]>>;

  constructor(seed: number) {
    this.rnd = prng(seed);
    const pool = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${seed.toString(16)}${i}`);
    this.pools = {
      servicenetwork: pool('sn', 3), service: pool('svc', 4), listener: pool('listener', 5), rule: pool('rule', 8),
      targetgroup: pool('tg', 4), vpc: pool('vpc', 3), securitygroup: pool('sg', 4), instance: pool('i', 3), loadbalancer: [ALB],
      servicenetworkserviceassociation: pool('snsa', 6), servicenetworkvpcassociation: pool('snva', 4), accesslogsubscription: pool('als', 3),
    };
    this.pools = { ...this.pools, authpolicy: [...this.pools['servicenetwork']!, ...this.pools['service']!] };
  }

  int = (n: number): number => Math.floor(this.rnd() * n);
  chance = (p: number): boolean => this.rnd() < p;
  pick = <T>(xs: readonly T[]): T => xs[this.int(xs.length)]!;
  private ref = (kind: string): string => (this.chance(0.08) ? 'gone-1' : this.pick(this.pools[kind]!));
  private junk = (): unknown => this.pick<unknown>([null, 42, 'text', [], {}, true, -1]);
  /** A value, or now and then something of the wrong shape. */
  private maybe = (v: unknown): unknown => (this.chance(0.04) ? this.junk() : v);

  /** Every id of every pool, in the main place: a store where most things route. */
  async populate(tx: StoreTx): Promise<void> {
    for (const kind of new Set(KINDS)) for (const id of this.pools[kind]!) await tx.put(this.record(kind, id, MAIN));
  }

  /** One random write in `tx`: mostly puts, some deletes. */
  async write(tx: StoreTx): Promise<void> {
    const kind = this.pick(KINDS);
    const place = this.chance(0.05) ? OTHER : MAIN;
    // The second place mostly has ids of its own; now and then one the main place uses.
    const id = place === OTHER && kind !== 'loadbalancer' && this.chance(0.8) ? `x${this.pick(this.pools[kind]!)}` : this.pick(this.pools[kind]!);
    if (this.chance(0.2)) {
      await tx.delete(kind, place, id);
      return;
    }
    await tx.put(this.record(kind, id, place));
  }

  private record(kind: ResourceKind, id: string, place: Place): NewRecord {
    const partition = place === OTHER ? 'aws-cn' : 'aws';
    const arn = (p: string) => this.maybe(`arn:${partition}:vpc-lattice:${place.region}:${place.account}:${p}`);
    let parentId = '';
    let doc: Record<string, unknown>;
    switch (kind) {
      case 'servicenetwork':
        doc = { id, arn: arn(`servicenetwork/${id}`), name: id, authType: this.maybe(this.pick(['NONE', 'AWS_IAM'])) };
        break;
      case 'service':
        doc = {
          id, arn: arn(`service/${id}`), name: id, status: this.maybe(this.pick(['ACTIVE', 'ACTIVE', 'ACTIVE', 'CREATE_IN_PROGRESS'])),
          dnsEntry: this.maybe({ domainName: `${id}.On.Aws` }), ...(this.chance(0.3) ? { customDomainName: this.pick(['a.example.com', 'B.example.com']) } : {}),
          idleTimeoutSeconds: this.maybe(this.pick([60, 120])),
        };
        break;
      case 'targetgroup': {
        const type = this.maybe(this.pick(['IP', 'INSTANCE', 'INSTANCE', 'ALB', 'LAMBDA']));
        doc = {
          id, arn: arn(`targetgroup/${id}`), type,
          config: this.maybe({ port: this.maybe(80), protocol: 'HTTP', healthCheck: this.maybe({ enabled: this.chance(0.7), matcher: { httpCode: this.maybe(this.pick(['200', '200-299', '2xx'])) } }) }),
          targets: this.maybe(Array.from({ length: this.int(5) }, () => ({
            id: this.pick(['127.0.0.5', 'not-ip', ...this.pools['instance']!, ALB]),
            port: this.maybe(8000 + this.int(3)), ...(this.chance(0.15) ? { deregisteredAt: '2026-01-01T00:00:00Z' } : {}),
          }))),
        };
        break;
      }
      case 'instance':
        doc = this.chance(0.85) ? { instanceId: id, privateIpAddress: this.maybe(this.pick(['127.0.0.9', '127.0.0.10'])) } : {};
        break;
      case 'loadbalancer':
        doc = { address: this.maybe(this.pick(['127.0.0.8', '127.0.0.7'])) };
        break;
      case 'listener':
        parentId = this.ref('service');
        doc = { id, arn: arn(`listener/${id}`), protocol: this.maybe(this.pick(['HTTP', 'HTTP', 'HTTPS', 'TLS_PASSTHROUGH'])), port: this.maybe(this.pick([80, 80, 443])), serviceId: parentId, defaultAction: this.action() };
        break;
      case 'rule': {
        parentId = this.ref('listener');
        const isDefault = this.chance(0.3);
        doc = { id, arn: arn(`rule/${id}`), isDefault, action: this.action(), ...(isDefault ? {} : { priority: this.maybe(1 + this.int(4)), match: this.match() }) };
        break;
      }
      case 'servicenetworkserviceassociation':
        doc = { id, arn: arn(id), status: this.pick(['ACTIVE', 'ACTIVE', 'ACTIVE', 'CREATE_IN_PROGRESS', 'DELETE_IN_PROGRESS']), serviceNetworkId: this.ref('servicenetwork'), serviceId: this.ref('service') };
        break;
      case 'vpc':
        doc = { vpcId: id, cidrBlock: this.maybe(this.pick(['10.0.0.0/16', '10.9.0.0/16', 'nonsense'])) };
        break;
      case 'securitygroup':
        parentId = this.ref('vpc');
        doc = {
          groupId: id, vpcId: parentId,
          ...(this.chance(0.7) ? { ingress: this.maybe([{ ipProtocol: this.pick(['tcp', '-1', '6']), fromPort: this.maybe(80), toPort: 80, ...(this.chance(0.5) ? { cidrIp: this.maybe('10.0.0.0/16') } : { sourceSecurityGroupId: this.ref('securitygroup') }) }]) } : {}),
        };
        break;
      case 'servicenetworkvpcassociation':
        doc = {
          id, arn: arn(id), status: this.pick(['ACTIVE', 'ACTIVE', 'UPDATE_IN_PROGRESS', 'CREATE_IN_PROGRESS']), serviceNetworkId: this.ref('servicenetwork'),
          vpcId: this.ref('vpc'), securityGroupIds: this.maybe(this.pools['securitygroup']!.filter(() => this.chance(0.4))),
        };
        break;
      case 'accesslogsubscription':
        doc = { id, arn: arn(id), resourceId: this.pick([...this.pools['servicenetwork']!, ...this.pools['service']!, 'gone-1']), destinationArn: this.maybe('arn:aws:s3:::bucket'), ...(this.chance(0.3) ? { serviceNetworkLogType: this.pick(['SERVICE', 'RESOURCE']) } : {}) };
        break;
      case 'authpolicy':
        doc = { policy: this.maybe('{"Statement":[]}') };
        break;
      default:
        throw new Error(`no generator for ${kind}`);
    }
    const d = this.chance(0.02) ? this.junk() : doc;
    return { kind, id, ...place, parentId, name: '', refs: [], doc: d as Record<string, unknown> };
  }

  private action(): unknown {
    return this.chance(0.3)
      ? { fixedResponse: { statusCode: this.maybe(this.pick([404, 500])) } }
      : { forward: { targetGroups: Array.from({ length: 1 + this.int(2) }, () => ({ targetGroupIdentifier: this.maybe(this.ref('targetgroup')), weight: this.maybe(this.int(20)) })) } };
  }

  private match(): unknown {
    return {
      httpMatch: this.maybe({
        ...(this.chance(0.5) ? { method: this.pick(['GET', 'post']) } : {}),
        ...(this.chance(0.6) ? { pathMatch: { match: this.maybe(this.pick([{ exact: '/A' }, { prefix: '/b' }])), caseSensitive: this.chance(0.5) } } : {}),
        ...(this.chance(0.4) ? { headerMatches: [{ name: 'X-H', match: this.pick([{ exact: 'V' }, { contains: 'v' }]), caseSensitive: this.chance(0.5) }] } : {}),
      }),
    };
  }
}

const json = (s: RoutingSnapshot): string => JSON.stringify(snapshotToJson(s));

describe('incrementalRebuild', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'trellis-incremental-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Rebuilds after a step and checks the result against a full compile of the store. */
  async function step(store: SqliteStore, rebuild: Rebuild, previous: RoutingSnapshot | undefined, what: string): Promise<RoutingSnapshot> {
    const next = await rebuild(store, previous);
    const expected = compile(await store.scan(SNAPSHOT_KINDS), await store.revision());
    if (json(next) !== json(expected)) assert.deepEqual(snapshotToJson(next), snapshotToJson(expected), what);
    // Checked as the follower checks it (counting on from the previous one), and in full.
    assert.deepEqual(checkSnapshot(next, previous), [], what);
    assert.deepEqual(checkSnapshot(next), [], what);
    return next;
  }

  it('builds, after every step of random write sequences, exactly the snapshot compile() builds from a full scan', async () => {
    const modes: Record<RebuildInfo['mode'], number> = { incremental: 0, full: 0, compile: 0 };
    let problems = 0;
    let routes = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const store = new SqliteStore(join(dir, `property-${seed}.db`));
      try {
        const w = new Writer(seed);
        const rebuild = incrementalRebuild({ onRebuild: (i) => { modes[i.mode]++; } });
        // A populated store first, so that steps change things that route.
        await store.transact((tx) => w.populate(tx));
        let s = await step(store, rebuild, undefined, `seed ${seed}: first build`);
        for (let n = 0; n < 50; n++) {
          // One write, or a transaction of several, or several transactions per rebuild.
          const transactions = w.chance(0.2) ? 1 + w.int(3) : 1;
          for (let t = 0; t < transactions; t++) {
            const writes = w.chance(0.25) ? 2 + w.int(4) : 1;
            await store.transact(async (tx) => { for (let i = 0; i < writes; i++) await w.write(tx); });
          }
          s = await step(store, rebuild, s, `seed ${seed}, step ${n}`);
          problems += s.problems.length;
          for (const sn of s.serviceNetworks.values()) routes += sn.servicesByHost.size;
        }
      } finally {
        await store.close();
      }
    }
    // The steps must mostly take the incremental path, and the generator must both route and break things.
    assert.ok(modes.incremental > 900, `only ${modes.incremental} incremental steps (${JSON.stringify(modes)})`);
    assert.ok(modes.full + modes.compile > 30, `the fallbacks never ran (${JSON.stringify(modes)})`);
    assert.ok(problems > 5000, `only ${problems} problems`);
    assert.ok(routes > 1500, `only ${routes} routes`);
  });

  it('reuses every entry a change does not touch, and recompiles the ones it does', async () => {
    const store = new SqliteStore(join(dir, 'reuse.db'));
    try {
      for (const { seq: _, ...rec } of walkthrough().records) await store.transact((tx) => tx.put(rec));
      const modes: string[] = [];
      const rebuild = incrementalRebuild({ onRebuild: (i) => modes.push(i.mode) });
      const first = await rebuild(store, undefined);
      await store.transact(async (tx) => {
        const tg = await tx.get('targetgroup', MAIN, ids.htmlGroup);
        await tx.put({ ...tg!, doc: { ...tg!.doc, targets: [...(tg!.doc['targets'] as unknown[]), { id: '127.0.0.44', port: 8080 }] } });
      });
      const second = await step(store, rebuild, first, 'a target registered');
      assert.deepEqual(modes, ['full', 'incremental']);
      assert.notEqual(second.targetGroups.get(ids.htmlGroup), first.targetGroups.get(ids.htmlGroup));
      assert.equal(second.targetGroups.get(ids.jsonGroup), first.targetGroups.get(ids.jsonGroup));
      assert.equal(second.services.get(ids.service), first.services.get(ids.service));
      assert.equal(second.serviceNetworks, first.serviceNetworks);
      assert.equal(second.vpcs, first.vpcs);
      assert.ok(second.targetGroups.get(ids.htmlGroup)!.targets.some((t) => t.id === '127.0.0.44'));
    } finally {
      await store.close();
    }
  });

  it('is what SnapshotFollower rebuilds with by default, following commits', async () => {
    const store = new SqliteStore(join(dir, 'follower.db'));
    const errors: unknown[] = [];
    const follower = await SnapshotFollower.start(store, { pollMs: 0, subscribe: (l) => store.onCommit(l), onError: (e) => errors.push(e) });
    try {
      const w = new Writer(7);
      for (let i = 0; i < 20; i++) {
        await store.transact(async (tx) => { await w.write(tx); await w.write(tx); });
        const revision = await store.revision();
        // Bounded wait for the commit hook's rebuild; no sleep stands in for an assertion.
        for (let spins = 0; follower.current().revision < revision; spins++) {
          assert.ok(spins < 500, `revision ${revision} not followed`);
          await new Promise((r) => setTimeout(r, 2));
        }
        assert.equal(json(follower.current()), json(compile(await store.scan(SNAPSHOT_KINDS), revision)), `write ${i}`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await follower.close();
      await store.close();
    }
  });

  it('compiles in full again when more changes piled up than it follows', async () => {
    const store = new SqliteStore(join(dir, 'pile.db'));
    try {
      const w = new Writer(99);
      const modes: string[] = [];
      const rebuild = incrementalRebuild({ maxChanges: 5, onRebuild: (i) => modes.push(i.mode) });
      let s = await step(store, rebuild, undefined, 'empty store');
      await store.transact(async (tx) => { for (let i = 0; i < 30; i++) await w.write(tx); });
      s = await step(store, rebuild, s, 'thirty writes');
      await store.transact(async (tx) => w.write(tx));
      await step(store, rebuild, s, 'one change');
      // Whichever way it compiles in full (a new state, or compile() when the state cannot follow).
      assert.ok(modes.length === 3 && modes.slice(0, 2).every((m) => m !== 'incremental'), modes.join());
    } finally {
      await store.close();
    }
  });
});
