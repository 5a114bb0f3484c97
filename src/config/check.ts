import type { ListenerEntry, RoutingSnapshot, TargetGroupEntry } from './snapshot.js';

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
 */
export function checkSnapshot(s: RoutingSnapshot): string[] {
  const out: string[] = [];
  if (!Number.isInteger(s.revision) || s.revision < 0) out.push(`revision ${s.revision} is not a non-negative integer`);

  const used = new Set<string>();
  const ruleIds = new Set<string>();
  const listenerIds = new Set<string>();
  for (const [id, svc] of s.services) {
    if (svc.id !== id) out.push(`services: key ${id} holds service ${svc.id}`);
    for (const h of svc.hostNames) if (h !== h.toLowerCase()) out.push(`service ${id}: host name ${h} is not lower case`);
    for (const [port, l] of svc.listeners) {
      listenerIds.add(l.id);
      checkListener(out, id, port, l, s, used, ruleIds);
    }
  }
  for (const [id, tg] of s.targetGroups) checkTargetGroup(out, id, tg, used.has(id));

  for (const [id, sn] of s.serviceNetworks) {
    if (sn.id !== id) out.push(`serviceNetworks: key ${id} holds network ${sn.id}`);
    for (const [host, svc] of sn.servicesByHost) {
      if (s.services.get(svc.id) !== svc) out.push(`network ${id}: host ${host} answers for service ${svc.id}, which is not in services`);
      if (!svc.hostNames.includes(host)) out.push(`network ${id}: host ${host} is not a host name of service ${svc.id}`);
    }
  }
  for (const [id, vpc] of s.vpcs) {
    if (vpc.vpcId !== id) out.push(`vpcs: key ${id} holds VPC ${vpc.vpcId}`);
    const a = vpc.association;
    if (a && !s.serviceNetworks.has(a.serviceNetworkId)) out.push(`VPC ${id}: association ${a.id} names service network ${a.serviceNetworkId}, which is not in the snapshot`);
  }

  const present: Record<(typeof LEFT_OUT_KINDS)[number], (id: string) => boolean> = {
    servicenetwork: (id) => s.serviceNetworks.has(id),
    service: (id) => s.services.has(id),
    listener: (id) => listenerIds.has(id),
    rule: (id) => ruleIds.has(id),
    targetgroup: (id) => s.targetGroups.has(id),
  };
  for (const p of s.problems) {
    if (!p.kind || !p.id || !p.reason) out.push(`problem ${JSON.stringify(p)} lacks a kind, id or reason`);
    const kind = LEFT_OUT_KINDS.find((k) => k === p.kind);
    if (kind && present[kind](p.id)) out.push(`${p.kind} ${p.id} is named in problems (${p.reason}) but is in the snapshot`);
  }
  return out;
}

function checkListener(
  out: string[], serviceId: string, port: number, l: ListenerEntry, s: RoutingSnapshot, used: Set<string>, ruleIds: Set<string>,
): void {
  const at = `service ${serviceId} listener ${l.id}`;
  if (l.port !== port) out.push(`${at}: keyed by port ${port} but listens on ${l.port}`);
  const last = l.rules[l.rules.length - 1];
  if (!last?.isDefault) out.push(`${at}: the last rule is not the default rule`);
  let previous = 0;
  l.rules.forEach((r, i) => {
    if (r.isDefault) {
      ruleIds.add(r.id);
      if (i !== l.rules.length - 1) out.push(`${at}: default rule ${r.id} is not last`);
    } else {
      ruleIds.add(r.id);
      if (r.priority === undefined || !r.match) out.push(`${at}: rule ${r.id} has no priority or no match`);
      else if (r.priority <= previous) out.push(`${at}: rule ${r.id} (priority ${r.priority}) is not after priority ${previous}`);
      else previous = r.priority;
      for (const h of r.match?.headers ?? []) if (h.name !== h.name.toLowerCase()) out.push(`${at}: rule ${r.id} header name ${h.name} is not lower case`);
    }
    if (r.action.type === 'forward') {
      if (r.action.targetGroups.length === 0) out.push(`${at}: rule ${r.id} forwards to no target group`);
      for (const g of r.action.targetGroups) {
        used.add(g.targetGroupId);
        if (!s.targetGroups.has(g.targetGroupId)) out.push(`${at}: rule ${r.id} forwards to target group ${g.targetGroupId}, which is not in the snapshot`);
      }
    }
  });
}

function checkTargetGroup(out: string[], id: string, tg: TargetGroupEntry, used: boolean): void {
  if (tg.id !== id) out.push(`targetGroups: key ${id} holds group ${tg.id}`);
  if (tg.unused === used) out.push(`target group ${id}: unused is ${tg.unused} but ${used ? 'an' : 'no'} action forwards to it`);
  if (tg.healthCheck && (tg.type === 'ALB' || tg.type === 'LAMBDA')) out.push(`target group ${id}: a ${tg.type} group has a health check`);
  for (const [lo, hi] of tg.healthCheck?.matcher ?? []) if (lo > hi) out.push(`target group ${id}: matcher range ${lo}-${hi} is empty`);
  for (const t of tg.targets) {
    if ((t.address === undefined) === (t.unresolved === undefined)) {
      out.push(`target group ${id}: target ${t.id}:${t.port} must have exactly one of address and unresolved`);
    }
  }
}
