export { verifySigV4, DEFAULT_SKEW_MS } from './verify.js';
export { canonicalRequest, canonicalPath, canonicalQuery, canonicalHeaders, stringToSign, uriEncode, sha256Hex, EMPTY_SHA256 } from './canonical.js';
export { deriveSigningKey } from './signing-key.js';
export { parseSignature, isPresigned, ALGORITHM, ALGORITHM_V4A, type ClaimedSignature } from './parse.js';
export { payloadHashFor, headersFromRaw, signedRequest, UNSIGNED_PAYLOAD } from './request.js';
