import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import {
  CreateListenerCommand, CreateServiceCommand, CreateServiceNetworkCommand, CreateServiceNetworkServiceAssociationCommand,
  CreateServiceNetworkVpcAssociationCommand, CreateTargetGroupCommand, DeregisterTargetsCommand, GetServiceCommand,
  GetServiceNetworkServiceAssociationCommand, GetServiceNetworkVpcAssociationCommand, GetTargetGroupCommand, ListTargetsCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';
import { startBackend, viaProxy, type Backend, type Reply } from './dataplane-support.js';

/**
 * Draining end to end (issue 3, point 6; LATTICE.md §2.7): Trellis with its data plane, two
 * real backends on loopback, traffic through the proxy gateway. A request that a backend
 * holds until the test releases it is in flight while its target is deregistered: it must
 * complete with 200, no new request may reach that target, ListTargets shows it DRAINING,
 * and once the deregistration delay is over it is gone. Nothing here waits on a timer: the
 * backend answers when told, and every later state is polled for.
 */

const VPC = 'vpc-0d0000000000000d1';
/** Long enough that the steps between deregistering and releasing the held response fit in it. */
const DELAY_MS = 2000;

interface HoldingBackend {
  readonly backend: Backend;
  /** Responses to `/slow` waiting for `release`. */
  readonly held: ServerResponse[];
}

/** A backend answering JSON {backend} at once, and holding `/slow` until released. */
async function holdingBackend(name: string): Promise<HoldingBackend> {
  const held: ServerResponse[] = [];
  const backend = await startBackend(name, (req, res, b) => {
    b.seen.push({ backend: name, method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, headers: req.headers, bodyLength: 0 });
    if (req.url === '/slow') { held.push(res); return; }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ backend: name }));
  });
  return { backend, held };
}

function release(h: HoldingBackend): void {
  for (const res of h.held.splice(0)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ backend: h.backend.name, slow: true }));
  }
}

describe('draining through the data plane', () => {
  let t: TestTrellis;
  let proxyPort: number;
  let host: string;
  let tgId: string;
  const b: Record<'a' | 'b', HoldingBackend> = {} as never;

  const get = (path: string): Promise<Reply> => viaProxy(proxyPort, VPC, `http://${host}${path}`);
  const listTargets = async () => (await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: tgId }))).items!;
  const byPort = (port: number | undefined) => (port === b.a.backend.port ? 'a' : port === b.b.backend.port ? 'b' : String(port));

  before(async () => {
    t = await bootTrellis({ dataPlane: true, deregistrationDelayMs: DELAY_MS });
    proxyPort = Number(t.gateway!.split(':')[1]);
    b.a = await holdingBackend('a');
    b.b = await holdingBackend('b');
    const L = t.lattice;

    const sn = await L.send(new CreateServiceNetworkCommand({ name: 'drain-net' }));
    const svc = await L.send(new CreateServiceCommand({ name: 'drain-svc' }));
    host = svc.dnsEntry!.domainName!;
    const tg = await L.send(new CreateTargetGroupCommand({
      name: 'drain-tg', type: 'IP',
      config: { protocol: 'HTTP', port: 80, vpcIdentifier: VPC, healthCheck: { enabled: false } },
    }));
    tgId = tg.id!;
    await eventually(async () => (await L.send(new GetTargetGroupCommand({ targetGroupIdentifier: tgId }))).status === 'ACTIVE');
    await L.send(new RegisterTargetsCommand({
      targetGroupIdentifier: tgId, targets: [{ id: '127.0.0.1', port: b.a.backend.port }, { id: '127.0.0.1', port: b.b.backend.port }],
    }));
    await L.send(new CreateListenerCommand({
      serviceIdentifier: svc.id, name: 'http', protocol: 'HTTP', port: 80,
      defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tgId }] } },
    }));
    const snsa = await L.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id, serviceIdentifier: svc.id }));
    const snva = await L.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id, vpcIdentifier: VPC }));
    await eventually(async () => (await L.send(new GetServiceCommand({ serviceIdentifier: svc.id }))).status === 'ACTIVE');
    await eventually(async () => (await L.send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: snsa.id }))).status === 'ACTIVE');
    await eventually(async () => (await L.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: snva.id }))).status === 'ACTIVE');
    // Routed once the data plane has compiled all of it.
    await eventually(async () => (await get('/')).status === 200);
  });

  after(async () => {
    release(b.a);
    release(b.b);
    await t.close();
    await b.a.backend.close();
    await b.b.backend.close();
  });

  it('finishes the in-flight request of a deregistered target, sends new ones elsewhere, then forgets it', async () => {
    // Both targets take traffic before the drain.
    const before = new Set<string>();
    for (let i = 0; i < 4; i++) before.add((JSON.parse((await get('/')).body) as { backend: string }).backend);
    assert.deepEqual([...before].sort(), ['a', 'b']);

    // A request in flight: the backend that got it holds it.
    const inFlight = get('/slow');
    const holder = await eventually(async () => (b.a.held.length > 0 ? b.a : b.b.held.length > 0 ? b.b : undefined));
    const other = holder === b.a ? b.b : b.a;
    const drained = { id: '127.0.0.1', port: holder.backend.port };

    const res = await t.wire('POST', `/targetgroups/${tgId}/deregistertargets`, { targets: [drained] });
    assert.deepEqual(res.json, { successful: [drained], unsuccessful: [] });
    assert.deepEqual((await listTargets()).map((i) => `${byPort(i.port)}:${i.status}:${i.reasonCode}`).sort(), [
      `${byPort(holder.backend.port)}:DRAINING:Target.DeregistrationInProgress`,
      `${byPort(other.backend.port)}:UNAVAILABLE:Target.HealthCheckDisabled`,
    ].sort());

    // Once the data plane has the drain, no new request reaches the draining target.
    await eventually(async () => {
      const entry = t.dataPlane!.current().targetGroups.get(tgId);
      return entry?.targets.length === 1 && entry.draining?.length === 1;
    });
    const seenBefore = holder.backend.seen.length;
    for (let i = 0; i < 6; i++) {
      const r = await get('/');
      assert.equal(r.status, 200);
      assert.equal((JSON.parse(r.body) as { backend: string }).backend, other.backend.name);
    }
    assert.equal(holder.backend.seen.length, seenBefore, 'the draining backend saw nothing new');

    // The held request completes: it was never cut.
    release(holder);
    const done = await inFlight;
    assert.equal(done.status, 200);
    assert.deepEqual(JSON.parse(done.body), { backend: holder.backend.name, slow: true });

    // After the delay the target is gone from ListTargets and from the data plane.
    await eventually(async () => (await listTargets()).length === 1, DELAY_MS + 5000);
    assert.deepEqual((await listTargets()).map((i) => byPort(i.port)), [byPort(other.backend.port)]);
    await eventually(async () => t.dataPlane!.current().targetGroups.get(tgId)?.draining === undefined);
  });

  it('answers 500 to new requests when the last target drains, and still finishes the one in flight', async () => {
    const last = (await listTargets())[0]!;
    const holder = last.port === b.a.backend.port ? b.a : b.b;
    const inFlight = get('/slow');
    await eventually(async () => holder.held.length > 0);
    await t.lattice.send(new DeregisterTargetsCommand({ targetGroupIdentifier: tgId, targets: [{ id: last.id!, port: last.port! }] }));
    await eventually(async () => t.dataPlane!.current().targetGroups.get(tgId)?.targets.length === 0);

    // Nothing to fail open to: a draining target takes no new requests (LATTICE.md §2.7).
    const refused = await get('/');
    assert.equal(refused.status, 500);
    assert.match(refused.body, /no target/);

    release(holder);
    const done = await inFlight;
    assert.equal(done.status, 200);
    assert.equal((JSON.parse(done.body) as { slow: boolean }).slow, true);
    await eventually(async () => (await listTargets()).length === 0, DELAY_MS + 5000);
  });
});
