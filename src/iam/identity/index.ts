export { identityContext, awsManagedPolicies, type IdentityContext, type IamScope, type AwsManagedCatalog, type AwsManagedPolicy } from './context.js';
export type { RoleDoc, UserDoc, AccessKeyDoc, AccessKeyStatus, ManagedPolicyDoc, OidcProviderDoc, SessionDoc, InlinePolicy } from './records.js';
export { createUser, getUser, listUsers, deleteUser, findUser, type UserSpec } from './users.js';
export { createRole, getRole, listRoles, deleteRole, findRole, findRoleByArn, updateAssumeRolePolicy, tagRole, DEFAULT_MAX_SESSION, type RoleSpec } from './roles.js';
export { createAccessKey, listAccessKeys, deleteAccessKey, updateAccessKey, findAccessKey } from './access-keys.js';
export {
  putInlinePolicy, getInlinePolicy, listInlinePolicies, deleteInlinePolicy, attachPolicy, detachPolicy, listAttachedPolicies, type EntityType,
} from './entity-policies.js';
export { createPolicy, getPolicy, deletePolicy, findManagedPolicy, listCustomerPolicies, type PolicySpec, type ManagedPolicyView } from './managed-policies.js';
export {
  createOidcProvider, getOidcProvider, listOidcProviders, deleteOidcProvider, findOidcProviderByIssuer, providerKeyOf, isAllowedIssuerUrl,
  type OidcProviderSpec,
} from './oidc-providers.js';
export { assumeRole, assumeRoleWithWebIdentity, type AssumeRoleSpec, type WebIdentitySpec, type WebIdentitySession } from './sts.js';
export { sessionPrincipal } from './sessions.js';
export { credentialLookup, identityPolicies, rootPrincipal, type CredentialCache, type CredentialCacheOptions } from './lookup.js';
export { encodePolicy } from './documents.js';
