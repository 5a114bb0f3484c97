import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import assert from 'node:assert/strict';
import {
  CreateListenerCommand, CreateServiceNetworkCommand, CreateServiceNetworkServiceAssociationCommand,
  CreateServiceNetworkVpcAssociationCommand, CreateTargetGroupCommand, GetServiceNetworkServiceAssociationCommand,
  GetServiceNetworkVpcAssociationCommand, GetTargetGroupCommand, RegisterTargetsCommand,
  type CreateServiceNetworkResponse, type CreateTargetGroupResponse, type ListenerProtocol, type TargetGroupConfig,
} from '@aws-sdk/client-vpc-lattice';
import { eventually, type TestTrellis } from '../support/trellis.js';

/**
 * The Lattice setup the data-plane acceptance tests over TLS share (HTTPS, HTTP/2 and gRPC,
 * imported certificates, TLS passthrough): a VPC with a network, target groups with
 * loopback targets, listeners, service associations, then the VPC association and the VPC
 * gateway address it opens — each step through the SDK, waiting for ACTIVE where AWS makes
 * one wait. The tests keep what is theirs (which services, listeners, domains).
 */
export class LatticeNetwork {
  private readonly waits: Promise<unknown>[] = [];

  private constructor(private readonly t: TestTrellis, readonly vpcId: string, readonly network: CreateServiceNetworkResponse) {}

  /** Registers `vpcId` (with `cidr`) and creates the service network `name`. */
  static async create(t: TestTrellis, vpcId: string, cidr: string, name: string): Promise<LatticeNetwork> {
    assert.equal((await t.wire('POST', '/_trellis/vpcs', { vpcId, cidrBlock: cidr })).status, 200);
    return new LatticeNetwork(t, vpcId, await t.lattice.send(new CreateServiceNetworkCommand({ name })));
  }

  /**
   * An IP target group in the VPC, ACTIVE, with `targets` on 127.0.0.1. `config` defaults to
   * HTTP on 80 with health checks off (the tests' backends answer no health path).
   */
  async targetGroup(name: string, ports: readonly number[], config: Omit<TargetGroupConfig, 'vpcIdentifier'> = {}): Promise<CreateTargetGroupResponse> {
    const L = this.t.lattice;
    const tg = await L.send(new CreateTargetGroupCommand({
      name, type: 'IP', config: { protocol: 'HTTP', port: 80, healthCheck: { enabled: false }, ...config, vpcIdentifier: this.vpcId },
    }));
    await eventually(async () => (await L.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id }))).status === 'ACTIVE');
    if (ports.length > 0) await L.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id, targets: ports.map((port) => ({ id: '127.0.0.1', port })) }));
    return tg;
  }

  /** A listener whose default action forwards everything to `targetGroupId`; its id. */
  async listener(serviceId: string, name: string, protocol: ListenerProtocol, port: number, targetGroupId: string): Promise<string> {
    const l = await this.t.lattice.send(new CreateListenerCommand({
      serviceIdentifier: serviceId, name, protocol, port, defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: targetGroupId }] } },
    }));
    return l.id!;
  }

  /** Associates the service with the network; `open()` waits for it to be ACTIVE. */
  async associate(serviceId: string): Promise<void> {
    const L = this.t.lattice;
    const a = await L.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: this.network.id, serviceIdentifier: serviceId }));
    this.waits.push(eventually(async () => (await L.send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: a.id }))).status === 'ACTIVE'));
  }

  /**
   * Associates the VPC, waits for every association, and answers the VPC gateway address's
   * port and Trellis's local CA (PEM) — what a TLS client of the generated names trusts.
   */
  async open(): Promise<{ readonly vpcPort: number; readonly ca: string }> {
    const L = this.t.lattice;
    const snva = await L.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: this.network.id, vpcIdentifier: this.vpcId }));
    this.waits.push(eventually(async () => (await L.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: snva.id }))).status === 'ACTIVE'));
    await Promise.all(this.waits.splice(0));
    const endpoint = await eventually(async () => {
      const items = (await this.t.wire('GET', '/_trellis/vpcs')).json.items as { vpcId: string; endpoint?: string }[];
      return items.find((i) => i.vpcId === this.vpcId)?.endpoint;
    });
    return { vpcPort: Number(endpoint.slice(endpoint.lastIndexOf(':') + 1)), ca: await readFile(join(this.t.dataDir, 'ca', 'ca.pem'), 'utf8') };
  }
}

/** What a TLS client saw: the peer certificate, whether it verified against the CA given, ALPN. */
export interface Handshake {
  readonly cert: PeerCertificate;
  readonly authorized: boolean;
  readonly alpn: string | false | null;
  readonly error?: string;
}

/**
 * One TLS handshake with 127.0.0.1:`port`, SNI `servername` (undefined: none), trusting `ca`
 * only but not refusing (the test asserts `authorized`). Rejects when the peer closes before
 * the handshake ends, and after 5 s: a handshake that neither ends nor fails is a failure,
 * not a hung test.
 */
export function tlsHandshake(port: number, servername: string | undefined, ca: string, alpn?: readonly string[]): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, rejectUnauthorized: false, ...(servername ? { servername } : {}), ...(alpn ? { ALPNProtocols: [...alpn] } : {}) }, () => {
      const seen = { cert: s.getPeerCertificate(), authorized: s.authorized, alpn: s.alpnProtocol, ...(s.authorizationError ? { error: String(s.authorizationError) } : {}) };
      s.end();
      resolve(seen);
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error('closed before the handshake')));
    s.setTimeout(5000, () => { s.destroy(); reject(new Error(`handshake with ${servername ?? '(no SNI)'} timed out`)); });
  });
}
