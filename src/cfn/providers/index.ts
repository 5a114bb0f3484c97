import type { ResourceProvider } from '../contracts.js';
import { vpcProvider, securityGroupProvider, instanceProvider } from './ec2.js';
import { loadBalancerProvider } from './elb.js';
import { roleProvider, oidcProviderProvider } from './iam.js';
import { lambdaFunctionProvider, lambdaPermissionProvider } from './lambda.js';
import {
  serviceNetworkProvider, serviceProvider, serviceNetworkServiceAssociationProvider, serviceNetworkVpcAssociationProvider,
  serviceNetworkResourceAssociationProvider,
} from './lattice-networks.js';
import { accessLogSubscriptionProvider, authPolicyProvider, resourcePolicyProvider } from './lattice-policies.js';
import { domainVerificationProvider, resourceConfigurationProvider, resourceGatewayProvider } from './lattice-resources.js';
import { listenerProvider, ruleProvider, targetGroupProvider } from './lattice-routing.js';

/**
 * Every resource type Trellis can deploy, by CloudFormation type name: each
 * `AWS::VpcLattice::*` type of the schemas, the EC2, ELB and IAM types that Lattice
 * stacks refer to, and Lambda functions with inline code (LAMBDA targets). A type that is
 * not here has no provider, and the stack engine fails the stack with "Trellis does not support resource type X" — never a silent skip.
 */
export const providers: ReadonlyMap<string, ResourceProvider> = new Map([
  serviceNetworkProvider, serviceProvider, serviceNetworkServiceAssociationProvider, serviceNetworkVpcAssociationProvider,
  serviceNetworkResourceAssociationProvider, targetGroupProvider, listenerProvider, ruleProvider, authPolicyProvider,
  resourcePolicyProvider, accessLogSubscriptionProvider, resourceGatewayProvider, resourceConfigurationProvider,
  domainVerificationProvider, vpcProvider, securityGroupProvider, instanceProvider, loadBalancerProvider, roleProvider,
  oidcProviderProvider, lambdaFunctionProvider, lambdaPermissionProvider,
].map((p) => [p.type, p]));

/** The provider of a resource type, or undefined when Trellis does not support the type. */
export function providerFor(type: string): ResourceProvider | undefined {
  return providers.get(type);
}

/** The reason the engine gives when a template uses a type without a provider. */
export function unsupportedTypeReason(type: string): string {
  return `Trellis does not support resource type ${type}`;
}

export { ProviderError, type HandlerErrorCode } from './provider-error.js';
export { VPC_TAG } from './ec2.js';
export { ADDRESS_TAG } from './elb.js';
export { STABILIZE_TIMEOUT_MS } from './lattice-call.js';
