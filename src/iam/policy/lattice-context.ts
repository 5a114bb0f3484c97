import type { AuthContext, Principal } from '../contracts.js';
import { LatticeKeys } from './lattice-keys.js';

/**
 * The request context of a VPC Lattice data-plane request (LATTICE.md §3.2): the action, the
 * resource ARN the auth policies see, and the condition keys — Lattice's own and the global
 * ones. The keys are a lazy view of the input (lattice-keys.ts): a request pays only for the
 * keys its policies ask about, not for a map of every header.
 */
export interface LatticeInvokeInput {
  readonly principal: Principal;
  /** `arn:aws:vpc-lattice:<region>:<account>:service/svc-…`. */
  readonly serviceArn: string;
  /** The network the request came through; absent for a service reached without one. */
  readonly serviceNetworkArn?: string;
  readonly method: string;
  /** The request target as received: the path, with or without `?query` (the query is cut off the resource). */
  readonly path: string;
  /** The raw query string, when it is not part of `path`. */
  readonly query?: string;
  /** Header names in any case; repeated headers as arrays or joined as the HTTP parser joins them. */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The listener port. */
  readonly port?: number;
  readonly sourceVpc?: string;
  readonly sourceVpcOwnerAccount?: string;
  readonly sourceIp?: string;
  readonly secureTransport?: boolean;
  /** gRPC requests have no query-string keys (LATTICE.md §3.2). */
  readonly grpc?: boolean;
  /** TCP services: action `vpc-lattice-svcs:Connect` on the service ARN itself, no HTTP keys. */
  readonly tcp?: boolean;
  /** Tags of the service (`aws:ResourceTag/<key>`). */
  readonly resourceTags?: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch: `aws:CurrentTime`, `aws:EpochTime`. Injected, never read from a clock here. */
  readonly now: number;
}

const SVCS = 'vpc-lattice-svcs:';

/** The AuthContext of one data-plane request; see LatticeInvokeInput. */
export function latticeInvokeContext(input: LatticeInvokeInput): AuthContext {
  let path = input.path;
  let query = input.query ?? '';
  const q = path.indexOf('?');
  if (q >= 0) {
    query = path.slice(q + 1);
    path = path.slice(0, q);
  }
  if (path.charCodeAt(0) !== 47 /* '/' */) path = `/${path}`;
  return {
    principal: input.principal,
    action: input.tcp ? `${SVCS}Connect` : `${SVCS}Invoke`,
    resource: input.tcp ? input.serviceArn : input.serviceArn + path,
    keys: new LatticeKeys(input, path, input.grpc || input.tcp ? '' : query),
  };
}
