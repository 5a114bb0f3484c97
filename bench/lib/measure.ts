/**
 * Small pieces the TypeScript benchmarks share (bench/lambda, bench/config, and through
 * trellis-bench.ts the proxy benches): a bounded poll for setup steps, and the percentiles
 * every result file reports. The shell side of the
 * proxy benchmarks has its own shared file (bench/lib/proxy-bench.sh).
 */

/**
 * Polls `fn` every `everyMs` until it gives something truthy and returns that; a throw
 * counts as "not yet" (the server may not be listening yet). Past `timeoutMs` the bench
 * fails, naming `what`, rather than hanging.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A series' count, nearest-rank percentiles, max and mean (same units as the input). */
export interface Percentiles {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles of `values` (not modified); a series must not be empty. */
export function percentiles(values: readonly number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}
