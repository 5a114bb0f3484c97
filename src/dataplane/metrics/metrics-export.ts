/**
 * A MetricsRegistry's series as plain data (`MetricsRegistry.export()` / `merge()`): what a
 * `trellis up --workers N` worker sends the primary over the cluster IPC channel when
 * `/_trellis/metrics` is scraped, so the primary can render the sum of every worker.
 */
export interface SeriesExport {
  readonly total: number;
  readonly active: number;
  /** HTTPCode_2XX..5XX_Count, index = class − 2. */
  readonly codes: readonly number[];
  /** RequestTime: per-bucket (not cumulative) counts, the last one +Inf; sum and count. */
  readonly time: { readonly counts: readonly number[]; readonly sum: number; readonly count: number };
  /** Service series only: RequestTimeoutCount. */
  readonly timeouts?: number;
  /** Service series only: HTTPCode_VpcLattice_<code>_Count in LATTICE_CODES order. */
  readonly lattice?: readonly number[];
}

export interface MetricsExport {
  readonly services: readonly (readonly [id: string, series: SeriesExport])[];
  readonly groups: readonly (readonly [id: string, series: SeriesExport])[];
}

/** Requests completed, over every service of an export (a worker's share of the traffic). */
export function exportedRequests(e: MetricsExport): number {
  let n = 0;
  for (const [, s] of e.services) n += s.total;
  return n;
}

/** Checks that IPC data is a MetricsExport (it crossed a process boundary: trust nothing). */
export function isMetricsExport(v: unknown): v is MetricsExport {
  if (!isRecord(v) || !Array.isArray(v.services) || !Array.isArray(v.groups)) return false;
  return v.services.every(isEntry) && v.groups.every(isEntry);
}

function isEntry(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && isSeries(v[1]);
}

function isSeries(v: unknown): boolean {
  if (!isRecord(v) || !isNum(v.total) || !isNum(v.active) || !isNums(v.codes)) return false;
  const t = v.time;
  if (!isRecord(t) || !isNums(t.counts) || !isNum(t.sum) || !isNum(t.count)) return false;
  return (v.timeouts === undefined || isNum(v.timeouts)) && (v.lattice === undefined || isNums(v.lattice));
}

function isNums(v: unknown): boolean {
  return Array.isArray(v) && v.every(isNum);
}

function isNum(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
