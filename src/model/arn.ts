import { kindOfId, type LatticeKind } from './resource-kinds.js';

/** Where resources live: ARNs and DNS names are formed from it. */
export interface Scope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the fifth colon, e.g. `service/svc-…/listener/listener-…`. */
  readonly resource: string;
}

/** Splits an ARN into its six parts; undefined when it is not an ARN. */
export function parseArn(arn: string): ParsedArn | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const parts: string[] = [];
  let start = 4;
  for (let i = 0; i < 4; i++) {
    const colon = arn.indexOf(':', start);
    if (colon < 0) return undefined;
    parts.push(arn.slice(start, colon));
    start = colon + 1;
  }
  const [partition, service, region, account] = parts as [string, string, string, string];
  if (!partition || !service) return undefined;
  return { partition, service, region, account, resource: arn.slice(start) };
}

/**
 * The ARN path of a Lattice resource. Listeners and rules nest under their service (and
 * listener); every other kind is `kind/id`.
 */
export function latticeArn(scope: Scope, kind: LatticeKind, id: string, parents: readonly string[] = []): string {
  const path = kind === 'listener' ? `service/${parents[0]}/listener/${id}`
    : kind === 'rule' ? `service/${parents[0]}/listener/${parents[1]}/rule/${id}`
      : `${kind}/${id}`;
  return `arn:${scope.partition}:vpc-lattice:${scope.region}:${scope.account}:${path}`;
}

export function vpcArn(scope: Scope, vpcId: string): string {
  return `arn:${scope.partition}:ec2:${scope.region}:${scope.account}:vpc/${vpcId}`;
}

export interface LatticeRef {
  readonly kind: LatticeKind;
  readonly id: string;
  /** Set when the identifier was an ARN: the scope it names. */
  readonly arn?: ParsedArn;
  /** For listener and rule ARNs, the ids of the enclosing service (and listener). */
  readonly parents: readonly string[];
}

/**
 * Resolves an "ID or ARN" identifier to the kind and id it names. The identifier arrives
 * already percent-decoded. Returns undefined for anything that is neither.
 */
export function parseIdentifier(identifier: string): LatticeRef | undefined {
  const arn = parseArn(identifier);
  if (!arn) {
    const kind = kindOfId(identifier);
    return kind ? { kind, id: identifier, parents: [] } : undefined;
  }
  if (arn.service !== 'vpc-lattice') return undefined;
  const segs = arn.resource.split('/');
  // Resource paths alternate type/id: service/svc-1/listener/listener-2/rule/rule-3.
  if (segs.length % 2 !== 0) return undefined;
  const ids: string[] = [];
  for (let i = 0; i < segs.length; i += 2) ids.push(segs[i + 1] ?? '');
  const last = ids[ids.length - 1] ?? '';
  const kind = kindOfId(last);
  if (!kind || segs[segs.length - 2] !== kind) return undefined;
  return { kind, id: last, arn, parents: ids.slice(0, -1) };
}
