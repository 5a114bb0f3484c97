/**
 * The Lattice resource kinds, named by the resource-type segment of their ARNs. For each:
 * the id prefix, how its ARN path is formed, and the `resourceType` that errors name.
 */
export const latticeKinds = {
  servicenetwork: { prefix: 'sn', errorType: 'SERVICE_NETWORK', nested: false },
  service: { prefix: 'svc', errorType: 'SERVICE', nested: false },
  listener: { prefix: 'listener', errorType: 'LISTENER', nested: true },
  rule: { prefix: 'rule', errorType: 'RULE', nested: true },
  targetgroup: { prefix: 'tg', errorType: 'TARGET_GROUP', nested: false },
  servicenetworkserviceassociation: { prefix: 'snsa', errorType: 'SERVICE_NETWORK_SERVICE_ASSOCIATION', nested: false },
  servicenetworkvpcassociation: { prefix: 'snva', errorType: 'SERVICE_NETWORK_VPC_ASSOCIATION', nested: false },
  servicenetworkresourceassociation: { prefix: 'snra', errorType: 'SERVICE_NETWORK_RESOURCE_ASSOCIATION', nested: false },
  accesslogsubscription: { prefix: 'als', errorType: 'ACCESS_LOG_SUBSCRIPTION', nested: false },
  resourcegateway: { prefix: 'rgw', errorType: 'RESOURCE_GATEWAY', nested: false },
  resourceconfiguration: { prefix: 'rcfg', errorType: 'RESOURCE_CONFIGURATION', nested: false },
  resourceendpointassociation: { prefix: 'rea', errorType: 'RESOURCE_ENDPOINT_ASSOCIATION', nested: false },
  domainverification: { prefix: 'dv', errorType: 'DOMAIN_VERIFICATION', nested: false },
} as const;

export type LatticeKind = keyof typeof latticeKinds;

/**
 * Kinds Trellis keeps beside Lattice's: the EC2 and ELB objects that Lattice refers to
 * (VPC endpoints of type ServiceNetwork are created through EC2 on AWS, hence here).
 */
export type EnvironmentKind = 'vpc' | 'securitygroup' | 'instance' | 'loadbalancer' | 'servicenetworkvpcendpointassociation'
  // IAM's roles and OIDC providers (AWS::IAM::Role / ::OIDCProvider), kept for the auth checks.
  | 'iamrole' | 'oidcprovider'
  // IAM's users, access keys and customer managed policies, and STS's temporary credentials (issue 5).
  | 'iamuser' | 'iamaccesskey' | 'iampolicy' | 'stssession'
  // Lambda functions that LAMBDA targets invoke: an ARN mapped to a local handler (issue 6).
  | 'lambdafunction'
  // Certificates imported into the ACM-like store, named by services' certificateArn (issue 6).
  | 'certificate';

/** Policies are stored as records keyed by the id of the resource they are attached to. */
export type PolicyKind = 'authpolicy' | 'resourcepolicy';

/** CloudFormation's state: stacks (with their resources and outputs), events, change sets. */
export type StackKind = 'stack' | 'stackevent' | 'changeset';

export type ResourceKind = LatticeKind | EnvironmentKind | PolicyKind | StackKind;

const byPrefix = new Map<string, LatticeKind>(Object.entries(latticeKinds).map(([k, v]) => [v.prefix, k as LatticeKind]));

/** The kind of a Lattice id (`svc-…` → `service`), or undefined. */
export function kindOfId(id: string): LatticeKind | undefined {
  const dash = id.indexOf('-');
  return dash > 0 ? byPrefix.get(id.slice(0, dash)) : undefined;
}
