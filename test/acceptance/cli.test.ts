import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { startBackends, type Backend } from '../../examples/walkthrough/backends.mjs';
import { WALKTHROUGH, setupWalkthrough, type Walkthrough } from '../../examples/walkthrough/setup.mjs';
import { REPO_ROOT } from '../support/child-trellis.js';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';
import { send, viaProxy } from './dataplane-support.js';

/**
 * The `trellis` admin commands as a user runs them: the real `node bin/trellis.mjs` process
 * against a booted Trellis (`--endpoint`), asserting stdout, stderr and the exit code.
 */

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }

/** Runs `node bin/trellis.mjs …args` to completion (bounded: 20 s). */
function trellis(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/trellis.mjs', ...args], { cwd: REPO_ROOT, timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const ACCOUNT = '111122223333';
const PLACE = { account: ACCOUNT, region: 'us-east-1' };
const NEW_VPC = 'vpc-0c11c11c11c11c111';
const portOf = (hostPort: string): number => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
/** No stack trace, no source excerpt: one readable line. */
const oneLine = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at |\.ts:\d+/, stderr);

describe('the trellis command against a running Trellis', () => {
  let t: TestTrellis;
  let b: { html: Backend; json: Backend; close(): Promise<void> };
  let w: Walkthrough;
  let ep: string[];
  const viaEc2 = (port: number, path: string) => viaProxy(port, WALKTHROUGH.ec2Vpc.vpcId, `http://${w.dnsName}${path}`);

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    b = await startBackends({ html: { host: '127.0.0.1', port: 0 }, json: { host: '127.0.0.1', port: 0 } });
    w = await setupWalkthrough({ endpoint: t.url, client: t.lattice, html: b.html, json: b.json });
    ep = ['--endpoint', t.url];
  });
  after(async () => {
    await t?.close();
    await b?.close();
  });

  it('vpc create registers a VPC with its CIDR; vpc list shows it beside the walkthrough VPCs', async () => {
    const created = await trellis('vpc', 'create', NEW_VPC, '--cidr', '10.20.0.0/16', ...ep);
    assert.deepEqual(created, { code: 0, stdout: `${NEW_VPC} 10.20.0.0/16\n`, stderr: '' });

    const text = await trellis('vpc', 'list', ...ep);
    assert.equal(text.code, 0);
    const lines = text.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^VPC\s+CIDR\s+GATEWAY\s+SOURCE\s+SEEN$/);
    assert.equal(lines.length, 4, 'a header and three VPCs');
    const row = (id: string) => lines.find((l) => l.startsWith(id))?.split(/\s+/);
    assert.deepEqual(row(NEW_VPC)?.slice(0, 4), [NEW_VPC, '10.20.0.0/16', '-', 'explicit'], 'no association, no gateway address');
    for (const v of [WALKTHROUGH.ec2Vpc, WALKTHROUGH.ecsVpc]) {
      assert.deepEqual(row(v.vpcId)?.slice(0, 4), [v.vpcId, v.cidrBlock, w.vpcEndpoints[v.vpcId], 'explicit']);
    }
  });

  it('vpc endpoint prints the proxy gateway and the VPC address (which answers), or says there is none', async () => {
    const vpc = WALKTHROUGH.ec2Vpc.vpcId;
    const r = await trellis('vpc', 'endpoint', vpc, ...ep);
    assert.equal(r.code, 0, r.stderr);
    const [proxy, address] = r.stdout.trimEnd().split('\n');
    assert.equal(proxy, `proxy     http://${vpc}@${t.gateway}   (curl -x http://${vpc}@${t.gateway} http://<service dns name>/)`);
    const own = w.vpcEndpoints[vpc]!;
    assert.equal(address, `address   http://${own}   (Host: <service dns name>; listener port 80)`);
    // What it printed works: the address answers for the service.
    const reply = await send({ port: portOf(own), path: '/', headers: { host: w.dnsName } });
    assert.equal(reply.status, 200);

    const lone = await trellis('vpc', 'endpoint', NEW_VPC, ...ep);
    assert.equal(lone.code, 0);
    assert.match(lone.stdout, /^address {3}- \(the VPC has no service-network association\)$/m);
  });

  it('instance and load-balancer register where INSTANCE and ALB targets go', async () => {
    const alb = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/cli-alb/0123456789abcdef`;
    const [inst, lb] = await Promise.all([
      trellis('instance', 'i-0c11c11c11c11c111', '--ip', '127.0.0.9', '--vpc', NEW_VPC, ...ep),
      trellis('load-balancer', alb, '--ip', '127.0.0.8', ...ep),
    ]);
    assert.deepEqual(inst, { code: 0, stdout: 'i-0c11c11c11c11c111 → 127.0.0.9\n', stderr: '' });
    assert.deepEqual(lb, { code: 0, stdout: `${alb} → 127.0.0.8\n`, stderr: '' });
    const i = await t.store.get<{ privateIpAddress?: string; vpcId?: string; source: string }>('instance', PLACE, 'i-0c11c11c11c11c111');
    assert.deepEqual([i?.doc.privateIpAddress, i?.doc.vpcId, i?.doc.source], ['127.0.0.9', NEW_VPC, 'explicit']);
    const l = await t.store.get<{ address: string }>('loadbalancer', PLACE, alb);
    assert.equal(l?.doc.address, '127.0.0.8');

  });

  it('status prints the store and snapshot revisions and the problems', async () => {
    const r = await trellis('status', ...ep);
    assert.equal(r.code, 0, r.stderr);
    const m = /^store revision (\d+)\nrouting snapshot revision (\d+), (\d+) problem\(s\)\n/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const status = (await t.wire('GET', '/_trellis/status')).json as { revision: number; dataPlane: { revision: number; problems: unknown[] } };
    assert.ok(Number(m[1]) <= status.revision && Number(m[2]) <= status.dataPlane.revision);
    assert.equal(Number(m[3]), status.dataPlane.problems.length);
  });

  it('logs tail prints the access-log records, the last N, by destination, and follows new ones', async () => {
    const proxyPort = portOf(t.gateway!);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await viaEc2(proxyPort, `/tail/${i}`);
      assert.equal(r.status, 200);
      ids.push(String(r.headers['x-amzn-requestid']));
    }
    const dataDir = ['--data-dir', t.dataDir];
    const last2 = await eventually(async () => {
      const r = await trellis('logs', 'tail', '-n', '2', ...dataDir);
      return r.stdout.includes(ids[2]!) ? r : undefined;
    }, 10_000, 100);
    assert.equal(last2.code, 0);
    const recs = last2.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { requestId: string; requestPath: string });
    assert.deepEqual(recs.map((r) => [r.requestId, r.requestPath]), [[ids[1], '/tail/1'], [ids[2], '/tail/2']]);

    const mine = await trellis('logs', 'tail', '-n', '1', '--destination', w.destinationArn, ...dataDir);
    assert.equal(mine.code, 0);
    assert.equal(JSON.parse(mine.stdout).requestId, ids[2]);

    // -f: a new request shows up while the command runs; Ctrl-C ends it cleanly.
    const child = spawn(process.execPath, ['bin/trellis.mjs', 'logs', 'tail', '-f', '-n', '0', ...dataDir], { cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    try {
      // It prints nothing until a record arrives: keep sending until one shows up.
      await eventually(async () => {
        if (out.includes('"requestPath":"/follow"')) return true;
        assert.equal((await viaEc2(proxyPort, '/follow')).status, 200);
        return false;
      }, 15_000, 300);
      assert.equal(JSON.parse(out.split('\n')[0]!).requestPath, '/follow');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0);
  });

  it('fails with a readable one-line message and a non-zero exit code', async () => {
    const [unknown, badIp, unreachable, missing] = await Promise.all([
      trellis('vpc', 'endpoint', 'vpc-0000000000000dead', ...ep),
      trellis('instance', 'i-0c11c11c11c11c112', '--ip', 'not-an-ip', ...ep),
      trellis('status', '--endpoint', 'http://127.0.0.1:1'),
      trellis('instance', 'i-0c11c11c11c11c113', ...ep),
    ]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.equal(unknown.stderr, 'trellis: Trellis does not know vpc-0000000000000dead\n');
    assert.equal(badIp.code, 1);
    assert.equal(badIp.stderr, 'trellis: 400 not-an-ip is not an IP address\n');
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^trellis: cannot reach Trellis at http:\/\/127\.0\.0\.1:1 \(.+\); is `trellis up` running\?\n$/);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /required option '--ip <address>' not specified/);
    for (const r of [unknown, badIp, unreachable, missing]) oneLine(r.stderr);
  });
});
