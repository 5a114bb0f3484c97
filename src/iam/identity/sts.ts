import type { Principal } from '../contracts.js';
import { verifyWebIdentityToken, type JwksCache } from '../oidc/index.js';
import type { IdentityContext } from './context.js';
import { accessDenied, iamValidation } from './errors.js';
import { findOidcProviderByIssuer } from './oidc-providers.js';
import type { SessionDoc } from './records.js';
import { findRoleByArn } from './roles.js';
import { createSession } from './sessions.js';
import { trustAllows } from './trust.js';

/** STS's default session length and the limit for a session assumed by another session. */
const DEFAULT_DURATION = 3600;
const CHAINED_LIMIT = 3600;

export interface AssumeRoleSpec {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds?: number;
}

function checkDuration(requested: number, maxSessionDuration: number, chained: boolean): void {
  if (chained && requested > CHAINED_LIMIT) {
    throw iamValidation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (requested > maxSessionDuration) throw iamValidation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
}

/**
 * AssumeRole: the caller must be allowed `sts:AssumeRole` by the role's trust policy
 * (evaluated with the shared policy evaluator; a role that does not exist is the same
 * AccessDenied, as STS does not say which). Whether the caller's own identity policies allow
 * the call is the API's enforcement to decide (off by default), not the trust policy's.
 */
export async function assumeRole(ctx: IdentityContext, caller: Principal, spec: AssumeRoleSpec): Promise<SessionDoc> {
  const role = await findRoleByArn(ctx, spec.roleArn);
  const now = ctx.now();
  const allowed = role !== undefined && trustAllows(role, {
    principal: caller, action: 'sts:AssumeRole', now, keys: { 'sts:RoleSessionName': [spec.roleSessionName] },
  });
  if (!role || !allowed) throw accessDenied(`User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${spec.roleArn}`);
  const duration = spec.durationSeconds ?? DEFAULT_DURATION;
  checkDuration(duration, role.maxSessionDuration, caller.type === 'AssumedRole');
  return createSession(ctx, role, { sessionName: spec.roleSessionName, durationSeconds: duration });
}

export interface WebIdentitySpec extends AssumeRoleSpec {
  readonly webIdentityToken: string;
}

/** What AssumeRoleWithWebIdentity answers beside the session. */
export interface WebIdentitySession {
  readonly session: SessionDoc;
  readonly subject: string;
  readonly audience: string;
  readonly provider: string;
}

/**
 * AssumeRoleWithWebIdentity (unsigned): the token is verified against the issuer's JWKS and
 * the OIDC provider registered in the role's account (src/iam/oidc/), then the role's trust
 * policy is asked for `sts:AssumeRoleWithWebIdentity` with the principal `{"Federated":
 * <provider ARN>}` and the keys IAM derives from the token: `<provider>:sub`, `<provider>:aud`
 * (and `:amr` when present), aws:FederatedProvider and sts:RoleSessionName. The provider's
 * key is its URL without scheme, as in `token.actions.githubusercontent.com:sub`.
 */
export async function assumeRoleWithWebIdentity(ctx: IdentityContext, keys: JwksCache, spec: WebIdentitySpec): Promise<WebIdentitySession> {
  const account = /^arn:[^:]+:iam::(\d{12}):role\//.exec(spec.roleArn)?.[1];
  const denied = (): Error => accessDenied('Not authorized to perform sts:AssumeRoleWithWebIdentity');
  if (account === undefined) throw denied();
  const verified = await verifyWebIdentityToken(spec.webIdentityToken, {
    keys, now: ctx.now(), findProvider: (issuer) => findOidcProviderByIssuer(ctx, account, issuer),
  });
  const role = await findRoleByArn(ctx, spec.roleArn);
  if (!role) throw denied();
  const prefix = verified.conditionPrefix;
  const amr = verified.claims.amr;
  const principal: Principal = { arn: verified.provider.arn, account: '', type: 'FederatedUser', tags: {} };
  const allowed = trustAllows(role, {
    principal, action: 'sts:AssumeRoleWithWebIdentity', now: ctx.now(),
    keys: {
      [`${prefix}:sub`]: [verified.subject],
      [`${prefix}:aud`]: [verified.audience],
      ...(Array.isArray(amr) ? { [`${prefix}:amr`]: amr.filter((v): v is string => typeof v === 'string') } : {}),
      'aws:FederatedProvider': [verified.provider.arn],
      'sts:RoleSessionName': [spec.roleSessionName],
    },
  });
  if (!allowed) throw denied();
  const duration = spec.durationSeconds ?? DEFAULT_DURATION;
  checkDuration(duration, role.maxSessionDuration, false);
  const session = await createSession(ctx, role, {
    sessionName: spec.roleSessionName, durationSeconds: duration,
    federated: { provider: verified.provider.arn, subject: verified.subject, audience: verified.audience },
  });
  return { session, subject: verified.subject, audience: verified.audience, provider: prefix };
}
