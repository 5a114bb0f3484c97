import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateListenerCommand, DeleteListenerCommand, DeleteTargetGroupCommand, GetListenerCommand, GetRuleCommand,
  GetTargetGroupCommand, ListListenersCommand, ListRulesCommand, UpdateListenerCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, rejects, type TestTrellis } from '../support/trellis.js';
import { activeTargetGroup, httpListener, service, targetGroup, uniqueName } from './fixtures/routing.js';

const ACCOUNT = '111122223333';

const forwardTo = (...ids: string[]) => ({ forward: { targetGroups: ids.map((targetGroupIdentifier) => ({ targetGroupIdentifier })) } });

describe('listeners', () => {
  let t: TestTrellis;
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  it('creates an HTTP listener on port 80 with its default rule, by ARN or id', async () => {
    const svc = await service(t);
    const tg = await targetGroup(t);
    const created = await t.lattice.send(new CreateListenerCommand({
      serviceIdentifier: svc.arn, name: 'front', protocol: 'HTTP',
      // Given by ARN without a weight: stored and answered by id with the default weight 1.
      defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tg.arn! }] } },
      tags: { env: 'test' },
    }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.match(created.id!, /^listener-0[0-9a-f]{16}$/);
    assert.equal(created.arn, `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:service/${svc.id}/listener/${created.id}`);
    assert.equal(created.port, 80);
    assert.equal(created.protocol, 'HTTP');
    assert.equal(created.serviceId, svc.id);
    assert.equal(created.serviceArn, svc.arn);
    assert.deepEqual(created.defaultAction, { forward: { targetGroups: [{ targetGroupIdentifier: tg.id, weight: 1 }] } });

    const got = await t.lattice.send(new GetListenerCommand({ serviceIdentifier: svc.id, listenerIdentifier: created.arn }));
    assert.equal(got.name, 'front');
    assert.deepEqual(got.defaultAction, created.defaultAction);
    assert.ok(got.createdAt instanceof Date && got.lastUpdatedAt instanceof Date);

    const rules = await t.lattice.send(new ListRulesCommand({ serviceIdentifier: svc.id, listenerIdentifier: created.id }));
    assert.equal(rules.items!.length, 1);
    const def = rules.items![0]!;
    assert.equal(def.isDefault, true);
    assert.equal(def.name, 'default');
    assert.equal(def.priority, undefined);
    assert.equal(def.arn, `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:service/${svc.id}/listener/${created.id}/rule/${def.id}`);
    const rule = await t.lattice.send(new GetRuleCommand({ serviceIdentifier: svc.id, listenerIdentifier: created.id, ruleIdentifier: def.id }));
    assert.deepEqual(rule.action, created.defaultAction);
    assert.equal(rule.match, undefined);

    // The target group now names the service that uses it.
    const tgNow = await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id }));
    assert.deepEqual(tgNow.serviceArns, [svc.arn]);
  });

  it('defaults HTTPS to 443 and requires a port for TLS_PASSTHROUGH', async () => {
    const svc = await service(t, { customDomainName: 'tls.example.com' });
    const https = await t.lattice.send(new CreateListenerCommand({
      serviceIdentifier: svc.id, name: 'secure', protocol: 'HTTPS', defaultAction: { fixedResponse: { statusCode: 404 } },
    }));
    assert.equal(https.port, 443);
    assert.deepEqual(https.defaultAction, { fixedResponse: { statusCode: 404 } });

    const tcp = await targetGroup(t, 'TCP');
    const res = await t.wire('POST', `/services/${svc.id}/listeners`, { name: 'tls', protocol: 'TLS_PASSTHROUGH', defaultAction: forwardTo(tcp.id!) });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(res.json.fieldList.map((f: { name: string }) => f.name), ['port']);

    const tls = await t.lattice.send(new CreateListenerCommand({
      serviceIdentifier: svc.id, name: 'tls', protocol: 'TLS_PASSTHROUGH', port: 8443, defaultAction: forwardTo(tcp.id!),
    }));
    assert.equal(tls.port, 8443);
  });

  it('refuses a duplicate name and a second listener on the same port with 409', async () => {
    const svc = await service(t);
    const tg = await targetGroup(t);
    await httpListener(t, svc.id, tg.id!, { name: 'taken', port: 8080 });
    const byName = await t.wire('POST', `/services/${svc.id}/listeners`, { name: 'taken', protocol: 'HTTP', port: 9090, defaultAction: forwardTo(tg.id!) });
    assert.equal(byName.status, 409);
    assert.equal(byName.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(byName.json.message, /already exists/);
    assert.equal(byName.json.resourceType, 'LISTENER');

    const byPort = await t.wire('POST', `/services/${svc.id}/listeners`, { name: 'other', protocol: 'HTTPS', port: 8080, defaultAction: forwardTo(tg.id!) });
    assert.equal(byPort.status, 409);
    assert.equal(byPort.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.match(byPort.json.message, /port 8080/);
  });

  it('enforces the listeners-per-service quota with 402 L-D64E952E', async () => {
    const svc = await service(t);
    const tg = await targetGroup(t);
    await httpListener(t, svc.id, tg.id!, { port: 80 });
    await httpListener(t, svc.id, tg.id!, { port: 81 });
    const res = await t.wire('POST', `/services/${svc.id}/listeners`, { name: 'third', protocol: 'HTTP', port: 82, defaultAction: forwardTo(tg.id!) });
    assert.equal(res.status, 402);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
    assert.equal(res.json.quotaCode, 'L-D64E952E');
    assert.equal(res.json.serviceCode, 'vpc-lattice');
    assert.equal(res.json.resourceType, 'LISTENER');
  });

  it('answers 404 for a missing service, a missing target group and a listener of another service', async () => {
    const missingSvc = await t.wire('POST', '/services/svc-0123456789abcdef0/listeners', { name: 'x-l', protocol: 'HTTP', defaultAction: { fixedResponse: { statusCode: 404 } } });
    assert.equal(missingSvc.status, 404);
    assert.equal(missingSvc.json.resourceType, 'SERVICE');
    assert.equal(missingSvc.json.resourceId, 'svc-0123456789abcdef0');

    const svc = await service(t);
    const missingTg = await t.wire('POST', `/services/${svc.id}/listeners`, { name: 'x-l', protocol: 'HTTP', defaultAction: forwardTo('tg-0123456789abcdef0') });
    assert.equal(missingTg.status, 404);
    assert.equal(missingTg.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(missingTg.json.resourceType, 'TARGET_GROUP');
    assert.equal(missingTg.json.resourceId, 'tg-0123456789abcdef0');

    const other = await service(t);
    const l = await httpListener(t, svc.id, (await targetGroup(t)).id!);
    const wrong = await t.wire('GET', `/services/${other.id}/listeners/${l.id}`);
    assert.equal(wrong.status, 404);
    assert.equal(wrong.json.resourceType, 'LISTENER');
    const wrongArn = await t.wire('GET', `/services/${other.id}/listeners/${encodeURIComponent(l.arn)}`);
    assert.equal(wrongArn.status, 404);
  });

  it('checks actions: fixed responses 404/500 only, no group twice, weights within the model', async () => {
    const svc = await service(t);
    const tg = await targetGroup(t);
    const base = { name: 'checks', protocol: 'HTTP' };
    const fixed = await t.wire('POST', `/services/${svc.id}/listeners`, { ...base, defaultAction: { fixedResponse: { statusCode: 200 } } });
    assert.equal(fixed.status, 400);
    assert.deepEqual(fixed.json.fieldList.map((f: { name: string }) => f.name), ['defaultAction.fixedResponse.statusCode']);

    const twice = await t.wire('POST', `/services/${svc.id}/listeners`, {
      ...base, defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tg.id }, { targetGroupIdentifier: tg.arn }] } },
    });
    assert.equal(twice.status, 400);
    assert.equal(twice.headers.get('x-amzn-errortype'), 'ValidationException');

    const heavy = await t.wire('POST', `/services/${svc.id}/listeners`, {
      ...base, defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tg.id, weight: 1000 }] } },
    });
    assert.equal(heavy.status, 400);

    const weighted = await t.lattice.send(new CreateListenerCommand({
      serviceIdentifier: svc.id, ...base, protocol: 'HTTP',
      defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tg.id, weight: 0 }, { targetGroupIdentifier: (await targetGroup(t)).id, weight: 999 }] } },
    }));
    assert.deepEqual(weighted.defaultAction!.forward!.targetGroups!.map((g) => g.weight), [0, 999]);
  });

  it('keeps a target group to a single service (409)', async () => {
    const a = await service(t);
    const b = await service(t);
    const tg = await targetGroup(t);
    await httpListener(t, a.id, tg.id!);
    const res = await t.wire('POST', `/services/${b.id}/listeners`, { name: 'steal', protocol: 'HTTP', defaultAction: forwardTo(tg.id!) });
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ConflictException');
    assert.equal(res.json.resourceType, 'TARGET_GROUP');
    assert.equal(res.json.resourceId, tg.id);
    // The same service may use it on another listener.
    await httpListener(t, a.id, tg.id!, { port: 8080 });
  });

  it('matches listener and target-group protocols', async () => {
    const svc = await service(t, { customDomainName: 'proto.example.com' });
    const http = await targetGroup(t, 'HTTP');
    const tcp = await targetGroup(t, 'TCP');
    const lambda = await targetGroup(t, 'LAMBDA');
    const cases: [string, number, object][] = [
      ['HTTP', 80, forwardTo(tcp.id!)],
      ['HTTPS', 443, forwardTo(tcp.id!)],
      ['TLS_PASSTHROUGH', 443, forwardTo(http.id!)],
      ['TLS_PASSTHROUGH', 443, forwardTo(lambda.id!)],
      ['TLS_PASSTHROUGH', 443, { fixedResponse: { statusCode: 404 } }],
    ];
    for (const [protocol, port, defaultAction] of cases) {
      const res = await t.wire('POST', `/services/${svc.id}/listeners`, { name: 'proto', protocol, port, defaultAction });
      assert.equal(res.status, 400, `${protocol} → ${JSON.stringify(defaultAction)}`);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    }
    const ok = await t.lattice.send(new CreateListenerCommand({ serviceIdentifier: svc.id, name: 'proto', protocol: 'HTTP', defaultAction: forwardTo(lambda.id!) }));
    assert.equal(ok.port, 80);
  });

  it('updates the default action, the default rule with it, and which groups are in use', async () => {
    const svc = await service(t);
    const first = await targetGroup(t);
    const second = await targetGroup(t);
    const l = await httpListener(t, svc.id, first.id!);
    const updated = await t.lattice.send(new UpdateListenerCommand({
      serviceIdentifier: svc.id, listenerIdentifier: l.id,
      defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: second.id, weight: 5 }] } },
    }));
    assert.equal(updated.$metadata.httpStatusCode, 200);
    assert.deepEqual(updated.defaultAction, { forward: { targetGroups: [{ targetGroupIdentifier: second.id, weight: 5 }] } });
    assert.equal(updated.port, 80);

    const rules = await t.lattice.send(new ListRulesCommand({ serviceIdentifier: svc.id, listenerIdentifier: l.id }));
    const def = await t.lattice.send(new GetRuleCommand({ serviceIdentifier: svc.id, listenerIdentifier: l.id, ruleIdentifier: rules.items![0]!.id }));
    assert.deepEqual(def.action, updated.defaultAction);

    // The first group is free again; the second is held by the listener and its default rule.
    await activeTargetGroup(t, first.id!);
    await activeTargetGroup(t, second.id!);
    await t.lattice.send(new DeleteTargetGroupCommand({ targetGroupIdentifier: first.id }));
    const held = await t.wire('DELETE', `/targetgroups/${second.id}`);
    assert.equal(held.status, 409);

    const bad = await t.wire('PATCH', `/services/${svc.id}/listeners/${l.id}`, { defaultAction: { fixedResponse: { statusCode: 302 } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('x-amzn-errortype'), 'ValidationException');
  });

  it('deletes a listener with its rules, freeing its target groups', async () => {
    const svc = await service(t);
    const tg = await targetGroup(t);
    const l = await httpListener(t, svc.id, tg.id!);
    const def = (await t.lattice.send(new ListRulesCommand({ serviceIdentifier: svc.id, listenerIdentifier: l.id }))).items![0]!;
    const del = await t.lattice.send(new DeleteListenerCommand({ serviceIdentifier: svc.id, listenerIdentifier: l.arn }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const gone = await rejects(t.lattice.send(new GetListenerCommand({ serviceIdentifier: svc.id, listenerIdentifier: l.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    const rule = await t.wire('GET', `/services/${svc.id}/listeners/${l.id}/rules/${def.id}`);
    assert.equal(rule.status, 404);
    await activeTargetGroup(t, tg.id!);
    const freed = await t.lattice.send(new DeleteTargetGroupCommand({ targetGroupIdentifier: tg.id }));
    assert.equal(freed.status, 'DELETE_IN_PROGRESS');
    const again = await t.wire('DELETE', `/services/${svc.id}/listeners/${l.id}`);
    assert.equal(again.status, 404);
    assert.equal(again.json.resourceType, 'LISTENER');
  });

  it('lists listener summaries page by page', async () => {
    const svc = await service(t);
    const tg = await targetGroup(t);
    const a = await httpListener(t, svc.id, tg.id!, { port: 80 });
    const b = await httpListener(t, svc.id, tg.id!, { port: 81 });
    const p1 = await t.lattice.send(new ListListenersCommand({ serviceIdentifier: svc.id, maxResults: 1 }));
    assert.deepEqual(p1.items!.map((i) => i.id), [a.id]);
    assert.ok(p1.nextToken);
    const p2 = await t.lattice.send(new ListListenersCommand({ serviceIdentifier: svc.id, maxResults: 1, nextToken: p1.nextToken }));
    assert.deepEqual(p2.items!.map((i) => i.id), [b.id]);
    assert.equal(p2.nextToken, undefined);
    const item = p2.items![0]!;
    assert.equal(item.port, 81);
    assert.equal(item.protocol, 'HTTP');
    assert.ok(item.createdAt instanceof Date);
    assert.equal((item as Record<string, unknown>)['defaultAction'], undefined);
    const missing = await t.wire('GET', '/services/svc-0123456789abcdef0/listeners');
    assert.equal(missing.status, 404);
  });

  it('enforces the target-groups-per-service quota across listeners and rules with 402', async () => {
    const q = await bootTrellis({ quotas: { targetGroupsPerService: 1 } });
    try {
      const svc = await service(q);
      const one = await targetGroup(q);
      const two = await targetGroup(q);
      const l = await httpListener(q, svc.id, one.id!);
      const update = await q.wire('PATCH', `/services/${svc.id}/listeners/${l.id}`, { defaultAction: forwardTo(one.id!, two.id!) });
      assert.equal(update.status, 402);
      assert.equal(update.headers.get('x-amzn-errortype'), 'ServiceQuotaExceededException');
      assert.equal(update.json.resourceType, 'SERVICE');
      const rule = await q.wire('POST', `/services/${svc.id}/listeners/${l.id}/rules`, {
        name: 'second-group', priority: 1, match: { httpMatch: { method: 'GET' } }, action: forwardTo(two.id!),
      });
      assert.equal(rule.status, 402);
      // Replacing the one group by another stays within the quota.
      const swapped = await q.lattice.send(new UpdateListenerCommand({ serviceIdentifier: svc.id, listenerIdentifier: l.id, defaultAction: forwardTo(two.id!) }));
      assert.equal(swapped.defaultAction!.forward!.targetGroups![0]!.targetGroupIdentifier, two.id);
    } finally {
      await q.close();
    }
  });

  it('answers a repeated clientToken with the same listener', async () => {
    const svc = await service(t);
    const tg = await targetGroup(t);
    const input = { serviceIdentifier: svc.id, name: uniqueName('idem'), protocol: 'HTTP' as const, defaultAction: forwardTo(tg.id!), clientToken: 'listener-tok' };
    const a = await t.lattice.send(new CreateListenerCommand(input));
    const b = await t.lattice.send(new CreateListenerCommand(input));
    assert.equal(a.id, b.id);
    const listed = await t.lattice.send(new ListListenersCommand({ serviceIdentifier: svc.id }));
    assert.equal(listed.items!.length, 1);
  });
});
