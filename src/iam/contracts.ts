import type { PolicyDocument } from '../model/index.js';

/**
 * The contracts of iam/: who a caller is, how a signed request is verified, and how
 * policies decide. Built and tested as separate parts (policy evaluator, SigV4 verifier,
 * identity store with the IAM/STS APIs) against these types. Everything here is pure data.
 */

/** The identity a request acts as. */
export interface Principal {
  /** `arn:aws:iam::123456789012:user/alice`, `arn:aws:sts::…:assumed-role/Role/session`, `…:root`, or 'anonymous'. */
  readonly arn: string;
  readonly account: string;
  readonly type: 'Anonymous' | 'Root' | 'User' | 'AssumedRole' | 'FederatedUser';
  /** For assumed roles: the role's ARN (`aws:PrincipalArn` is the role ARN for sessions). */
  readonly roleArn?: string;
  readonly sessionName?: string;
  readonly userId?: string;
  readonly orgId?: string;
  readonly orgPaths?: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

export const ANONYMOUS: Principal = { arn: 'anonymous', account: '', type: 'Anonymous', tags: {} };

/** A credential Trellis can verify a signature with. */
export interface Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials (STS) carry a session token that the request must present. */
  readonly sessionToken?: string;
  /** Milliseconds since the epoch; temporary credentials only. */
  readonly expiresAt?: number;
  readonly principal: Principal;
}

/** Finds the credential of an access key id (the identity store, or a snapshot of it). */
export type CredentialLookup = (accessKeyId: string) => Credential | undefined;

/** A request as the verifier sees it: raw, before any parsing of the body. */
export interface SignedRequest {
  readonly method: string;
  /** Path as sent, percent-encoded, without the query string. */
  readonly path: string;
  /** The raw query string without '?', possibly empty. */
  readonly query: string;
  /** Header names lower case; repeated headers joined with ','. */
  readonly headers: Readonly<Record<string, string>>;
  /** sha256 hex of the body, or 'UNSIGNED-PAYLOAD' when the client signed that. */
  readonly payloadHash: string;
}

export type SigV4Result =
  | { readonly kind: 'unsigned' }
  | { readonly kind: 'verified'; readonly principal: Principal; readonly accessKeyId: string; readonly region: string; readonly service: string }
  | {
    readonly kind: 'rejected';
    /** AWS's error code: IncompleteSignature, SignatureDoesNotMatch, InvalidClientTokenId, ExpiredToken, RequestExpired (… as AWS names them). */
    readonly code: string;
    readonly message: string;
  };

export interface SigV4Expectations {
  /** The signing service the endpoint is (`vpc-lattice`, `vpc-lattice-svcs`, `sts`, …); any of these. */
  readonly services: readonly string[];
  /** The region requests must be signed for; undefined accepts any. */
  readonly region?: string;
  readonly now: number;
  /** Allowed clock skew, ms. AWS: 5 minutes. */
  readonly skewMs?: number;
  /**
   * Whether the canonical path is URI-encoded once more than sent. Default: yes for every
   * service but `s3` and `vpc-lattice-svcs`, which sign the path as sent (LATTICE.md §3.4).
   */
  readonly doubleEncodePath?: boolean;
  /** With `region` undefined: which scope regions are valid at all (default: any). */
  readonly regionValid?: (region: string) => boolean;
}

/** What a policy evaluation looks at. Condition keys are matched case-insensitively, as IAM does. */
export interface AuthContext {
  readonly principal: Principal;
  /** e.g. `vpc-lattice-svcs:Invoke`, `vpc-lattice:CreateService`, `sts:AssumeRoleWithWebIdentity`. */
  readonly action: string;
  /** The resource ARN the action is on. */
  readonly resource: string;
  /** Condition keys → values (multi-valued keys have several). Global keys included. */
  readonly keys: ReadonlyMap<string, readonly string[]>;
}

export type PolicyKind = 'identity' | 'service-network' | 'service' | 'trust' | 'resource';

/** A policy compiled once (per snapshot or per identity change), evaluated per request. */
export interface CompiledPolicy {
  readonly kind: PolicyKind;
  /** Where it comes from, for explanations: a policy ARN, `auth policy of svc-…`, … */
  readonly source: string;
  readonly document: PolicyDocument;
}

export interface StatementRef {
  readonly source: string;
  readonly index: number;
  readonly sid?: string;
}

/** The verdict of one policy, or of several together: explicit deny wins over allow. */
export interface Decision {
  readonly effect: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  /** The deciding statement (the denying one, or an allowing one); none for implicit deny. */
  readonly statement?: StatementRef;
}
