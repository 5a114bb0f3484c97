/**
 * Data-plane auth (LATTICE.md §3): SigV4 authentication of callers, the auth policies of the
 * network and the service, the caller's identity policies, the identity headers to targets,
 * and the explanation of any decision.
 */
export type { DataPlaneAuthOptions, IdentityPolicies, IdentityPolicyProvider, ExplainRequest, ExplainResult, ExplainLayer } from './contracts.js';
export { authenticate, isSigned, type Authentication } from './authenticate.js';
export { authorizeExchange, type AuthExchange } from './gate.js';
export { decide, type DecideInput } from './decide.js';
export { explainRequest, resolveTarget } from './explain.js';
export { identityHeaders, principalTagsJson } from './identity-headers.js';
export { authPolicyOf } from './policies.js';
export { principalFromArn } from './principal-arn.js';
