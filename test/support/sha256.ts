/**
 * Node's crypto behind the Checksum interface @smithy/signature-v4 wants (its `sha256` option):
 * the one the verifier's own tests use (src/iam/sigv4/testdata/fixtures.ts), so the acceptance
 * tests sign with the same code.
 */
export { Sha256 } from '../../src/iam/sigv4/testdata/fixtures.js';

/** Credentials to sign with. */
export interface Keys { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }
