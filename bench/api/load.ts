/**
 * The load generator of the API benchmark: plain node:http over a keep-alive Agent (undici
 * is not a dependency of Trellis, and node:http is what most SDK users' traffic looks like),
 * closed-loop workers, and latency percentiles from every sample.
 */
import { Agent, request } from 'node:http';

export interface Reply {
  readonly status: number;
  readonly body: string;
}

/**
 * A keep-alive HTTP client for one Trellis. Requests name their region the way SDK clients
 * do, through the credential scope of a SigV4 `Authorization` header; Trellis reads the
 * scope and (without --enforce-iam) does not verify the signature, so none is computed.
 */
export class LatticeHttp {
  private readonly agent: Agent;

  constructor(private readonly port: number, connections: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  call(method: string, path: string, region: string, body?: unknown): Promise<Reply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = {
      authorization: `AWS4-HMAC-SHA256 Credential=AKIABENCHMARK0000001/20250101/${region}/vpc-lattice/aws4_request, SignedHeaders=host, Signature=0`,
    };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise<Reply>((ok, fail) => {
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoadResult {
  readonly requests: number;
  readonly failures: number;
  /** The first few failures, status and body, to say why. */
  readonly failureSamples: readonly string[];
  readonly elapsedMs: number;
  readonly perSecond: number;
  readonly latencyMs: Percentiles;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles of a set of samples. */
export function percentiles(samples: Float64Array): Percentiles {
  const s = Float64Array.from(samples).sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
  let sum = 0;
  for (const v of s) sum += v;
  return { p50: at(50), p90: at(90), p99: at(99), max: s[s.length - 1] ?? 0, mean: s.length ? sum / s.length : 0 };
}

/**
 * Runs `total` requests with `concurrency` closed-loop workers (each sends its next request
 * when the previous answers, as concurrent clients do) and times each one. `send(i)` makes
 * request i; `expect` is the status that counts as success.
 */
export async function closedLoop(
  total: number, concurrency: number, expect: number, send: (i: number) => Promise<Reply>,
): Promise<LoadResult> {
  const latency = new Float64Array(total);
  const failureSamples: string[] = [];
  let failures = 0;
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      const reply = await send(i);
      latency[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      if (reply.status !== expect) {
        failures++;
        if (failureSamples.length < 3) failureSamples.push(`${reply.status} ${reply.body.slice(0, 200)}`);
      }
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { requests: total, failures, failureSamples, elapsedMs, perSecond: (total / elapsedMs) * 1000, latencyMs: percentiles(latency) };
}
