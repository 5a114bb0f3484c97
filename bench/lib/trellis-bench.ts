/**
 * Trellis as a benchmark's proxy under test: the start-up every proxy bench needs (the
 * dataplane, HTTPS and gRPC benches' `server.ts`), in one place so that they measure the same
 * runtime started the same way.
 *
 * It is `trellis up` (startTrellis, the same runtime) with two differences: the bench VPC's
 * gateway address gets a fixed port so that the load generator can be pointed at it, and the
 * proxy gateway a free one. State goes to a fresh temp dir, removed at exit; SIGTERM/SIGINT
 * close Trellis cleanly (the bench scripts stop their processes with TERM).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateServiceNetworkServiceAssociationCommand, CreateServiceNetworkVpcAssociationCommand, GetServiceNetworkServiceAssociationCommand,
  GetServiceNetworkVpcAssociationCommand, VPCLatticeClient,
} from '@aws-sdk/client-vpc-lattice';
import { startTrellis } from '../../src/cli/start.js';
import { until } from './measure.js';

/** What `startTrellis` resolves to. */
export type RunningTrellis = Awaited<ReturnType<typeof startTrellis>>;

export interface BenchTrellisOptions {
  /** The bench VPC's gateway address port (where wrk / h2load connect). */
  readonly port: number;
  /** The API port; default port + 1. */
  readonly apiPort?: number;
  /** The VPC whose gateway address gets `port`. */
  readonly vpcId: string;
  /** `trellis up --workers N` (1 = one process). */
  readonly workers?: number;
  /** Prefix of the temp data dir's name. */
  readonly name: string;
}

/** A running bench Trellis, its data dir and API URL. */
export interface BenchTrellis {
  readonly trellis: RunningTrellis;
  readonly dataDir: string;
  readonly apiUrl: string;
}

/** Bounded polls for setup steps: one implementation for every bench (lib/measure.ts). */
export { until };

/**
 * Starts Trellis for a bench (fast settles: 10 ms) and installs the stop-on-signal handler.
 * The VPC is registered by the caller's setup (`registerVpc`).
 */
export async function startBenchTrellis(o: BenchTrellisOptions): Promise<BenchTrellis> {
  const dataDir = mkdtempSync(join(tmpdir(), `${o.name}-`));
  const trellis = await startTrellis({
    port: o.apiPort ?? o.port + 1, host: '127.0.0.1', dataDir, region: 'us-east-1', account: '000000000000',
    control: { settleDelayMs: 10 }, gatewayPort: 0, workers: o.workers ?? 1, vpcPorts: new Map([[o.vpcId, o.port]]),
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void trellis.close().finally(() => { rmSync(dataDir, { recursive: true, force: true }); process.exit(0); });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return { trellis, dataDir, apiUrl: trellis.url };
}

/** Registers `vpcId` (10.0.0.0/16) through Trellis's own /_trellis/vpcs. */
export async function registerVpc(apiUrl: string, vpcId: string): Promise<void> {
  const res = await fetch(`${apiUrl}/_trellis/vpcs`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vpcId, cidrBlock: '10.0.0.0/16' }),
  });
  if (!res.ok) throw new Error(`POST /_trellis/vpcs: ${res.status} ${await res.text()}`);
}

/** An SDK client for the bench's API (no retries: a setup error should show at once). */
export function benchClient(apiUrl: string): VPCLatticeClient {
  return new VPCLatticeClient({
    endpoint: apiUrl, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'AKIATRELLISBENCH0001', secretAccessKey: 'bench' },
  });
}

/** Waits until the VPC's gateway address is open (the association reached every data plane). */
export async function waitForGateway(b: BenchTrellis, vpcId: string, port: number): Promise<void> {
  await until(`the gateway address of ${vpcId} on ${port}`, async () => (await b.trellis.dataPlane!.vpcEndpoints()).some((e) => e.vpcId === vpcId));
}

/** Associates the service and the VPC with the network and waits until both are ACTIVE. */
export async function associate(c: VPCLatticeClient, serviceNetworkId: string, serviceId: string, vpcId: string): Promise<void> {
  const sa = await c.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: serviceNetworkId, serviceIdentifier: serviceId }));
  const va = await c.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: serviceNetworkId, vpcIdentifier: vpcId }));
  await until('service association', async () => (await c.send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: sa.id! }))).status === 'ACTIVE');
  await until('VPC association', async () => (await c.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: va.id! }))).status === 'ACTIVE');
}
