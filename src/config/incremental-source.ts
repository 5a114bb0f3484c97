import type { ResourceKind } from '../model/index.js';
import type { Place, ResourceRecord, StoreReader } from '../store/index.js';
import { unqualifiedFunctionArn } from './compile-targets.js';
import { CompileContext } from './context.js';
import { certificateRecordOf } from './compile-certificates.js';
import { field, isObject } from './narrow.js';

/**
 * Where the incremental compiler reads the records a unit needs: the store itself for an
 * incremental step (a handful of primary-key reads), or an already-scanned record set for a
 * full build. Either way the unit functions of compile.ts run unchanged on a CompileContext
 * holding every record they look up, which is what keeps both paths equal to `compile()`.
 */
export interface RecordSource {
  get(kind: ResourceKind, place: Place, id: string): Promise<ResourceRecord | undefined>;
  /** A context for compiling a target group: it, and the instance or ALB records its targets name. */
  targetGroupContext(rec: ResourceRecord): Promise<CompileContext>;
  /** A context for compiling a service: it, its listeners and their rules, and the certificate it names. */
  serviceContext(rec: ResourceRecord): Promise<CompileContext>;
}

/** A full build: every record is already in one context, which answers every look-up. */
export class ScannedSource implements RecordSource {
  constructor(private readonly ctx: CompileContext) {}

  async get(kind: ResourceKind, place: Place, id: string): Promise<ResourceRecord | undefined> {
    return this.ctx.get(kind, place, id);
  }

  async targetGroupContext(): Promise<CompileContext> {
    return this.ctx;
  }

  async serviceContext(): Promise<CompileContext> {
    return this.ctx;
  }
}

/**
 * An incremental step: records come from the store (the records the change feed named were
 * read once, up front, and are served from `fetched`). The contexts are built from just
 * what the unit reads, with the partition supplied, since a few records cannot tell it.
 */
export class StoreSource implements RecordSource {
  constructor(
    private readonly store: StoreReader,
    private readonly fetched: ReadonlyMap<string, ResourceRecord | undefined>,
    private readonly partitionOf: (place: Place) => string,
  ) {}

  async get(kind: ResourceKind, place: Place, id: string): Promise<ResourceRecord | undefined> {
    const key = recordKey(kind, place, id);
    return this.fetched.has(key) ? this.fetched.get(key) : this.store.get(kind, place, id);
  }

  async targetGroupContext(rec: ResourceRecord): Promise<CompileContext> {
    const type = field(rec.doc, 'type');
    const kind = type === 'INSTANCE' ? 'instance' : type === 'ALB' ? 'loadbalancer' : type === 'LAMBDA' ? 'lambdafunction' : undefined;
    const records = [rec];
    const targets = field(rec.doc, 'targets');
    if (kind && Array.isArray(targets)) {
      const seen = new Set<string>();
      for (const t of targets as unknown[]) {
        const id = isObject(t) ? t['id'] : undefined;
        if (typeof id !== 'string' || seen.has(id)) continue;
        seen.add(id);
        const found = await this.get(kind, rec, id)
          // A qualified function ARN resolves through the unqualified one's record.
          ?? (kind === 'lambdafunction' ? await this.get(kind, rec, unqualifiedFunctionArn(id)) : undefined);
        if (found) records.push(found);
      }
    }
    return new CompileContext(records, this.partitionOf);
  }

  async serviceContext(rec: ResourceRecord): Promise<CompileContext> {
    const listeners = await this.store.list('listener', rec, { parentId: rec.id });
    const records: ResourceRecord[] = [rec, ...listeners];
    for (const l of listeners) records.push(...await this.store.list('rule', l, { parentId: l.id }));
    // The certificate its certificateArn names (in the ARN's own place).
    const arn = field(rec.doc, 'certificateArn');
    const at = typeof arn === 'string' ? certificateRecordOf(arn) : undefined;
    const certificate = at && await this.get('certificate', at.place, at.id);
    if (certificate) records.push(certificate);
    return new CompileContext(records, this.partitionOf);
  }
}

/** A record's identity in the store: kind, place and id. */
export function recordKey(kind: string, place: Place, id: string): string {
  return `${kind}\0${place.account}\0${place.region}\0${id}`;
}
