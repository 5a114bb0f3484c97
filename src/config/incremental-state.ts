import type { Place, ResourceRecord } from '../store/index.js';
import {
  accessLogOf, addAssociation, compileNetwork, placedId, serviceUnit, sortProblems, targetGroupCheck, type AssociationLookups,
} from './compile.js';
import { compileTargetGroup, unqualifiedFunctionArn } from './compile-targets.js';
import { compileVpcs } from './compile-vpcs.js';
import { CompileContext } from './context.js';
import { CowMapBuilder } from './cow-map.js';
import { Dirty, RecordIndex, samePlace, type AssociationMeta, type LogMeta, type TgStatus, type Touched } from './incremental-index.js';
import type { RecordSource } from './incremental-source.js';
import { field, reasonOf } from './narrow.js';
import type {
  AccessLogDestination, Problem, RoutingSnapshot, ServiceEntry, ServiceNetworkEntry, TargetGroupEntry, VpcEntry,
} from './snapshot.js';

export type { Touched } from './incremental-index.js';

/**
 * The compiler's state between rebuilds, patched one change-feed step at a time: compact
 * indexes of the records (place, parent, the few doc fields that decide what depends on
 * what), the compiled entries (those of the last snapshot, shared with it: entries are
 * immutable), and each unit's problems. A step re-reads only the changed records and
 * recompiles only the units they affect, in dependency order:
 *
 *   access logs, policies → target groups → services → networks (+ their associations) → VPCs → `unused`
 *
 * Units are compiled by the functions `compile()` uses, on a context holding the records
 * the unit reads, so a step gives what a full compile of the same records gives; the
 * property test (incremental.test.ts) checks exactly that on a real store.
 * Memory: the indexes hold ids and a few fields per record (no docs), except the VPC-side
 * records (VPCs, security groups, VPC associations), kept whole since they are compiled as
 * a whole; target groups' targets live only in the snapshot.
 */
export class CompiledState {
  private readonly ix = new RecordIndex((unit, problems) => this.setProblems(unit, problems), (id) => this.groupStatus(id));
  private readonly logs = new Map<string, readonly AccessLogDestination[]>();
  /** How many compiled forward actions name each target group. */
  private readonly usedCount = new Map<string, number>();
  /** Problems by unit (`svc:id`, `tg:id`, …); only units that have some. */
  private readonly problemsByUnit = new Map<string, readonly Problem[]>();
  private problemsChanged = true;

  // The working maps: persistent (cow-map.ts), so a step copies only the chunks it writes
  // and every other chunk is shared with the last snapshot's maps.
  private readonly services = new CowMapBuilder<ServiceEntry>();
  private readonly targetGroups = new CowMapBuilder<TargetGroupEntry>();
  private readonly networks = new CowMapBuilder<ServiceNetworkEntry>();
  private vpcs: ReadonlyMap<string, VpcEntry> = new Map();
  private problems: readonly Problem[] = [];

  /** The snapshot of the last step. */
  last: RoutingSnapshot | undefined;

  /**
   * Applies one step: `touched` are the records the change feed named (each as it is now).
   * Returns the next snapshot, or undefined when the step is ambiguous for the indexes (an id
   * in two places, a partition that may change): the caller then compiles in full and
   * starts a new state. After an exception the state is unusable: start a new one.
   */
  async apply(touched: readonly Touched[], source: RecordSource, revision: number, fresh = false): Promise<RoutingSnapshot | undefined> {
    if (!this.ix.unambiguous(touched, fresh)) return undefined;
    const d = new Dirty();
    for (const t of touched) this.ix.before(t, d);
    for (const t of touched) this.ix.index(t, d);
    for (const t of touched) this.ix.after(t, d);
    this.ix.markOrphans(d);
    await this.recompileLogs(d, source);
    this.findResolvers(d);
    await this.recompileTargetGroups(d, source);
    this.findCertificateUsers(d);
    await this.recompileServices(d, source);
    await this.recompileNetworks(d, source);
    this.recompileAssociations(d);
    if (d.vpcs) this.recompileVpcs();
    this.settleUnused(d);
    return this.snapshot(revision);
  }

  /** The ARN partition of a place; `aws` for a place without ARNs. */
  readonly partitionOf = (p: Place): string => this.ix.partitionOf(p);

  private async recompileLogs(d: Dirty, source: RecordSource): Promise<void> {
    if (d.servicesBorn.size || d.networksBorn.size) {
      for (const [id, m] of this.ix.logMeta) {
        if (m.resourceId !== undefined && (d.servicesBorn.has(m.resourceId) || d.networksBorn.has(m.resourceId))) d.logs.add(id);
      }
    }
    const exists = (kind: 'service' | 'servicenetwork', place: Place, id: string): boolean => {
      const at = kind === 'service' ? this.ix.serviceMeta.get(id)?.place : this.ix.networkMeta.get(id);
      return at !== undefined && samePlace(at, place);
    };
    for (const id of d.logs) {
      const m = this.ix.logMeta.get(id);
      if (!m) continue;
      if (m.dest) this.ix.dirtyLogKey(d, m.place, m.dest.resourceId);
      m.dest = undefined;
      let problems: Problem[] = [];
      const rec = await source.get('accesslogsubscription', m.place, id);
      if (rec) {
        try {
          m.dest = accessLogOf(rec, exists);
        } catch (err) {
          problems = [{ kind: 'accesslogsubscription', id, reason: reasonOf(err) }];
        }
      }
      if (m.dest) this.ix.dirtyLogKey(d, m.place, m.dest.resourceId);
      this.setProblems(`als:${id}`, problems);
    }
    if (d.logKeys.size === 0) return;
    const lists = new Map<string, LogMeta[]>();
    for (const m of this.ix.logMeta.values()) {
      if (!m.dest) continue;
      const key = placedId(m.place, m.dest.resourceId);
      if (d.logKeys.has(key)) (lists.get(key) ?? lists.set(key, []).get(key)!).push(m);
    }
    for (const [key, id] of d.logKeys) {
      const list = lists.get(key);
      if (list) this.logs.set(key, list.sort((a, b) => a.seq - b.seq).map((m) => m.dest!));
      else this.logs.delete(key);
      d.services.add(id);
      d.networks.add(id);
    }
  }

  /** Target groups whose targets (routed or draining) resolve through an instance or ALB record that changed. */
  private findResolvers(d: Dirty): void {
    if (d.resolvers.size === 0) return;
    for (const [id, g] of this.targetGroups) {
      const kind = g.type === 'INSTANCE' ? 'instance' : g.type === 'ALB' ? 'loadbalancer' : g.type === 'LAMBDA' ? 'lambdafunction' : undefined;
      const place = kind && this.ix.targetGroupMeta.get(id);
      const ids = place && d.resolvers.get(`${kind}\0${place.account}\0${place.region}`);
      const hit = (t: { readonly id: string }) => ids!.has(t.id) || (kind === 'lambdafunction' && ids!.has(unqualifiedFunctionArn(t.id)));
      if (ids && (g.targets.some(hit) || g.draining?.some(hit))) d.tgs.add(id);
    }
  }

  /** Services whose `certificateArn` names a certificate record that changed. */
  private findCertificateUsers(d: Dirty): void {
    if (d.certificates.size === 0) return;
    for (const [id, m] of this.ix.serviceMeta) if (m.certificate !== undefined && d.certificates.has(m.certificate)) d.services.add(id);
  }

  private groupStatus(id: string): TgStatus {
    return this.targetGroups.has(id) ? 'compiled' : this.ix.targetGroupMeta.has(id) ? 'failed' : 'absent';
  }

  private async recompileTargetGroups(d: Dirty, source: RecordSource): Promise<void> {
    const changed = new Set<string>();
    for (const id of d.tgs) {
      const before = d.tgStatusBefore.get(id) ?? this.groupStatus(id);
      const place = this.ix.targetGroupMeta.get(id);
      const rec = place && await source.get('targetgroup', place, id);
      let problems: readonly Problem[] = [];
      let entry: TargetGroupEntry | undefined;
      if (rec) {
        const ctx = await source.targetGroupContext(rec);
        const n = ctx.problems.length;
        try {
          entry = compileTargetGroup(ctx, rec);
        } catch (err) {
          ctx.problem('targetgroup', id, reasonOf(err));
        }
        problems = ctx.problems.slice(n);
      }
      if (entry) { this.targetGroups.set(id, entry); d.fresh.add(entry); }
      else this.targetGroups.delete(id);
      this.setProblems(`tg:${id}`, problems);
      d.used.add(id);
      if (this.groupStatus(id) !== before) changed.add(id);
    }
    // A forward to a group that appeared, vanished or stopped compiling changes its rule.
    if (changed.size) {
      for (const [id, m] of this.ix.serviceMeta) if (m.groups.some((g) => changed.has(g))) d.services.add(id);
    }
  }

  private async recompileServices(d: Dirty, source: RecordSource): Promise<void> {
    const check = targetGroupCheck((id) => this.targetGroups.has(id), (id) => this.ix.targetGroupMeta.has(id));
    for (const id of d.services) {
      const meta = this.ix.serviceMeta.get(id);
      const old = this.services.get(id);
      if (!meta && !old && !this.problemsByUnit.has(`svc:${id}`)) continue;
      const rec = meta && await source.get('service', meta.place, id);
      let entry: ServiceEntry | undefined;
      let problems: readonly Problem[] = [];
      if (meta && rec) {
        const ctx = await source.serviceContext(rec);
        const asked: string[] = [];
        const groups = (g: string): string | undefined => {
          asked.push(g);
          return check(g);
        };
        const n = ctx.problems.length;
        entry = serviceUnit(ctx, rec, groups, this.ix.policies, this.logs);
        problems = ctx.problems.slice(n);
        meta.groups = [...new Set(asked)];
      }
      this.count(old, -1, d);
      this.count(entry, 1, d);
      if (entry) this.services.set(id, entry);
      else this.services.delete(id);
      this.setProblems(`svc:${id}`, problems);
    }
    // Every network answering for a recompiled service holds its old entry: replay them.
    for (const id of d.services) {
      for (const a of this.ix.associationsByService.get(id) ?? []) {
        const target = this.ix.associationMeta.get(a)?.target;
        if (target) d.hostMaps.add(target.networkId);
      }
    }
  }

  /** Counts the forwards of a service's rules for `unused`. */
  private count(s: ServiceEntry | undefined, by: 1 | -1, d: Dirty): void {
    if (!s) return;
    for (const l of s.listeners.values()) {
      for (const r of l.rules) {
        if (r.action.type !== 'forward') continue;
        for (const g of r.action.targetGroups) {
          const n = (this.usedCount.get(g.targetGroupId) ?? 0) + by;
          if (n === 0) this.usedCount.delete(g.targetGroupId);
          else this.usedCount.set(g.targetGroupId, n);
          d.used.add(g.targetGroupId);
        }
      }
    }
  }

  private async recompileNetworks(d: Dirty, source: RecordSource): Promise<void> {
    for (const id of d.networks) {
      const place = this.ix.networkMeta.get(id);
      const old = this.networks.get(id);
      if (!place && !old && !this.problemsByUnit.has(`sn:${id}`)) continue;
      const rec = place && await source.get('servicenetwork', place, id);
      let entry: ServiceNetworkEntry | undefined;
      let problems: Problem[] = [];
      if (rec) {
        try {
          entry = compileNetwork(rec, new Map(), this.ix.policies, this.logs);
        } catch (err) {
          problems = [{ kind: 'servicenetwork', id, reason: reasonOf(err) }];
        }
      }
      if (!old !== !entry) d.vpcs = true;
      if (entry) this.networks.set(id, entry);
      else this.networks.delete(id);
      this.setProblems(`sn:${id}`, problems);
      d.hostMaps.add(id);
    }
  }

  /**
   * Replays the routable associations of each network that changed (or whose services did),
   * in creation order, into a new host map: host clashes only happen within a network.
   */
  private recompileAssociations(d: Dirty): void {
    if (d.hostMaps.size === 0) return;
    for (const networkId of d.hostMaps) {
      const list: [string, AssociationMeta][] = [];
      for (const id of this.ix.associationsByNetwork.get(networkId) ?? []) {
        const m = this.ix.associationMeta.get(id);
        if (m?.target) list.push([id, m]);
      }
      list.sort((a, b) => a[1].seq - b[1].seq);
      const network = this.networks.get(networkId);
      const hosts = network ? new Map<string, ServiceEntry>() : undefined;
      const look: AssociationLookups = {
        hosts: (id) => (id === networkId ? hosts : undefined),
        networkExists: (place, id) => {
          const at = this.ix.networkMeta.get(id);
          return at !== undefined && samePlace(at, place);
        },
        service: (id) => this.services.get(id),
        serviceRoutable: (place, id) => {
          const m = this.ix.serviceMeta.get(id);
          return m && samePlace(m.place, place) ? m.routable : undefined;
        },
      };
      const problems: Problem[] = [];
      for (const [id, m] of list) {
        const problem = (reason: string) => problems.push({ kind: 'servicenetworkserviceassociation', id, reason });
        try {
          addAssociation(look, { id, account: m.place.account, region: m.place.region }, m.target!, problem);
        } catch (err) {
          problem(reasonOf(err));
        }
      }
      this.setProblems(`grp:${networkId}`, problems);
      if (network && hosts) {
        this.networks.set(networkId, { ...network, servicesByHost: hosts });
      }
    }
  }

  /** VPCs, their associations and security groups, compiled whole from the kept records. */
  private recompileVpcs(): void {
    const records = [...this.ix.vpcRecords.values()];
    // The context answers "does this network exist" for the associations' problems.
    const stubs = new Map<string, ResourceRecord>();
    for (const r of records) {
      const networkId = r.kind === 'servicenetworkvpcassociation' ? field(r.doc, 'serviceNetworkId') : undefined;
      const place = typeof networkId === 'string' ? this.ix.networkMeta.get(networkId) : undefined;
      if (place && typeof networkId === 'string') {
        stubs.set(networkId, { kind: 'servicenetwork', id: networkId, ...place, parentId: '', name: '', refs: [], doc: {}, seq: 0 });
      }
    }
    const ctx = new CompileContext([...stubs.values(), ...records], this.ix.partitionOf);
    this.vpcs = compileVpcs(ctx, this.networks.freeze());
    this.setProblems('vpcs', ctx.problems);
  }

  /** `unused` is true exactly when no compiled forward names the group. */
  private settleUnused(d: Dirty): void {
    for (const id of d.used) {
      const g = this.targetGroups.get(id);
      const unused = !this.usedCount.has(id);
      if (!g || g.unused === unused) continue;
      if (d.fresh.has(g)) {
        (g as { unused: boolean }).unused = unused;
        continue;
      }
      this.targetGroups.set(id, { ...g, unused });
    }
  }

  private setProblems(unit: string, problems: readonly Problem[]): void {
    if (problems.length) {
      this.problemsByUnit.set(unit, problems);
      this.problemsChanged = true;
    } else if (this.problemsByUnit.delete(unit)) this.problemsChanged = true;
  }

  private snapshot(revision: number): RoutingSnapshot {
    if (this.problemsChanged) {
      this.problems = sortProblems([...this.problemsByUnit.values()].flat());
      this.problemsChanged = false;
    }
    this.last = {
      revision,
      vpcs: this.vpcs,
      serviceNetworks: this.networks.freeze(),
      services: this.services.freeze(),
      targetGroups: this.targetGroups.freeze(),
      problems: this.problems,
    };
    return this.last;
  }
}
