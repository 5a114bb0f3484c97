import type { IncomingHttpHeaders } from 'node:http';
import type { ServiceEntry, ServiceNetworkEntry, VpcEntry } from '../../config/index.js';
import { formatLatticeAuth, type Principal } from '../../iam/index.js';
import { authenticate, isSigned } from './authenticate.js';
import type { DataPlaneAuthOptions, IdentityPolicies } from './contracts.js';
import { decide } from './decide.js';
import { identityHeaders } from './identity-headers.js';
import { enforced } from './policies.js';

/** What the auth step reads and writes of an exchange (gateway/exchange.ts implements it). */
export interface AuthExchange {
  readonly req: { readonly method?: string | undefined; readonly rawHeaders: readonly string[]; readonly headers: IncomingHttpHeaders };
  readonly path: string;
  readonly hasBody: boolean;
  readonly listenerPort: number;
  readonly sourceAddress: string;
  readonly done: boolean;
  /** Set once the caller is known: the access log's resolvedUser / callerPrincipal. */
  principal: Principal | undefined;
  /** `Unknown` when a signature failed, else derived from `principal`. */
  resolvedUser: string | undefined;
  authDeniedReason: string;
  /** The explanation of a denied request (formatLatticeAuth), for its access-log record. */
  authExplanation: string | undefined;
  /** The identity headers to forward, set for an allowed authenticated caller. */
  identity: readonly string[] | undefined;
  reply(status: number, failureReason: string, body: string): void;
}

/**
 * The data plane's auth step, between finding the service and matching its rules: returns
 * true to go on, false when it has answered 403, or a promise of either when the caller's
 * identity policies were not cached yet.
 *
 * A request that is unsigned to a service whose network and service are both NONE costs one
 * scan of the header names and nothing else (the common case of local development).
 */
export function authorizeExchange(
  ex: AuthExchange, vpc: VpcEntry, net: ServiceNetworkEntry, svc: ServiceEntry, opts: DataPlaneAuthOptions, now: number,
): boolean | Promise<boolean> {
  const enforcing = enforced(net, svc);
  if (!enforcing && !isSigned(ex.req.rawHeaders, ex.path)) return true;
  const method = ex.req.method ?? 'GET';
  const who = authenticate({ method, target: ex.path, rawHeaders: ex.req.rawHeaders, hasBody: ex.hasBody, region: svc.region, now }, opts.credentials);
  if (who.kind === 'rejected') {
    ex.resolvedUser = 'Unknown';
    ex.authExplanation = `authentication failed: ${who.code}: ${who.message}`;
    ex.reply(403, 'ClientAccessDenied', `AccessDeniedException: the request signature could not be verified (${who.code}): ${who.message}`);
    return false;
  }
  const principal = who.principal;
  ex.principal = principal;
  if (!enforcing) {
    ex.identity = identityHeaders(principal);
    return true;
  }
  const identity = who.kind === 'authenticated' && opts.identityPolicies ? opts.identityPolicies(principal) : undefined;
  const input = { vpc, net, svc, principal, method, target: ex.path, headers: ex.req.headers, port: ex.listenerPort, sourceIp: ex.sourceAddress, now, explain: false };
  if (identity instanceof Promise) {
    return identity.then(
      (policies) => !ex.done && settle(ex, input, policies),
      () => { ex.reply(500, 'IdentityLookupFailed', 'Internal Server Error: the caller\'s identity policies could not be read'); return false; },
    );
  }
  return settle(ex, input, identity);
}

function settle(ex: AuthExchange, input: Parameters<typeof decide>[0], identity: IdentityPolicies): boolean {
  const result = decide(input, identity);
  if (result.allowed) {
    ex.identity = identityHeaders(input.principal);
    return true;
  }
  // Denials are the rare case: only they pay for the statement-by-statement trace.
  const explained = decide({ ...input, explain: true }, identity);
  ex.authDeniedReason = result.authDeniedReason ?? '-';
  ex.authExplanation = formatLatticeAuth(explained);
  ex.reply(403, 'ClientAccessDenied', result.message ?? 'AccessDeniedException');
  return false;
}
