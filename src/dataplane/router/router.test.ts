import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostName, hostPort, listenerOn, matchRule, networkOf } from './router.js';
import { buildSnapshot, dnsNameOf, fixed, forward } from './snapshot-fixture.js';

const snapshot = buildSnapshot({
  vpcs: [{ id: 'vpc-a', network: 'sn-1' }, { id: 'vpc-lonely' }, { id: 'vpc-gone', network: 'sn-missing' }],
  networks: [{ id: 'sn-1', services: ['svc-1'] }],
  services: [{
    id: 'svc-1',
    hostNames: [dnsNameOf('svc-1'), 'api.example.com'],
    listeners: [
      {
        port: 80,
        rules: [
          { priority: 20, match: { path: { kind: 'prefix', value: '/api', caseSensitive: false } }, action: forward(['tg-api', 1]) },
          { priority: 10, match: { method: 'POST', path: { kind: 'exact', value: '/Upload', caseSensitive: true } }, action: forward(['tg-upload', 1]) },
          { priority: 5, match: { headers: [{ name: 'x-tenant', kind: 'exact', value: 'blue', caseSensitive: false }] }, action: forward(['tg-blue', 1]) },
          { priority: 6, match: { headers: [{ name: 'x-build', kind: 'prefix', value: 'Rc', caseSensitive: true }, { name: 'accept', kind: 'contains', value: 'json', caseSensitive: false }] }, action: forward(['tg-rc', 1]) },
          { priority: 30, match: { method: 'get', path: { kind: 'prefix', value: '/', caseSensitive: false } }, action: fixed(500) },
        ],
        defaultAction: fixed(404),
      },
      { port: 443, protocol: 'HTTPS', defaultAction: forward(['tg-api', 1]) },
      { port: 9000, protocol: 'TLS_PASSTHROUGH', defaultAction: forward(['tg-api', 1]) },
    ],
  }],
  targetGroups: [],
});

describe('router: host names and ports', () => {
  const cases: readonly [string, string, number][] = [
    ['svc.example.com', 'svc.example.com', -1],
    ['SVC.Example.COM:8080', 'svc.example.com', 8080],
    ['svc.example.com.', 'svc.example.com', -1],
    ['svc.example.com.:81', 'svc.example.com', 81],
    ['svc.example.com:', 'svc.example.com', -1],
    ['svc.example.com:99999', 'svc.example.com', -1],
    ['svc.example.com:8x', 'svc.example.com', -1],
    ['[::1]:8080', '[::1]', 8080],
    ['[::1]', '[::1]', -1],
  ];
  for (const [host, name, port] of cases) {
    it(`${JSON.stringify(host)} → ${name} port ${port}`, () => {
      assert.equal(hostName(host), name);
      assert.equal(hostPort(host), port);
    });
  }
});

describe('router: VPC → network → service → listener', () => {
  it('names why there is no network', () => {
    assert.equal(networkOf(snapshot, snapshot.vpcs.get('vpc-nope')), 'UnknownVpc');
    assert.equal(networkOf(snapshot, snapshot.vpcs.get('vpc-lonely')), 'UnassociatedVpc');
    assert.equal(networkOf(snapshot, snapshot.vpcs.get('vpc-gone')), 'UnassociatedVpc');
    const net = networkOf(snapshot, snapshot.vpcs.get('vpc-a'));
    assert.equal(typeof net === 'string' ? net : net.id, 'sn-1');
  });
  it('finds services by every host name, and listeners by port (HTTP and HTTPS, never TLS passthrough)', () => {
    const net = networkOf(snapshot, snapshot.vpcs.get('vpc-a'));
    assert.ok(typeof net !== 'string');
    const svc = net.servicesByHost.get(hostName('API.example.com:80'));
    assert.equal(svc?.id, 'svc-1');
    assert.equal(net.servicesByHost.get(hostName(dnsNameOf('svc-1').toUpperCase()))?.id, 'svc-1');
    assert.equal(net.servicesByHost.get('other.example.com'), undefined);
    assert.equal(listenerOn(svc!, 80)?.port, 80);
    assert.equal(listenerOn(svc!, 443)?.protocol, 'HTTPS');
    assert.equal(listenerOn(svc!, 9000), undefined);
    assert.equal(listenerOn(svc!, 8080), undefined);
  });
});

describe('router: rules in priority order, default last', () => {
  const listener = snapshot.services.get('svc-1')!.listeners.get(80)!;
  const cases: readonly { name: string; method: string; path: string; headers?: string[]; rule: string }[] = [
    { name: 'header match wins by priority 5', method: 'GET', path: '/api/x', headers: ['X-Tenant', 'BLUE'], rule: '5' },
    { name: 'header match needs the header present', method: 'GET', path: '/api/x', headers: [], rule: '20' },
    { name: 'header exact is not prefix', method: 'GET', path: '/api', headers: ['x-tenant', 'blueish'], rule: '20' },
    { name: 'any value of a repeated header may match', method: 'GET', path: '/nothing', headers: ['x-tenant', 'red', 'X-TENANT', 'Blue'], rule: '5' },
    { name: 'two header matches must both hold (case-sensitive prefix)', method: 'GET', path: '/z', headers: ['x-build', 'Rc-1', 'Accept', 'application/JSON'], rule: '6' },
    { name: 'case-sensitive header prefix refuses other case', method: 'GET', path: '/z', headers: ['x-build', 'rc-1', 'Accept', 'application/json'], rule: 'default' },
    { name: 'only one of two header matches → no', method: 'PUT', path: '/z', headers: ['x-build', 'Rc-1'], rule: 'default' },
    { name: 'method exact + case-sensitive path exact', method: 'POST', path: '/Upload', rule: '10' },
    { name: 'case-sensitive exact refuses other case', method: 'POST', path: '/upload', rule: 'default' },
    { name: 'method is case-sensitive', method: 'post', path: '/Upload', rule: 'default' },
    { name: 'exact is not prefix', method: 'POST', path: '/Upload/more', rule: 'default' },
    { name: 'case-insensitive prefix', method: 'DELETE', path: '/API/v1', rule: '20' },
    { name: 'prefix is a plain string prefix', method: 'DELETE', path: '/apiary', rule: '20' },
    { name: 'rule method "get" never matches GET (exact, case-sensitive)', method: 'GET', path: '/other', rule: 'default' },
    { name: 'default rule last', method: 'PATCH', path: '/', rule: 'default' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rule = matchRule(listener, c.method, c.path, c.headers ?? []);
      assert.ok(rule);
      assert.equal(rule.isDefault ? 'default' : String(rule.priority), c.rule);
    });
  }
  it('a listener without a default rule and no match yields undefined', () => {
    const bare = { ...listener, rules: listener.rules.filter((r) => !r.isDefault) };
    assert.equal(matchRule(bare, 'PATCH', '/', []), undefined);
  });
});
