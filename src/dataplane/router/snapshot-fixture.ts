import type {
  AccessLogDestination, ActionEntry, CompiledMatch, ListenerEntry, RoutingSnapshot, RuleEntry, SecurityGroupEntry,
  ServiceEntry, ServiceNetworkEntry, TargetEntry, TargetGroupEntry, VpcEntry,
} from '../../config/index.js';

/**
 * Hand-built RoutingSnapshots for the data plane's tests: a short description in, a
 * snapshot with consistent ids and ARNs out (the shape `compile()` produces). Test support,
 * not used on any request path.
 */

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';

export interface FixtureRule {
  readonly priority?: number;
  readonly match?: Partial<CompiledMatch>;
  readonly action: ActionEntry;
}
export interface FixtureListener {
  readonly port: number;
  readonly protocol?: ListenerEntry['protocol'];
  /** Non-default rules in any order; `defaultAction` becomes the default rule. */
  readonly rules?: readonly FixtureRule[];
  readonly defaultAction: ActionEntry;
}
export interface FixtureService {
  readonly id: string;
  readonly hostNames?: readonly string[];
  readonly idleTimeoutSeconds?: number;
  readonly listeners: readonly FixtureListener[];
  readonly accessLogs?: readonly AccessLogDestination[];
}
export interface FixtureNetwork {
  readonly id: string;
  readonly services: readonly string[];
  readonly accessLogs?: readonly AccessLogDestination[];
}
export interface FixtureVpc {
  readonly id: string;
  readonly cidr?: string;
  readonly network?: string;
  readonly securityGroups?: readonly SecurityGroupEntry[];
}
export interface FixtureTargetGroup {
  readonly id: string;
  readonly type?: TargetGroupEntry['type'];
  readonly protocol?: TargetGroupEntry['protocol'];
  readonly targets: readonly TargetEntry[];
}
export interface Fixture {
  readonly revision?: number;
  readonly vpcs: readonly FixtureVpc[];
  readonly networks: readonly FixtureNetwork[];
  readonly services: readonly FixtureService[];
  readonly targetGroups: readonly FixtureTargetGroup[];
}

export const arnOf = (kind: string, id: string): string => `arn:aws:vpc-lattice:${REGION}:${ACCOUNT}:${kind}/${id}`;
export const vpcArnOf = (id: string): string => `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/${id}`;
/** The generated DNS name of a service id, as the control plane mints it. */
export const dnsNameOf = (serviceId: string): string => `${serviceId}.7d67968.vpc-lattice-svcs.${REGION}.on.aws`;

export const forward = (...groups: readonly (readonly [string, number])[]): ActionEntry =>
  ({ type: 'forward', targetGroups: groups.map(([targetGroupId, weight]) => ({ targetGroupId, weight })) });
export const fixed = (statusCode: number): ActionEntry => ({ type: 'fixed-response', statusCode });

export function buildSnapshot(f: Fixture): RoutingSnapshot {
  const services = new Map<string, ServiceEntry>();
  for (const s of f.services) {
    const listeners = new Map<number, ListenerEntry>();
    for (const l of s.listeners) {
      const lid = `listener-${s.id}-${l.port}`;
      const rules: RuleEntry[] = [...(l.rules ?? [])]
        .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0))
        .map((r, i) => ({
          id: `rule-${lid}-${r.priority ?? i}`, arn: arnOf('service', `${s.id}/listener/${lid}/rule/${r.priority ?? i}`),
          isDefault: false, priority: r.priority, action: r.action,
          match: { headers: [], ...r.match },
        }));
      rules.push({ id: `rule-${lid}-default`, arn: arnOf('service', `${s.id}/listener/${lid}/rule/default`), isDefault: true, action: l.defaultAction });
      listeners.set(l.port, { id: lid, arn: arnOf('service', `${s.id}/listener/${lid}`), name: `l${l.port}`, protocol: l.protocol ?? 'HTTP', port: l.port, rules });
    }
    services.set(s.id, {
      id: s.id, arn: arnOf('service', s.id), name: s.id, account: ACCOUNT, region: REGION,
      hostNames: s.hostNames ?? [dnsNameOf(s.id)], authType: 'NONE', idleTimeoutSeconds: s.idleTimeoutSeconds ?? 60,
      listeners, accessLogs: s.accessLogs ?? [],
    });
  }
  const serviceNetworks = new Map<string, ServiceNetworkEntry>();
  for (const n of f.networks) {
    const servicesByHost = new Map<string, ServiceEntry>();
    for (const sid of n.services) {
      const s = services.get(sid);
      if (s === undefined) throw new Error(`fixture: network ${n.id} names unknown service ${sid}`);
      for (const h of s.hostNames) servicesByHost.set(h, s);
    }
    serviceNetworks.set(n.id, { id: n.id, arn: arnOf('servicenetwork', n.id), name: n.id, account: ACCOUNT, authType: 'NONE', servicesByHost, accessLogs: n.accessLogs ?? [] });
  }
  const vpcs = new Map<string, VpcEntry>();
  for (const v of f.vpcs) {
    vpcs.set(v.id, {
      vpcId: v.id, vpcArn: vpcArnOf(v.id), account: ACCOUNT, region: REGION,
      ...(v.cidr ? { cidrBlock: v.cidr } : {}),
      ...(v.network ? { association: { id: `snva-${v.id}`, arn: arnOf('servicenetworkvpcassociation', `snva-${v.id}`), serviceNetworkId: v.network, securityGroups: v.securityGroups ?? [] } } : {}),
    });
  }
  const targetGroups = new Map<string, TargetGroupEntry>();
  for (const g of f.targetGroups) {
    targetGroups.set(g.id, { id: g.id, arn: arnOf('targetgroup', g.id), type: g.type ?? 'IP', protocol: g.protocol ?? 'HTTP', protocolVersion: 'HTTP1', unused: false, targets: g.targets });
  }
  return { revision: f.revision ?? 1, vpcs, serviceNetworks, services, targetGroups, problems: [] };
}
