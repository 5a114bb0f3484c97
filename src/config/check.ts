import { cowChanges } from './cow-map.js';
import type { ListenerEntry, Problem, RoutingSnapshot, ServiceEntry, ServiceNetworkEntry, TargetGroupEntry } from './snapshot.js';

/**
 * Kinds whose problems mean "left out": a problem of one of these kinds names an id that is
 * absent from the snapshot. (Problems of other kinds, such as a security group with one
 * dropped rule or an association that lost a host name, degrade a resource in place.)
 */
const LEFT_OUT_KINDS = ['servicenetwork', 'service', 'listener', 'rule', 'targetgroup'] as const;

/**
 * The snapshot's invariants (snapshot.ts), as a list of violations: empty when it holds.
 * `compile()` output must always pass; the follower refuses to publish one that does not,
 * so the data plane never routes by an inconsistent snapshot.
 *
 * - every target group a forward action names is in `targetGroups`, and `unused` is true
 *   exactly when no action names it;
 * - a listener is keyed by its port, has exactly one default rule and it is last; the others
 *   have a match and strictly ascending priorities;
 * - every service a network answers for is the entry of `services` with that id, and the
 *   host it is keyed by is one of its (lower-case) host names;
 * - a VPC association names a network of the snapshot;
 * - every target has an address, a Lambda function or an unresolved reason, and one only;
 * - every problem has a kind, id and reason, and a left-out resource is absent.
 *
 * `previous`, when given, is a snapshot that passed this check: an entry it shares by
 * reference with `s` (an incremental rebuild reuses every entry a change did not touch) is
 * not checked, nor even visited when both maps are CowMaps (cow-map.ts: the changed entries
 * are found chunk by chunk). What relates entries to each other is counted on from tallies
 * kept for `previous` (forwards per group, listener and rule ids, which networks answer for
 * each service), moved by the entries that changed: so forwards to groups that exist,
 * `unused`, networks' services, VPC associations and problems still hold for the whole
 * snapshot, at a cost in proportion to the change.
 */
export function checkSnapshot(s: RoutingSnapshot, previous?: RoutingSnapshot): string[] {
  const out: string[] = [];
  if (!Number.isInteger(s.revision) || s.revision < 0) out.push(`revision ${s.revision} is not a non-negative integer`);
  const base = previous && tallies.get(previous);
  if (previous && base) {
    // Counted on from `previous`, in place: undone below if this snapshot does not pass.
    const undo: (() => void)[] = [];
    checkChanges(out, s, previous, base, undo);
    if (out.length === 0) {
      tallies.delete(previous);
      tallies.set(s, base);
    } else {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
    }
    return out;
  }

  const t: Tallies = { forwards: new Map(), listeners: new Map(), rules: new Map(), holders: new Map() };
  for (const [id, svc] of s.services) {
    checkService(out, id, svc);
    countService(t, svc, 1, undefined, undefined);
  }
  for (const id of t.forwards.keys()) if (!s.targetGroups.has(id)) missingGroup(out, s, id);
  for (const [id, tg] of s.targetGroups) {
    checkTargetGroup(out, id, tg);
    checkUse(out, s, id, t.forwards);
  }
  for (const [id, sn] of s.serviceNetworks) {
    checkNetwork(out, s, id, sn);
    countNetwork(t, id, sn, 1, undefined);
  }
  checkVpcs(out, s);
  checkProblems(out, s, t);
  if (out.length === 0) tallies.set(s, t);
  return out;
}

/**
 * The check of `s` counted on from `previous` (which passed): only the entries that differ
 * are walked (for the incremental rebuild's CowMaps, found chunk by chunk without visiting
 * the others), and the tallies of `previous` are moved to `s`, each move logged in `undo`.
 */
function checkChanges(out: string[], s: RoutingSnapshot, previous: RoutingSnapshot, t: Tallies, undo: (() => void)[]): void {
  const recount = new Set<string>();
  const services = changes(previous.services, s.services);
  for (const c of services) {
    if (c.before) countService(t, c.before, -1, undo, recount);
    if (c.after) {
      checkService(out, c.key, c.after);
      countService(t, c.after, 1, undo, recount);
    }
  }
  const groups = changes(previous.targetGroups, s.targetGroups);
  for (const c of groups) {
    if (c.after) checkTargetGroup(out, c.key, c.after);
    recount.add(c.key);
  }
  for (const id of recount) checkUse(out, s, id, t.forwards);

  const networks = changes(previous.serviceNetworks, s.serviceNetworks);
  const rewalked = new Set<string>();
  let networkLeft = false;
  for (const c of networks) {
    rewalked.add(c.key);
    if (c.before) countNetwork(t, c.key, c.before, -1, undo);
    if (c.after) {
      checkNetwork(out, s, c.key, c.after);
      countNetwork(t, c.key, c.after, 1, undo);
    } else networkLeft = true;
  }
  // A network that did not change still holds the previous entry of each service it answers
  // for (it passed against `previous`): so a service that changed must not be held by one.
  for (const c of services) {
    for (const networkId of t.holders.get(c.key)?.keys() ?? []) if (!rewalked.has(networkId)) staleHolder(out, s, networkId, c.key);
  }
  // VPC entries are compiled whole when they change; a network that left may orphan one.
  if (s.vpcs !== previous.vpcs || networkLeft) checkVpcs(out, s);

  if (s.problems !== previous.problems) {
    checkProblems(out, s, t);
    return;
  }
  // Same problems as `previous`: only an entry that appeared can be one they name.
  const named = problemIndex(s.problems);
  if (named.size === 0) return;
  const leftOut = (kind: string, id: string) => {
    const p = named.get(`${kind}\0${id}`);
    if (p) out.push(`${p.kind} ${p.id} is named in problems (${p.reason}) but is in the snapshot`);
  };
  for (const c of services) {
    if (!c.after) continue;
    if (!c.before) leftOut('service', c.key);
    for (const l of c.after.listeners.values()) {
      leftOut('listener', l.id);
      for (const r of l.rules) leftOut('rule', r.id);
    }
  }
  for (const c of groups) if (c.after && !c.before) leftOut('targetgroup', c.key);
  for (const c of networks) if (c.after && !c.before) leftOut('servicenetwork', c.key);
}

/** One id whose entry differs between two versions of a snapshot map. */
interface Change<V> { readonly key: string; readonly before: V | undefined; readonly after: V | undefined }

/** The ids whose entry differs: chunk by chunk for two CowMaps of one lineage, else by a walk of both. */
function changes<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): readonly Change<V>[] {
  if (a === b) return [];
  const fast = cowChanges(a, b);
  if (fast) return fast;
  const out: Change<V>[] = [];
  for (const [key, after] of b) {
    const before = a.get(key);
    if (before !== after) out.push({ key, before, after });
  }
  for (const [key, before] of a) if (!b.has(key)) out.push({ key, before, after: undefined });
  return out;
}

/** A group's `unused` against the forwards that name it; forwards to a missing group. */
function checkUse(out: string[], s: RoutingSnapshot, id: string, counts: ReadonlyMap<string, number>): void {
  const tg = s.targetGroups.get(id);
  const used = counts.has(id);
  if (!tg) {
    if (used) missingGroup(out, s, id);
  } else if (tg.unused === used) out.push(`target group ${id}: unused is ${tg.unused} but ${used ? 'an' : 'no'} action forwards to it`);
}

function checkNetwork(out: string[], s: RoutingSnapshot, id: string, sn: ServiceNetworkEntry): void {
  if (sn.id !== id) out.push(`serviceNetworks: key ${id} holds network ${sn.id}`);
  for (const [host, svc] of sn.servicesByHost) {
    if (s.services.get(svc.id) !== svc) out.push(`network ${id}: host ${host} answers for service ${svc.id}, which is not in services`);
    if (!svc.hostNames.includes(host)) out.push(`network ${id}: host ${host} is not a host name of service ${svc.id}`);
  }
}

/** Names the hosts by which an unchanged network answers for a service whose entry it no longer is. */
function staleHolder(out: string[], s: RoutingSnapshot, networkId: string, serviceId: string): void {
  for (const [host, svc] of s.serviceNetworks.get(networkId)?.servicesByHost ?? []) {
    if (svc.id === serviceId && s.services.get(serviceId) !== svc) out.push(`network ${networkId}: host ${host} answers for service ${serviceId}, which is not in services`);
  }
}

function checkVpcs(out: string[], s: RoutingSnapshot): void {
  for (const [id, vpc] of s.vpcs) {
    if (vpc.vpcId !== id) out.push(`vpcs: key ${id} holds VPC ${vpc.vpcId}`);
    const a = vpc.association;
    if (a && !s.serviceNetworks.has(a.serviceNetworkId)) out.push(`VPC ${id}: association ${a.id} names service network ${a.serviceNetworkId}, which is not in the snapshot`);
  }
}

/**
 * What the check counts over the whole snapshot, kept for the last snapshot that passed of
 * each line of snapshots: the next check counts on from these (moving them by the entries
 * that changed), and takes them over when it passes (so checking against the same
 * `previous` twice checks the second time in full). Weak, so a snapshot no longer in use
 * takes its tallies along.
 */
interface Tallies {
  /** Forward actions naming each target group. */
  readonly forwards: Map<string, number>;
  /** Listener and rule ids present (problems must not name them). */
  readonly listeners: Map<string, number>;
  readonly rules: Map<string, number>;
  /** For each service id, the networks answering for it, with how many hosts each. */
  readonly holders: Map<string, Map<string, number>>;
}
const tallies = new WeakMap<RoutingSnapshot, Tallies>();

/** Moves `key`'s count in `m` by `by` (a count of 0 is no key), logging the inverse in `undo`. */
function bump(m: Map<string, number>, key: string, by: number, undo: (() => void)[] | undefined): void {
  const n = (m.get(key) ?? 0) + by;
  if (n === 0) m.delete(key);
  else m.set(key, n);
  undo?.push(() => bump(m, key, -by, undefined));
}

/** Adds (or takes away) a service's forwards, listeners and rules; notes the groups whose count moved. */
function countService(t: Tallies, svc: ServiceEntry, by: 1 | -1, undo: (() => void)[] | undefined, moved: Set<string> | undefined): void {
  for (const l of svc.listeners.values()) {
    bump(t.listeners, l.id, by, undo);
    for (const r of l.rules) {
      bump(t.rules, r.id, by, undo);
      if (r.action.type !== 'forward') continue;
      for (const g of r.action.targetGroups) {
        bump(t.forwards, g.targetGroupId, by, undo);
        moved?.add(g.targetGroupId);
      }
    }
  }
}

/** Adds (or takes away) which services a network answers for. */
function countNetwork(t: Tallies, networkId: string, sn: ServiceNetworkEntry, by: 1 | -1, undo: (() => void)[] | undefined): void {
  for (const svc of sn.servicesByHost.values()) {
    let m = t.holders.get(svc.id);
    if (!m) t.holders.set(svc.id, (m = new Map()));
    bump(m, networkId, by, undo);
    // An emptied inner map stays: `holders` only grows by the services networks have held.
  }
}

/** Problems by `kind\0id`, per problems list (lists are shared between snapshots while unchanged). */
const problemIndexes = new WeakMap<readonly Problem[], Map<string, Problem>>();

function problemIndex(problems: readonly Problem[]): Map<string, Problem> {
  let ix = problemIndexes.get(problems);
  if (!ix) {
    ix = new Map();
    for (const p of problems) if (LEFT_OUT_KINDS.some((k) => k === p.kind)) ix.set(`${p.kind}\0${p.id}`, p);
    problemIndexes.set(problems, ix);
  }
  return ix;
}

/** Names every rule that forwards to a group missing from the snapshot (only when one does). */
function missingGroup(out: string[], s: RoutingSnapshot, groupId: string): void {
  for (const [serviceId, svc] of s.services) {
    for (const l of svc.listeners.values()) {
      for (const r of l.rules) {
        if (r.action.type === 'forward' && r.action.targetGroups.some((g) => g.targetGroupId === groupId)) {
          out.push(`service ${serviceId} listener ${l.id}: rule ${r.id} forwards to target group ${groupId}, which is not in the snapshot`);
        }
      }
    }
  }
}

/** What holds for a service on its own: its key, host names and listeners. */
function checkService(out: string[], id: string, svc: ServiceEntry): void {
  if (svc.id !== id) out.push(`services: key ${id} holds service ${svc.id}`);
  for (const h of svc.hostNames) if (h !== h.toLowerCase()) out.push(`service ${id}: host name ${h} is not lower case`);
  for (const [port, l] of svc.listeners) checkListener(out, id, port, l);
}

function checkProblems(out: string[], s: RoutingSnapshot, t: Tallies): void {
  const present: Record<(typeof LEFT_OUT_KINDS)[number], (id: string) => boolean> = {
    servicenetwork: (id) => s.serviceNetworks.has(id),
    service: (id) => s.services.has(id),
    listener: (id) => t.listeners.has(id),
    rule: (id) => t.rules.has(id),
    targetgroup: (id) => s.targetGroups.has(id),
  };
  for (const p of s.problems) {
    if (!p.kind || !p.id || !p.reason) out.push(`problem ${JSON.stringify(p)} lacks a kind, id or reason`);
    const kind = LEFT_OUT_KINDS.find((k) => k === p.kind);
    if (kind && present[kind](p.id)) out.push(`${p.kind} ${p.id} is named in problems (${p.reason}) but is in the snapshot`);
  }
}

/** What holds for a listener on its own: its key, rule order, matches, non-empty forwards. */
function checkListener(out: string[], serviceId: string, port: number, l: ListenerEntry): void {
  const at = `service ${serviceId} listener ${l.id}`;
  if (l.port !== port) out.push(`${at}: keyed by port ${port} but listens on ${l.port}`);
  const last = l.rules[l.rules.length - 1];
  if (!last?.isDefault) out.push(`${at}: the last rule is not the default rule`);
  let previous = 0;
  l.rules.forEach((r, i) => {
    if (r.isDefault) {
      if (i !== l.rules.length - 1) out.push(`${at}: default rule ${r.id} is not last`);
    } else {
      if (r.priority === undefined || !r.match) out.push(`${at}: rule ${r.id} has no priority or no match`);
      else if (r.priority <= previous) out.push(`${at}: rule ${r.id} (priority ${r.priority}) is not after priority ${previous}`);
      else previous = r.priority;
      for (const h of r.match?.headers ?? []) if (h.name !== h.name.toLowerCase()) out.push(`${at}: rule ${r.id} header name ${h.name} is not lower case`);
    }
    if (r.action.type === 'forward' && r.action.targetGroups.length === 0) out.push(`${at}: rule ${r.id} forwards to no target group`);
  });
}

/** What holds for a target group on its own (`unused` is checked against the forwards). */
function checkTargetGroup(out: string[], id: string, tg: TargetGroupEntry): void {
  if (tg.id !== id) out.push(`targetGroups: key ${id} holds group ${tg.id}`);
  if (tg.healthCheck && (tg.type === 'ALB' || tg.type === 'LAMBDA')) out.push(`target group ${id}: a ${tg.type} group has a health check`);
  for (const [lo, hi] of tg.healthCheck?.matcher ?? []) if (lo > hi) out.push(`target group ${id}: matcher range ${lo}-${hi} is empty`);
  for (const t of tg.targets) {
    // A Lambda target resolves to a function (`lambda`), never to an address.
    const resolved = t.address !== undefined || t.lambda !== undefined;
    if (resolved === (t.unresolved !== undefined) || (t.address !== undefined && t.lambda !== undefined)) {
      out.push(`target group ${id}: target ${t.id}:${t.port} must have exactly one of address and unresolved (lambda in place of address for a Lambda target)`);
    }
  }
}
