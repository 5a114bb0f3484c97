/**
 * The RoutingSnapshot: everything the data plane needs to route a request, compiled from the
 * store by `compile()` and never mutated after. The data plane holds one by reference and
 * swaps it atomically when a newer revision is compiled (like an Envoy xDS snapshot): the
 * request path reads only this, never the store.
 *
 * Invariants (checked by `checkSnapshot`):
 * - every target-group id named by a rule action is in `targetGroups`;
 * - every service reachable from a network has at least the listeners it was compiled with,
 *   rules sorted by ascending priority with the default rule last;
 * - a resource that could not be compiled is absent and named in `problems`, with its reason;
 *   it never takes other routes down.
 */
export interface RoutingSnapshot {
  /** The store revision this snapshot reflects. */
  readonly revision: number;
  readonly vpcs: ReadonlyMap<string, VpcEntry>;
  readonly serviceNetworks: ReadonlyMap<string, ServiceNetworkEntry>;
  readonly services: ReadonlyMap<string, ServiceEntry>;
  readonly targetGroups: ReadonlyMap<string, TargetGroupEntry>;
  readonly problems: readonly Problem[];
}

/** A resource left out of the snapshot, and why (`trellis status` shows these). */
export interface Problem {
  readonly kind: string;
  readonly id: string;
  readonly reason: string;
}

export interface VpcEntry {
  readonly vpcId: string;
  readonly vpcArn: string;
  readonly account: string;
  readonly region: string;
  /** The VPC's CIDR, when known; clients of the VPC are presented with an address in it. */
  readonly cidrBlock?: string;
  /** The VPC's association with a service network (a VPC has at most one). */
  readonly association?: VpcAssociationEntry;
}

export interface VpcAssociationEntry {
  readonly id: string;
  readonly arn: string;
  readonly serviceNetworkId: string;
  /** Empty: no filtering. Otherwise a source must be admitted by at least one group. */
  readonly securityGroups: readonly SecurityGroupEntry[];
}

export interface SecurityGroupEntry {
  readonly id: string;
  /**
   * Inbound rules. Undefined when Trellis does not know the group's rules (an id registered
   * on first use): such a group admits everything, since its real rules are unknown.
   */
  readonly ingress?: readonly IngressRule[];
}

export interface IngressRule {
  /** 'tcp', 'udp', 'icmp' or '-1' (all). */
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  /** IPv4 or IPv6 CIDR; rules that name another group are resolved to that group's VPC CIDR. */
  readonly cidr: string;
}

export interface ServiceNetworkEntry {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly account: string;
  readonly authType: 'NONE' | 'AWS_IAM';
  /** The auth policy text, when one is attached (compiled by the auth layer). */
  readonly authPolicy?: string;
  /** Services associated with this network, by every host name they answer to (lower case). */
  readonly servicesByHost: ReadonlyMap<string, ServiceEntry>;
  /** Access-log subscriptions of the network (serviceNetworkLogType SERVICE). */
  readonly accessLogs: readonly AccessLogDestination[];
}

export interface ServiceEntry {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /** The generated DNS name, then the custom domain name if any; lower case. */
  readonly hostNames: readonly string[];
  readonly authType: 'NONE' | 'AWS_IAM';
  readonly authPolicy?: string;
  readonly idleTimeoutSeconds: number;
  readonly listeners: ReadonlyMap<number, ListenerEntry>;
  readonly accessLogs: readonly AccessLogDestination[];
  /**
   * The imported certificate (the `certificate` record) that the service's `certificateArn`
   * names, presented by HTTPS for its custom domain — set only when the service has a custom
   * domain name, which is then the last of `hostNames`. `cert` is the leaf then its chain,
   * PEM; `key` its private key, PEM. Absent (the local CA's leaf is served) when there is no
   * `certificateArn`, or it names no imported certificate (a problem of kind `certificate`).
   */
  readonly certificate?: CertificateEntry;
}

/** A certificate and its key as HTTPS presents them (see `ServiceEntry.certificate`). */
export interface CertificateEntry {
  readonly arn: string;
  readonly cert: string;
  readonly key: string;
}

export interface ListenerEntry {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TLS_PASSTHROUGH';
  readonly port: number;
  /** Ascending priority; the default rule is last. */
  readonly rules: readonly RuleEntry[];
}

export interface RuleEntry {
  readonly id: string;
  readonly arn: string;
  readonly isDefault: boolean;
  /** Undefined for the default rule. */
  readonly priority?: number;
  /** Undefined for the default rule, which matches everything. */
  readonly match?: CompiledMatch;
  readonly action: ActionEntry;
}

/**
 * A rule's conditions, pre-compiled: values that match case-insensitively are stored lower
 * case so the request path lower-cases once and compares.
 */
export interface CompiledMatch {
  /** Exact and case-sensitive. */
  readonly method?: string;
  readonly path?: { readonly kind: 'exact' | 'prefix'; readonly value: string; readonly caseSensitive: boolean };
  readonly headers: readonly CompiledHeaderMatch[];
}

export interface CompiledHeaderMatch {
  /** Lower case: header names always match case-insensitively. */
  readonly name: string;
  readonly kind: 'exact' | 'prefix' | 'contains';
  readonly value: string;
  readonly caseSensitive: boolean;
}

export type ActionEntry =
  | { readonly type: 'forward'; readonly targetGroups: readonly WeightedTargetGroupEntry[] }
  | { readonly type: 'fixed-response'; readonly statusCode: number };

export interface WeightedTargetGroupEntry {
  readonly targetGroupId: string;
  readonly weight: number;
}

export interface TargetGroupEntry {
  readonly id: string;
  readonly arn: string;
  readonly type: 'IP' | 'INSTANCE' | 'LAMBDA' | 'ALB';
  readonly protocol?: 'HTTP' | 'HTTPS' | 'TCP';
  readonly protocolVersion?: 'HTTP1' | 'HTTP2' | 'GRPC';
  readonly port?: number;
  /** Set when health checks run for this group (enabled, and supported by its type). */
  readonly healthCheck?: HealthCheckEntry;
  readonly lambdaEventStructureVersion?: 'V1' | 'V2';
  /** True when no listener or rule forwards to the group: its targets are UNUSED. */
  readonly unused: boolean;
  readonly targets: readonly TargetEntry[];
  /**
   * Targets deregistered and still in their deregistration delay (LATTICE.md §2.7): never
   * routed (they are not in `targets`), named so the data plane lets their in-flight
   * requests finish and ends them when the drain is over (they leave this list). Absent
   * when none drains.
   */
  readonly draining?: readonly TargetEntry[];
}

export interface HealthCheckEntry {
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly protocolVersion: 'HTTP1' | 'HTTP2';
  /** Undefined: each target's traffic port. */
  readonly port?: number;
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** Pre-parsed `matcher.httpCode`: inclusive ranges. */
  readonly matcher: readonly (readonly [number, number])[];
}

export interface TargetEntry {
  /** The id as registered: an IP, an instance id, an ALB ARN or a Lambda ARN. */
  readonly id: string;
  readonly port: number;
  /** Where traffic goes; undefined when it cannot be resolved (see `unresolved`). */
  readonly address?: string;
  readonly unresolved?: string;
  /** A LAMBDA group's target: the function record it resolved to (no `address`). */
  readonly lambda?: LambdaTargetEntry;
}

/**
 * How the data plane runs a Lambda target: the local handler module or the Invoke endpoint
 * of the function record its ARN names, and the group's event version.
 */
export interface LambdaTargetEntry {
  readonly functionArn: string;
  /** Absolute path of a JavaScript module, optionally `#exportName` (default `handler`). */
  readonly handler?: string;
  /** Base URL of an endpoint speaking the Lambda Invoke API. */
  readonly url?: string;
  readonly eventVersion: 'V1' | 'V2';
  readonly timeoutMs: number;
}

export interface AccessLogDestination {
  readonly subscriptionId: string;
  readonly destinationArn: string;
  /** The resource the subscription is on (service network or service id). */
  readonly resourceId: string;
}
