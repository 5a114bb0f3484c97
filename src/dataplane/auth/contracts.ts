import type { CompiledPolicy, CredentialLookup, Principal } from '../../iam/index.js';

/**
 * What the data plane's auth step needs from outside it. The data plane may not read the
 * store, so `trellis up` passes these in (src/cli/data-plane-runtime.ts), built on the
 * identity module's credential cache and identity policies.
 */
export interface DataPlaneAuthOptions {
  /**
   * Access key id → credential, for SigV4-signed requests. Absent: every signed request fails
   * authentication (there is no key to verify it with), unsigned ones are anonymous.
   */
  readonly credentials?: CredentialLookup;
  /**
   * The identity policies of an authenticated caller (LATTICE.md §3.3 step 1). Synchronous
   * when cached; a promise on a miss (the request waits for it, nothing else does).
   * Undefined as a result skips the identity layer (the account root, or no IAM at all);
   * the option absent skips it for everyone.
   */
  readonly identityPolicies?: IdentityPolicyProvider;
}

export type IdentityPolicies = readonly CompiledPolicy[] | undefined;
export type IdentityPolicyProvider = (principal: Principal) => IdentityPolicies | Promise<IdentityPolicies>;

/** A request to explain (`trellis auth explain`, `POST /_trellis/auth/explain`). */
export interface ExplainRequest {
  /** The VPC the request comes from. */
  readonly vpcId: string;
  readonly method: string;
  /** Path with optional `?query`. */
  readonly path: string;
  /** Lower- or mixed-case names. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The service by name, id, ARN or DNS name; default: the `host` header. */
  readonly service?: string;
  /** The caller's ARN; absent: anonymous. */
  readonly principal?: string;
  /** The listener port (default: the service's only listener, else 80). */
  readonly port?: number;
}

/** What `explain` answers: the decision, each layer, and the text `trellis auth explain` prints. */
export interface ExplainResult {
  readonly decision: 'ALLOW' | 'DENY';
  readonly authDeniedReason?: string;
  /** The 403 body line a denied request gets. */
  readonly message?: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly serviceArn: string;
  readonly serviceNetworkArn: string;
  readonly layers: readonly ExplainLayer[];
  /** formatLatticeAuth's lines. */
  readonly text: string;
}

export interface ExplainLayer {
  readonly layer: string;
  readonly outcome: string;
  readonly why: string;
  readonly decidingStatement?: { readonly source: string; readonly index: number; readonly sid?: string };
  readonly policies: readonly {
    readonly source: string;
    readonly verdict: string;
    readonly statements: readonly { readonly index: number; readonly sid?: string; readonly effect: string; readonly applies: boolean; readonly mismatch?: string }[];
  }[];
}
