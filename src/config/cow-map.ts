/**
 * A persistent map for the snapshot's big maps (10,000 services, 20,000 target groups): a
 * real `ReadonlyMap` whose versions share structure, so that an incremental rebuild that
 * changes one entry copies about a hundred entries instead of the whole map (12 ms and as
 * much garbage per change at 10,000 services with plain `Map` copies).
 *
 * Layout: the entries live in *chunks* of at most `CHUNK` entries, in insertion order
 * (a chunk is a small `Map`; chunks are listed by ascending id), and a key index, sharded
 * by a hash of the key, gives a key's chunk and value (so `get` is one `Map` lookup, about
 * 50 ns more than a plain `Map`'s). A new version copies only the chunks and index shards
 * it writes (copy on write); every other chunk and shard is the previous version's object. Iteration order is exactly a `Map`'s: insertion order, `set` on a present
 * key keeps its place, a key deleted and set again goes last. The data plane relies on that
 * (dataplane/snapshot-diff.ts walks two versions side by side).
 *
 * `cowChanges(a, b)` compares two versions of one lineage chunk by chunk, skipping the
 * chunks they share: it costs what changed, not what the map holds (checkSnapshot uses it).
 */

/** Entries per chunk: a write copies one chunk (≤ this many entries) and one index shard. */
const CHUNK = 128;
/** Index shards (a power of two): an insert or delete copies one, ~size/SHARDS entries. */
const SHARDS = 64;

interface Chunk<V> {
  readonly id: number;
  readonly entries: Map<string, V>;
}

/** A key's index entry: its chunk, and its value too, so that `get` is one lookup (the request path reads these maps). */
interface Slot<V> {
  readonly chunk: number;
  readonly value: V;
}

/** Which versions may be compared chunk by chunk: chunk ids are only meaningful within one. */
type Lineage = object;

function shardOf(key: string): number {
  // The last four code units, mixed: Lattice ids end in random hex, so this spreads them,
  // and it costs a few ns where hashing the whole key in JS costs ~100 (the engine's own
  // string hash is not reachable). Keys that all end alike only make writes copy a bigger
  // shard.
  const n = key.length;
  let h = n;
  for (let i = n > 4 ? n - 4 : 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x9e3779b1);
  return (h >>> 26) & (SHARDS - 1);
}

/** The position of chunk `id` in `chunks` (ascending ids), or -1. */
function findChunk<V>(chunks: readonly Chunk<V>[], id: number): number {
  let lo = 0;
  let hi = chunks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = chunks[mid]!.id;
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Walks the chunks' native iterators one after the other; returns their result objects as
 * they are, so iterating costs about what a `Map`'s does (no generator per entry).
 */
class ChunkIterator<V, T> implements MapIterator<T> {
  private i = -1;
  private it: Iterator<T> | undefined;
  constructor(private readonly chunks: readonly Chunk<V>[], private readonly open: (m: Map<string, V>) => Iterator<T>) {}

  next(): IteratorResult<T, undefined> {
    for (;;) {
      if (this.it) {
        const r = this.it.next();
        if (!r.done) return r;
      }
      if (++this.i >= this.chunks.length) {
        this.it = undefined;
        return { done: true, value: undefined };
      }
      this.it = this.open(this.chunks[this.i]!.entries);
    }
  }

  [Symbol.iterator](): MapIterator<T> {
    return this;
  }
}

const openEntries = <V>(m: Map<string, V>) => m.entries();
const openKeys = <V>(m: Map<string, V>) => m.keys();
const openValues = <V>(m: Map<string, V>) => m.values();

/** One immutable version. Build versions with `CowMapBuilder`. */
export class CowMap<V> implements ReadonlyMap<string, V> {
  /** @internal Use `CowMapBuilder`. */
  constructor(
    /** @internal */ readonly chunks: readonly Chunk<V>[],
    /** @internal */ readonly index: readonly ReadonlyMap<string, Slot<V>>[],
    readonly size: number,
    /** @internal */ readonly nextChunk: number,
    /** @internal */ readonly lineage: Lineage,
  ) {}

  get(key: string): V | undefined {
    return this.index[shardOf(key)]!.get(key)?.value;
  }

  has(key: string): boolean {
    return this.index[shardOf(key)]!.has(key);
  }

  entries(): MapIterator<[string, V]> {
    return new ChunkIterator(this.chunks, openEntries);
  }

  keys(): MapIterator<string> {
    return new ChunkIterator(this.chunks, openKeys);
  }

  values(): MapIterator<V> {
    return new ChunkIterator(this.chunks, openValues);
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const c of this.chunks) for (const [k, v] of c.entries) fn.call(thisArg, v, k, this);
  }

  get [Symbol.toStringTag](): string {
    return 'CowMap';
  }
}

/**
 * The mutable working copy of a `CowMap`: reads see the writes so far; `freeze()` returns
 * a new version and leaves the builder on it (the next write copies again what it touches).
 */
export class CowMapBuilder<V> implements Iterable<[string, V]> {
  private chunks: Chunk<V>[];
  private index: Map<string, Slot<V>>[];
  private count: number;
  private nextChunk: number;
  private readonly lineage: Lineage;
  /** What this version has copied already (and may change in place). */
  private ownsChunkList = false;
  private ownsIndexList = false;
  private readonly ownedChunks = new Set<Chunk<V>>();
  private readonly ownedShards = new Set<Map<string, Slot<V>>>();
  /** The last `freeze()`, while nothing was written since: freezing again returns it. */
  private frozen: CowMap<V> | undefined;

  constructor(from?: CowMap<V>) {
    if (from) {
      this.chunks = from.chunks as Chunk<V>[];
      this.index = from.index as Map<string, Slot<V>>[];
      this.count = from.size;
      this.nextChunk = from.nextChunk;
      this.lineage = from.lineage;
    } else {
      this.chunks = [];
      this.index = Array.from({ length: SHARDS }, () => new Map<string, Slot<V>>());
      this.ownsChunkList = this.ownsIndexList = true;
      for (const s of this.index) this.ownedShards.add(s);
      this.count = 0;
      this.nextChunk = 0;
      this.lineage = {};
    }
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    return this.index[shardOf(key)]!.get(key)?.value;
  }

  has(key: string): boolean {
    return this.index[shardOf(key)]!.has(key);
  }

  set(key: string, value: V): this {
    const shard = shardOf(key);
    const slot = this.index[shard]!.get(key);
    if (slot !== undefined) {
      if (slot.value !== value) {
        this.frozen = undefined;
        this.ownChunk(findChunk(this.chunks, slot.chunk)).entries.set(key, value);
        this.ownShard(shard).set(key, { chunk: slot.chunk, value });
      }
      return this;
    }
    this.frozen = undefined;
    const lastAt = this.chunks.length - 1;
    const last = lastAt >= 0 && this.chunks[lastAt]!.entries.size < CHUNK ? this.ownChunk(lastAt) : this.newChunk();
    last.entries.set(key, value);
    this.ownShard(shard).set(key, { chunk: last.id, value });
    this.count++;
    return this;
  }

  delete(key: string): boolean {
    const shard = shardOf(key);
    const slot = this.index[shard]!.get(key);
    if (slot === undefined) return false;
    this.frozen = undefined;
    const at = findChunk(this.chunks, slot.chunk);
    const c = this.ownChunk(at);
    c.entries.delete(key);
    if (c.entries.size === 0) this.chunks.splice(at, 1);
    this.ownShard(shard).delete(key);
    this.count--;
    // Deletes leave chunks part-empty; past twice the chunks needed, pack them again.
    if (this.chunks.length > 2 * Math.ceil(this.count / CHUNK) + 8) this.repack();
    return true;
  }

  [Symbol.iterator](): Iterator<[string, V]> {
    return new ChunkIterator(this.chunks, openEntries);
  }

  values(): Iterator<V> & Iterable<V> {
    return new ChunkIterator(this.chunks, openValues);
  }

  /** The version as it stands; later writes copy what they touch, so it never changes. */
  freeze(): CowMap<V> {
    if (this.frozen) return this.frozen;
    this.ownsChunkList = this.ownsIndexList = false;
    this.ownedChunks.clear();
    this.ownedShards.clear();
    this.frozen = new CowMap(this.chunks, this.index, this.count, this.nextChunk, this.lineage);
    return this.frozen;
  }

  private ownChunk(at: number): Chunk<V> {
    const c = this.chunks[at]!;
    if (this.ownedChunks.has(c)) return c;
    const copy: Chunk<V> = { id: c.id, entries: new Map(c.entries) };
    this.ownChunkList()[at] = copy;
    this.ownedChunks.add(copy);
    return copy;
  }

  private newChunk(): Chunk<V> {
    const c: Chunk<V> = { id: this.nextChunk++, entries: new Map() };
    this.ownChunkList().push(c);
    this.ownedChunks.add(c);
    return c;
  }

  private ownChunkList(): Chunk<V>[] {
    if (!this.ownsChunkList) {
      this.chunks = this.chunks.slice();
      this.ownsChunkList = true;
    }
    return this.chunks;
  }

  private ownShard(shard: number): Map<string, Slot<V>> {
    const s = this.index[shard]!;
    if (this.ownedShards.has(s)) return s;
    if (!this.ownsIndexList) {
      this.index = this.index.slice();
      this.ownsIndexList = true;
    }
    const copy = new Map(s);
    this.index[shard] = copy;
    this.ownedShards.add(copy);
    return copy;
  }

  /** Rewrites every chunk full, in order: O(size), amortised over the deletes that called for it. */
  private repack(): void {
    const all = [...this];
    this.chunks = [];
    this.ownsChunkList = true;
    this.ownedChunks.clear();
    for (const [key, value] of all) {
      let last = this.chunks[this.chunks.length - 1];
      if (!last || last.entries.size >= CHUNK) last = this.newChunk();
      last.entries.set(key, value);
      this.ownShard(shardOf(key)).set(key, { chunk: last.id, value });
    }
  }
}

/** One key whose value differs between two versions: added (`before` undefined), replaced, or removed. */
export interface CowChange<V> {
  readonly key: string;
  readonly before: V | undefined;
  readonly after: V | undefined;
}

/**
 * The keys whose value differs (by identity) from `a` to `b`, when both are `CowMap`s of
 * one lineage; undefined otherwise (compare them some other way). Chunks the two versions
 * share are skipped, so this costs the chunks written since, not the size of the maps.
 */
export function cowChanges<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): CowChange<V>[] | undefined {
  if (!(a instanceof CowMap) || !(b instanceof CowMap) || a.lineage !== b.lineage) return undefined;
  const x = a.chunks as readonly Chunk<V>[];
  const y = b.chunks as readonly Chunk<V>[];
  // A key may have moved chunks (deleted, then set again): pair its sides up by key.
  const before = new Map<string, V>();
  const after = new Map<string, V>();
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const cx = x[i];
    const cy = y[j];
    if (cx && cy && cx.id === cy.id) {
      i++;
      j++;
      if (cx === cy) continue;
      for (const [k, v] of cx.entries) if (cy.entries.get(k) !== v) before.set(k, v);
      for (const [k, v] of cy.entries) if (cx.entries.get(k) !== v) after.set(k, v);
    } else if (cx && (!cy || cx.id < cy.id)) {
      i++;
      for (const [k, v] of cx.entries) before.set(k, v);
    } else if (cy) {
      j++;
      for (const [k, v] of cy.entries) after.set(k, v);
    }
  }
  const out: CowChange<V>[] = [];
  for (const [key, v] of after) {
    const was = before.has(key) ? before.get(key) : undefined;
    if (was !== v) out.push({ key, before: was, after: v });
  }
  for (const [key, was] of before) if (!after.has(key)) out.push({ key, before: was, after: undefined });
  return out;
}
