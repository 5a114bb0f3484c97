/**
 * Trellis for the HTTPS and gRPC benchmarks (bench/https/run.sh, bench/grpc/run.sh): starts
 * Trellis (bench/lib/trellis-bench.ts: the `trellis up` runtime; `--workers N` as `trellis up
 * --workers N`), configures it through its API and serves the bench VPC's gateway address on
 * $PORT, where TLS reaches the service's HTTPS listener on 443 (tls.ts sniffing) and, for an
 * HTTP1 group, plaintext with `Host: localhost` its HTTP listener on 80 (same route: what TLS
 * adds is measured against it).
 *
 *   PORT=18300 TG_VERSION=HTTP1 TARGETS=18081,18082 CERT_OUT=/tmp/x node --import tsx bench/https/server.ts [--workers 2]
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
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAccessLogSubscriptionCommand, CreateListenerCommand, CreateServiceCommand, CreateServiceNetworkCommand,
  CreateTargetGroupCommand, GetTargetGroupCommand, RegisterTargetsCommand, type TargetGroupProtocolVersion,
} from '@aws-sdk/client-vpc-lattice';
import { LocalCertificateAuthority } from '../../src/cli/certificates.js';
import { associate, benchClient, registerVpc, startBenchTrellis, until, waitForGateway } from '../lib/trellis-bench.js';

const VPC = 'vpc-0be0c4000000000c2';
const port = Number(process.env.PORT ?? 18300);
const version = (process.env.TG_VERSION ?? 'HTTP1') as TargetGroupProtocolVersion;
const targets = (process.env.TARGETS ?? '18081,18082').split(',').map(Number);
const wi = process.argv.indexOf('--workers');
const workers = wi > 0 ? Number(process.argv[wi + 1]) : 1;

const b = await startBenchTrellis({ port, apiPort: Number(process.env.API_PORT ?? port + 1), vpcId: VPC, workers, name: 'trellis-https-bench' });
const dataDir = b.dataDir;
await registerVpc(b.apiUrl, VPC);
const c = benchClient(b.apiUrl);
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
  const forward = { forward: { targetGroups: [{ targetGroupIdentifier: tg.id! }] } };
  await c.send(new CreateListenerCommand({ serviceIdentifier: svc.id!, name: 'https-443', protocol: 'HTTPS', port: 443, defaultAction: forward }));
  // The same service over plaintext too (Host `localhost` → listener 80): what TLS adds is
  // then measured against the very same route (bench/https/run.sh's trellis-http).
  if (version === 'HTTP1') await c.send(new CreateListenerCommand({ serviceIdentifier: svc.id!, name: 'http-80', protocol: 'HTTP', port: 80, defaultAction: forward }));
  if (process.env.BENCH_ACCESS_LOG !== '0') {
    await c.send(new CreateAccessLogSubscriptionCommand({ resourceIdentifier: sn.id!, destinationArn: 'arn:aws:logs:us-east-1:000000000000:log-group:bench' }));
  }
  await associate(c, sn.id!, svc.id!, VPC);
} finally {
  c.destroy();
}
await waitForGateway(b, VPC, port);

if (process.env.CERT_OUT) {
  const ca = LocalCertificateAuthority.open(dataDir);
  // nginx presents the very leaf Trellis presents: same key size, same chain, same handshake cost.
  const leaf = await ca.leafFor('localhost');
  writeFileSync(join(process.env.CERT_OUT, 'ca.pem'), ca.certPem);
  writeFileSync(join(process.env.CERT_OUT, 'cert.pem'), leaf.cert);
  writeFileSync(join(process.env.CERT_OUT, 'key.pem'), leaf.key, { mode: 0o600 });
}
console.log(`trellis https bench: VPC gateway 127.0.0.1:${port} (TLS → HTTPS listener 443, SNI localhost; plaintext → HTTP listener 80), group ${version} → ${targets.join(',')}, workers ${workers}, API ${b.apiUrl}`);
