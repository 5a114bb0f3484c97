import { rootPrincipal, type CredentialCache, type IamScope, type Principal } from '../../../iam/index.js';
import type { QueryCall } from '../service.js';

/**
 * Who is calling IAM or STS. The SigV4 verifier, once it runs ahead of the Query layer, hands
 * the verified principal over; until then (and whenever control-plane enforcement is off) the
 * caller is named by the access key id of the request's credential scope: a key Trellis issued
 * is its user or role session, any other well-formed key acts as the account's root, as AWS
 * emulators do. Unsigned requests have no caller.
 */
export async function callerOf(call: QueryCall, cache: CredentialCache): Promise<Principal | undefined> {
  if (call.principal) return call.principal;
  if (call.accessKeyId === undefined) return undefined;
  await cache.refresh();
  return cache(call.accessKeyId)?.principal ?? rootPrincipal(call.scope.partition, call.scope.account);
}

/** The account an IAM call acts in: the caller's, else the endpoint's default. */
export function iamScopeOf(call: QueryCall, caller: Principal | undefined): IamScope {
  return { partition: call.scope.partition, account: caller && caller.account !== '' ? caller.account : call.scope.account };
}
