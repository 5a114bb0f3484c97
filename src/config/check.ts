import type { ListenerEntry, RoutingSnapshot, ServiceEntry, TargetGroupEntry } from './snapshot.js';

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
 * - every target has an address or an unresolved reason, and not both;
 * - every problem has a kind, id and reason, and a left-out resource is absent.
 *
 * `previous`, when given, is a snapshot that passed this check: a service or target group
 * entry it shares by reference with `s` (an incremental rebuild reuses every entry a change
 * did not touch) is not checked again, and the forwards naming each group are counted from
 * those of `previous` plus the services that changed, so a check costs in proportion to the
 * change. What relates entries to each other (forwards to groups that exist, `unused`,
 * networks' services, VPC associations, problems) still holds for the whole snapshot.
 */
export function checkSnapshot(s: RoutingSnapshot, previous?: RoutingSnapshot): string[] {
  const out: string[] = [];
  if (!Number.isInteger(s.revision) || s.revision < 0) out.push(`revision ${s.revision} is not a non-negative integer`);
  const base = previous && forwardCounts.get(previous);
  const counts = base ?? new Map<string, number>();
  if (previous && base) {
    // Counted on from `previous`, in place: undone below if this snapshot does not pass.
    const applied: [ServiceEntry, 1 | -1][] = [];
    const recount = new Set<string>();
    const move = (svc: ServiceEntry, by: 1 | -1) => { count(counts, svc, by, recount); applied.push([svc, by]); };
    if (s.services !== previous.services) {
      for (const [id, svc] of s.services) {
        const was = previous.services.get(id);
        if (was === svc) continue;
        if (was) move(was, -1);
        checkService(out, id, svc);
        move(svc, 1);
      }
      for (const [id, was] of previous.services) if (!s.services.has(id)) move(was, -1);
    }
    if (s.targetGroups !== previous.targetGroups) {
      for (const id of previous.targetGroups.keys()) if (!s.targetGroups.has(id)) recount.add(id);
      for (const [id, tg] of s.targetGroups) {
        if (previous.targetGroups.get(id) === tg) continue;
        checkTargetGroup(out, id, tg);
        recount.add(id);
      }
    }
    for (const id of recount) checkUse(out, s, id, counts);
    const same = s.services === previous.services && s.serviceNetworks === previous.serviceNetworks;
    if (!same) checkNetworks(out, s);
    if (s.vpcs !== previous.vpcs || s.serviceNetworks !== previous.serviceNetworks) checkVpcs(out, s);
    if (!same || s.targetGroups !== previous.targetGroups || s.problems !== previous.problems) checkProblems(out, s);
    if (out.length === 0) {
      forwardCounts.delete(previous);
      forwardCounts.set(s, counts);
    } else {
      for (let i = applied.length - 1; i >= 0; i--) count(counts, applied[i]![0], applied[i]![1] === 1 ? -1 : 1, undefined);
    }
    return out;
  }

  for (const [id, svc] of s.services) {
    checkService(out, id, svc);
    count(counts, svc, 1, undefined);
  }
  for (const id of counts.keys()) if (!s.targetGroups.has(id)) missingGroup(out, s, id);
  for (const [id, tg] of s.targetGroups) {
    checkTargetGroup(out, id, tg);
    checkUse(out, s, id, counts);
  }
  checkNetworks(out, s);
  checkVpcs(out, s);
  checkProblems(out, s);
  if (out.length === 0) forwardCounts.set(s, counts);
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

function checkNetworks(out: string[], s: RoutingSnapshot): void {
  for (const [id, sn] of s.serviceNetworks) {
    if (sn.id !== id) out.push(`serviceNetworks: key ${id} holds network ${sn.id}`);
    for (const [host, svc] of sn.servicesByHost) {
      if (s.services.get(svc.id) !== svc) out.push(`network ${id}: host ${host} answers for service ${svc.id}, which is not in services`);
      if (!svc.hostNames.includes(host)) out.push(`network ${id}: host ${host} is not a host name of service ${svc.id}`);
    }
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
 * How many forward actions name each target group, for the last snapshot that passed of each
 * line of snapshots: the next check counts on from these, and takes them over when it passes
 * (so checking against the same `previous` twice checks the second time in full). Weak, so a
 * snapshot no longer in use takes its counts along.
 */
const forwardCounts = new WeakMap<RoutingSnapshot, Map<string, number>>();

/** Adds (or takes away) the forwards of a service's rules; notes the groups whose count moved. */
function count(counts: Map<string, number>, svc: ServiceEntry, by: 1 | -1, moved: Set<string> | undefined): void {
  for (const l of svc.listeners.values()) {
    for (const r of l.rules) {
      if (r.action.type !== 'forward') continue;
      for (const g of r.action.targetGroups) {
        const n = (counts.get(g.targetGroupId) ?? 0) + by;
        if (n === 0) counts.delete(g.targetGroupId);
        else counts.set(g.targetGroupId, n);
        moved?.add(g.targetGroupId);
      }
    }
  }
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

function checkProblems(out: string[], s: RoutingSnapshot): void {
  // Listener and rule ids are collected only when a problem names one: it takes a walk.
  let ids: { listeners: Set<string>; rules: Set<string> } | undefined;
  const nested = () => {
    if (ids) return ids;
    ids = { listeners: new Set(), rules: new Set() };
    for (const svc of s.services.values()) {
      for (const l of svc.listeners.values()) {
        ids.listeners.add(l.id);
        for (const r of l.rules) ids.rules.add(r.id);
      }
    }
    return ids;
  };
  const present: Record<(typeof LEFT_OUT_KINDS)[number], (id: string) => boolean> = {
    servicenetwork: (id) => s.serviceNetworks.has(id),
    service: (id) => s.services.has(id),
    listener: (id) => nested().listeners.has(id),
    rule: (id) => nested().rules.has(id),
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
    if ((t.address === undefined) === (t.unresolved === undefined)) {
      out.push(`target group ${id}: target ${t.id}:${t.port} must have exactly one of address and unresolved`);
    }
  }
}
