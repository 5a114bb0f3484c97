import { parseArn, type ResourceKind } from '../model/index.js';
import type { Place, ResourceRecord } from '../store/index.js';
import { field } from './narrow.js';
import type { Problem } from './snapshot.js';

const NONE: readonly ResourceRecord[] = [];

/**
 * The records of one kind in creation order, with indexes by id and by parent built on
 * first use: a rebuild looks instances up by id but never rules, and at 100,000 targets
 * every Map insert counts.
 */
class KindIndex {
  readonly list: ResourceRecord[] = [];
  private ids: Map<string, ResourceRecord> | undefined;
  /** Records whose id an earlier record (of another place) already holds: rare. */
  private elsewhere: ResourceRecord[] = [];
  private parents: Map<string, ResourceRecord[]> | undefined;

  byId(id: string, place: Place): ResourceRecord | undefined {
    if (!this.ids) {
      this.ids = new Map();
      for (const r of this.list) {
        if (this.ids.has(r.id)) this.elsewhere.push(r);
        else this.ids.set(r.id, r);
      }
    }
    const r = this.ids.get(id);
    if (r && samePlace(r, place)) return r;
    return this.elsewhere.length ? this.elsewhere.find((e) => e.id === id && samePlace(e, place)) : undefined;
  }

  byParent(parentId: string): readonly ResourceRecord[] {
    if (!this.parents) {
      this.parents = new Map();
      for (const r of this.list) {
        if (!r.parentId) continue;
        const siblings = this.parents.get(r.parentId);
        if (siblings) siblings.push(r);
        else this.parents.set(r.parentId, [r]);
      }
    }
    return this.parents.get(parentId) ?? NONE;
  }
}

const samePlace = (a: Place, b: Place): boolean => a.account === b.account && a.region === b.region;

/**
 * The records of one compile, indexed for the look-ups the compiler makes (by id within a
 * place, by parent), and the problems found so far. Built once per compile from a flat list,
 * so the compiler stays a pure function of its input; an incremental compiler can keep one
 * alive and patch it from the change feed instead.
 *
 * Indexes are keyed by plain ids, not by composed strings: Lattice ids are random and so
 * unique across accounts, and building a key string per record and per look-up was most of
 * a rebuild's time at 100,000 targets. The place is checked on each hit instead. The store
 * keys records by (kind, place, id), so the same id twice in one place does not occur; the
 * snapshot's maps, keyed by id alone, leave out a second place's record of the same id.
 */
export class CompileContext {
  readonly problems: Problem[] = [];
  /** Parsed health-check matchers by their `httpCode` text, shared within a compile. */
  readonly matchers = new Map<string, readonly (readonly [number, number])[]>();
  private readonly kinds = new Map<ResourceKind, KindIndex>();
  private readonly partitions = new Map<string, string>();
  /** More than one place among the records: children must be filtered by place. */
  private manyPlaces = false;

  /**
   * `partitionOf`: the partition of each place when the caller knows it (an incremental
   * rebuild compiles a few records at a time, which may not carry the ARNs that tell).
   */
  constructor(records: readonly ResourceRecord[], private readonly partitionOverride?: (place: Place) => string) {
    let last: Place | undefined;
    let partitionKnown = partitionOverride !== undefined;
    for (const r of inSeqOrder(records)) {
      if (!last || !samePlace(last, r)) {
        if (last) this.manyPlaces = true;
        partitionKnown = partitionOverride !== undefined || this.partitions.has(placeKey(r));
      }
      if (!partitionKnown) partitionKnown = this.learnPartition(r);
      last = r;
      let k = this.kinds.get(r.kind);
      if (!k) this.kinds.set(r.kind, k = new KindIndex());
      k.list.push(r);
    }
  }

  /** Records a resource left out of (or degraded in) the snapshot, and why. */
  problem(kind: string, id: string, reason: string): void {
    this.problems.push({ kind, id, reason });
  }

  get(kind: ResourceKind, place: Place, id: string): ResourceRecord | undefined {
    return this.kinds.get(kind)?.byId(id, place);
  }

  /** Records of `kind` whose parentId is `parentId`, in creation order. */
  children(kind: ResourceKind, place: Place, parentId: string): readonly ResourceRecord[] {
    const list = this.kinds.get(kind)?.byParent(parentId) ?? NONE;
    return this.manyPlaces ? list.filter((r) => samePlace(r, place)) : list;
  }

  /** Every record of a kind, in creation order. */
  all(kind: ResourceKind): readonly ResourceRecord[] {
    return this.kinds.get(kind)?.list ?? NONE;
  }

  /**
   * The ARN partition of a place, read off the ARNs its Lattice records carry (Trellis can
   * run as `aws-cn` or `aws-us-gov`); `aws` when the place has none yet.
   */
  partitionOf(place: Place): string {
    if (this.partitionOverride) return this.partitionOverride(place);
    return this.partitions.get(placeKey(place)) ?? 'aws';
  }

  /** Learns the partition of the record's place from its ARN; true once it is known. */
  private learnPartition(r: ResourceRecord): boolean {
    const arn = field(r.doc, 'arn');
    const parsed = typeof arn === 'string' ? parseArn(arn) : undefined;
    if (parsed) this.partitions.set(placeKey(r), parsed.partition);
    return parsed !== undefined;
  }
}

function placeKey(place: Place): string {
  return `${place.account}\0${place.region}`;
}

/**
 * The records by ascending seq (creation order), which makes every "first one wins" choice
 * of the compiler deterministic. `Store.scan` already returns them so; hand-built inputs
 * may not, and are sorted on a copy.
 */
function inSeqOrder(records: readonly ResourceRecord[]): readonly ResourceRecord[] {
  for (let i = 1; i < records.length; i++) {
    if (records[i - 1]!.seq > records[i]!.seq) return [...records].sort((a, b) => a.seq - b.seq);
  }
  return records;
}
