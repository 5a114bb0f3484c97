/**
 * SigV4 verification micro-benchmark (issue 5: "SigV4 verification plus policy evaluation
 * ≤ 50 µs p50 per request").
 *
 *   node --import tsx bench/auth/sigv4.ts [--runs 20000]
 *
 * Signs requests once with the AWS SDK's own signer (@smithy/signature-v4), then times, per
 * request, what the API and the data plane do for each one:
 * - control plane: rawHeaders → SignedRequest, sha256 of a 200-byte JSON body, verifySigV4;
 * - data plane: the same with `x-amz-content-sha256: UNSIGNED-PAYLOAD` and single path
 *   encoding (`vpc-lattice-svcs`), then one identity policy and one auth policy evaluated.
 * Signing keys are cached after the first request (as in a running server). Reports p50/p99
 * in µs; writes bench/results/auth-sigv4-<date>.json.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  combine, compilePolicy, evaluatePolicy, headersFromRaw, latticeInvokeContext, payloadHashFor, signedRequest, verifySigV4,
  type Credential,
} from '../../src/iam/index.js';
import { parsePolicyValue, type PolicyDocument } from '../../src/model/index.js';

function policy(value: unknown, kind: 'identity' | 'resource'): PolicyDocument {
  const r = parsePolicyValue(value, { kind });
  if (!r.ok) throw new Error(r.message);
  return r.document;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '20000' } } });
const RUNS = Number(opts.runs);
const TARGET_US = 50;

class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) { this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret)); }
  update(data: string | ArrayBuffer | ArrayBufferView): void { this.h.update(bytes(data)); }
  async digest(): Promise<Uint8Array> { return new Uint8Array(this.h.digest()); }
  reset(): void { /* one use */ }
}
function bytes(d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof d === 'string') return d;
  return d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

const ACCOUNT = '111122223333';
const cred: Credential = {
  accessKeyId: 'AKIABENCHMARK0000001', secretAccessKey: 'bench-secret-0123456789012345678901234567',
  principal: { arn: `arn:aws:iam::${ACCOUNT}:user/bench`, account: ACCOUNT, type: 'User', tags: { team: 'a' } },
};
const lookup = (id: string): Credential | undefined => (id === cred.accessKeyId ? cred : undefined);

/** What Node hands the server: `rawHeaders` as a flat list. */
function raw(headers: Record<string, string>): string[] {
  return Object.entries(headers).flat();
}

async function signedControlPlane(): Promise<{ rawHeaders: string[]; target: string; body: Buffer }> {
  const body = JSON.stringify({ name: 'bench-service', authType: 'AWS_IAM', tags: { env: 'bench', owner: 'team-a' }, clientToken: 'a'.repeat(64) });
  const signer = new SignatureV4({ credentials: cred, region: 'us-east-1', service: 'vpc-lattice', sha256: Sha256 });
  const out = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: '127.0.0.1', path: '/services', query: {},
    headers: { host: '127.0.0.1:4590', 'content-type': 'application/json', 'user-agent': 'aws-sdk-js/3 bench', 'amz-sdk-invocation-id': 'b9d2f1c4-0000-4000-8000-000000000000', 'amz-sdk-request': 'attempt=1; max=3' },
    body,
  });
  return { rawHeaders: raw(out.headers), target: out.path, body: Buffer.from(body) };
}

async function signedDataPlane(): Promise<{ rawHeaders: string[]; target: string }> {
  const signer = new SignatureV4({ credentials: cred, region: 'us-east-1', service: 'vpc-lattice-svcs', sha256: Sha256, uriEscapePath: false });
  const out = await signer.sign({
    method: 'GET', protocol: 'http:', hostname: 'inventory-0123456789abcdef0.7d67968.vpc-lattice-svcs.us-east-1.on.aws', path: '/public/items', query: { page: '2' },
    headers: { host: 'inventory-0123456789abcdef0.7d67968.vpc-lattice-svcs.us-east-1.on.aws', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', accept: 'application/json' },
  });
  return { rawHeaders: raw(out.headers), target: `${out.path}?page=2` };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function time(label: string, fn: () => void): { label: string; p50: number; p99: number } {
  for (let i = 0; i < 2000; i++) fn(); // warm-up: JIT and the signing-key cache
  const samples: number[] = new Array<number>(RUNS);
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  samples.sort((a, b) => a - b);
  const r = { label, p50: percentile(samples, 50), p99: percentile(samples, 99) };
  console.log(`${label.padEnd(58)} p50 ${r.p50.toFixed(1).padStart(6)} µs   p99 ${r.p99.toFixed(1).padStart(6)} µs`);
  return r;
}

const cp = await signedControlPlane();
const dp = await signedDataPlane();
const now = Date.now();
const SERVICE_ARN = `arn:aws:vpc-lattice:us-east-1:${ACCOUNT}:service/svc-0123456789abcdef0`;
const identity = compilePolicy('identity', 'VPCLatticeServicesInvokeAccess', policy({
  Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'vpc-lattice-svcs:Invoke', Resource: '*' }],
}, 'identity'));
const authPolicy = compilePolicy('service', `auth policy of ${SERVICE_ARN}`, policy({
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`] }, Action: 'vpc-lattice-svcs:Invoke', Resource: `${SERVICE_ARN}/public*`,
    Condition: { StringEquals: { 'vpc-lattice-svcs:SourceVpc': 'vpc-0123456789abcdef0', 'aws:PrincipalTag/team': 'a' } },
  }],
}, 'resource'));

const check = (ok: boolean, what: string) => { if (!ok) throw new Error(`benchmark request did not verify: ${what}`); };
const results = [
  time('control plane: sha256(body) + verify (header form)', () => {
    const headers = headersFromRaw(cp.rawHeaders);
    const r = verifySigV4(signedRequest('POST', cp.target, headers, payloadHashFor(headers, cp.body)), lookup, { services: ['vpc-lattice'], now });
    check(r.kind === 'verified', 'control plane');
  }),
  time('data plane: verify (UNSIGNED-PAYLOAD, single encoding)', () => {
    const headers = headersFromRaw(dp.rawHeaders);
    const r = verifySigV4(signedRequest('GET', dp.target, headers, payloadHashFor(headers, undefined)), lookup, { services: ['vpc-lattice-svcs'], now });
    check(r.kind === 'verified', 'data plane');
  }),
  time('data plane: verify + identity and auth policy evaluation', () => {
    const headers = headersFromRaw(dp.rawHeaders);
    const r = verifySigV4(signedRequest('GET', dp.target, headers, payloadHashFor(headers, undefined)), lookup, { services: ['vpc-lattice-svcs'], now });
    if (r.kind !== 'verified') throw new Error('data plane did not verify');
    const ctx = latticeInvokeContext({ principal: r.principal, method: 'GET', path: dp.target, headers, serviceArn: SERVICE_ARN, sourceVpc: 'vpc-0123456789abcdef0', now });
    const d = combine([evaluatePolicy(identity, ctx), evaluatePolicy(authPolicy, ctx)]);
    check(d.effect === 'Allow', 'policies');
  }),
];

const facts = { date: new Date().toISOString(), node: process.version, platform: `${platform()} ${release()}`, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, runs: RUNS };
mkdirSync(`${ROOT}bench/results`, { recursive: true });
const file = `${ROOT}bench/results/auth-sigv4-${facts.date.replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ ...facts, targetUs: TARGET_US, results }, null, 2));
const worst = Math.max(...results.map((r) => r.p50));
console.log(`\n${worst <= TARGET_US ? 'met' : 'NOT met'}: p50 ≤ ${TARGET_US} µs (worst p50 ${worst.toFixed(1)} µs) — ${file}`);
