import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchUpdateRuleCommand, CreateListenerCommand, CreateRuleCommand, DeleteRuleCommand, DeleteTargetGroupCommand,
  GetRuleCommand, ListRulesCommand, UpdateRuleCommand, type RuleAction, type RuleMatch,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, rejects, type TestTrellis } from '../support/trellis.js';
import { activeTargetGroup, httpListener, service, targetGroup } from './fixtures/routing.js';

const ACCOUNT = '111122223333';
const GET: RuleMatch = { httpMatch: { method: 'GET' } };
const NOT_FOUND: RuleAction = { fixedResponse: { statusCode: 404 } };

interface Place { svc: { id: string; arn: string }; listener: { id: string; arn: string }; tgId: string }

async function place(t: TestTrellis): Promise<Place> {
  const svc = await service(t);
  const tg = await targetGroup(t);
  const listener = await httpListener(t, svc.id, tg.id!);
  return { svc, listener, tgId: tg.id! };
}

async function rule(t: TestTrellis, p: Place, name: string, priority: number, action: RuleAction = NOT_FOUND) {
  return t.lattice.send(new CreateRuleCommand({
    serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, name, priority, match: GET, action,
  }));
}

const rulesPath = (p: Place) => `/services/${p.svc.id}/listeners/${p.listener.id}/rules`;

describe('rules', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('creates a rule and shows it beside the default rule', async () => {
    const p = await place(t);
    const match: RuleMatch = {
      httpMatch: {
        method: 'POST', pathMatch: { match: { prefix: '/api' }, caseSensitive: true },
        headerMatches: [{ name: 'x-env', match: { exact: 'canary' } }],
      },
    };
    const created = await t.lattice.send(new CreateRuleCommand({
      serviceIdentifier: p.svc.arn, listenerIdentifier: p.listener.arn, name: 'api', priority: 10, match,
      action: { forward: { targetGroups: [{ targetGroupIdentifier: p.tgId }] } }, tags: { k: 'v' },
    }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.match(created.id!, /^rule-0[0-9a-f]{16}$/);
    assert.equal(created.arn, `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:service/${p.svc.id}/listener/${p.listener.id}/rule/${created.id}`);
    assert.equal(created.priority, 10);
    assert.deepEqual(created.match, match);
    assert.deepEqual(created.action, { forward: { targetGroups: [{ targetGroupIdentifier: p.tgId, weight: 1 }] } });

    const got = await t.lattice.send(new GetRuleCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, ruleIdentifier: created.arn }));
    assert.equal(got.isDefault, false);
    assert.equal(got.name, 'api');
    assert.deepEqual(got.match, match);
    assert.ok(got.createdAt instanceof Date);

    const listed = await t.lattice.send(new ListRulesCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id }));
    assert.deepEqual(listed.items!.map((r) => [r.isDefault, r.priority]), [[true, undefined], [false, 10]]);

    const p1 = await t.lattice.send(new ListRulesCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, maxResults: 1 }));
    assert.equal(p1.items!.length, 1);
    const p2 = await t.lattice.send(new ListRulesCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, maxResults: 1, nextToken: p1.nextToken }));
    assert.deepEqual(p2.items!.map((r) => r.id), [created.id]);
    assert.equal(p2.nextToken, undefined);
  });

  it('refuses a duplicate name and a taken priority with 409', async () => {
    const p = await place(t);
    const first = await rule(t, p, 'first', 5);
    const byName = await t.wire('POST', rulesPath(p), { name: 'first', priority: 6, match: GET, action: NOT_FOUND });
    assert.equal(byName.status, 409);
    assert.match(byName.json.message, /already exists/);
    assert.equal(byName.json.resourceType, 'RULE');
    const byPriority = await t.wire('POST', rulesPath(p), { name: 'second', priority: 5, match: GET, action: NOT_FOUND });
    assert.equal(byPriority.status, 409);
    assert.equal(byPriority.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(byPriority.json.message, new RegExp(`Priority 5 .*${first.id}`));
    assert.equal(byPriority.json.resourceId, first.id);
    const outOfRange = await t.wire('POST', rulesPath(p), { name: 'third', priority: 2001, match: GET, action: NOT_FOUND });
    assert.equal(outOfRange.status, 400);
    assert.deepEqual(outOfRange.json.fieldList.map((f: { name: string }) => f.name), ['priority']);
  });

  it('checks matches: a condition is required, header names unique, paths start with /', async () => {
    const p = await place(t);
    const bad: [unknown, string][] = [
      [{ httpMatch: {} }, 'match.httpMatch'],
      [{ httpMatch: { method: '' } }, 'match.httpMatch.method'],
      [{ httpMatch: { headerMatches: [{ name: 'X-A', match: { exact: '1' } }, { name: 'x-a', match: { exact: '2' } }] } }, 'match.httpMatch.headerMatches[1].name'],
      [{ httpMatch: { pathMatch: { match: { prefix: 'api' } } } }, 'match.httpMatch.pathMatch.match.prefix'],
      [{ httpMatch: { headerMatches: [] } }, 'match.httpMatch.headerMatches'],
    ];
    for (const [match, field] of bad) {
      const res = await t.wire('POST', rulesPath(p), { name: 'bad-match', priority: 1, match, action: NOT_FOUND });
      assert.equal(res.status, 400, JSON.stringify(match));
      assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.deepEqual(res.json.fieldList.map((f: { name: string }) => f.name), [field]);
    }
    const fixed = await t.wire('POST', rulesPath(p), { name: 'bad-code', priority: 1, match: GET, action: { fixedResponse: { statusCode: 503 } } });
    assert.equal(fixed.status, 400);
    assert.deepEqual(fixed.json.fieldList.map((f: { name: string }) => f.name), ['action.fixedResponse.statusCode']);
    const tcp = await targetGroup(t, 'TCP');
    const toTcp = await t.wire('POST', rulesPath(p), { name: 'to-tcp', priority: 1, match: GET, action: { forward: { targetGroups: [{ targetGroupIdentifier: tcp.id }] } } });
    assert.equal(toTcp.status, 400);
  });

  it('enforces the rules-per-listener quota with 402, not counting the default rule', async () => {
    const q = await bootTrellis({ quotas: { rulesPerListener: 2 } });
    try {
      const p = await place(q);
      await rule(q, p, 'one', 1);
      await rule(q, p, 'two', 2);
      const res = await q.wire('POST', rulesPath(p), { name: 'three', priority: 3, match: GET, action: NOT_FOUND });
      assert.equal(res.status, 402);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
      assert.equal(res.json.resourceType, 'RULE');
      assert.equal(res.json.serviceCode, 'vpc-lattice');
    } finally {
      await q.close();
    }
  });

  it('has no rules but the default one on a TLS_PASSTHROUGH listener', async () => {
    const svc = await service(t, { customDomainName: 'rules-tls.example.com' });
    const tcp = await targetGroup(t, 'TCP');
    const l = await t.lattice.send(new CreateListenerCommand({
      serviceIdentifier: svc.id, name: 'tls', protocol: 'TLS_PASSTHROUGH', port: 443,
      defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tcp.id }] } },
    }));
    const res = await t.wire('POST', `/services/${svc.id}/listeners/${l.id}/rules`, { name: 'nope', priority: 1, match: GET, action: NOT_FOUND });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.match(res.json.message, /TLS_PASSTHROUGH/);
  });

  it('answers 404 for a rule or listener outside the path', async () => {
    const a = await place(t);
    const b = await place(t);
    const r = await rule(t, a, 'mine', 1);
    const otherListener = await t.wire('GET', `${rulesPath(b)}/${r.id}`);
    assert.equal(otherListener.status, 404);
    assert.equal(otherListener.json.resourceType, 'RULE');
    const crossed = await t.wire('GET', `/services/${b.svc.id}/listeners/${a.listener.id}/rules/${r.id}`);
    assert.equal(crossed.status, 404);
    assert.equal(crossed.json.resourceType, 'LISTENER');
    const missing = await t.wire('POST', `/services/${a.svc.id}/listeners/listener-0123456789abcdef0/rules`, { name: 'x-r', priority: 1, match: GET, action: NOT_FOUND });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.resourceId, 'listener-0123456789abcdef0');
  });

  it('updates match, priority and action, but never the default rule', async () => {
    const p = await place(t);
    const a = await rule(t, p, 'alpha', 1);
    await rule(t, p, 'bravo', 2);
    const updated = await t.lattice.send(new UpdateRuleCommand({
      serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, ruleIdentifier: a.id, priority: 7,
      match: { httpMatch: { pathMatch: { match: { exact: '/health' } } } },
      action: { forward: { targetGroups: [{ targetGroupIdentifier: p.tgId, weight: 3 }] } },
    }));
    assert.equal(updated.priority, 7);
    assert.equal(updated.name, 'alpha');
    assert.equal(updated.isDefault, false);
    assert.deepEqual(updated.match, { httpMatch: { pathMatch: { match: { exact: '/health' } } } });
    assert.deepEqual(updated.action, { forward: { targetGroups: [{ targetGroupIdentifier: p.tgId, weight: 3 }] } });
    const got = await t.lattice.send(new GetRuleCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, ruleIdentifier: a.id }));
    assert.equal(got.priority, 7);

    const clash = await t.wire('PATCH', `${rulesPath(p)}/${a.id}`, { priority: 2 });
    assert.equal(clash.status, 409);
    assert.equal(clash.headers.get('x-amzn-errortype'), 'ConflictException');
    // Its own priority is no clash.
    await t.lattice.send(new UpdateRuleCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, ruleIdentifier: a.id, priority: 7 }));

    const def = (await t.lattice.send(new ListRulesCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id }))).items!.find((r) => r.isDefault)!;
    const onDefault = await t.wire('PATCH', `${rulesPath(p)}/${def.id}`, { priority: 9 });
    assert.equal(onDefault.status, 400);
    assert.equal(onDefault.headers.get('x-amzn-errortype'), 'ValidationException');
  });

  it('deletes rules but not the default rule', async () => {
    const p = await place(t);
    const r = await rule(t, p, 'doomed', 3);
    const del = await t.lattice.send(new DeleteRuleCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, ruleIdentifier: r.id }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const gone = await rejects(t.lattice.send(new GetRuleCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, ruleIdentifier: r.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    const def = (await t.lattice.send(new ListRulesCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id }))).items![0]!;
    const res = await t.wire('DELETE', `${rulesPath(p)}/${def.id}`);
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.match(res.json.message, /default rule/);
  });

  it('holds its target groups in use, for its own service only', async () => {
    const p = await place(t);
    const tg = await targetGroup(t);
    const r = await rule(t, p, 'fwd', 1, { forward: { targetGroups: [{ targetGroupIdentifier: tg.id }] } });
    await activeTargetGroup(t, tg.id!);
    const held = await t.wire('DELETE', `/targetgroups/${tg.id}`);
    assert.equal(held.status, 409);

    const other = await place(t);
    const steal = await t.wire('POST', rulesPath(other), { name: 'steal', priority: 1, match: GET, action: { forward: { targetGroups: [{ targetGroupIdentifier: tg.id }] } } });
    assert.equal(steal.status, 409);
    assert.equal(steal.json.resourceType, 'TARGET_GROUP');

    await t.lattice.send(new UpdateRuleCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, ruleIdentifier: r.id, action: NOT_FOUND }));
    await t.lattice.send(new DeleteTargetGroupCommand({ targetGroupIdentifier: tg.id }));
  });

  it('swaps priorities in one batch and reports the items that fail', async () => {
    const p = await place(t);
    const a = await rule(t, p, 'alpha', 1);
    const b = await rule(t, p, 'bravo', 2);
    const c = await rule(t, p, 'charlie', 3);
    const swapped = await t.lattice.send(new BatchUpdateRuleCommand({
      serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id,
      rules: [{ ruleIdentifier: a.id, priority: 2 }, { ruleIdentifier: b.arn, priority: 1 }],
    }));
    assert.equal(swapped.$metadata.httpStatusCode, 200);
    assert.deepEqual(swapped.successful!.map((s) => [s.id, s.priority, s.name, s.isDefault]), [[a.id, 2, 'alpha', false], [b.id, 1, 'bravo', false]]);
    assert.deepEqual(swapped.unsuccessful, []);

    const def = (await t.lattice.send(new ListRulesCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id }))).items!.find((r) => r.isDefault)!;
    const res = await t.wire('PATCH', rulesPath(p), {
      rules: [
        { ruleIdentifier: a.id, priority: 3 }, // clashes with c, which stays at 3
        { ruleIdentifier: b.id, action: { forward: { targetGroups: [{ targetGroupIdentifier: p.tgId, weight: 9 }] } } },
        { ruleIdentifier: 'rule-0123456789abcdef0', priority: 50 },
        { ruleIdentifier: def.id, priority: 60 },
        { ruleIdentifier: c.id, action: { fixedResponse: { statusCode: 201 } } },
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.successful.map((s: { id: string }) => s.id), [b.id]);
    assert.deepEqual(res.json.successful[0].action, { forward: { targetGroups: [{ targetGroupIdentifier: p.tgId, weight: 9 }] } });
    assert.deepEqual(res.json.unsuccessful.map((f: { ruleIdentifier: string; failureCode: string }) => [f.ruleIdentifier, f.failureCode]), [
      [a.id, 'ConflictException'],
      ['rule-0123456789abcdef0', 'ResourceNotFoundException'],
      [def.id, 'ValidationException'],
      [c.id, 'ValidationException'],
    ]);
    for (const f of res.json.unsuccessful) assert.equal(typeof f.failureMessage, 'string');

    const get = (id: string) => t.lattice.send(new GetRuleCommand({ serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id, ruleIdentifier: id }));
    assert.equal((await get(a.id!)).priority, 2);
    assert.deepEqual((await get(b.id!)).action, { forward: { targetGroups: [{ targetGroupIdentifier: p.tgId, weight: 9 }] } });
    assert.deepEqual((await get(c.id!)).action, NOT_FOUND);

    // Two rules moved onto the same free priority: neither gets it.
    const both = await t.lattice.send(new BatchUpdateRuleCommand({
      serviceIdentifier: p.svc.id, listenerIdentifier: p.listener.id,
      rules: [{ ruleIdentifier: a.id, priority: 40 }, { ruleIdentifier: b.id, priority: 40 }, { ruleIdentifier: c.id, priority: 41 }],
    }));
    assert.deepEqual(both.successful!.map((s) => s.id), [c.id]);
    assert.deepEqual(both.unsuccessful!.map((f) => f.failureCode), ['ConflictException', 'ConflictException']);

    const tooMany = await t.wire('PATCH', rulesPath(p), { rules: Array.from({ length: 11 }, () => ({ ruleIdentifier: a.id })) });
    assert.equal(tooMany.status, 400);
    const noListener = await t.wire('PATCH', `/services/${p.svc.id}/listeners/listener-0123456789abcdef0/rules`, { rules: [{ ruleIdentifier: a.id }] });
    assert.equal(noListener.status, 404);
  });
});
