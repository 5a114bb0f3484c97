import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListTargetsCommand } from '@aws-sdk/client-vpc-lattice';
import { startBackend, startBackends, type Backend } from '../../examples/walkthrough/backends.mjs';
import { WALKTHROUGH, addHtmlBackend, setupWalkthrough, type Walkthrough } from '../../examples/walkthrough/setup.mjs';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';
import { send, viaProxy, type Reply } from './dataplane-support.js';

/**
 * The walkthrough as a user runs it (examples/walkthrough/README.md): Trellis with its data
 * plane, the two backends, the example's own setup; then curl through the proxy gateway and
 * through the VPC's gateway address alternates HTML and JSON; a second HTML backend, one
 * stopped and started again, as ListTargets and the traffic show.
 */

const portOf = (hostPort: string): number => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
const kindOf = (r: Reply): string => String(r.headers['content-type']);
const backendOf = (r: Reply): string => String(r.headers['x-backend']);

describe('the walkthrough, locally', () => {
  let t: TestTrellis;
  let backends: { html: Backend; json: Backend; close(): Promise<void> };
  let second: Backend | undefined;
  let w: Walkthrough;
  let proxyPort: number;

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    backends = await startBackends({ html: { host: '127.0.0.1', port: 0 }, json: { host: '127.0.0.1', port: 0 } });
    w = await setupWalkthrough({ endpoint: t.url, client: t.lattice, html: backends.html, json: backends.json });
    proxyPort = portOf(t.gateway!);
  });
  after(async () => {
    await t?.close();
    await backends?.close();
    await second?.stop();
  });

  const viaEc2 = (path = '/') => viaProxy(proxyPort, WALKTHROUGH.ec2Vpc.vpcId, `http://${w.dnsName}${path}`);
  const targets = async () => {
    const r = await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: w.htmlTargetGroup.id! }));
    return new Map((r.items ?? []).map((i) => [i.id!, i]));
  };

  it('sets up what the walkthrough creates, and says how to call it', async () => {
    assert.equal(w.dataPlane, true);
    assert.equal(w.proxy, t.gateway);
    assert.equal(w.curl, `curl -x http://${WALKTHROUGH.ec2Vpc.vpcId}@${t.gateway} http://${w.dnsName}/`);
    assert.match(w.dnsName, /^awesome-service-0[0-9a-f]{16}\.[0-9a-f]+\.vpc-lattice-svcs\.us-east-1\.on\.aws$/);
    assert.equal(w.listener.port, 80);
    assert.deepEqual(w.listener.defaultAction?.forward?.targetGroups?.map((g) => g.weight), [10, 10]);
    // The INSTANCE target is health-checked (HEALTHY after its first probe); ALB groups are not checked.
    await eventually(async () => (await targets()).get(WALKTHROUGH.instanceId)?.status === 'HEALTHY', 5000);
    const alb = await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: w.jsonTargetGroup.id! }));
    assert.deepEqual(alb.items?.map((i) => [i.id, i.port, i.status]), [[w.albArn, backends.json.port, 'UNAVAILABLE']]);
    assert.deepEqual(Object.keys(w.vpcEndpoints).sort(), [WALKTHROUGH.ec2Vpc.vpcId, WALKTHROUGH.ecsVpc.vpcId].sort());
  });

  it('alternates text/html and application/json exactly through the proxy gateway', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await viaEc2();
      assert.equal(r.status, 200);
      seen.push(kindOf(r));
    }
    assert.deepEqual(seen, ['text/html', 'application/json', 'text/html', 'application/json', 'text/html', 'application/json', 'text/html', 'application/json']);
    const html = await viaEc2('/index.html');
    assert.match(html.body, /^<!DOCTYPE html>/);
    const json = await viaEc2('/items?x=1');
    assert.deepEqual(JSON.parse(json.body), { message: 'Hello from the ECS service behind the ALB', backend: 'json', address: backends.json.address, path: '/items?x=1' });
  });

  it("alternates the same through each VPC's own gateway address (Host names the service)", async () => {
    const listed = await t.wire('GET', '/_trellis/vpcs');
    const items = listed.json.items as { vpcId: string; endpoint?: string }[];
    for (const vpc of [WALKTHROUGH.ec2Vpc, WALKTHROUGH.ecsVpc]) {
      const endpoint = items.find((i) => i.vpcId === vpc.vpcId)?.endpoint;
      assert.ok(endpoint, `${vpc.vpcId} has a gateway address`);
      const seen: string[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await send({ port: portOf(endpoint), path: '/', headers: { host: w.dnsName } });
        assert.equal(r.status, 200);
        seen.push(kindOf(r));
      }
      assert.deepEqual(seen, Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? 'text/html' : 'application/json')), vpc.vpcId);
      // Each gateway presents its caller inside its own VPC.
      const last = backends.json.requests[backends.json.requests.length - 1]!;
      assert.equal(last.headers['x-amzn-source-vpc'], vpc.vpcId);
      assert.equal(last.headers['x-forwarded-for'], vpc.cidrBlock.replace(/\.0\/16$/, '.4'));
    }
  });

  it('a second HTML backend shares the traffic; stopped, it turns UNHEALTHY and the other takes it all; started, HEALTHY again', { timeout: 40_000 }, async () => {
    second = await startBackend({ kind: 'html', host: '127.0.0.1', port: 0, name: 'html-2' });
    const added = await addHtmlBackend({ endpoint: t.url, client: t.lattice, instanceId: 'i-0ec20000000000002', host: second.host, port: second.port });
    assert.equal(added.targetGroupId, w.htmlTargetGroup.id);
    await eventually(async () => {
      const m = await targets();
      return m.get(WALKTHROUGH.instanceId)?.status === 'HEALTHY' && m.get('i-0ec20000000000002')?.status === 'HEALTHY';
    }, 5000);

    const htmlBackends = async (n: number): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await viaEc2();
        assert.equal(r.status, 200);
        if (kindOf(r) === 'text/html') out.push(backendOf(r));
      }
      return out;
    };
    assert.deepEqual((await htmlBackends(8)).sort(), ['html', 'html', 'html-2', 'html-2'], 'round robin over both HTML targets');

    await backends.html.stop();
    // Two failed probes 5 s apart (the smallest interval the API allows).
    const down = await eventually(async () => {
      const s = (await targets()).get(WALKTHROUGH.instanceId);
      return s?.status === 'UNHEALTHY' ? s : undefined;
    }, 15_000, 100);
    assert.equal(down.reasonCode, 'Target.FailedHealthChecks');
    assert.equal((await targets()).get('i-0ec20000000000002')?.status, 'HEALTHY');
    assert.deepEqual(await htmlBackends(8), ['html-2', 'html-2', 'html-2', 'html-2'], 'every HTML request goes to the healthy target, none fails');

    await backends.html.start();
    const up = await eventually(async () => {
      const s = (await targets()).get(WALKTHROUGH.instanceId);
      return s?.status === 'HEALTHY' ? s : undefined;
    }, 15_000, 100);
    assert.equal(up.reasonCode, undefined);
    assert.deepEqual((await htmlBackends(8)).sort(), ['html', 'html', 'html-2', 'html-2'], 'the restarted target takes its share again');
  });
});
