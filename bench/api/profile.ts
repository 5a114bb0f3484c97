/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and sums self time per function,
 * so a missed target comes with where the server spent its CPU, not a guess.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface HotSpot {
  readonly fn: string;
  readonly where: string;
  readonly selfMs: number;
  readonly share: number;
}

/**
 * Where a frame lives, shortened: our files relative to the repo, dependencies by package.
 * No line numbers: under tsx they are the transpiled module's, which mislead.
 */
function where(url: string, root: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length).split('/').slice(0, 2).join('/');
  if (path.startsWith('node:')) return path;
  return relative(root, path);
}

/** The functions with the most self time, and the share of all samples of each. */
export function hotSpots(file: string, root: string, top = 15): { totalMs: number; idleShare: number; spots: HotSpot[] } {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // Per-sample time deltas give real durations; hitCount alone assumes a fixed interval.
  if (prof.samples && prof.timeDeltas) {
    for (let i = 0; i < prof.samples.length; i++) {
      const id = prof.samples[i]!;
      self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
    }
  }
  const totals = new Map<string, { fn: string; where: string; ms: number }>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id);
    if (!n) continue;
    totalMs += ms;
    const fn = n.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)') idleMs += ms;
    const w = where(n.callFrame.url, root);
    const key = `${fn} ${w}`;
    const t = totals.get(key) ?? { fn, where: w, ms: 0 };
    t.ms += ms;
    totals.set(key, t);
  }
  const spots = [...totals.values()].sort((a, b) => b.ms - a.ms).slice(0, top)
    .map((t) => ({ fn: t.fn, where: t.where, selfMs: t.ms, share: totalMs ? t.ms / totalMs : 0 }));
  return { totalMs, idleShare: totalMs ? idleMs / totalMs : 0, spots };
}
