export type * from './contracts.js';
export { ANONYMOUS } from './contracts.js';
export {
  verifySigV4, DEFAULT_SKEW_MS, payloadHashFor, headersFromRaw, signedRequest, UNSIGNED_PAYLOAD, parseSignature, isPresigned,
  canonicalRequest, stringToSign, deriveSigningKey, type ClaimedSignature,
} from './sigv4/index.js';
export {
  compilePolicy, evaluatePolicy, explainPolicy, combine, conditionKeys, markNormalized, latticeInvokeContext,
  authorizeLatticeRequest, deniedMessage, formatLatticeAuth,
  type PolicyVerdict, type EvaluablePolicy, type StatementTrace, type PolicyExplanation, type LatticeInvokeInput,
  type LatticeAuthInput, type LatticeAuthResult, type LatticeAuthLayer, type LatticeAuthType, type LayerVerdict, type LayerOutcome,
} from './policy/index.js';
export { MANAGED_POLICIES, managedPolicy, type ManagedPolicy } from './managed-policies.js';
export * from './identity/index.js';
export * from './oidc/index.js';
export { ensureBootstrapKey, readProfile, staticLookup, rootOf, newAccessKeyId, newSecretAccessKey, BOOTSTRAP_PROFILE, type BootstrapKey } from './bootstrap.js';
