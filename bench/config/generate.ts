/**
 * Synthetic store contents for the config benchmarks, shaped as the control plane stores
 * them (docs/records.md): per service one HTTP:80 listener with its default rule forwarding
 * 1/1 to two target groups and one path rule; one group of IP targets and one of INSTANCE
 * targets (every instance with its record); 100 networks with the services spread over
 * them; 500 client VPCs with associations and security groups.
 */
import type { ResourceKind } from '../../src/model/index.js';
import type { ResourceRecord } from '../../src/store/index.js';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const hex = (n: number, width = 17): string => n.toString(16).padStart(width, '0');
export const latticeArn = (path: string): string => `arn:aws:vpc-lattice:${REGION}:${ACCOUNT}:${path}`;

export interface GenerateOptions {
  /** Client VPCs, each with a security group and an association. Default 500. */
  readonly vpcs?: number;
  /** Whether the target groups have health checks enabled. Default true. */
  readonly healthChecks?: boolean;
}

/** The records a store of this size would hold, as `Store.scan` returns them. */
export function generate(services: number, perService: number, opts: GenerateOptions = {}): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  let seq = 0;
  const add = (kind: ResourceKind, id: string, doc: Record<string, unknown>, parentId = '', refs: string[] = []) => {
    out.push({ kind, id, account: ACCOUNT, region: REGION, parentId, name: '', refs, doc, seq: ++seq });
  };
  const now = '2026-01-01T00:00:00.000Z';
  const networks = Array.from({ length: 100 }, (_, i) => `sn-${hex(i)}`);
  for (const id of networks) add('servicenetwork', id, { id, arn: latticeArn(`servicenetwork/${id}`), name: id, authType: 'NONE', createdAt: now, lastUpdatedAt: now, tags: {} });
  for (let v = 0; v < (opts.vpcs ?? 500); v++) {
    const vpcId = `vpc-${hex(v)}`;
    const sg = `sg-${hex(v)}`;
    const cidr = `10.${v % 250}.0.0/16`;
    add('vpc', vpcId, { vpcId, cidrBlock: cidr, source: 'explicit', createdAt: now });
    add('securitygroup', sg, { groupId: sg, vpcId, source: 'explicit', createdAt: now, ingress: [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIp: cidr }] }, vpcId, [vpcId]);
    const snva = `snva-${hex(v)}`;
    const sn = networks[v % networks.length]!;
    add('servicenetworkvpcassociation', snva, { id: snva, arn: latticeArn(`servicenetworkvpcassociation/${snva}`), status: 'ACTIVE', serviceNetworkId: sn, vpcId, securityGroupIds: [sg], createdAt: now, tags: {} }, '', [sn, vpcId, sg]);
  }
  const health = {
    enabled: opts.healthChecks ?? true, protocol: 'HTTP', protocolVersion: 'HTTP1', path: '/', healthCheckIntervalSeconds: 30, healthCheckTimeoutSeconds: 5,
    healthyThresholdCount: 5, unhealthyThresholdCount: 2, matcher: { httpCode: '200-299' },
  };
  const half = Math.floor(perService / 2);
  let instance = 0;
  for (let s = 0; s < services; s++) {
    const svc = `svc-${hex(s)}`;
    const name = `service-${s}`;
    add('service', svc, {
      id: svc, arn: latticeArn(`service/${svc}`), name, authType: 'NONE', status: 'ACTIVE', idleTimeoutSeconds: 60,
      dnsEntry: { domainName: `${name}-${hex(s)}.7d67968.vpc-lattice-svcs.${REGION}.on.aws`, hostedZoneId: 'Z0123456789ABCDEFGHIJ' }, createdAt: now, lastUpdatedAt: now, tags: {},
    });
    const ipGroup = `tg-${hex(2 * s)}`;
    const instGroup = `tg-${hex(2 * s + 1)}`;
    const ipTargets = Array.from({ length: perService - half }, (_, t) => ({ id: `127.${(s >> 8) & 255}.${s & 255}.${t + 1}`, port: 8080 }));
    const instTargets = Array.from({ length: half }, () => {
      const id = `i-${hex(instance++)}`;
      add('instance', id, { instanceId: id, privateIpAddress: `127.1.${(instance >> 8) & 255}.${instance & 255}`, source: 'explicit', createdAt: now });
      return { id, port: 8080 };
    });
    for (const [id, type, targets] of [[ipGroup, 'IP', ipTargets], [instGroup, 'INSTANCE', instTargets]] as const) {
      add('targetgroup', id, {
        id, arn: latticeArn(`targetgroup/${id}`), name: id, type, status: 'ACTIVE', createdAt: now, lastUpdatedAt: now, tags: {},
        config: { port: 80, protocol: 'HTTP', protocolVersion: 'HTTP1', vpcIdentifier: 'vpc-00000000000000000', healthCheck: health }, targets,
      });
    }
    const listener = `listener-${hex(s)}`;
    const listenerArn = latticeArn(`service/${svc}/listener/${listener}`);
    const defaultAction = { forward: { targetGroups: [{ targetGroupIdentifier: ipGroup, weight: 1 }, { targetGroupIdentifier: instGroup, weight: 1 }] } };
    add('listener', listener, { id: listener, arn: listenerArn, name: 'http-80', protocol: 'HTTP', port: 80, serviceId: svc, serviceArn: latticeArn(`service/${svc}`), defaultAction, createdAt: now, lastUpdatedAt: now, tags: {} }, svc, [svc, ipGroup, instGroup]);
    const def = `rule-${hex(2 * s)}`;
    add('rule', def, { id: def, arn: `${listenerArn}/rule/${def}`, name: 'default', isDefault: true, action: defaultAction, serviceId: svc, listenerId: listener, createdAt: now, lastUpdatedAt: now, tags: {} }, listener, [svc, listener, ipGroup, instGroup]);
    const rule = `rule-${hex(2 * s + 1)}`;
    add('rule', rule, {
      id: rule, arn: `${listenerArn}/rule/${rule}`, name: 'api', isDefault: false, priority: 10,
      match: { httpMatch: { pathMatch: { match: { prefix: '/API' } }, headerMatches: [{ name: 'X-Tenant', match: { exact: 'Acme' } }] } },
      action: { forward: { targetGroups: [{ targetGroupIdentifier: ipGroup, weight: 1 }] } }, serviceId: svc, listenerId: listener, createdAt: now, lastUpdatedAt: now, tags: {},
    }, listener, [svc, listener, ipGroup]);
    const snsa = `snsa-${hex(s)}`;
    const sn = networks[s % networks.length]!;
    add('servicenetworkserviceassociation', snsa, { id: snsa, arn: latticeArn(`servicenetworkserviceassociation/${snsa}`), status: 'ACTIVE', serviceNetworkId: sn, serviceId: svc, createdAt: now, tags: {} }, '', [sn, svc]);
  }
  return out;
}
