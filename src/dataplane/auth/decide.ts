import type { ServiceEntry, ServiceNetworkEntry, VpcEntry } from '../../config/index.js';
import { authorizeLatticeRequest, latticeInvokeContext, type LatticeAuthResult, type Principal } from '../../iam/index.js';
import type { IdentityPolicies } from './contracts.js';
import { authPolicyOf } from './policies.js';

/** One request as the auth decision sees it; the request path and `explain` both build this. */
export interface DecideInput {
  readonly vpc: VpcEntry;
  readonly net: ServiceNetworkEntry;
  readonly svc: ServiceEntry;
  readonly principal: Principal;
  readonly method: string;
  /** Path with optional `?query`. */
  readonly target: string;
  /** Lower-case names, as node:http's `req.headers`. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly port: number;
  readonly sourceIp?: string;
  readonly now: number;
  readonly explain: boolean;
}

/**
 * The auth decision of LATTICE.md §3.3 for a request of a VPC to a service through its
 * network: the request context (iam's latticeInvokeContext) and the layers
 * (authorizeLatticeRequest) with the snapshot's compiled auth policies.
 */
export function decide(input: DecideInput, identity: IdentityPolicies): LatticeAuthResult {
  const { net, svc } = input;
  const ctx = latticeInvokeContext({
    principal: input.principal,
    serviceArn: svc.arn,
    serviceNetworkArn: net.arn,
    method: input.method,
    path: input.target,
    headers: input.headers,
    port: input.port,
    sourceVpc: input.vpc.vpcId,
    sourceVpcOwnerAccount: input.vpc.account,
    ...(input.sourceIp !== undefined ? { sourceIp: input.sourceIp } : {}),
    secureTransport: false,
    now: input.now,
  });
  const networkPolicy = authPolicyOf(net);
  const servicePolicy = authPolicyOf(svc);
  return authorizeLatticeRequest({
    networkAuthType: net.authType,
    ...(networkPolicy ? { networkPolicy } : {}),
    serviceAuthType: svc.authType,
    ...(servicePolicy ? { servicePolicy } : {}),
    ...(identity !== undefined ? { identityPolicies: identity } : {}),
    ctx,
    explain: input.explain,
  });
}

/** The action and resource the decision was about (for explanations). */
export function subjectOf(svc: ServiceEntry, target: string): { readonly action: string; readonly resource: string } {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  return { action: 'vpc-lattice-svcs:Invoke', resource: svc.arn + (path.startsWith('/') ? path : `/${path}`) };
}
