import { CowMap } from './cow-map.js';
import type { RoutingSnapshot, ServiceEntry } from './snapshot.js';

/**
 * A snapshot as plain JSON, for golden files, `trellis status` and debugging: Maps become
 * objects with sorted keys, and a network's `servicesByHost` names each service by id (the
 * entry itself is under `services`), so nothing is written twice.
 */
export function snapshotToJson(s: RoutingSnapshot): unknown {
  return plain(s, '');
}

function plain(v: unknown, key: string): unknown {
  // The incremental rebuild's maps are CowMaps (cow-map.ts): any ReadonlyMap counts.
  if (v instanceof Map || v instanceof CowMap) {
    const entries = [...v.entries()].map(([k, x]) => [String(k), x] as const);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const obj: Record<string, unknown> = {};
    for (const [k, x] of entries) obj[k] = key === 'servicesByHost' ? (x as ServiceEntry).id : plain(x, k);
    return obj;
  }
  if (Array.isArray(v)) return v.map((x) => plain(x, ''));
  if (typeof v === 'object' && v !== null) {
    const obj: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) obj[k] = plain(x, k);
    return obj;
  }
  return v;
}
