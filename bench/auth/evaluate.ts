/**
 * Policy evaluator micro-benchmark (issue 5: SigV4 verification plus policy evaluation
 * ≤ 50 µs p50 per request; this measures the evaluation half): the walkthrough-style auth
 * policies — the network allows one VPC, the service allows `GET /public*` and denies an admin
 * path — compiled once, then evaluated many times.
 *
 *   node --import tsx bench/auth/evaluate.ts              # defaults below
 *   ... --batches 200 --batch 2000
 *
 * Reports, per operation, ns per call: the p50/p99 over batches (each batch's mean, so the
 * clock's resolution does not dominate), and the overall mean:
 * - compilePolicy of the service policy (what a snapshot swap pays, once);
 * - evaluatePolicy of the service policy, allowed and denied requests;
 * - latticeInvokeContext (the per-request context, with 6 headers and a query string);
 * - authorizeLatticeRequest on a built context: both layers AWS_IAM, plus an identity policy;
 * - context + authorize together: the data plane's whole auth cost besides SigV4;
 * - a denied request with `explain` (what a denied request's log record pays).
 * Writes bench/results/auth-evaluate-<date>.json with the machine's facts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parsePolicyValue, type PolicyDocument } from '../../src/model/index.js';
import {
  authorizeLatticeRequest, compilePolicy, evaluatePolicy, latticeInvokeContext, managedPolicy,
  type LatticeInvokeInput, type Principal,
} from '../../src/iam/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: opts } = parseArgs({ options: { batches: { type: 'string', default: '200' }, batch: { type: 'string', default: '2000' } } });
const BATCHES = Number(opts.batches);
const BATCH = Number(opts.batch);

const ACCT = '111122223333';
const SVC = `arn:aws:vpc-lattice:us-west-2:${ACCT}:service/svc-0123456789abcdef0`;
const SN = `arn:aws:vpc-lattice:us-west-2:${ACCT}:servicenetwork/sn-0123456789abcdef0`;

function doc(value: unknown, kind: 'resource' | 'identity' = 'resource'): PolicyDocument {
  const r = parsePolicyValue(value, { kind });
  if (!r.ok) throw new Error(r.message);
  return r.document;
}

const networkDoc = doc({
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: '*',
    Condition: { StringEquals: { 'vpc-lattice-svcs:SourceVpc': 'vpc-0a1b2c3d4e5f60718' } },
  }],
});
const serviceDoc = doc({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'PublicReads', Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: `${SVC}/public*`, Condition: { StringEquals: { 'vpc-lattice-svcs:RequestMethod': 'GET' } } },
    { Sid: 'Team', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'vpc-lattice-svcs:*', Resource: `${SVC}/*`, Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
    { Sid: 'NoAdmin', Effect: 'Deny', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: `${SVC}/public/admin*` },
  ],
});
const invoke = managedPolicy('arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess')!;

const networkPolicy = compilePolicy('service-network', 'auth policy of sn', networkDoc);
const servicePolicy = compilePolicy('service', 'auth policy of svc', serviceDoc);
const identityPolicy = compilePolicy('identity', invoke.arn, invoke.document);

const session: Principal = {
  arn: `arn:aws:sts::${ACCT}:assumed-role/app-role/i-0abc`, account: ACCT, type: 'AssumedRole',
  roleArn: `arn:aws:iam::${ACCT}:role/app-role`, sessionName: 'i-0abc', userId: 'AROAAPP:i-0abc', tags: { team: 'payments' },
};
const input: LatticeInvokeInput = {
  principal: session, serviceArn: SVC, serviceNetworkArn: SN, method: 'GET', path: '/public/index.html?page=2&sort=asc',
  headers: { host: 'rates.example.internal', 'user-agent': 'bench', accept: '*/*', 'x-amz-date': '20260301T000000Z', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', authorization: 'AWS4-HMAC-SHA256 …' },
  port: 80, sourceVpc: 'vpc-0a1b2c3d4e5f60718', sourceVpcOwnerAccount: ACCT, sourceIp: '10.0.1.5', secureTransport: false,
  resourceTags: { env: 'prod' }, now: Date.parse('2026-03-01T00:00:00Z'),
};
const allowedCtx = latticeInvokeContext(input);
const deniedCtx = latticeInvokeContext({ ...input, method: 'POST', path: '/private', principal: { ...session, tags: {} } });

interface Result { readonly name: string; readonly p50: number; readonly p99: number; readonly mean: number }

let sink = 0;
function measure(name: string, fn: () => unknown, batch = BATCH, batches = BATCHES): Result {
  for (let i = 0; i < batch * 5; i++) if (fn()) sink++; // warm-up: let the JIT settle
  const per: number[] = [];
  let total = 0;
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) if (fn()) sink++;
    const ns = Number(process.hrtime.bigint() - t0);
    per.push(ns / batch);
    total += ns;
  }
  per.sort((a, b) => a - b);
  const at = (p: number) => per[Math.min(per.length - 1, Math.ceil(p * per.length) - 1)]!;
  return { name, p50: at(0.5), p99: at(0.99), mean: total / (batch * batches) };
}

// Sanity: the requests decide as intended, or the numbers would measure the wrong path.
const check = authorizeLatticeRequest({ networkAuthType: 'AWS_IAM', networkPolicy, serviceAuthType: 'AWS_IAM', servicePolicy, identityPolicies: [identityPolicy], ctx: allowedCtx });
if (!check.allowed) throw new Error(`bench request should be allowed: ${check.message}`);
if (authorizeLatticeRequest({ networkAuthType: 'AWS_IAM', networkPolicy, serviceAuthType: 'AWS_IAM', servicePolicy, ctx: deniedCtx }).allowed) throw new Error('bench request should be denied');

const results: Result[] = [
  measure('compilePolicy (service policy, 3 statements)', () => compilePolicy('service', 's', serviceDoc), 200, 100),
  measure('evaluatePolicy service policy, allowed', () => evaluatePolicy(servicePolicy, allowedCtx).effect === 'Allow'),
  measure('evaluatePolicy service policy, denied', () => evaluatePolicy(servicePolicy, deniedCtx).effect === 'Allow'),
  measure('latticeInvokeContext (6 headers, 2 query keys; keys lazy)', () => latticeInvokeContext(input).resource.length > 0),
  measure('authorizeLatticeRequest network+service+identity', () => authorizeLatticeRequest({
    networkAuthType: 'AWS_IAM', networkPolicy, serviceAuthType: 'AWS_IAM', servicePolicy, identityPolicies: [identityPolicy], ctx: allowedCtx,
  }).allowed),
  measure('context + authorize (per request, allowed)', () => authorizeLatticeRequest({
    networkAuthType: 'AWS_IAM', networkPolicy, serviceAuthType: 'AWS_IAM', servicePolicy, identityPolicies: [identityPolicy], ctx: latticeInvokeContext(input),
  }).allowed),
  measure('authorize denied with explain', () => authorizeLatticeRequest({
    networkAuthType: 'AWS_IAM', networkPolicy, serviceAuthType: 'AWS_IAM', servicePolicy, ctx: deniedCtx, explain: true,
  }).allowed, 500, 100),
];

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30),
  platform: `${platform()} ${release()}`, node: process.version, loadavg: loadavg()[0] ?? 0,
};
console.log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadavg.toFixed(2)}`);
console.log('| operation | p50 ns | p99 ns | mean ns |\n| --- | ---: | ---: | ---: |');
for (const r of results) console.log(`| ${r.name} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.mean.toFixed(0)} |`);
const whole = results.find((r) => r.name.startsWith('context + authorize'))!;
console.log(`\nper-request auth (context + three layers): ${(whole.p50 / 1000).toFixed(2)} µs p50 of the 50 µs budget shared with SigV4`);

const dir = join(ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `auth-evaluate-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ machine, batches: BATCHES, batch: BATCH, results, sink }, null, 2)}\n`);
console.log(`wrote ${file}`);
