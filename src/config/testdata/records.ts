import type { ResourceKind } from '../../model/index.js';
import type { ResourceRecord } from '../../store/index.js';

/**
 * Hand-built store records for the compiler's tests, shaped as docs/records.md says the
 * control plane stores them. Plain input data, not mocks.
 */

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const PLACE = { account: ACCOUNT, region: REGION } as const;

export const arn = (path: string): string => `arn:aws:vpc-lattice:${REGION}:${ACCOUNT}:${path}`;
export const albArn = (name: string, hex: string): string => `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/${name}/${hex}`;

/** Builds records with increasing seq, the way a store numbers them. */
export class RecordBuilder {
  private seq = 0;
  readonly records: ResourceRecord[] = [];

  add(kind: ResourceKind, id: string, doc: Record<string, unknown>, opts: { parentId?: string; name?: string; refs?: string[] } = {}): ResourceRecord {
    const rec: ResourceRecord = {
      kind, id, ...PLACE, parentId: opts.parentId ?? '', name: opts.name ?? '', refs: opts.refs ?? [], doc, seq: ++this.seq,
    };
    this.records.push(rec);
    return rec;
  }

  network(id: string, name: string, extra: Record<string, unknown> = {}): ResourceRecord {
    return this.add('servicenetwork', id, { id, arn: arn(`servicenetwork/${id}`), name, authType: 'NONE', ...extra }, { name });
  }

  service(id: string, name: string, extra: Record<string, unknown> = {}): ResourceRecord {
    return this.add('service', id, {
      id, arn: arn(`service/${id}`), name, authType: 'NONE', status: 'ACTIVE', idleTimeoutSeconds: 60,
      dnsEntry: { domainName: `${name}-${id.slice(4)}.7d67968.vpc-lattice-svcs.${REGION}.on.aws`, hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      ...extra,
    }, { name });
  }

  serviceAssociation(id: string, serviceNetworkId: string, serviceId: string, status = 'ACTIVE'): ResourceRecord {
    return this.add('servicenetworkserviceassociation', id, {
      id, arn: arn(`servicenetworkserviceassociation/${id}`), status, serviceNetworkId, serviceId,
    }, { refs: [serviceNetworkId, serviceId] });
  }

  vpc(vpcId: string, cidrBlock?: string): ResourceRecord {
    return this.add('vpc', vpcId, { vpcId, source: 'explicit', ...(cidrBlock ? { cidrBlock } : {}) });
  }

  securityGroup(groupId: string, vpcId: string, ingress?: unknown): ResourceRecord {
    return this.add('securitygroup', groupId, { groupId, vpcId, source: 'explicit', ...(ingress !== undefined ? { ingress } : {}) }, { parentId: vpcId, refs: [vpcId] });
  }

  vpcAssociation(id: string, serviceNetworkId: string, vpcId: string, securityGroupIds: string[], status = 'ACTIVE'): ResourceRecord {
    return this.add('servicenetworkvpcassociation', id, {
      id, arn: arn(`servicenetworkvpcassociation/${id}`), status, serviceNetworkId, vpcId, securityGroupIds,
    }, { refs: [serviceNetworkId, vpcId, ...securityGroupIds] });
  }

  targetGroup(id: string, name: string, type: string, config: Record<string, unknown>, targets: unknown[]): ResourceRecord {
    return this.add('targetgroup', id, { id, arn: arn(`targetgroup/${id}`), name, type, config, status: 'ACTIVE', targets }, { name });
  }

  listener(id: string, serviceId: string, protocol: string, port: number, defaultAction: Record<string, unknown>): ResourceRecord {
    const listenerArn = arn(`service/${serviceId}/listener/${id}`);
    const rec = this.add('listener', id, { id, arn: listenerArn, name: `${protocol.toLowerCase()}-${port}`, protocol, port, serviceId, defaultAction }, { parentId: serviceId, name: `${protocol.toLowerCase()}-${port}` });
    this.add('rule', `rule-${id.slice(9)}`, {
      id: `rule-${id.slice(9)}`, arn: `${listenerArn}/rule/rule-${id.slice(9)}`, name: 'default', action: defaultAction, isDefault: true, serviceId, listenerId: id,
    }, { parentId: id, name: 'default' });
    return rec;
  }

  rule(id: string, serviceId: string, listenerId: string, priority: number, match: unknown, action: unknown): ResourceRecord {
    return this.add('rule', id, {
      id, arn: arn(`service/${serviceId}/listener/${listenerId}/rule/${id}`), name: `r${priority}`, priority, match, action, isDefault: false, serviceId, listenerId,
    }, { parentId: listenerId, name: `r${priority}` });
  }
}

export const ids = {
  network: 'sn-0f1e2d3c4b5a69788',
  service: 'svc-0a1b2c3d4e5f60718',
  listener: 'listener-0c1d2e3f4a5b60718',
  htmlGroup: 'tg-0aa11bb22cc33dd44',
  jsonGroup: 'tg-0ee55ff66aa77bb88',
  instance: 'i-0abc12345def67890',
  alb: albArn('fastapi-alb', '0123456789abcdef'),
  vpcA: 'vpc-0a0a0a0a0a0a0a0a0',
  vpcB: 'vpc-0b0b0b0b0b0b0b0b0',
  sgA: 'sg-0a1a1a1a1a1a1a1a1',
  sgB: 'sg-0b1b1b1b1b1b1b1b1',
} as const;

/**
 * The walkthrough: one network, one service, an HTTP:80 listener forwarding 10/10 to an
 * INSTANCE group (nginx on an instance) and an ALB group (FastAPI behind an internal ALB),
 * and two client VPCs associated with the network, each with a group admitting TCP 80 from
 * its own CIDR (one written as a CIDR, one as a reference to the group itself).
 */
export function walkthrough(): RecordBuilder {
  const b = new RecordBuilder();
  b.network(ids.network, 'lattice-walkthrough');
  b.service(ids.service, 'walkthrough-svc', { customDomainName: 'Shop.Example.COM' });
  b.serviceAssociation('snsa-0123456789abcdef0', ids.network, ids.service);
  b.add('instance', ids.instance, { instanceId: ids.instance, vpcId: 'vpc-0c0c0c0c0c0c0c0c0', privateIpAddress: '127.0.0.11', source: 'explicit' });
  b.add('loadbalancer', ids.alb, { arn: ids.alb, address: '127.0.0.12' });
  b.targetGroup(ids.htmlGroup, 'html-instances', 'INSTANCE', {
    port: 80, protocol: 'HTTP', protocolVersion: 'HTTP1', vpcIdentifier: 'vpc-0c0c0c0c0c0c0c0c0',
    healthCheck: {
      enabled: true, protocol: 'HTTP', protocolVersion: 'HTTP1', path: '/', healthCheckIntervalSeconds: 30,
      healthCheckTimeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, matcher: { httpCode: '200' },
    },
  }, [{ id: ids.instance, port: 8080 }]);
  b.targetGroup(ids.jsonGroup, 'json-alb', 'ALB', { port: 80, protocol: 'HTTP', protocolVersion: 'HTTP1', vpcIdentifier: 'vpc-0c0c0c0c0c0c0c0c0' }, [{ id: ids.alb, port: 8081 }]);
  b.listener(ids.listener, ids.service, 'HTTP', 80, {
    forward: { targetGroups: [{ targetGroupIdentifier: ids.htmlGroup, weight: 10 }, { targetGroupIdentifier: ids.jsonGroup, weight: 10 }] },
  });
  b.vpc(ids.vpcA, '10.0.0.0/16');
  b.vpc(ids.vpcB, '10.1.0.0/16');
  b.securityGroup(ids.sgA, ids.vpcA, [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIp: '10.0.0.0/16' }]);
  b.securityGroup(ids.sgB, ids.vpcB, [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, sourceSecurityGroupId: ids.sgB }]);
  b.vpcAssociation('snva-0a0a0a0a0a0a0a0a0', ids.network, ids.vpcA, [ids.sgA]);
  b.vpcAssociation('snva-0b0b0b0b0b0b0b0b0', ids.network, ids.vpcB, [ids.sgB]);
  b.add('accesslogsubscription', 'als-0123456789abcdef0', {
    id: 'als-0123456789abcdef0', arn: arn('accesslogsubscription/als-0123456789abcdef0'), resourceId: ids.network,
    destinationArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:lattice-walkthrough`,
  }, { refs: [ids.network] });
  return b;
}
