export { JwksCache, IdpUnavailable, NoSuchKey, mayFetch, type JwksOptions, type VerificationKey } from './jwks.js';
export { verifyWebIdentityToken, type TrustedProvider, type VerifyDeps, type VerifiedWebIdentity } from './verify.js';
