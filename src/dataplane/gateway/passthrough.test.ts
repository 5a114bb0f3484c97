import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { RoutingSnapshot } from '../../config/index.js';
import { Balancer } from '../balancer/balancer.js';
import type { AccessLogRecord, RequestOutcome } from '../contracts.js';
import { buildSnapshot, dnsNameOf, forward } from '../router/snapshot-fixture.js';
import { Passthrough } from './passthrough.js';
import type { RequestPath } from './request-path.js';

/**
 * The passthrough connection's own rules, on fixture snapshots and raw loopback sockets: the
 * ClientHello wait (timeout, garbage), the hand-over to termination with every byte put
 * back, the relay of the exact bytes, and the idle timeout with its access-log record.
 */

/** A minimal well-formed ClientHello record naming `sni` (TLS 1.3 suite, no other extension). */
function clientHello(sni: string): Buffer {
  const name = Buffer.from(sni, 'ascii');
  const entry = Buffer.concat([Buffer.from([0, name.length >> 8, name.length & 0xff]), name]);
  const list = Buffer.concat([u16(entry.length), entry]);
  const ext = Buffer.concat([u16(0), u16(list.length), list]);
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 7), Buffer.from([0]), u16(2), Buffer.from([0x13, 0x01]), Buffer.from([1, 0]), u16(ext.length), ext]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([22, 3, 1]), u16(hs.length), hs]);
}
/** Polls `cond` until it holds (2 s at most): waiting, never a sleep as an assertion. */
async function eventuallyTrue(cond: () => boolean): Promise<void> {
  const end = Date.now() + 2000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function u16(n: number): Buffer {
  return Buffer.from([n >> 8, n & 0xff]);
}

const VPC = 'vpc-0000000000000p001';
const PT = 'db.example.com';

describe('passthrough: ClientHello wait, hand-over, relay, idle timeout', () => {
  let target: Server;
  let targetPort = 0;
  const atTarget: Buffer[] = [];
  let gateway: Server;
  let gatewayPort = 0;
  let pt: Passthrough;
  const records: AccessLogRecord[] = [];
  const outcomes: RequestOutcome[] = [];
  let handedOver: { bytes: Promise<Buffer> } | undefined;
  let snapshot: RoutingSnapshot;

  before(async () => {
    target = createServer((s) => {
      const got: Buffer[] = [];
      atTarget.length = 0;
      s.on('data', (b: Buffer) => { got.push(b); atTarget.splice(0, atTarget.length, Buffer.concat(got)); });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    targetPort = (target.address() as AddressInfo).port;
    snapshot = buildSnapshot({
      vpcs: [{ id: VPC, cidr: '10.1.0.0/16', network: 'sn-1' }],
      networks: [{ id: 'sn-1', services: ['svc-pt', 'svc-https'] }],
      services: [
        { id: 'svc-pt', hostNames: [dnsNameOf('svc-pt'), PT], idleTimeoutSeconds: 0.15, listeners: [{ port: 443, protocol: 'TLS_PASSTHROUGH', defaultAction: forward(['tg-tcp', 1]) }] },
        { id: 'svc-https', listeners: [{ port: 443, protocol: 'HTTPS', defaultAction: forward(['tg-tcp', 1]) }] },
      ],
      targetGroups: [{ id: 'tg-tcp', protocol: 'TCP', targets: [{ id: '127.0.0.1', port: targetPort, address: '127.0.0.1' }] }],
    });
    const path = { snapshot, balancer: new Balancer({ status: () => 'HEALTHY' }) } as unknown as RequestPath;
    pt = new Passthrough({
      accessLog: { write: (r) => { records.push(r); }, close: async () => undefined },
      metrics: { requestStarted: () => undefined, requestFinished: (o) => { outcomes.push(o); } },
      now: Date.now,
    }, path, { helloTimeoutMs: 100 });
    gateway = createServer({ allowHalfOpen: true }, (socket: Socket) => {
      socket.on('error', () => undefined);
      pt.dispatch(socket, VPC, 443, () => {
        // Termination's view: what the socket yields from here on must start with every byte read.
        handedOver = {
          bytes: new Promise((resolve) => {
            const got: Buffer[] = [];
            socket.on('data', (b: Buffer) => { got.push(b); resolve(Buffer.concat(got)); });
            socket.on('end', () => socket.destroy());
            socket.resume();
          }),
        };
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    gatewayPort = (gateway.address() as AddressInfo).port;
  });

  after(async () => {
    pt.close();
    await new Promise<void>((r) => gateway.close(() => r()));
    await new Promise<void>((r) => target.close(() => r()));
  });

  const open = async (bytes: Buffer): Promise<Socket> => {
    const s = connect({ host: '127.0.0.1', port: gatewayPort });
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    s.write(bytes);
    return s;
  };
  const closed = (s: Socket): Promise<void> => new Promise((r) => { if (s.destroyed) r(); else s.once('close', () => r()); });

  it('closes a connection whose ClientHello does not come whole in time, and logs why', async () => {
    const n = records.length;
    const s = await open(Buffer.from([22, 3, 1, 0, 200, 1]));
    await closed(s);
    await eventuallyTrue(() => records.length > n);
    assert.equal(records.at(-1)!.failureReason, 'ClientProtocolError');
    assert.equal(records.at(-1)!.listenerType, 'TLS_PASSTHROUGH');
    assert.equal(pt.size, 0);
  });

  it('closes on bytes that are not a ClientHello, without handing them to termination', async () => {
    handedOver = undefined;
    const s = await open(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await closed(s);
    assert.equal(handedOver, undefined);
  });

  it('hands a ClientHello for an HTTPS service to termination with every byte put back', async () => {
    handedOver = undefined;
    const hello = clientHello(dnsNameOf('svc-https'));
    const s = await open(hello.subarray(0, 10));
    s.write(hello.subarray(10));
    await eventuallyTrue(() => handedOver !== undefined);
    assert.deepEqual(await handedOver!.bytes, hello);
    s.destroy();
  });

  it('relays the exact bytes to the target and closes both sides after the idle timeout', async () => {
    const n = records.length;
    const hello = clientHello(PT.toUpperCase());
    const s = await open(hello);
    await eventuallyTrue(() => atTarget[0]?.equals(hello) === true);
    s.write('more');
    await eventuallyTrue(() => atTarget[0]?.length === hello.length + 4);
    await closed(s); // nothing flows for 150 ms: idle
    await eventuallyTrue(() => records.length > n);
    const rec = records.at(-1)!;
    assert.equal(rec.failureReason, 'IdleTimeout');
    assert.equal(rec.serverNameIndication, PT);
    assert.equal(rec.targetIpPort, `127.0.0.1:${targetPort}`);
    assert.equal(rec.bytesReceived, hello.length + 4);
    assert.equal(rec.bytesSent, 0);
    assert.match(rec.sourceIpPort, /^10\.1\.0\.4:\d+$/);
    assert.equal(outcomes.at(-1)!.timedOut, true);
    assert.equal(outcomes.at(-1)!.targetGroupId, 'tg-tcp');
  });
});
