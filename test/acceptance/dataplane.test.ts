import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { DataPlane, type GatewayAddress } from '../../src/dataplane/index.js';
import { arnOf, buildSnapshot, dnsNameOf, fixed, forward, vpcArnOf, type Fixture } from '../../src/dataplane/router/snapshot-fixture.js';
import {
  CountingMetrics, MapHealth, MemorySink, rawValues, send, startBackend, viaProxy, type Backend,
} from './dataplane-support.js';

const SVC = dnsNameOf('svc-web');
const OTHER = dnsNameOf('svc-other');
const logs = { subscriptionId: 'als-svc', destinationArn: 'arn:aws:logs:us-east-1:111122223333:log-group:svc', resourceId: 'svc-web' };
const netLogs = { subscriptionId: 'als-sn', destinationArn: 'arn:aws:s3:::sn-bucket', resourceId: 'sn-main' };

function fixture(b: Record<string, Backend>): Fixture {
  const t = (k: string) => ({ id: `10.1.0.${Object.keys(b).indexOf(k) + 1}`, port: b[k]!.port, address: '127.0.0.1' });
  return {
    vpcs: [
      { id: 'vpc-client', cidr: '10.0.0.0/16', network: 'sn-main' },
      { id: 'vpc-sg-ok', cidr: '10.5.0.0/16', network: 'sn-main', securityGroups: [{ id: 'sg-1', ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '10.5.0.0/16' }] }] },
      { id: 'vpc-sg-other', cidr: '10.6.0.0/16', network: 'sn-main', securityGroups: [{ id: 'sg-2', ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '192.168.0.0/16' }] }] },
      { id: 'vpc-sg-port', cidr: '10.7.0.0/16', network: 'sn-main', securityGroups: [{ id: 'sg-3', ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' }] }] },
      { id: 'vpc-lonely', cidr: '10.8.0.0/16' },
      { id: 'vpc-elsewhere', cidr: '10.9.0.0/16', network: 'sn-other' },
    ],
    networks: [
      { id: 'sn-main', services: ['svc-web'], accessLogs: [netLogs] },
      { id: 'sn-other', services: ['svc-other'] },
    ],
    services: [
      {
        id: 'svc-web', hostNames: [SVC, 'web.example.com'], accessLogs: [logs],
        listeners: [
          {
            port: 80,
            rules: [
              { priority: 10, match: { path: { kind: 'prefix', value: '/api', caseSensitive: false } }, action: forward(['tg-json', 1]) },
              { priority: 5, match: { method: 'POST', path: { kind: 'exact', value: '/api/special', caseSensitive: true } }, action: forward(['tg-html', 1]) },
              { priority: 20, match: { headers: [{ name: 'x-amzn-lattice-identity', kind: 'contains', value: 'admin', caseSensitive: false }] }, action: forward(['tg-json', 1]) },
              { priority: 30, match: { path: { kind: 'exact', value: '/gone', caseSensitive: false } }, action: fixed(404) },
              { priority: 40, match: { path: { kind: 'prefix', value: '/empty', caseSensitive: false } }, action: forward(['tg-empty', 1]) },
            ],
            defaultAction: forward(['tg-html', 10], ['tg-json', 10]),
          },
          { port: 8080, defaultAction: forward(['tg-html', 1]) },
        ],
      },
      { id: 'svc-other', listeners: [{ port: 80, defaultAction: forward(['tg-html', 1]) }] },
    ],
    targetGroups: [
      { id: 'tg-html', targets: [t('html')] },
      { id: 'tg-json', targets: [t('json')] },
      { id: 'tg-empty', targets: [{ id: 'i-0000000000000099a', port: 80, unresolved: 'instance not found' }] },
    ],
  };
}

describe('data plane: gateways, routing, headers', () => {
  const sink = new MemorySink();
  const metrics = new CountingMetrics();
  const health = new MapHealth();
  const backends: Record<string, Backend> = {};
  let dp: DataPlane;
  let proxy: GatewayAddress;
  let vpcGw: GatewayAddress;

  before(async () => {
    backends.html = await startBackend('html');
    backends.json = await startBackend('json');
    dp = new DataPlane({ accessLog: sink, metrics, health });
    dp.setSnapshot(buildSnapshot(fixture(backends)));
    proxy = await dp.listenProxy(0, '127.0.0.1');
    vpcGw = await dp.listenVpc('vpc-client', 0, '127.0.0.1');
  });
  after(async () => {
    await dp.close();
    for (const b of Object.values(backends)) await b.close();
  });

  const backendOf = (r: { body: string }) => (JSON.parse(r.body) as { backend: string }).backend;

  it('routes by rule priority, method and path through the proxy gateway', async () => {
    assert.equal(backendOf(await viaProxy(proxy.port, 'vpc-client', `http://${SVC}/API/v1?x=1`)), 'json');
    assert.equal(backendOf(await viaProxy(proxy.port, 'vpc-client', `http://${SVC}/api/special`, { method: 'POST', body: 'hi' })), 'html');
    assert.equal(backendOf(await viaProxy(proxy.port, 'vpc-client', `http://${SVC}/api/special`)), 'json');
    assert.equal(backendOf(await viaProxy(proxy.port, 'vpc-client', `http://WEB.example.com/api`)), 'json');
    assert.equal(backendOf(await viaProxy(proxy.port, 'vpc-client', `http://${SVC}:8080/x`)), 'html');
    const r = await viaProxy(proxy.port, 'vpc-client', `http://${SVC}/API/v1?x=1`);
    assert.equal(JSON.parse(r.body).url, '/API/v1?x=1');
  });

  it('alternates 10/10 weighted groups exactly: A,B,A,B', async () => {
    const seq: string[] = [];
    for (let i = 0; i < 6; i++) seq.push(backendOf(await viaProxy(proxy.port, 'vpc-client', `http://${SVC}/`)));
    // Where the cycle starts depends on earlier requests; the alternation is exact.
    for (let i = 1; i < seq.length; i++) assert.notEqual(seq[i], seq[i - 1], seq.join(','));
  });

  it('adds Lattice headers, keeps Host, returns the request id', async () => {
    backends.html!.seen.length = 0;
    const r = await viaProxy(proxy.port, 'vpc-client', `http://${SVC}:8080/h`, { headers: { 'X-Forwarded-For': '1.2.3.4', 'User-Agent': 'test-agent' } });
    assert.equal(r.status, 200);
    const seen = backends.html!.seen[0]!;
    const h = seen.headers;
    assert.equal(h.host, `${SVC}:8080`);
    assert.equal(h['x-forwarded-for'], '1.2.3.4, 10.0.0.4');
    assert.equal(h['x-forwarded-port'], '8080');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-amzn-source-vpc'], 'vpc-client');
    assert.equal(h['x-amzn-lattice-network'], `SourceVpcArn=${vpcArnOf('vpc-client')}`);
    assert.equal(h['x-amzn-lattice-target'], `ServiceArn=${arnOf('service', 'svc-web')};ServiceNetworkArn=${arnOf('servicenetwork', 'sn-main')};TargetGroupArn=${arnOf('targetgroup', 'tg-html')}`);
    assert.match(String(h['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
    assert.equal(r.headers['x-amzn-requestid'], h['x-amzn-requestid']);
    assert.equal(h['proxy-authorization'], undefined);
    assert.equal(h['user-agent'], 'test-agent');
    // the target's own x-amzn-requestid gives way to the request's
    assert.deepEqual(rawValues(Object.entries(r.headers).flat() as string[], 'x-amzn-requestid'), [String(h['x-amzn-requestid'])]);

    const long = 'r'.repeat(600);
    await viaProxy(proxy.port, 'vpc-client', `http://${SVC}:8080/h`, { headers: { 'x-amzn-requestid': long } });
    assert.equal(backends.html!.seen[1]!.headers['x-amzn-requestid'], 'r'.repeat(512));
  });

  it('drops spoofed x-amzn-lattice-* and x-amzn-source-vpc headers in any case; rules never see them', async () => {
    backends.html!.seen.length = 0;
    const r = await viaProxy(proxy.port, 'vpc-client', `http://${SVC}:8080/spoof`, {
      headers: ['X-Amzn-Lattice-Identity', 'Principal=admin', 'x-AMZN-source-VPC', 'vpc-evil', 'X-AMZN-LATTICE-NETWORK', 'SourceVpcArn=evil', 'x-amzn-lattice-target', 'evil', 'x-forwarded-port', '1', 'Host', `${SVC}:8080`, 'Proxy-Authorization', 'Basic ' + Buffer.from('vpc-client:x').toString('base64')],
    });
    assert.equal(r.status, 200);
    const raw = backends.html!.seen[0]!.rawHeaders;
    assert.deepEqual(rawValues(raw, 'x-amzn-lattice-identity'), []);
    assert.deepEqual(rawValues(raw, 'x-amzn-source-vpc'), ['vpc-client']);
    assert.deepEqual(rawValues(raw, 'x-amzn-lattice-network'), [`SourceVpcArn=${vpcArnOf('vpc-client')}`]);
    assert.equal(rawValues(raw, 'x-amzn-lattice-target').length, 1);
    assert.deepEqual(rawValues(raw, 'x-forwarded-port'), ['8080']);
    // a rule matching x-amzn-lattice-identity must not match a client-sent one (default rule → html or json alternate; never rule 20's forced json twice)
    backends.json!.seen.length = 0;
    backends.html!.seen.length = 0;
    for (let i = 0; i < 2; i++) await viaProxy(proxy.port, 'vpc-client', `http://${SVC}/who`, { headers: { 'x-amzn-lattice-identity': 'admin' } });
    assert.equal(backends.json!.seen.length, 1);
    assert.equal(backends.html!.seen.length, 1);
  });

  it('answers the documented local replies, each with its reason in the access log', async () => {
    const cases: readonly [string | undefined, string, number, string][] = [
      [undefined, `http://${SVC}/`, 407, 'ProxyAuthenticationRequired'],
      ['vpc-nobody', `http://${SVC}/`, 403, 'UnknownVpc'],
      ['vpc-lonely', `http://${SVC}/`, 404, 'UnassociatedVpc'],
      ['vpc-elsewhere', `http://${SVC}/`, 404, 'NonExistentService'],
      ['vpc-client', `http://${OTHER}/`, 404, 'NonExistentService'],
      ['vpc-client', 'http://nope.example.com/', 404, 'NonExistentService'],
      ['vpc-client', `http://${SVC}/gone`, 404, '-'],
      ['vpc-client', `http://${SVC}/empty`, 500, 'TargetConnectionError'],
      ['vpc-sg-other', `http://${SVC}/`, 403, 'SecurityGroupDenied'],
      ['vpc-sg-port', `http://${SVC}/`, 403, 'SecurityGroupDenied'],
    ];
    const before = backends.html!.seen.length + backends.json!.seen.length;
    for (const [vpc, url, status, reason] of cases) {
      const n = sink.entries.length;
      const r = await viaProxy(proxy.port, vpc, url);
      assert.equal(r.status, status, `${vpc} ${url}`);
      assert.equal(sink.entries.length, n + 1, 'exactly one record');
      assert.equal(sink.last().failureReason, reason, `${vpc} ${url}`);
      assert.equal(sink.last().responseCode, status);
      if (status === 404 && reason !== '-') assert.equal(r.body, 'Non Existent Service\n');
      if (status === 407) assert.match(String(r.headers['proxy-authenticate']), /^Basic realm=/);
      if (reason === '-') assert.equal(r.body, '');
    }
    assert.equal(backends.html!.seen.length + backends.json!.seen.length, before, 'no refused request reached a backend');
  });

  it('admits a client of the VPC by its own CIDR (security group) and presents it inside the VPC', async () => {
    const r = await viaProxy(proxy.port, 'vpc-sg-ok', `http://${SVC}:8080/`);
    assert.equal(r.status, 403, 'the SG of vpc-sg-ok admits port 80 only');
    backends.json!.seen.length = 0;
    const ok = await viaProxy(proxy.port, 'vpc-sg-ok', `http://${SVC}/api`);
    assert.equal(ok.status, 200);
    assert.equal(backends.json!.seen[0]!.headers['x-forwarded-for'], '10.5.0.4');
    assert.match(sink.last().sourceIpPort, /^10\.5\.0\.4:\d+$/);
  });

  it('resets the connection when the service has no listener on the port, as AWS', async () => {
    const err = await viaProxy(proxy.port, 'vpc-client', `http://${SVC}:9999/`).then(() => undefined, (e: Error) => e);
    assert.ok(err, 'expected a connection error');
    assert.match(String((err as NodeJS.ErrnoException).code), /ECONNRESET/);
    assert.equal(sink.last().failureReason, 'NoListener');
  });

  it('per-VPC gateway: Host names the service; the address serves listener port 80', async () => {
    const r = await send({ port: vpcGw.port, path: '/api/x', headers: { host: SVC } });
    assert.equal(r.status, 200);
    assert.equal(backendOf(r), 'json');
    const withPort = await send({ port: vpcGw.port, path: '/api/x', headers: { host: `${SVC}:${vpcGw.port}` } });
    assert.equal(withPort.status, 200, 'the Host port is ignored: this address serves listener 80');
    const other = await send({ port: vpcGw.port, path: '/', headers: { host: OTHER } });
    assert.equal(other.status, 404);
    const gw8080 = await dp.listenVpc('vpc-client', 0, '127.0.0.1', { listenerPort: 8080 });
    backends.html!.seen.length = 0;
    const r8080 = await send({ port: gw8080.port, path: '/p', headers: { host: SVC } });
    assert.equal(backendOf(r8080), 'html');
    assert.equal(backends.html!.seen[0]!.headers['x-forwarded-port'], '8080');
    await gw8080.close();
    const lonely = await dp.listenVpc('vpc-lonely');
    assert.equal((await send({ port: lonely.port, path: '/', headers: { host: SVC } })).status, 404);
    await lonely.close();
    const denied = await dp.listenVpc('vpc-sg-other');
    assert.equal((await send({ port: denied.port, path: '/', headers: { host: SVC } })).status, 403);
    await denied.close();
  });

  it('answers 400 over 100 request headers or over 60 KB of them', async () => {
    const many: string[] = [];
    for (let i = 0; i < 101; i++) many.push(`x-h-${i}`, 'v');
    const r = await send({ port: vpcGw.port, path: '/', headers: ['host', SVC, ...many.slice(0, 200)] });
    assert.equal(r.status, 400);
    assert.equal(sink.last().failureReason, 'ClientProtocolError');
    const ok = await send({ port: vpcGw.port, path: '/', headers: ['host', SVC, ...many.slice(0, 196)] });
    assert.equal(ok.status, 200, '99 headers pass');
    const big = await send({ port: vpcGw.port, path: '/', headers: { host: SVC, 'x-big': 'a'.repeat(61 * 1024) } });
    assert.equal(big.status, 400);
    const fine = await send({ port: vpcGw.port, path: '/', headers: { host: SVC, 'x-big': 'a'.repeat(40 * 1024) } });
    assert.equal(fine.status, 200, '40 KB of headers pass (above node:http default 16 KB)');
  });

  it('writes one access-log record per request to the service and network destinations, and one metrics outcome', async () => {
    const n = sink.entries.length;
    const f = metrics.finished.length;
    const s = metrics.started.length;
    await viaProxy(proxy.port, 'vpc-client', `http://${SVC}/api/log?q=1`, { headers: { 'user-agent': 'curl/8.5.0' } });
    assert.equal(sink.entries.length, n + 1);
    assert.equal(metrics.finished.length, f + 1);
    assert.equal(metrics.started.length, s + 1);
    const { record, destinations } = sink.entries[n]!;
    assert.deepEqual(destinations.map((d) => d.subscriptionId), ['als-svc', 'als-sn']);
    assert.equal(record.serviceArn, arnOf('service', 'svc-web'));
    assert.equal(record.serviceNetworkArn, arnOf('servicenetwork', 'sn-main'));
    assert.equal(record.targetGroupArn, arnOf('targetgroup', 'tg-json'));
    assert.equal(record.sourceVpcId, 'vpc-client');
    assert.equal(record.sourceVpcArn, vpcArnOf('vpc-client'));
    assert.equal(record.hostHeader, SVC);
    assert.equal(record.requestMethod, 'GET');
    assert.equal(record.requestPath, '/api/log?q=1');
    assert.equal(record.protocol, 'HTTP/1.1');
    assert.equal(record.userAgent, 'curl/8.5.0');
    assert.equal(record.responseCode, 200);
    assert.equal(record.failureReason, '-');
    assert.equal(record.targetIpPort, `127.0.0.1:${backends.json!.port}`);
    assert.match(record.startTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(record.listenerId, /^listener-svc-web-80$/);
    assert.ok(record.bytesSent > 0 && record.bytesReceived > 0);
    assert.deepEqual(metrics.started[s], { serviceId: 'svc-web', targetGroupId: 'tg-json' });
    assert.equal(metrics.finished[f]!.responseCode, 200);
    assert.equal(metrics.finished[f]!.latticeCode, undefined);
  });

  it('works with curl -x http://vpc-id@gateway', async (t) => {
    const out = await new Promise<{ code: number; stdout: string } | undefined>((resolve) => {
      execFile('curl', ['-s', '-x', `http://vpc-client@127.0.0.1:${proxy.port}`, `http://${SVC}/api/curl`], (err, stdout) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') resolve(undefined);
        else resolve({ code: err ? 1 : 0, stdout });
      });
    });
    if (out === undefined) { t.skip('curl is not installed'); return; }
    assert.equal(out.code, 0);
    assert.equal(JSON.parse(out.stdout).backend, 'json');
  });

  it('answers CONNECT with 501', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const s = connect(proxy.port, '127.0.0.1', () => s.write(`CONNECT ${SVC}:443 HTTP/1.1\r\nHost: ${SVC}:443\r\n\r\n`));
      let buf = '';
      s.on('data', (d) => { buf += d.toString(); });
      s.on('end', () => resolve(buf));
      s.on('error', reject);
    });
    assert.match(text, /^HTTP\/1\.1 501 /);
  });
});
