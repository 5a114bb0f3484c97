import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBackends, type Backend, type SeenRequest } from '../../examples/walkthrough/backends.mjs';
import { WALKTHROUGH, setupWalkthrough, type Walkthrough } from '../../examples/walkthrough/setup.mjs';
import { ACCESS_LOG_FIELDS } from '../../src/dataplane/index.js';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';
import { basic, rawValues, send, type Reply } from './dataplane-support.js';

/**
 * What a user of the walkthrough sees of their traffic: the access-log file of the network's
 * subscription (a CloudWatch log group, as a file under the data dir), `/_trellis/metrics`,
 * and the headers a target receives — Lattice's own, never the client's forged ones.
 */

const ACCOUNT = '111122223333';
const EC2 = WALKTHROUGH.ec2Vpc.vpcId;
const ECS = WALKTHROUGH.ecsVpc.vpcId;
const LONELY = 'vpc-0a550c1a7ed000001';
const vpcArn = (id: string) => `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/${id}`;
const portOf = (hostPort: string): number => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
const header = (r: Reply, name: string): string => String(r.headers[name]);

type LogRecord = Record<string, unknown>;

/** The Prometheus sample `name{label="value"}`, or 0 when the series is absent. */
function sample(text: string, name: string, label: string, value: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`trellis_vpclattice_${name}{${label}="${value}"} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('observability: access logs, metrics and the headers targets see', () => {
  let t: TestTrellis;
  let b: { html: Backend; json: Backend; close(): Promise<void> };
  let w: Walkthrough;
  let proxyPort: number;
  let logFile: string;
  let n = 0;

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    b = await startBackends({ html: { host: '127.0.0.1', port: 0 }, json: { host: '127.0.0.1', port: 0 } });
    w = await setupWalkthrough({ endpoint: t.url, client: t.lattice, html: b.html, json: b.json });
    proxyPort = portOf(t.gateway!);
    logFile = join(t.dataDir, 'logs', 'cloudwatch', 'aws_vpclattice_awesome-service-network.log');
    assert.equal(w.destinationArn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/vpclattice/awesome-service-network`);
    assert.equal((await t.wire('POST', '/_trellis/vpcs', { vpcId: LONELY, cidrBlock: '10.9.0.0/16' })).status, 200);
  });
  after(async () => {
    await t?.close();
    await b?.close();
  });

  /** One request through the proxy gateway in absolute form, tagged with a unique x-test-id. */
  const call = async (vpc: string | undefined, path = '/', host = w.dnsName, headers: readonly string[] = []) => {
    const testId = `obs-${++n}`;
    const auth = vpc === undefined ? [] : ['Proxy-Authorization', basic(vpc)];
    const r = await send({ port: proxyPort, path: `http://${host}${path}`, headers: ['Host', host, ...auth, ...headers, 'x-test-id', testId] });
    return { ...r, testId };
  };
  /** The access-log records with these request ids, once all of them are on disk. */
  const records = async (ids: readonly string[]): Promise<LogRecord[]> => eventually(async () => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    const all = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogRecord);
    const mine = all.filter((r) => ids.includes(String(r.requestId)));
    return mine.length >= ids.length ? mine : undefined;
  }, 5000, 20);
  const seenBy = (backend: Backend, testId: string): SeenRequest | undefined => backend.requests.find((r) => r.headers['x-test-id'] === testId);
  const metrics = async () => (await t.wire('GET', '/_trellis/metrics')).text;

  it('writes one JSON record per proxied request, with Lattice fields, to the network subscription file', async () => {
    const sent: (Reply & { testId: string })[] = [];
    for (let i = 0; i < 4; i++) sent.push(await call(EC2, `/obs/${i}?q=${i}`, w.dnsName, ['User-Agent', 'observability-test/1.0']));
    const ids = sent.map((r) => header(r, 'x-amzn-requestid'));
    const recs = await records(ids);
    assert.equal(recs.length, 4, 'exactly one record per request');
    for (const [i, r] of sent.entries()) {
      const rec = recs.find((x) => x.requestId === ids[i])!;
      const html = r.headers['content-type'] === 'text/html';
      assert.deepEqual(Object.keys(rec), [...ACCESS_LOG_FIELDS]);
      assert.equal(rec.requestMethod, 'GET');
      assert.equal(rec.requestPath, `/obs/${i}?q=${i}`);
      assert.equal(rec.protocol, 'HTTP/1.1');
      assert.equal(rec.responseCode, 200);
      assert.equal(rec.serviceArn, w.service.arn);
      assert.equal(rec.serviceNetworkArn, w.serviceNetwork.arn);
      assert.equal(rec.targetGroupArn, html ? w.htmlTargetGroup.arn : w.jsonTargetGroup.arn);
      assert.equal(rec.targetIpPort, html ? b.html.address : b.json.address);
      assert.equal(rec.sourceVpcId, EC2);
      assert.equal(rec.sourceVpcArn, vpcArn(EC2));
      assert.match(String(rec.sourceIpPort), /^10\.0\.0\.4:\d+$/, 'the client, presented inside its VPC');
      assert.equal(rec.hostHeader, w.dnsName);
      assert.equal(rec.userAgent, 'observability-test/1.0');
      assert.equal(rec.listenerId, w.listener.id);
      assert.equal(rec.listenerType, 'HTTP');
      assert.equal(rec.failureReason, '-');
      assert.equal(rec.grpcResponseCode, '-');
      assert.match(String(rec.startTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.ok(Number(rec.bytesSent) > 0 && Number(rec.bytesReceived) > 0);
    }
    assert.deepEqual(recs.map((r) => r.targetGroupArn === w.htmlTargetGroup.arn).sort(), [false, false, true, true]);

    // Through the ECS VPC's own gateway address: the same file, that VPC as the source.
    const viaVpc = await send({ port: portOf(w.vpcEndpoints[ECS]!), path: '/from-ecs', headers: { host: w.dnsName } });
    assert.equal(viaVpc.status, 200);
    const [rec] = await records([header(viaVpc, 'x-amzn-requestid')]);
    assert.equal(rec!.sourceVpcId, ECS);
    assert.match(String(rec!.sourceIpPort), /^10\.1\.0\.4:\d+$/);
    assert.equal(rec!.requestPath, '/from-ecs');
  });

  it('logs local replies with their failureReason; refused requests reach no backend', async () => {
    const unknown = await call(EC2, '/x', 'nothing-here.example.com');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body, 'Non Existent Service\n');
    const [rec] = await records([header(unknown, 'x-amzn-requestid')]);
    assert.equal(rec!.failureReason, 'NonExistentService');
    assert.equal(rec!.responseCode, 404);
    assert.equal(rec!.serviceArn, '-');
    assert.equal(rec!.serviceNetworkArn, w.serviceNetwork.arn, 'the network the VPC reached logs it');
    assert.equal(rec!.targetGroupArn, '-');
    assert.equal(rec!.sourceVpcId, EC2);
    assert.equal(rec!.hostHeader, 'nothing-here.example.com');

    // A VPC with no association gets the same 404 for the service itself. It reached no
    // network, so no subscription covers it: no record (as on AWS, where nothing resolves).
    const lonely = await call(LONELY, '/');
    assert.equal(lonely.status, 404);
    assert.equal(lonely.body, 'Non Existent Service\n');
    const stranger = await call('vpc-0000000000000dead', '/');
    assert.equal(stranger.status, 403);
    const marker = await call(EC2, '/marker');
    const onDisk = await records([header(marker, 'x-amzn-requestid')]);
    assert.equal(onDisk.length, 1);
    const text = await readFile(logFile, 'utf8');
    assert.ok(!text.includes(header(lonely, 'x-amzn-requestid')), 'the unassociated VPC request is in no subscription');
    assert.ok(!text.includes(header(stranger, 'x-amzn-requestid')));
    assert.equal(seenBy(b.html, unknown.testId) ?? seenBy(b.json, unknown.testId), undefined);
    assert.equal(seenBy(b.html, lonely.testId) ?? seenBy(b.json, lonely.testId), undefined);
    assert.equal(seenBy(b.html, stranger.testId) ?? seenBy(b.json, stranger.testId), undefined);
  });

  it('moves the service and target-group metrics by exactly the requests sent', async () => {
    const svc = w.service.id!;
    const htmlTg = w.htmlTargetGroup.id!;
    const jsonTg = w.jsonTargetGroup.id!;
    const res = await t.wire('GET', '/_trellis/metrics');
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
    const m0 = res.text;

    let html = 0;
    let json = 0;
    for (let i = 0; i < 6; i++) {
      const r = await call(EC2, `/count/${i}`);
      assert.equal(r.status, 200);
      if (r.headers['content-type'] === 'text/html') html++;
      else json++;
    }
    // One answered by Trellis itself: over 100 request headers → 400, counted for the service.
    const many: string[] = [];
    for (let i = 0; i < 101; i++) many.push(`x-h-${i}`, 'v');
    const tooMany = await call(EC2, '/too-many', w.dnsName, many);
    assert.equal(tooMany.status, 400);
    const m1 = await metrics();

    const delta = (name: string, label: string, id: string) => sample(m1, name, label, id) - sample(m0, name, label, id);
    assert.equal(delta('TotalRequestCount', 'service', svc), 7);
    assert.equal(delta('HTTPCode_2XX_Count', 'service', svc), 6);
    assert.equal(delta('HTTPCode_4XX_Count', 'service', svc), 1);
    assert.equal(delta('HTTPCode_VpcLattice_400_Count', 'service', svc), 1);
    assert.equal(delta('HTTPCode_5XX_Count', 'service', svc), 0);
    assert.equal(delta('RequestTime_count', 'service', svc), 7);
    assert.equal(sample(m1, 'ActiveRequestCount', 'service', svc), 0);
    assert.equal(delta('TotalRequestCount', 'target_group', htmlTg), html);
    assert.equal(delta('TotalRequestCount', 'target_group', jsonTg), json);
    assert.equal(delta('HTTPCode_2XX_Count', 'target_group', htmlTg), html);
    assert.equal(delta('HTTPCode_2XX_Count', 'target_group', jsonTg), json);
    assert.ok(html > 0 && json > 0);
    // Health checks are not requests.
    assert.ok(b.html.requests.some((r) => /HealthChecker/.test(String(r.headers['user-agent']))));
  });

  it('counts local replies that reached no service under service="-", across snapshot swaps', async () => {
    const m0 = await metrics();
    assert.equal((await call(EC2, '/', 'nothing-here.example.com')).status, 404);
    const m1 = await metrics();
    assert.equal(sample(m1, 'TotalRequestCount', 'service', '-') - sample(m0, 'TotalRequestCount', 'service', '-'), 1);
    assert.equal(sample(m1, 'HTTPCode_VpcLattice_404_Count', 'service', '-') - sample(m0, 'HTTPCode_VpcLattice_404_Count', 'service', '-'), 1);
    assert.equal(sample(m1, 'TotalRequestCount', 'service', w.service.id!), sample(m0, 'TotalRequestCount', 'service', w.service.id!));
    // Any API change swaps the snapshot; the counters stay.
    assert.equal((await t.wire('POST', '/_trellis/vpcs', { vpcId: 'vpc-0a550c1a7ed000002' })).status, 200);
    const store = (await t.wire('GET', '/_trellis/status')).json.revision as number;
    await eventually(async () => ((await t.wire('GET', '/_trellis/status')).json.dataPlane.revision as number) >= store);
    assert.equal(sample(await metrics(), 'TotalRequestCount', 'service', '-'), sample(m1, 'TotalRequestCount', 'service', '-'));
  });

  it("never lets forged x-amzn-lattice-* / X-Amzn-Source-Vpc headers reach a target; Trellis's own do", async () => {
    const forged = [
      'X-Amzn-Lattice-Identity', `Principal=arn:aws:iam::999999999999:root`,
      'x-AMZN-source-VPC', 'vpc-0e0e0e0e0e0e0e0e0',
      'X-AMZN-LATTICE-NETWORK', 'SourceVpcArn=arn:aws:ec2:us-east-1:999999999999:vpc/vpc-0e0e0e0e0e0e0e0e0',
      'x-amzn-lattice-target', 'ServiceArn=forged',
      'X-Amzn-Lattice-Anything', 'forged',
      'X-Forwarded-For', '203.0.113.9',
      'X-Forwarded-Port', '1',
    ];
    // Two requests: one reaches each group (the 10/10 alternation).
    const replies = [await call(EC2, '/forged', w.dnsName, forged), await call(EC2, '/forged', w.dnsName, forged)];
    const viaVpc = await send({ port: portOf(w.vpcEndpoints[ECS]!), path: '/forged', headers: ['Host', w.dnsName, ...forged, 'x-test-id', 'obs-vpc-forged'] });
    const cases = [...replies, { ...viaVpc, testId: 'obs-vpc-forged' }];
    const groups = new Set<string>();
    for (const [i, r] of cases.entries()) {
      assert.equal(r.status, 200);
      const html = r.headers['content-type'] === 'text/html';
      const seen = seenBy(html ? b.html : b.json, r.testId);
      assert.ok(seen, `request ${i} reached its backend`);
      const raw = seen.rawHeaders;
      const vpc = i < 2 ? EC2 : ECS;
      const tg = html ? w.htmlTargetGroup.arn : w.jsonTargetGroup.arn;
      groups.add(tg!);
      assert.deepEqual(rawValues(raw, 'x-amzn-lattice-identity'), []);
      assert.deepEqual(rawValues(raw, 'x-amzn-lattice-anything'), []);
      assert.deepEqual(rawValues(raw, 'x-amzn-source-vpc'), [vpc]);
      assert.deepEqual(rawValues(raw, 'x-amzn-lattice-network'), [`SourceVpcArn=${vpcArn(vpc)}`]);
      assert.deepEqual(rawValues(raw, 'x-amzn-lattice-target'), [`ServiceArn=${w.service.arn};ServiceNetworkArn=${w.serviceNetwork.arn};TargetGroupArn=${tg}`]);
      assert.deepEqual(rawValues(raw, 'x-forwarded-for'), [`203.0.113.9, ${vpc === EC2 ? '10.0.0.4' : '10.1.0.4'}`]);
      assert.deepEqual(rawValues(raw, 'x-forwarded-port'), ['80']);
      assert.deepEqual(rawValues(raw, 'x-forwarded-proto'), ['http']);
      assert.deepEqual(rawValues(raw, 'x-amzn-requestid'), [header(r, 'x-amzn-requestid')]);
      assert.deepEqual(rawValues(raw, 'proxy-authorization'), []);
      assert.deepEqual(rawValues(raw, 'host'), [w.dnsName]);
    }
    assert.equal(groups.size, 2, 'both target groups were checked');
  });
});
