import type { IdentityPolicies } from '../dataplane/index.js';
import { identityPolicies, type Principal } from '../iam/index.js';
import type { SqliteStore } from '../store/index.js';

export interface IdentityPolicyCache {
  /** The principal's identity policies: synchronous once cached, a promise on a miss. */
  readonly get: (principal: Principal) => IdentityPolicies | Promise<IdentityPolicies>;
  close(): void;
}

/**
 * The identity policies the data plane consults for authenticated callers, compiled once per
 * principal (a user, or a role for all its sessions) and dropped whenever the store commits —
 * an attach, a detach or an inline policy must apply to the next request, and commits are
 * rare next to requests. The account root is not governed by identity policies: its layer is
 * skipped (undefined).
 */
export function identityPolicyCache(store: SqliteStore): IdentityPolicyCache {
  let cache = new Map<string, IdentityPolicies | Promise<IdentityPolicies>>();
  const off = store.onCommit(() => { cache = new Map(); });
  const get = (principal: Principal): IdentityPolicies | Promise<IdentityPolicies> => {
    if (principal.type === 'Root' || principal.type === 'Anonymous') return undefined;
    const key = principal.type === 'AssumedRole' ? principal.roleArn ?? principal.arn : principal.arn;
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit;
    const owner = cache;
    const loading = identityPolicies(store, principal).then((list) => {
      // Only a load that no commit overtook is kept.
      if (owner === cache) cache.set(key, list);
      return list;
    });
    cache.set(key, loading);
    loading.catch(() => { if (owner.get(key) === loading) owner.delete(key); });
    return loading;
  };
  return { get, close: off };
}
