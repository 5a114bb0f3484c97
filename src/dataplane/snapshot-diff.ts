/**
 * What changed between two snapshots, by entry identity.
 *
 * The incremental rebuild (config/incremental.ts) reuses every untouched compiled entry: an
 * unchanged target group, service, network or VPC is the same object (===) in the next
 * snapshot as in the previous one. So a consumer that reconciles its state with a snapshot
 * only has to look at the ids whose entry is a different object, or that appeared or left:
 * the cost of a swap follows the size of the change, not the size of the store (10,000
 * services and 100,000 targets; issue 3). Finding those ids still visits every key of the
 * new map once (an identity compare each, no allocation); the old map is visited only when
 * some id left, which the sizes tell.
 */

/** One id whose entry differs: added (`before` undefined), replaced, or removed (`after` undefined). */
export interface EntryChange<V> {
  readonly id: string;
  readonly before: V | undefined;
  readonly after: V | undefined;
}

/** The id an entry is stored under in its snapshot map (`id`, or `vpcId` for VPCs). */
export type IdOf<V> = (entry: V) => string;

interface Cached {
  readonly prev: ReadonlyMap<string, unknown> | undefined;
  readonly changes: readonly EntryChange<unknown>[];
}

/**
 * The last diff computed to each map, by the map it was computed from: the health checker,
 * the metrics, the balancer and the pools each compare the same two snapshots in turn, and
 * only the first one pays for the scan. Weak, so it holds no snapshot alive.
 */
const lastDiff = new WeakMap<ReadonlyMap<string, unknown>, Cached>();

/**
 * The ids whose entry differs between `prev` and `next`: added, replaced by another
 * object, or removed (those last). Ids whose entry is the same object are left out.
 * `prev` undefined: everything in `next` is added. Computed once per pair of maps.
 *
 * Both maps must store each entry under its own id, `idOf(entry)`, as the snapshot's maps
 * of services, target groups, networks and VPCs do.
 */
export function changedEntries<V>(prev: ReadonlyMap<string, V> | undefined, next: ReadonlyMap<string, V>, idOf: IdOf<V>): readonly EntryChange<V>[] {
  if (prev === next) return [];
  const hit = lastDiff.get(next);
  if (hit !== undefined && hit.prev === prev) return hit.changes as readonly EntryChange<V>[];
  const changes = scan(prev, next, idOf);
  lastDiff.set(next, { prev, changes });
  return changes;
}

/** `changedEntries`, as calls of `visit(id, before, after)`. */
export function diffEntries<V>(
  prev: ReadonlyMap<string, V> | undefined,
  next: ReadonlyMap<string, V>,
  idOf: IdOf<V>,
  visit: (id: string, before: V | undefined, after: V | undefined) => void,
): void {
  for (const c of changedEntries(prev, next, idOf)) visit(c.id, c.before, c.after);
}

/** `idOf` for entries that carry their id as `id` (services, target groups, networks). */
export const entryId = (e: { readonly id: string }): string => e.id;
/** `idOf` for VPC entries. */
export const vpcIdOf = (e: { readonly vpcId: string }): string => e.vpcId;

function scan<V>(prev: ReadonlyMap<string, V> | undefined, next: ReadonlyMap<string, V>, idOf: IdOf<V>): EntryChange<V>[] {
  const out: EntryChange<V>[] = [];
  if (prev === undefined || prev.size === 0) {
    for (const [id, after] of next) out.push({ id, before: undefined, after });
    return out;
  }
  return inStep(prev, next, idOf, out) ? out : byLookup(prev, next, (out.length = 0, out));
}

/**
 * The fast path. The incremental rebuild derives each map from the previous one (a copy,
 * then `set` and `delete`), and a Map keeps insertion order with `set` on a present key
 * leaving it in place: so while nothing left, both maps list the same entries in the same
 * order, new ones after. Walking their values side by side compares neighbouring slots by
 * identity: no hash lookup (on 30,000 entries spread over a large heap, a cache miss or two
 * each) and no [key, value] pair per entry; ids are read only where entries differ. False
 * as soon as the orders differ (an id left, or a map built afresh): `byLookup` decides.
 */
function inStep<V>(prev: ReadonlyMap<string, V>, next: ReadonlyMap<string, V>, idOf: IdOf<V>, out: EntryChange<V>[]): boolean {
  if (next.size < prev.size) return false;
  const olds = prev.values();
  let left = prev.size;
  for (const after of next.values()) {
    if (left === 0) {
      // Every entry of `prev` was matched in order, so the rest are new.
      out.push({ id: idOf(after), before: undefined, after });
      continue;
    }
    left--;
    const before = olds.next().value as V;
    if (before === after) continue;
    // The same slot holds another entry: replaced if it is the same id, else out of step.
    const id = idOf(after);
    if (idOf(before) !== id) return false;
    out.push({ id, before, after });
  }
  return true;
}

function byLookup<V>(prev: ReadonlyMap<string, V>, next: ReadonlyMap<string, V>, out: EntryChange<V>[]): EntryChange<V>[] {
  let kept = 0;
  for (const [id, after] of next) {
    const before = prev.get(id);
    if (before === after) {
      kept++;
      continue;
    }
    if (before !== undefined) kept++;
    out.push({ id, before, after });
  }
  // Every id of `prev` is in `next` exactly when `kept` counts them all: nothing left.
  if (kept !== prev.size) for (const [id, before] of prev) if (!next.has(id)) out.push({ id, before, after: undefined });
  return out;
}
