/**
 * Trellis for the HTTPS and gRPC benchmarks (bench/https/run.sh, bench/grpc/run.sh): starts
 * Trellis (`startTrellis`, the `trellis up` runtime, one process), configures it through its
 * API and serves the bench VPC's gateway address on $PORT, where TLS reaches the service's
 * HTTPS listener on 443 (tls.ts sniffing).
 *
 *   PORT=18300 TG_VERSION=HTTP1 TARGETS=18081,18082 CERT_OUT=/tmp/x node --import tsx bench/https/server.ts
 *
 * The service's custom domain is `localhost`, so that clients that take the TLS server name
 * from the URL (wrk, h2load) send SNI `localhost` and resolve it to 127.0.0.1; its certificate
 * is a leaf of the data dir's local CA, as for any name without an imported certificate.
 * TG_VERSION: the target group's protocolVersion (HTTP1, HTTP2 or GRPC); TARGETS: the ports of
 * its targets on 127.0.0.1. As in bench/dataplane: health checks on (HTTP1 groups), an
 * access-log subscription (a file), metrics. CERT_OUT: a directory where the CA certificate
 * and Trellis's leaf for `localhost` (certificate + key) are written, for the side-by-side
 * nginx to present the same certificate (RSA-2048, the local CA).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessLogSubscriptionCommand, CreateListenerCommand, CreateServiceCommand, CreateServiceNetworkCommand,
  CreateServiceNetworkServiceAssociationCommand, CreateServiceNetworkVpcAssociationCommand, CreateTargetGroupCommand,
  GetServiceNetworkServiceAssociationCommand, GetServiceNetworkVpcAssociationCommand, GetTargetGroupCommand, RegisterTargetsCommand,
  VPCLatticeClient, type TargetGroupProtocolVersion,
} from '@aws-sdk/client-vpc-lattice';
import { LocalCertificateAuthority } from '../../src/cli/certificates.js';
import { startTrellis } from '../../src/cli/start.js';

const VPC = 'vpc-0be0c4000000000c2';
const port = Number(process.env.PORT ?? 18300);
const apiPort = Number(process.env.API_PORT ?? port + 1);
const version = (process.env.TG_VERSION ?? 'HTTP1') as TargetGroupProtocolVersion;
const targets = (process.env.TARGETS ?? '18081,18082').split(',').map(Number);
const dataDir = mkdtempSync(join(tmpdir(), 'trellis-https-bench-'));

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`setup: ${what} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const t = await startTrellis({
  port: apiPort, host: '127.0.0.1', dataDir, region: 'us-east-1', account: '000000000000', control: { settleDelayMs: 10 },
  gatewayPort: 0, workers: 1, vpcPorts: new Map([[VPC, port]]),
});
const res = await fetch(`${t.url}/_trellis/vpcs`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vpcId: VPC, cidrBlock: '10.0.0.0/16' }),
});
if (!res.ok) throw new Error(`POST /_trellis/vpcs: ${res.status}`);
const c = new VPCLatticeClient({
  endpoint: t.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'AKIATRELLISBENCH0002', secretAccessKey: 'bench' },
});
try {
  const sn = await c.send(new CreateServiceNetworkCommand({ name: 'https-bench-net' }));
  const svc = await c.send(new CreateServiceCommand({ name: 'https-bench', customDomainName: 'localhost' }));
  const tg = await c.send(new CreateTargetGroupCommand({
    name: 'https-bench-tg', type: 'IP',
    config: {
      port: 80, protocol: 'HTTP', protocolVersion: version, vpcIdentifier: VPC,
      healthCheck: version === 'HTTP1' ? { enabled: true, path: '/', healthCheckIntervalSeconds: 30 } : { enabled: false },
    },
  }));
  await until('target group', async () => (await c.send(new GetTargetGroupCommand({ targetGroupIdentifier: tg.id! }))).status === 'ACTIVE');
  await c.send(new RegisterTargetsCommand({ targetGroupIdentifier: tg.id!, targets: targets.map((p) => ({ id: '127.0.0.1', port: p })) }));
  await c.send(new CreateListenerCommand({
    serviceIdentifier: svc.id!, name: 'https-443', protocol: 'HTTPS', port: 443,
    defaultAction: { forward: { targetGroups: [{ targetGroupIdentifier: tg.id! }] } },
  }));
  if (process.env.BENCH_ACCESS_LOG !== '0') {
    await c.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: sn.id!, destinationArn: 'arn:aws:logs:us-east-1:000000000000:log-group:bench' }));
  }
  const sa = await c.send(new CreateServiceNetworkServiceAssociationCommand({ serviceNetworkIdentifier: sn.id!, serviceIdentifier: svc.id! }));
  const va = await c.send(new CreateServiceNetworkVpcAssociationCommand({ serviceNetworkIdentifier: sn.id!, vpcIdentifier: VPC }));
  await until('service association', async () => (await c.send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: sa.id! }))).status === 'ACTIVE');
  await until('VPC association', async () => (await c.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: va.id! }))).status === 'ACTIVE');
} finally {
  c.destroy();
}
await until('gateway address', async () => (await t.dataPlane!.vpcEndpoints()).some((e) => e.vpcId === VPC));

if (process.env.CERT_OUT) {
  const ca = LocalCertificateAuthority.open(dataDir);
  // nginx presents the very leaf Trellis presents: same key size, same chain, same handshake cost.
  const leaf = await ca.leafFor('localhost');
  writeFileSync(join(process.env.CERT_OUT, 'ca.pem'), ca.certPem);
  writeFileSync(join(process.env.CERT_OUT, 'cert.pem'), leaf.cert);
  writeFileSync(join(process.env.CERT_OUT, 'key.pem'), leaf.key, { mode: 0o600 });
}
console.log(`trellis https bench: VPC gateway 127.0.0.1:${port} (TLS → HTTPS listener 443, SNI localhost), group ${version} → ${targets.join(',')}, API ${t.url}`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void t.close().finally(() => { rmSync(dataDir, { recursive: true, force: true }); process.exit(0); });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
