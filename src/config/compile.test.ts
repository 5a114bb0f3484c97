import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkSnapshot } from './check.js';
import { compile, SNAPSHOT_KINDS } from './compile.js';
import { parseHttpCodes } from './compile-targets.js';
import { snapshotToJson } from './serialize.js';
import type { RoutingSnapshot } from './snapshot.js';
import { ids, RecordBuilder, walkthrough } from './testdata/records.js';

const GOLDEN = new URL('./testdata/walkthrough.snapshot.json', import.meta.url);

/** Compiles and asserts the invariants, which every compile must satisfy. */
function compiled(b: RecordBuilder, revision = 7): RoutingSnapshot {
  const s = compile(b.records, revision);
  assert.deepEqual(checkSnapshot(s), []);
  return s;
}

const problemsOf = (s: RoutingSnapshot, kind: string) => s.problems.filter((p) => p.kind === kind);
const forward = (...groups: [string, number][]) => ({ forward: { targetGroups: groups.map(([g, weight]) => ({ targetGroupIdentifier: g, weight })) } });
const pathPrefix = (prefix: string, caseSensitive?: boolean) => ({ httpMatch: { pathMatch: { match: { prefix }, ...(caseSensitive === undefined ? {} : { caseSensitive }) } } });

describe('compile: the walkthrough', () => {
  it('matches the golden snapshot (UPDATE_GOLDEN=1 rewrites it)', () => {
    const json = `${JSON.stringify(snapshotToJson(compiled(walkthrough())), null, 2)}\n`;
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, json);
    assert.equal(json, readFileSync(GOLDEN, 'utf8'));
  });

  it('routes the service by both host names, lower case, from the network', () => {
    const s = compiled(walkthrough());
    const sn = s.serviceNetworks.get(ids.network)!;
    const svc = s.services.get(ids.service)!;
    assert.deepEqual(svc.hostNames, [`walkthrough-svc-0a1b2c3d4e5f60718.7d67968.vpc-lattice-svcs.us-east-1.on.aws`, 'shop.example.com']);
    for (const h of svc.hostNames) assert.equal(sn.servicesByHost.get(h), svc);
    assert.equal(sn.accessLogs.length, 1);
    assert.equal(s.revision, 7);
  });

  it('forwards 10/10 to the INSTANCE and ALB groups, resolved to addresses with the targets\' ports', () => {
    const s = compiled(walkthrough());
    const rules = s.services.get(ids.service)!.listeners.get(80)!.rules;
    assert.equal(rules.length, 1);
    assert.deepEqual(rules[0]!.action, { type: 'forward', targetGroups: [{ targetGroupId: ids.htmlGroup, weight: 10 }, { targetGroupId: ids.jsonGroup, weight: 10 }] });
    const html = s.targetGroups.get(ids.htmlGroup)!;
    assert.deepEqual(html.targets, [{ id: ids.instance, port: 8080, address: '127.0.0.11' }]);
    assert.deepEqual(html.healthCheck?.matcher, [[200, 200]]);
    assert.equal(html.healthCheck?.intervalMs, 30_000);
    const json = s.targetGroups.get(ids.jsonGroup)!;
    assert.deepEqual(json.targets, [{ id: ids.alb, port: 8081, address: '127.0.0.12' }]);
    assert.equal(json.healthCheck, undefined, 'ALB groups are not health-checked');
    assert.equal(html.unused || json.unused, false);
  });

  it('gives each VPC its association and security groups, a group reference resolved to its VPC CIDR', () => {
    const s = compiled(walkthrough());
    const a = s.vpcs.get(ids.vpcA)!;
    assert.equal(a.vpcArn, `arn:aws:ec2:us-east-1:111122223333:vpc/${ids.vpcA}`);
    assert.deepEqual(a.association?.securityGroups, [{ id: ids.sgA, ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '10.0.0.0/16' }] }]);
    assert.deepEqual(s.vpcs.get(ids.vpcB)!.association?.securityGroups, [{ id: ids.sgB, ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '10.1.0.0/16' }] }]);
    assert.deepEqual(s.problems, []);
  });

  it('does not depend on the order of its input', () => {
    const b = walkthrough();
    const shuffled = [...b.records].reverse();
    assert.deepEqual(snapshotToJson(compile(shuffled, 7)), snapshotToJson(compile(b.records, 7)));
  });

  it('lists every kind the compiler reads', () => {
    for (const r of walkthrough().records) assert.ok((SNAPSHOT_KINDS as readonly string[]).includes(r.kind), r.kind);
  });
});

describe('compile: rules', () => {
  function service(b = walkthrough()) {
    b.rule('rule-0000000000000030', ids.service, ids.listener, 30, pathPrefix('/Thirty'), forward([ids.jsonGroup, 1]));
    b.rule('rule-0000000000000010', ids.service, ids.listener, 10, pathPrefix('/Ten', true), { fixedResponse: { statusCode: 404 } });
    b.rule('rule-0000000000000020', ids.service, ids.listener, 20, {
      httpMatch: { method: 'PoSt', headerMatches: [{ name: 'X-Tenant', match: { contains: 'ACME' } }, { name: 'X-Case', match: { exact: 'KeepMe' }, caseSensitive: true }] },
    }, forward([ids.htmlGroup, 0], [ids.jsonGroup, 5]));
    return b;
  }

  it('sorts rules by priority with the default rule last', () => {
    const rules = compiled(service()).services.get(ids.service)!.listeners.get(80)!.rules;
    assert.deepEqual(rules.map((r) => r.priority ?? 'default'), [10, 20, 30, 'default']);
    assert.equal(rules[3]!.isDefault, true);
    assert.equal(rules[3]!.match, undefined);
  });

  it('pre-lowers case-insensitive values and keeps case-sensitive ones and the method', () => {
    const rules = compiled(service()).services.get(ids.service)!.listeners.get(80)!.rules;
    assert.deepEqual(rules[0]!.match, { path: { kind: 'prefix', value: '/Ten', caseSensitive: true }, headers: [] });
    assert.deepEqual(rules[1]!.match, {
      method: 'PoSt',
      headers: [
        { name: 'x-tenant', kind: 'contains', value: 'acme', caseSensitive: false },
        { name: 'x-case', kind: 'exact', value: 'KeepMe', caseSensitive: true },
      ],
    });
    assert.deepEqual(rules[2]!.match, { path: { kind: 'prefix', value: '/thirty', caseSensitive: false }, headers: [] });
  });

  it('keeps weights as stored, 0 included, and a fixed response as its status code', () => {
    const rules = compiled(service()).services.get(ids.service)!.listeners.get(80)!.rules;
    assert.deepEqual(rules[0]!.action, { type: 'fixed-response', statusCode: 404 });
    assert.deepEqual(rules[1]!.action, { type: 'forward', targetGroups: [{ targetGroupId: ids.htmlGroup, weight: 0 }, { targetGroupId: ids.jsonGroup, weight: 5 }] });
  });

  it('leaves out the later of two rules with one priority', () => {
    const b = service();
    b.rule('rule-0000000000000099', ids.service, ids.listener, 20, pathPrefix('/dup'), forward([ids.htmlGroup, 1]));
    const s = compiled(b);
    assert.deepEqual(s.services.get(ids.service)!.listeners.get(80)!.rules.map((r) => r.id).slice(0, 3), ['rule-0000000000000010', 'rule-0000000000000020', 'rule-0000000000000030']);
    assert.match(problemsOf(s, 'rule')[0]!.reason, /priority 20 is already used by rule rule-0000000000000020/);
  });
});

describe('compile: problems', () => {
  it('leaves out a rule that forwards to a missing group; the other rules still route', () => {
    const b = walkthrough();
    b.rule('rule-0000000000000001', ids.service, ids.listener, 1, pathPrefix('/gone'), forward(['tg-0999999999999999', 1]));
    b.rule('rule-0000000000000002', ids.service, ids.listener, 2, pathPrefix('/ok'), forward([ids.htmlGroup, 1]));
    const s = compiled(b);
    assert.deepEqual(s.problems, [{ kind: 'rule', id: 'rule-0000000000000001', reason: 'it forwards to target group tg-0999999999999999, which does not exist' }]);
    assert.deepEqual(s.services.get(ids.service)!.listeners.get(80)!.rules.map((r) => r.id), ['rule-0000000000000002', 'rule-0c1d2e3f4a5b60718']);
  });

  it('leaves out a target group with a malformed doc, and the rules and listeners that forward to it', () => {
    const b = walkthrough();
    b.records.find((r) => r.id === ids.jsonGroup)!.doc['type'] = 'FUNCTION';
    const s = compiled(b);
    assert.equal(s.targetGroups.has(ids.jsonGroup), false);
    assert.deepEqual(s.problems.map((p) => [p.kind, p.id]), [['listener', ids.listener], ['rule', 'rule-0c1d2e3f4a5b60718'], ['targetgroup', ids.jsonGroup]]);
    assert.match(s.problems[2]!.reason, /^malformed record: type is not one of IP, INSTANCE, LAMBDA, ALB$/);
    assert.match(s.problems[1]!.reason, /which could not be compiled/);
    assert.match(s.problems[0]!.reason, /^its default rule cannot be compiled/);
    // The service stays, without the listener; the other group is now unused.
    assert.equal(s.services.get(ids.service)!.listeners.size, 0);
    assert.equal(s.targetGroups.get(ids.htmlGroup)!.unused, true);
  });

  it('names a listener and rule whose service or listener is gone', () => {
    const b = walkthrough();
    b.listener('listener-0000000000000077', 'svc-0999999999999999', 'HTTP', 8080, { fixedResponse: { statusCode: 404 } });
    b.rule('rule-0000000000000088', ids.service, 'listener-0999999999999999', 1, pathPrefix('/'), { fixedResponse: { statusCode: 404 } });
    const s = compiled(b);
    assert.deepEqual(s.problems, [
      { kind: 'listener', id: 'listener-0000000000000077', reason: 'its service svc-0999999999999999 does not exist' },
      { kind: 'rule', id: 'rule-0000000000000088', reason: 'its listener listener-0999999999999999 does not exist' },
    ]);
    assert.equal(s.services.get(ids.service)!.listeners.size, 1);
  });

  it('leaves out a malformed service and keeps the others routing', () => {
    const b = walkthrough();
    b.service('svc-0bad0bad0bad0bad0', 'broken', { arn: 42 });
    b.serviceAssociation('snsa-0bad0bad0bad0bad0', ids.network, 'svc-0bad0bad0bad0bad0');
    const s = compiled(b);
    assert.deepEqual(s.problems, [{ kind: 'service', id: 'svc-0bad0bad0bad0bad0', reason: 'malformed record: arn is not a string' }]);
    assert.equal(s.serviceNetworks.get(ids.network)!.servicesByHost.size, 2);
  });

  it('survives documents of any shape', () => {
    const b = walkthrough();
    for (const r of b.records) if (r.kind !== 'servicenetwork') (r as { doc: unknown }).doc = null;
    const s = compiled(b);
    assert.ok(s.problems.length > 5);
    assert.equal(s.services.size, 0);
    assert.equal(s.serviceNetworks.size, 1);
  });

  it('routes a service association only once it is ACTIVE', () => {
    const b = walkthrough();
    b.records.find((r) => r.kind === 'servicenetworkserviceassociation')!.doc['status'] = 'CREATE_IN_PROGRESS';
    const s = compiled(b);
    assert.equal(s.serviceNetworks.get(ids.network)!.servicesByHost.size, 0);
    assert.ok(s.services.has(ids.service), 'the service itself is compiled');
    assert.deepEqual(s.problems, []);
  });

  it('answers a host once per network: a second service claiming it is a problem', () => {
    const b = walkthrough();
    b.service('svc-0c0c0c0c0c0c0c0c0', 'other', { customDomainName: 'shop.example.com' });
    b.serviceAssociation('snsa-0c0c0c0c0c0c0c0c0', ids.network, 'svc-0c0c0c0c0c0c0c0c0');
    const s = compiled(b);
    const hosts = s.serviceNetworks.get(ids.network)!.servicesByHost;
    assert.equal(hosts.get('shop.example.com')!.id, ids.service);
    assert.equal(hosts.size, 3);
    assert.deepEqual(s.problems.map((p) => p.id), ['snsa-0c0c0c0c0c0c0c0c0']);
  });

  it('keeps unresolvable targets with a reason, and names draining targets apart from the routed ones', () => {
    const b = walkthrough();
    b.targetGroup('tg-0111111111111111', 'ips', 'IP', { port: 80, protocol: 'HTTP' }, [
      { id: '127.0.0.21', port: 9000 }, { id: 'not-an-ip' }, { id: '127.0.0.22', port: 9001, deregisteredAt: '2026-01-01T00:00:00Z' },
    ]);
    b.targetGroup('tg-0222222222222222', 'instances', 'INSTANCE', { port: 80, protocol: 'HTTP' }, [{ id: 'i-0aaaaaaaaaaaaaaaa', port: 80 }, { id: 'i-0bbbbbbbbbbbbbbbb', port: 81 }]);
    b.add('instance', 'i-0bbbbbbbbbbbbbbbb', { instanceId: 'i-0bbbbbbbbbbbbbbbb', source: 'auto' });
    b.targetGroup('tg-0333333333333333', 'fn', 'LAMBDA', { lambdaEventStructureVersion: 'V2' }, [{ id: 'arn:aws:lambda:us-east-1:111122223333:function:f' }]);
    const s = compiled(b);
    assert.deepEqual(s.targetGroups.get('tg-0111111111111111')!.targets, [
      { id: '127.0.0.21', port: 9000, address: '127.0.0.21' },
      { id: 'not-an-ip', port: 80, unresolved: 'not-an-ip is not an IP address' },
    ]);
    assert.deepEqual(s.targetGroups.get('tg-0111111111111111')!.draining, [{ id: '127.0.0.22', port: 9001, address: '127.0.0.22' }]);
    assert.equal(s.targetGroups.get('tg-0222222222222222')!.draining, undefined, 'absent when nothing drains');
    const [missing, bare] = s.targetGroups.get('tg-0222222222222222')!.targets;
    assert.match(missing!.unresolved!, /^instance i-0aaaaaaaaaaaaaaaa is not known to Trellis/);
    assert.equal(bare!.unresolved, 'instance i-0bbbbbbbbbbbbbbbb has no address');
    const fn = s.targetGroups.get('tg-0333333333333333')!;
    assert.equal(fn.targets.length, 1);
    assert.equal(fn.targets[0]!.lambda, undefined);
    assert.match(fn.targets[0]!.unresolved!, /^function arn:aws:lambda:us-east-1:111122223333:function:f is not registered with Trellis/);
    assert.equal(fn.lambdaEventStructureVersion, 'V2');
    assert.equal(fn.unused, true);
  });

  it('compiles health checks only when enabled and supported, with defaults and parsed matchers', () => {
    const b = walkthrough();
    b.targetGroup('tg-0444444444444444', 'off', 'IP', { port: 80, healthCheck: { enabled: false } }, []);
    b.targetGroup('tg-0555555555555555', 'ranges', 'IP', { port: 80, healthCheck: { enabled: true, port: 8080, path: '', healthCheckIntervalSeconds: 0, matcher: { httpCode: '200-299,404' } } }, []);
    const s = compiled(b);
    assert.equal(s.targetGroups.get('tg-0444444444444444')!.healthCheck, undefined);
    assert.deepEqual(s.targetGroups.get('tg-0555555555555555')!.healthCheck, {
      protocol: 'HTTP', protocolVersion: 'HTTP1', port: 8080, path: '/', intervalMs: 30_000, timeoutMs: 5_000,
      healthyThreshold: 5, unhealthyThreshold: 2, matcher: [[200, 299], [404, 404]],
    });
  });

  it('fails security groups closed: malformed rules admit nothing; unknown groups admit all', () => {
    const b = walkthrough();
    b.records.find((r) => r.id === ids.sgA)!.doc['ingress'] = [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80 }];
    b.records.find((r) => r.id === ids.sgB)!.doc['ingress'] = [
      { ipProtocol: '-1', cidrIp: '127.0.0.0/8' }, { ipProtocol: 'tcp', fromPort: 80, toPort: 80, sourceSecurityGroupId: 'sg-0ffffffffffffffff' },
    ];
    const assoc = b.records.find((r) => r.id === 'snva-0b0b0b0b0b0b0b0b0')!;
    assoc.doc['securityGroupIds'] = [ids.sgB, 'sg-0eeeeeeeeeeeeeeee'];
    const s = compiled(b);
    assert.deepEqual(s.vpcs.get(ids.vpcA)!.association!.securityGroups, [{ id: ids.sgA, ingress: [] }]);
    assert.deepEqual(s.vpcs.get(ids.vpcB)!.association!.securityGroups, [
      { id: ids.sgB, ingress: [{ protocol: '-1', fromPort: 0, toPort: 65535, cidr: '127.0.0.0/8' }] },
      { id: 'sg-0eeeeeeeeeeeeeeee' },
    ]);
    assert.deepEqual(s.problems.map((p) => p.id), [ids.sgA, ids.sgB]);
    assert.match(s.problems[1]!.reason, /names security group sg-0ffffffffffffffff, whose VPC CIDR is unknown/);
  });

  it('leaves out a VPC association whose network is gone, keeping the VPC', () => {
    const b = walkthrough();
    b.records.find((r) => r.id === 'snva-0b0b0b0b0b0b0b0b0')!.doc['serviceNetworkId'] = 'sn-0999999999999999';
    const s = compiled(b);
    assert.equal(s.vpcs.get(ids.vpcB)!.association, undefined);
    assert.deepEqual(s.problems, [{ kind: 'servicenetworkvpcassociation', id: 'snva-0b0b0b0b0b0b0b0b0', reason: 'its service network sn-0999999999999999 does not exist' }]);
  });

  it('attaches auth policies and access logs, and names the ones that cannot be', () => {
    const b = walkthrough();
    b.add('authpolicy', ids.service, { policy: '{"Version":"2012-10-17","Statement":[]}' });
    b.add('authpolicy', ids.network, { policy: 17 });
    b.add('accesslogsubscription', 'als-0000000000000001', { id: 'als-0000000000000001', resourceId: ids.network, serviceNetworkLogType: 'RESOURCE', destinationArn: 'arn:aws:s3:::b' });
    b.add('accesslogsubscription', 'als-0000000000000002', { id: 'als-0000000000000002', resourceId: ids.service, destinationArn: 'arn:aws:s3:::svc' });
    b.add('accesslogsubscription', 'als-0000000000000003', { id: 'als-0000000000000003', resourceId: 'svc-0999999999999999', destinationArn: 'arn:aws:s3:::gone' });
    const s = compiled(b);
    assert.equal(s.services.get(ids.service)!.authPolicy, '{"Version":"2012-10-17","Statement":[]}');
    assert.equal(s.serviceNetworks.get(ids.network)!.authPolicy, undefined);
    assert.deepEqual(s.serviceNetworks.get(ids.network)!.accessLogs.map((l) => l.subscriptionId), ['als-0123456789abcdef0']);
    assert.deepEqual(s.services.get(ids.service)!.accessLogs, [{ subscriptionId: 'als-0000000000000002', destinationArn: 'arn:aws:s3:::svc', resourceId: ids.service }]);
    assert.deepEqual(s.problems.map((p) => `${p.kind} ${p.id}`), ['accesslogsubscription als-0000000000000003', `authpolicy ${ids.network}`]);
  });
});

describe('parseHttpCodes', () => {
  const cases: [string, [number, number][]][] = [
    ['200', [[200, 200]]],
    ['200,202', [[200, 200], [202, 202]]],
    ['200-299', [[200, 299]]],
    ['404, 200-204', [[200, 204], [404, 404]]],
  ];
  for (const [code, ranges] of cases) it(`parses ${code}`, () => assert.deepEqual(parseHttpCodes(code), ranges));
  for (const bad of ['', '2xx', '299-200', '200,,202']) it(`refuses '${bad}'`, () => assert.throws(() => parseHttpCodes(bad)));
});
