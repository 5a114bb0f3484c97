/**
 * Issue 5's throughput target: the walkthrough's routing with AWS_IAM and an auth policy
 * keeps ≥ 0.8× the throughput of NONE. Boots Trellis with its data plane (as `trellis up`),
 * sets up the walkthrough with loopback backends, then drives GET /public/… through the
 * proxy gateway from the EC2 VPC with keep-alive connections for `--seconds` each:
 *   1. service and network authType NONE (the fast path: no auth work at all);
 *   2. service AWS_IAM with a policy allowing the one VPC and GET /public* (anonymous callers);
 *   3. the same, signed requests would add SigV4 (see bench/auth/sigv4.ts for that half).
 *
 *   node --import tsx bench/auth/routing.ts [--seconds 3] [--concurrency 32]
 */
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PutAuthPolicyCommand, UpdateServiceCommand, VPCLatticeClient } from '@aws-sdk/client-vpc-lattice';
import { startBackends } from '../../examples/walkthrough/backends.mjs';
import { WALKTHROUGH, setupWalkthrough } from '../../examples/walkthrough/setup.mjs';
import { startTrellis } from '../../src/cli/start.js';

const { values: o } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '32' } } });
const SECONDS = Number(o.seconds);
const CONCURRENCY = Number(o.concurrency);

const dataDir = mkdtempSync(join(tmpdir(), 'trellis-bench-auth-'));
const t = await startTrellis({ port: 0, host: '127.0.0.1', dataDir, region: 'us-east-1', account: '111122223333', gatewayPort: 0, control: { settleDelayMs: 10 } });
const client = new VPCLatticeClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIABENCH00000000001', secretAccessKey: 'x' }, maxAttempts: 1 });
const b = await startBackends({ html: { host: '127.0.0.1', port: 0 }, json: { host: '127.0.0.1', port: 0 } });
const w = await setupWalkthrough({ endpoint: t.url, client, html: b.html, json: b.json });
const [host, port] = t.gateway!.split(':') as [string, string];
const auth = 'Basic ' + Buffer.from(`${WALKTHROUGH.ec2Vpc.vpcId}:x`).toString('base64');

function one(agent: Agent, i: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), agent, method: 'GET', path: `http://${w.dnsName}/public/${i}`, headers: { host: w.dnsName, 'proxy-authorization': auth } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

async function run(label: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  for (let i = 0; i < 200; i++) await one(agent, i); // warm-up
  let done = 0;
  let bad = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end) { if ((await one(agent, done)) !== 200) bad++; done++; }
  }));
  agent.destroy();
  const rps = done / SECONDS;
  console.log(`${label.padEnd(34)} ${rps.toFixed(0).padStart(7)} req/s${bad ? ` (${bad} non-200!)` : ''}`);
  return rps;
}

const none = await run('NONE');
await client.send(new PutAuthPolicyCommand({
  resourceIdentifier: w.service.id,
  policy: JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: `${w.service.arn}/public*`,
      Condition: { StringEquals: { 'vpc-lattice-svcs:SourceVpc': WALKTHROUGH.ec2Vpc.vpcId, 'vpc-lattice-svcs:RequestMethod': 'GET' } },
    }],
  }),
}));
await client.send(new UpdateServiceCommand({ serviceIdentifier: w.service.id, authType: 'AWS_IAM' }));
await new Promise((r) => setTimeout(r, 300)); // the snapshot follows the commit
const iam = await run('AWS_IAM + policy (anonymous)');
console.log(`ratio AWS_IAM / NONE: ${(iam / none).toFixed(2)} (target ≥ 0.8)`);

client.destroy();
await t.close();
await b.close();
rmSync(dataDir, { recursive: true, force: true });
