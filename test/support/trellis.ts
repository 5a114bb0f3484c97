import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VPCLatticeClient } from '@aws-sdk/client-vpc-lattice';
import { startTrellis, type RunningTrellis } from '../../src/cli/start.js';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIATRELLISTEST00001', secretAccessKey: 'trellis-test-secret' };

export interface WireResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body, or undefined when the body is empty. */
  readonly json: any;
}

export interface TestTrellis extends RunningTrellis {
  readonly lattice: VPCLatticeClient;
  readonly dataDir: string;
  /** A raw HTTP call, for assertions at the wire (status, x-amzn-ErrorType, body). */
  wire(method: string, path: string, body?: unknown): Promise<WireResponse>;
}

/**
 * Boots Trellis on port 0 with a fresh SQLite file, and an SDK client pointed at it, the
 * way a user would: only the endpoint differs from AWS. `dataPlane: true` also starts the
 * data plane (proxy gateway on port 0, health checks, access logs).
 */
export async function bootTrellis(opts: { settleDelayMs?: number; deregistrationDelayMs?: number; quotas?: Record<string, number>; dataPlane?: boolean; enforceIam?: boolean } = {}): Promise<TestTrellis> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trellis-test-'));
  const t = await startTrellis({
    port: 0, host: '127.0.0.1', dataDir, region: 'us-east-1', account: '111122223333',
    control: {
      settleDelayMs: opts.settleDelayMs ?? 20,
      ...(opts.deregistrationDelayMs !== undefined ? { deregistrationDelayMs: opts.deregistrationDelayMs } : {}),
      ...(opts.quotas ? { quotas: opts.quotas as never } : {}),
    },
    // The API tests run without a data plane: no health checker probing what they register.
    gatewayPort: opts.dataPlane ? 0 : null,
    // `t.bootstrap` is the admin key either way; enforced, the other clients' keys are unknown.
    ...(opts.enforceIam ? { enforceIam: true } : {}),
  });
  const lattice = new VPCLatticeClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  return {
    ...t,
    lattice,
    dataDir,
    async wire(method, path, body) {
      const res = await fetch(t.url + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown;
      try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
      return { status: res.status, headers: res.headers, text, json };
    },
    async close() {
      lattice.destroy();
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a truthy value or the deadline passes; never a bare sleep. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 5000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Calls an SDK command expecting it to fail; returns the error for assertions. */
export async function rejects(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, and it succeeded');
}
