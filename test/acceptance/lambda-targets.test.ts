import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateListenerCommand, CreateRuleCommand, CreateServiceCommand, CreateServiceNetworkCommand,
  CreateServiceNetworkServiceAssociationCommand, CreateServiceNetworkVpcAssociationCommand, CreateTargetGroupCommand,
  GetServiceNetworkServiceAssociationCommand, GetServiceNetworkVpcAssociationCommand, GetServiceCommand, GetTargetGroupCommand, RegisterTargetsCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';
import { viaProxy, type Reply } from './dataplane-support.js';

/**
 * LAMBDA target groups answer through the proxy gateway: a handler module in a temp dir run
 * in worker threads (V1 and V2 events), an HTTP endpoint speaking the Lambda Invoke API, and
 * the failure answers of LATTICE.md §4/§10 #13 (handler error, timeout, invalid and oversized
 * responses, oversized requests, an unregistered function).
 */

const VPC = 'vpc-0aa1bb2cc3dd4ee01';

const HANDLER = `
export async function handler(event, context) {
  const p = event.path ?? event.raw_path;
  if (p.includes('/throw')) throw new TypeError('boom');
  if (p.includes('/slow')) await new Promise((r) => setTimeout(r, 3000));
  if (p.includes('/invalid')) return 'not a response';
  if (p.includes('/huge')) return { statusCode: 200, body: 'x'.repeat(6 * 1024 * 1024 + 10) };
  if (p.includes('/bin')) return { statusCode: 202, isBase64Encoded: true, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 255]).toString('base64') };
  return {
    statusCode: 200, isBase64Encoded: false,
    headers: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], connection: 'close', 'content-length': '1' },
    body: JSON.stringify({ event, fn: context.invokedFunctionArn, rid: context.awsRequestId }),
  };
}
export const other = async () => ({ statusCode: 200, headers: {}, body: 'other export' });
`;

describe('LAMBDA targets through the gateway', () => {
  let t: TestTrellis;
  let dir: string;
  let invokeServer: Server;
  const invoked: { url: string; body: string; headers: Record<string, unknown> }[] = [];
  let host = '';
  let snArn = '';
  let svcArn = '';
  let region = '';
  let account = '';
  const groups: Record<string, string> = {};
  const fnArn = (name: string) => `arn:aws:lambda:${region}:${account}:function:${name}`;
  const get = (path: string, extra: Parameters<typeof viaProxy>[3] = {}): Promise<Reply> => viaProxy(Number(t.gateway!.split(':')[1]), VPC, `http://${host}${path}`, extra);

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    dir = mkdtempSync(join(tmpdir(), 'trellis-lambda-'));
    writeFileSync(join(dir, 'fn.mjs'), HANDLER);
    // An Invoke API endpoint: answers with the event it got, or a function error for /throw.
    invokeServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        invoked.push({ url: req.url!, body, headers: req.headers });
        const event = JSON.parse(body) as { raw_path?: string };
        if (event.raw_path?.includes('/throw')) {
          res.writeHead(200, { 'x-amz-function-error': 'Unhandled' }).end('{"errorMessage":"boom"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 203, headers: { 'x-from': 'endpoint' }, body: 'via http' }));
      });
    });
    await new Promise<void>((r) => invokeServer.listen(0, '127.0.0.1', r));
    const invokeUrl = `http://127.0.0.1:${(invokeServer.address() as AddressInfo).port}`;

    assert.equal((await t.wire('POST', '/_trellis/vpcs', { vpcId: VPC, cidrBlock: '10.77.0.0/16' })).status, 200);
    const sn = await t.lattice.send(new CreateServiceNetworkCommand({ name: 'lambda-net', authType: 'NONE' }));
    snArn = sn.arn!;
    [, , , region, account] = snArn.split(':') as [string, string, string, string, string];
    const reg = async (name: string, body: Record<string, unknown>) => {
      const r = await t.wire('POST', '/_trellis/functions', { functionArn: fnArn(name), ...body });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    };
    await reg('fn-v1', { handler: join(dir, 'fn.mjs') });
    await reg('fn-v2', { handler: `${join(dir, 'fn.mjs')}#handler`, timeout: 1 });
    await reg('fn-other', { handler: `${join(dir, 'fn.mjs')}#other` });
    await reg('fn-http', { url: invokeUrl });
    await reg('fn-noexport', { handler: `${join(dir, 'fn.mjs')}#absent` });

    const va = await t.lattice.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: VPC }));
    const svc = await t.lattice.send(new CreateServiceCommand({ name: 'lambda-svc', authType: 'NONE' }));
    svcArn = svc.arn!;
    host = svc.dnsEntry!.domainName!;
    const sa = await t.lattice.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: svc.id }));

    const group = async (key: string, fn: string, version?: 'V1' | 'V2') => {
      const tg = await t.lattice.send(new CreateTargetGroupCommand({ name: `grp-${key}`, type: 'LAMBDA', ...(version ? { config: { lambdaEventStructureVersion: version } } : {}) }));
      await eventually(async () => (await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id }))).status === 'ACTIVE');
      await t.lattice.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: [{ id: fnArn(fn) }] }));
      groups[key] = tg.arn!;
      return tg.id!;
    };
    const v1 = await group('v1', 'fn-v1');
    const rules: [string, string][] = [
      ['/v2', await group('v2', 'fn-v2', 'V2')], ['/http', await group('http', 'fn-http')], ['/other', await group('other', 'fn-other:live', 'V2')],
      ['/missing', await group('missing', 'fn-unregistered')], ['/noexport', await group('noexport', 'fn-noexport')],
    ];
    const l = await t.lattice.send(new CreateListenerCommand({
      serviceIdentifier: svc.id, name: 'http', protocol: 'HTTP', port: 80, defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: v1 }] } },
    }));
    let priority = 1;
    for (const [prefix, tg] of rules) {
      await t.lattice.send(new CreateRuleCommand({
        serviceIdentifier: svc.id, listenerIdentifier: l.id, name: `rule${priority}`, priority: priority++,
        match: { httpMatch: { pathMatch: { match: { prefix } } } }, action: { forward: { targetGroups: [{ targetGroupIdentifier: tg }] } },
      }));
    }
    await eventually(async () => (await t.lattice.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: va.id }))).status === 'ACTIVE');
    await eventually(async () => (await t.lattice.send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: sa.id }))).status === 'ACTIVE');
    await eventually(async () => (await t.lattice.send(new GetServiceCommand({ serviceIdentifier: svc.id }))).status === 'ACTIVE');
    await eventually(async () => (await get('/v1/ready')).status === 200, 10_000);
  });
  after(async () => {
    await t.close();
    await new Promise((r) => invokeServer.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists registered functions; refuses a relative handler, both handler and url, or a non-function ARN', async () => {
    const list = await t.wire('GET', '/_trellis/functions');
    assert.deepEqual((list.json.items as { functionName: string }[]).map((f) => f.functionName).sort(), ['fn-http', 'fn-noexport', 'fn-other', 'fn-v1', 'fn-v2']);
    for (const body of [
      { functionArn: fnArn('x'), handler: 'rel/fn.mjs' },
      { functionArn: fnArn('x'), handler: join(dir, 'fn.mjs'), url: 'http://127.0.0.1:1' },
      { functionArn: `arn:aws:lambda:${region}:${account}:layer:x`, handler: join(dir, 'fn.mjs') },
      { functionArn: fnArn('x'), url: 'ftp://x' },
    ]) {
      const r = await t.wire('POST', '/_trellis/functions', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.headers.get('x-amzn-errortype'), 'ValidationException');
    }
  });

  it('answers with a V1 event: joined headers, last query value wins, X-Forwarded-For added; response mapped back', async () => {
    const r = await get('/v1/a?k=1&k=2&q=x', { method: 'POST', headers: { 'content-type': 'application/json', 'x-multi': ['a', 'b'] } as unknown as Record<string, string>, body: '{"hello":1}' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(r.headers['content-type'], 'application/json');
    const got = JSON.parse(r.body) as { event: Record<string, unknown>; fn: string; rid: string };
    assert.equal(r.headers['content-length'], String(Buffer.byteLength(r.body)), 'Content-Length computed, the handler\'s ignored');
    assert.equal(got.fn, fnArn('fn-v1'));
    assert.equal(got.rid, r.headers['x-amzn-requestid']);
    const e = got.event;
    assert.equal(e['raw_path'], '/v1/a?k=1&k=2&q=x');
    assert.equal(e['method'], 'POST');
    assert.deepEqual(e['query_string_parameters'], { k: '2', q: 'x' });
    assert.equal(e['body'], '{"hello":1}');
    assert.equal(e['is_base64_encoded'], false);
    const h = e['headers'] as Record<string, string>;
    assert.equal(h['x-multi'], 'a, b');
    assert.match(h['x-forwarded-for']!, /^10\.77\./);
    assert.equal(e['requestContext'], undefined);
  });

  it('answers with a V2 event: lists, requestContext with the ARNs and a microsecond timeEpoch; binary bodies as base64', async () => {
    const before = Date.now() * 1000;
    const r = await get('/v2/p?k=1&k=2', { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'x-multi': ['a', 'b'] } as unknown as Record<string, string>, body: Buffer.from([0, 1, 2, 250]) });
    assert.equal(r.status, 200);
    const e = (JSON.parse(r.body) as { event: Record<string, unknown> }).event;
    assert.equal(e['version'], '2.0');
    assert.equal(e['path'], '/v2/p?k=1&k=2');
    assert.equal(e['method'], 'PUT');
    assert.deepEqual(e['queryStringParameters'], { k: ['1', '2'] });
    assert.equal(e['isBase64Encoded'], true);
    assert.deepEqual(Buffer.from(e['body'] as string, 'base64'), Buffer.from([0, 1, 2, 250]));
    const h = e['headers'] as Record<string, string[]>;
    assert.deepEqual(h['x-multi'], ['a', 'b']);
    assert.equal(h['x-forwarded-for']!.length, 1);
    const rc = e['requestContext'] as Record<string, unknown>;
    assert.equal(rc['serviceNetworkArn'], snArn);
    assert.equal(rc['serviceArn'], svcArn);
    assert.equal(rc['targetGroupArn'], groups['v2']);
    assert.deepEqual(rc['identity'], { sourceVpcArn: `arn:aws:ec2:${region}:${account}:vpc/${VPC}` });
    assert.equal(rc['region'], region);
    assert.match(rc['timeEpoch'] as string, /^\d{16}$/);
    assert.ok(Number(rc['timeEpoch']) >= before - 1000 && Number(rc['timeEpoch']) <= Date.now() * 1000 + 1000);
  });

  it('decodes a base64 response body; another export is picked with #name', async () => {
    const r = await get('/v1/bin');
    assert.equal(r.status, 202);
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.equal(r.headers['content-length'], '3');
    const other = await get('/other');
    assert.equal(other.status, 200);
    assert.equal(other.body, 'other export');
  });

  it('invokes an HTTP endpoint speaking the Lambda Invoke API', async () => {
    const r = await get('/http/x?a=1');
    assert.equal(r.status, 203);
    assert.equal(r.headers['x-from'], 'endpoint');
    assert.equal(r.body, 'via http');
    const last = invoked[invoked.length - 1]!;
    assert.equal(last.url, '/2015-03-31/functions/fn-http/invocations');
    assert.equal(last.headers['x-amz-invocation-type'], 'RequestResponse');
    assert.equal((JSON.parse(last.body) as { raw_path: string }).raw_path, '/http/x?a=1');
    const err = await get('/http/throw');
    assert.equal(err.status, 502);
  });

  for (const [path, status, text] of [
    ['/v1/throw', 502, /TypeError: boom/], ['/v1/invalid', 502, /not a JSON object/], ['/v1/huge', 502, /over 6 MB/],
    ['/missing', 502, /not registered with Trellis/], ['/noexport', 502, /does not export a function absent/],
  ] as const) {
    it(`answers ${status} for ${path}`, async () => {
      const r = await get(path);
      assert.equal(r.status, status);
      assert.match(r.body, text);
    });
  }

  it('answers 502 when the function times out, and the next invocation works (a fresh worker)', async () => {
    const started = Date.now();
    const r = await get('/v2/slow');
    assert.equal(r.status, 502);
    assert.match(r.body, /timed out after 1000 ms/);
    assert.ok(Date.now() - started < 2500);
    assert.equal((await get('/v2/after')).status, 200);
  });

  it('answers 413 for a request body over 6 MB', async () => {
    const r = await get('/v1/big', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.alloc(6 * 1024 * 1024 + 1, 0x61) });
    assert.equal(r.status, 413);
  });

  it('counts Lambda requests in the metrics like any target group', async () => {
    const m = await t.wire('GET', '/_trellis/metrics');
    const tgId = groups['v1']!.slice(groups['v1']!.lastIndexOf('/') + 1);
    assert.match(m.text, new RegExp(tgId));
  });
});
