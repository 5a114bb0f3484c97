import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { bootTrellis, type TestTrellis } from '../support/trellis.js';
import { startBackend, type Backend } from './dataplane-support.js';
import { echoClient, startEchoServer, type EchoReply, type EchoRequest, type EchoServer } from './grpc-echo.js';
import { h2Request, h2Session, logRecords, setUpServices, type LatticeSetup } from './http2-support.js';

/**
 * gRPC through Trellis (issue 6; LATTICE.md §2.6): a @grpc/grpc-js server on 127.0.0.1 is
 * the target of a GRPC target group; a grpc-js client reaches it over TLS on the VPC
 * address (trusting the local CA, the service name as authority): unary, server, client
 * and bidirectional streaming, statuses with messages and metadata end to end, deadlines;
 * Trellis's own answers to gRPC clients as gRPC statuses; the access log's grpcResponseCode.
 */

const VPC = 'vpc-0e8000000000000c3';

interface EchoStub extends grpc.Client {
  Unary(req: EchoRequest, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: EchoReply) => void): grpc.ClientUnaryCall;
  ServerStream(req: EchoRequest, md?: grpc.Metadata): grpc.ClientReadableStream<EchoReply>;
  ClientStream(cb: (err: grpc.ServiceError | null, res?: EchoReply) => void): grpc.ClientWritableStream<EchoRequest>;
  Bidi(): grpc.ClientDuplexStream<EchoRequest, EchoReply>;
}

interface UnaryResult {
  readonly err: grpc.ServiceError | null;
  readonly res: EchoReply | undefined;
  readonly initial: grpc.Metadata | undefined;
  readonly status: grpc.StatusObject | undefined;
}

describe('gRPC through the gateways', () => {
  let t: TestTrellis;
  let setup: LatticeSetup;
  let echo: EchoServer;
  let h1: Backend;
  let closed: Server;
  const clients: grpc.Client[] = [];

  const client = (service: string): EchoStub => {
    const host = setup.hosts[service]!;
    const Echo = echoClient();
    const c = new Echo(`127.0.0.1:${setup.vpcPort}`, grpc.credentials.createSsl(Buffer.from(setup.ca)), {
      'grpc.ssl_target_name_override': host, 'grpc.default_authority': host,
    }) as unknown as EchoStub;
    clients.push(c);
    return c;
  };

  const unary = (c: EchoStub, req: EchoRequest, opts: grpc.CallOptions = {}, md = new grpc.Metadata()): Promise<UnaryResult> =>
    new Promise((resolve) => {
      let initial: grpc.Metadata | undefined;
      let status: grpc.StatusObject | undefined;
      let result: { err: grpc.ServiceError | null; res: EchoReply | undefined } | undefined;
      const done = (): void => { if (result !== undefined && status !== undefined) resolve({ ...result, initial, status }); };
      const call = c.Unary(req, md, { deadline: Date.now() + 5000, ...opts }, (err, res) => { result = { err, res }; done(); });
      call.on('metadata', (m: grpc.Metadata) => { initial = m; });
      call.on('status', (s: grpc.StatusObject) => { status = s; done(); });
    });

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    echo = await startEchoServer();
    h1 = await startBackend('h1');
    // A port that refuses connections: a listener closed right after it was bound.
    closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    setup = await setUpServices(t, VPC, '10.80.0.0/16', 'grpc-net', [
      { name: 'grpc-echo', protocolVersion: 'GRPC', targetPort: echo.port },
      { name: 'grpc-to-h1', protocolVersion: 'HTTP1', targetPort: h1.port },
      { name: 'grpc-dead', protocolVersion: 'GRPC', targetPort: deadPort },
    ]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await t.close();
    await echo.close();
    await h1.close();
  });

  it('unary: the reply, client metadata to the target, initial and trailing metadata back, :authority kept', async () => {
    const md = new grpc.Metadata();
    md.set('x-client', 'tag-1');
    const r = await unary(client('grpc-echo'), { message: 'hello' }, {}, md);
    assert.equal(r.err, null);
    assert.deepEqual(r.res, { message: 'hello|tag-1|/trellis.test.Echo/Unary', index: 0 });
    assert.deepEqual(r.initial?.get('x-initial'), ['hi']);
    assert.equal(r.status?.code, grpc.status.OK);
    assert.deepEqual(r.status?.metadata.get('x-trailer'), ['bye']);
    assert.match(String(r.initial?.get('x-amzn-requestid')[0]), /^[0-9a-f-]{36}$/);
  });

  it('server streaming: every message in order, then OK with trailers', async () => {
    const call = client('grpc-echo').ServerStream({ message: 'tick', count: 25 });
    const got: EchoReply[] = [];
    call.on('data', (m: EchoReply) => got.push(m));
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(got.map((m) => m.index), Array.from({ length: 25 }, (_, i) => i));
    assert.deepEqual(status.metadata.get('x-trailer'), ['bye']);
  });

  it('client streaming: the target reads every message the client streamed', async () => {
    const reply = await new Promise<EchoReply>((resolve, reject) => {
      const call = client('grpc-echo').ClientStream((err, res) => (err ? reject(err) : resolve(res!)));
      for (const m of ['a', 'b', 'c', 'd']) call.write({ message: m });
      call.end();
    });
    assert.deepEqual(reply, { message: 'a,b,c,d', index: 4 });
  });

  it('bidirectional streaming: each message answered while the call is open', async () => {
    const call = client('grpc-echo').Bidi();
    const next = (): Promise<EchoReply> => new Promise((resolve) => call.once('data', resolve));
    for (const m of ['x', 'y', 'z']) {
      const answer = next();
      call.write({ message: m });
      // The answer arrives before the client half-closes: nothing is buffered to the end.
      assert.equal((await answer).message, `echo:${m}`);
    }
    call.end();
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    assert.equal(status.code, grpc.status.OK);
  });

  it('error statuses pass end to end: NOT_FOUND with its message and trailing metadata; logged as grpcResponseCode 5', async () => {
    const r = await unary(client('grpc-echo'), { message: 'not-found' });
    assert.equal(r.err?.code, grpc.status.NOT_FOUND);
    assert.equal(r.err?.details, 'nothing called not-found');
    assert.deepEqual(r.status?.metadata.get('x-detail'), ['no such echo']);
    const [rec] = await logRecords(setup.logDir, (x) => x.requestPath === '/trellis.test.Echo/Unary' && x.grpcResponseCode === 5);
    assert.equal(rec!.protocol, 'HTTP/2');
    assert.equal(rec!.responseCode, 200);
    assert.equal(rec!.failureReason, '-');
    const [ok] = await logRecords(setup.logDir, (x) => x.requestPath === '/trellis.test.Echo/Unary' && x.grpcResponseCode === 0);
    assert.equal(ok!.serverNameIndication, setup.hosts['grpc-echo']);
  });

  it('deadline exceeded: the client gives up, the target was reached', async () => {
    const before = echo.calls;
    const r = await unary(client('grpc-echo'), { message: 'slow', delay_ms: 3000 }, { deadline: Date.now() + 300 });
    assert.equal(r.err?.code, grpc.status.DEADLINE_EXCEEDED);
    assert.equal(echo.calls, before + 1);
    // The client's RST_STREAM ends the exchange: logged as the client's, the target's stream cancelled.
    const [rec] = await logRecords(setup.logDir, (x) => x.requestPath === '/trellis.test.Echo/Unary' && x.failureReason === 'ClientConnectionClosed');
    assert.equal(rec!.protocol, 'HTTP/2');
  });

  it('Trellis\'s own answers are gRPC statuses: a target that refuses → UNAVAILABLE with the reason', async () => {
    const r = await unary(client('grpc-dead'), { message: 'x' });
    assert.equal(r.err?.code, grpc.status.UNAVAILABLE);
    assert.match(r.err?.details ?? '', /Internal Server Error|target/i);
    const [rec] = await logRecords(setup.logDir, (x) => x.serviceArn !== '-' && String(x.hostHeader).startsWith('grpc-dead') && x.grpcResponseCode === 14);
    assert.equal(rec!.failureReason, 'TargetConnectionError');
  });

  it('gRPC to an HTTP1 target group: UNIMPLEMENTED (the §2.6 matrix), the target never reached', async () => {
    const seen = h1.seen.length;
    const r = await unary(client('grpc-to-h1'), { message: 'x' });
    assert.equal(r.err?.code, grpc.status.UNIMPLEMENTED);
    assert.match(r.err?.details ?? '', /gRPC request to an HTTP\/1\.1 target group/);
    assert.equal(h1.seen.length, seen);
    const [rec] = await logRecords(setup.logDir, (x) => String(x.hostHeader).startsWith('grpc-to-h1') && x.grpcResponseCode === 12);
    assert.equal(rec!.failureReason, 'ProtocolVersionMismatch');
  });

  it('plain HTTP/2 to a GRPC group: POST only (GET → 502 ProtocolVersionMismatch)', async () => {
    const s = await h2Session(setup, 'grpc-echo');
    try {
      const r = await h2Request(s, { ':method': 'GET', ':path': '/trellis.test.Echo/Unary', ':authority': setup.hosts['grpc-echo']! });
      assert.equal(r.status, 502);
      assert.match(r.body, /POST/);
    } finally {
      s.destroy();
    }
  });
});
