import { parseArn, type ResourceKind } from '../model/index.js';
import type { Place, ResourceRecord } from '../store/index.js';
import { associationOf, authPolicyOf, orphanReason, placedId, routableService, type AssociationTarget } from './compile.js';
import { field, reasonOf } from './narrow.js';
import { certificateKey } from './compile-certificates.js';
import type { AccessLogDestination, Problem, TargetGroupEntry } from './snapshot.js';

/** One record the change feed named, as it is now (undefined: deleted). */
export interface Touched {
  readonly kind: ResourceKind;
  readonly place: Place;
  readonly id: string;
  readonly rec: ResourceRecord | undefined;
}

/**
 * Kinds indexed by id alone below. Snapshot maps are keyed by id; the same id in two places
 * is a case `compile()` settles by creation order across the whole store, so the state does
 * not try: it reports the step ambiguous and the caller compiles in full.
 */
const ID_KINDS = new Set<string>([
  'servicenetwork', 'service', 'listener', 'rule', 'targetgroup',
  'servicenetworkserviceassociation', 'accesslogsubscription', 'authpolicy',
]);
/** Compiled as a whole (few records, many cross-references): kept in memory as records. */
const VPC_KINDS = new Set<string>(['vpc', 'securitygroup', 'servicenetworkvpcassociation']);

/** `certificate`: the `certificateKey` of the certificate its `certificateArn` names, if any. */
export interface ServiceMeta { readonly place: Place; routable: boolean; groups: readonly string[]; certificate: string | undefined }
export interface ChildMeta { readonly place: Place; readonly parentId: string }
export interface AssociationMeta { readonly place: Place; readonly seq: number; readonly target: AssociationTarget | undefined }
export interface LogMeta { readonly place: Place; readonly seq: number; readonly resourceId: string | undefined; dest: AccessLogDestination | undefined }

/** What a step has to recompute, gathered as the changes are applied. */
export class Dirty {
  readonly tgs = new Set<string>();
  /** Services and networks to recompile, by id (ids of neither are skipped). */
  readonly services = new Set<string>();
  readonly networks = new Set<string>();
  /** Networks whose host maps must be replayed from their associations. */
  readonly hostMaps = new Set<string>();
  /** Access-log lists to rebuild: `placedId` → the network or service id. */
  readonly logKeys = new Map<string, string>();
  /** Access-log subscriptions to evaluate again. */
  readonly logs = new Set<string>();
  /** Listeners and rules whose parent record may have come or gone. */
  readonly orphans: { readonly kind: 'listener' | 'rule'; readonly id: string }[] = [];
  /** Records that appeared or disappeared in this step (not merely changed), by id. */
  readonly servicesBorn = new Set<string>();
  readonly networksBorn = new Set<string>();
  readonly listenersBorn = new Set<string>();
  /** Instance and ALB ids that changed, by `kind\0account\0region`. */
  readonly resolvers = new Map<string, Set<string>>();
  /** Certificate records that changed, by `certificateKey`: the services naming them recompile. */
  readonly certificates = new Set<string>();
  /** Each touched target group as it compiled before the step. */
  readonly tgStatusBefore = new Map<string, TgStatus>();
  /** Target groups whose `unused` may have to change. */
  readonly used = new Set<string>();
  /** Entries compiled in this step, not yet in any snapshot: settled in place. */
  readonly fresh = new Set<TargetGroupEntry>();
  vpcs = false;
}

/** A target group as `compileAction` sees it. */
export type TgStatus = 'compiled' | 'failed' | 'absent';

/**
 * The compact indexes of an incremental rebuild: per record, only what decides what depends
 * on it (its place, its parent, a few doc fields), plus the auth policies and the VPC-side
 * records, which are small and read whole. `before` / `index` / `after` apply one changed
 * record: what depended on it as it was, the indexes, what depends on it as it is now.
 */
export class RecordIndex {
  /** Sets (or deletes) an association's meta, keeping the by-network and by-service indexes in step. */
  private setAssociation(id: string, meta: AssociationMeta | undefined): void {
    const old = this.associationMeta.get(id)?.target;
    if (old) {
      unlink(this.associationsByNetwork, old.networkId, id);
      unlink(this.associationsByService, old.serviceId, id);
    }
    if (!meta) {
      this.associationMeta.delete(id);
      return;
    }
    this.associationMeta.set(id, meta);
    if (meta.target) {
      link(this.associationsByNetwork, meta.target.networkId, id);
      link(this.associationsByService, meta.target.serviceId, id);
    }
  }

  private readonly places = new Map<string, Place>();
  private readonly partitions = new Map<string, string>();

  readonly serviceMeta = new Map<string, ServiceMeta>();
  readonly networkMeta = new Map<string, Place>();
  readonly targetGroupMeta = new Map<string, Place>();
  readonly listenerMeta = new Map<string, ChildMeta>();
  readonly ruleMeta = new Map<string, ChildMeta>();
  readonly associationMeta = new Map<string, AssociationMeta>();
  /**
   * Association ids by the network and by the service they name (only those with a target):
   * a step replays one network's associations, or finds a service's networks, without a walk
   * of every association (10,000 at 10,000 services).
   */
  readonly associationsByNetwork = new Map<string, Set<string>>();
  readonly associationsByService = new Map<string, Set<string>>();
  readonly logMeta = new Map<string, LogMeta>();
  private readonly policyMeta = new Map<string, Place>();
  /** VPC, security-group and VPC-association records, in creation order. */
  readonly vpcRecords = new Map<string, ResourceRecord>();
  /** Auth policy text by `placedId`. */
  readonly policies = new Map<string, string>();

  /**
   * `setProblems`: records a unit's problems; `groupStatus`: a target group as compiled now.
   */
  constructor(
    private readonly setProblems: (unit: string, problems: readonly Problem[]) => void,
    private readonly groupStatus: (id: string) => TgStatus,
  ) {}

  place(p: Place): Place {
    const key = `${p.account}\0${p.region}`;
    let interned = this.places.get(key);
    if (!interned) this.places.set(key, interned = { account: p.account, region: p.region });
    return interned;
  }

  /** The ARN partition of a place (see `unambiguous`); `aws` for a place without ARNs. */
  readonly partitionOf = (p: Place): string => this.partitions.get(`${p.account}\0${p.region}`) ?? 'aws';

  /**
   * False when the indexes cannot follow the step exactly: an id of an id-indexed kind in
   * two places, or a place's ARN partition that may change (it decides VPC ARNs, and
   * `compile()` takes it from the first record with an ARN). A place's partition is the one
   * all its ARNs share; a place whose ARNs disagree is ambiguous. Outside `aws` (the default
   * a place without ARNs gets), a deletion may remove the last ARN, so it is ambiguous too.
   */
  unambiguous(touched: readonly Touched[], fresh: boolean): boolean {
    const placeOfId = new Map<string, Place>();
    for (const t of touched) {
      if (ID_KINDS.has(t.kind)) {
        const known = this.metaPlace(t.kind, t.id);
        const key = `${t.kind}\0${t.id}`;
        const inStep = placeOfId.get(key);
        if ((known && !samePlace(known, t.place)) || (inStep && !samePlace(inStep, t.place))) return false;
        placeOfId.set(key, t.place);
      }
      const placeKey = `${t.place.account}\0${t.place.region}`;
      const known = this.partitions.get(placeKey);
      const arn = field(t.rec?.doc, 'arn');
      const partition = typeof arn === 'string' ? parseArn(arn)?.partition : undefined;
      if (partition === undefined) {
        if (!fresh && known !== undefined && known !== 'aws') return false;
      } else if (known === undefined) {
        this.partitions.set(placeKey, partition);
      } else if (known !== partition) {
        return false;
      }
    }
    return true;
  }

  private metaPlace(kind: string, id: string): Place | undefined {
    switch (kind) {
      case 'service': return this.serviceMeta.get(id)?.place;
      case 'servicenetwork': return this.networkMeta.get(id);
      case 'targetgroup': return this.targetGroupMeta.get(id);
      case 'listener': return this.listenerMeta.get(id)?.place;
      case 'rule': return this.ruleMeta.get(id)?.place;
      case 'servicenetworkserviceassociation': return this.associationMeta.get(id)?.place;
      case 'accesslogsubscription': return this.logMeta.get(id)?.place;
      case 'authpolicy': return this.policyMeta.get(id);
      default: return undefined;
    }
  }

  /** What depended on the record as it was: read before the indexes change. */
  before(t: Touched, d: Dirty): void {
    switch (t.kind) {
      case 'listener': {
        const m = this.listenerMeta.get(t.id);
        if (m) d.services.add(m.parentId);
        break;
      }
      case 'rule': {
        const l = this.listenerOfRule(t.id);
        if (l) d.services.add(l.parentId);
        break;
      }
      case 'servicenetworkserviceassociation': {
        const target = this.associationMeta.get(t.id)?.target;
        if (target) d.hostMaps.add(target.networkId);
        break;
      }
      case 'accesslogsubscription': {
        const m = this.logMeta.get(t.id);
        if (m?.dest) this.dirtyLogKey(d, m.place, m.dest.resourceId);
        break;
      }
      case 'targetgroup':
        if (!d.tgStatusBefore.has(t.id)) d.tgStatusBefore.set(t.id, this.groupStatus(t.id));
        break;
    }
  }

  /** Brings the indexes up to date with the record. */
  index(t: Touched, d: Dirty): void {
    const rec = t.rec;
    const place = this.place(t.place);
    const id = t.id;
    switch (t.kind) {
      case 'targetgroup':
        if (rec) this.targetGroupMeta.set(id, place);
        else this.targetGroupMeta.delete(id);
        d.tgs.add(id);
        break;
      case 'instance':
      case 'loadbalancer':
      case 'lambdafunction': {
        const key = `${t.kind}\0${place.account}\0${place.region}`;
        let ids = d.resolvers.get(key);
        if (!ids) d.resolvers.set(key, ids = new Set());
        ids.add(id);
        break;
      }
      case 'certificate':
        d.certificates.add(`${place.account}\0${place.region}\0${id}`);
        break;
      case 'service': {
        const had = this.serviceMeta.get(id);
        if (rec) {
          const arn = field(rec.doc, 'certificateArn');
          const certificate = typeof arn === 'string' ? certificateKey(arn) : undefined;
          if (had) { had.routable = routableService(rec.doc); had.certificate = certificate; }
          else this.serviceMeta.set(id, { place, routable: routableService(rec.doc), groups: [], certificate });
        } else this.serviceMeta.delete(id);
        if (!had !== !rec) d.servicesBorn.add(id);
        d.services.add(id);
        break;
      }
      case 'servicenetwork': {
        const had = this.networkMeta.has(id);
        if (rec) this.networkMeta.set(id, place);
        else this.networkMeta.delete(id);
        if (had !== !!rec) { d.networksBorn.add(id); d.vpcs = true; }
        d.networks.add(id);
        break;
      }
      case 'listener':
      case 'rule': {
        const meta = t.kind === 'listener' ? this.listenerMeta : this.ruleMeta;
        const had = meta.has(id);
        if (rec) meta.set(id, { place, parentId: rec.parentId });
        else meta.delete(id);
        if (t.kind === 'listener' && had !== !!rec) d.listenersBorn.add(id);
        d.orphans.push({ kind: t.kind, id });
        break;
      }
      case 'servicenetworkserviceassociation': {
        let target: AssociationTarget | undefined;
        let problems: Problem[] = [];
        if (rec) {
          try {
            target = associationOf(rec);
          } catch (err) {
            problems = [{ kind: t.kind, id, reason: reasonOf(err) }];
          }
          this.setAssociation(id, { place, seq: rec.seq, target });
        } else this.setAssociation(id, undefined);
        this.setProblems(`snsa:${id}`, problems);
        break;
      }
      case 'accesslogsubscription':
        if (rec) {
          const resourceId = field(rec.doc, 'resourceId');
          this.logMeta.set(id, { place, seq: rec.seq, resourceId: typeof resourceId === 'string' ? resourceId : undefined, dest: undefined });
          d.logs.add(id);
        } else {
          this.logMeta.delete(id);
          this.setProblems(`als:${id}`, []);
        }
        break;
      case 'authpolicy': {
        const key = placedId(place, id);
        let problems: Problem[] = [];
        this.policies.delete(key);
        if (rec) {
          this.policyMeta.set(id, place);
          try {
            this.policies.set(key, authPolicyOf(rec));
          } catch (err) {
            problems = [{ kind: t.kind, id, reason: reasonOf(err) }];
          }
        } else this.policyMeta.delete(id);
        this.setProblems(`ap:${id}`, problems);
        d.services.add(id);
        d.networks.add(id);
        break;
      }
      default:
        if (VPC_KINDS.has(t.kind)) {
          const key = `${t.kind}\0${place.account}\0${place.region}\0${id}`;
          if (rec) {
            // A new record has the highest seq so far: appended, the map stays in creation order.
            if (this.vpcRecords.get(key)?.seq !== rec.seq) this.vpcRecords.delete(key);
            this.vpcRecords.set(key, rec);
          } else this.vpcRecords.delete(key);
          d.vpcs = true;
        }
    }
  }

  /** What depends on the record as it is now: read once every index is up to date. */
  after(t: Touched, d: Dirty): void {
    if (!t.rec) return;
    switch (t.kind) {
      case 'listener':
        d.services.add(t.rec.parentId);
        break;
      case 'rule': {
        const l = this.listenerOfRule(t.id);
        if (l) d.services.add(l.parentId);
        break;
      }
      case 'servicenetworkserviceassociation': {
        const target = this.associationMeta.get(t.id)?.target;
        if (target) d.hostMaps.add(target.networkId);
        break;
      }
    }
  }

  private listenerOfRule(ruleId: string): ChildMeta | undefined {
    const r = this.ruleMeta.get(ruleId);
    return r && this.listenerMeta.get(r.parentId);
  }

  /** Listeners whose service record, and rules whose listener record, is missing. */
  markOrphans(d: Dirty): void {
    if (d.servicesBorn.size) {
      for (const [id, m] of this.listenerMeta) if (d.servicesBorn.has(m.parentId)) d.orphans.push({ kind: 'listener', id });
    }
    if (d.listenersBorn.size) {
      for (const [id, m] of this.ruleMeta) if (d.listenersBorn.has(m.parentId)) d.orphans.push({ kind: 'rule', id });
    }
    for (const { kind, id } of d.orphans) {
      const m = (kind === 'listener' ? this.listenerMeta : this.ruleMeta).get(id);
      const parent = m && (kind === 'listener' ? this.serviceMeta.get(m.parentId)?.place : this.listenerMeta.get(m.parentId)?.place);
      const orphan = m !== undefined && !(parent && samePlace(parent, m.place));
      this.setProblems(`orphan:${kind}:${id}`, orphan ? [{ kind, id, reason: orphanReason(kind, m.parentId) }] : []);
    }
  }

  dirtyLogKey(d: Dirty, place: Place, id: string): void {
    d.logKeys.set(placedId(place, id), id);
  }

  /** Access-log subscriptions that changed, or whose network or service came or went. */}

/** Whether two records (or places) are in the same account and region. */
export function samePlace(a: Place, b: Place): boolean {
  return a.account === b.account && a.region === b.region;
}

function link(m: Map<string, Set<string>>, key: string, id: string): void {
  let ids = m.get(key);
  if (!ids) m.set(key, (ids = new Set()));
  ids.add(id);
}

function unlink(m: Map<string, Set<string>>, key: string, id: string): void {
  const ids = m.get(key);
  if (ids?.delete(id) && ids.size === 0) m.delete(key);
}
