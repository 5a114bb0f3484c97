import { AwsError } from '../../../model/index.js';
import { assumeRole, assumeRoleWithWebIdentity, JwksCache, type SessionDoc } from '../../../iam/index.js';
import { callerOf } from '../iam/caller.js';
import type { IdentityServices } from '../iam/service.js';
import { int, str, struct } from '../shapes.js';
import { action, type QueryService } from '../service.js';

const roleArn = str({ min: 20, max: 2048 });
const roleSessionName = str({ min: 2, max: 64, pattern: /[\w+=,.@-]*/ });
const durationSeconds = int({ min: 900, max: 43200 });

const getCallerIdentityInput = struct({});
const assumeRoleInput = struct({ RoleArn: roleArn, RoleSessionName: roleSessionName, DurationSeconds: durationSeconds }, ['RoleArn', 'RoleSessionName']);
const webIdentityInput = struct({
  RoleArn: roleArn, RoleSessionName: roleSessionName, WebIdentityToken: str({ min: 4, max: 20000 }), DurationSeconds: durationSeconds,
  ProviderId: str({ min: 4, max: 2048 }),
}, ['RoleArn', 'RoleSessionName', 'WebIdentityToken']);

/** STS answers times without fractions of a second. */
function wireTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function credentials(s: SessionDoc) {
  return { AccessKeyId: s.accessKeyId, SecretAccessKey: s.secretAccessKey, SessionToken: s.sessionToken, Expiration: wireTime(s.expiresAt) };
}

function assumedRoleUser(s: SessionDoc) {
  return { AssumedRoleId: s.assumedRoleId, Arn: s.assumedRoleArn };
}

export interface StsOptions {
  /** The key sets of OIDC issuers; one per process (tests pass their own for short TTLs). */
  readonly jwks?: JwksCache;
}

/**
 * STS (version 2011-06-15): GetCallerIdentity, AssumeRole and AssumeRoleWithWebIdentity over
 * the identity store. The caller is the verified principal when SigV4 verification ran, else
 * the owner of the access key id the request was signed with (see callerOf). Errors are STS's:
 * AccessDenied 403, InvalidIdentityToken 400, ExpiredTokenException 400,
 * IDPCommunicationError 400, ValidationError 400.
 */
export function stsService(s: IdentityServices, opts: StsOptions = {}): QueryService {
  const jwks = opts.jwks ?? new JwksCache({ now: () => s.ctx.now() });
  return {
    signingName: 'sts',
    version: '2011-06-15',
    xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
    errors: { ValidationException: { code: 'ValidationError', status: 400 } },
    actions: {
      GetCallerIdentity: action(getCallerIdentityInput, async (call) => {
        const caller = await callerOf(call, s.credentials);
        if (!caller) throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', {}, 403);
        return { UserId: caller.userId ?? caller.account, Account: caller.account, Arn: caller.arn };
      }),
      AssumeRole: action(assumeRoleInput, async (call, i) => {
        const caller = await callerOf(call, s.credentials);
        if (!caller) throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', {}, 403);
        const session = await assumeRole(s.ctx, caller, {
          roleArn: i.RoleArn, roleSessionName: i.RoleSessionName, ...(i.DurationSeconds !== undefined ? { durationSeconds: i.DurationSeconds } : {}),
        });
        return { Credentials: credentials(session), AssumedRoleUser: assumedRoleUser(session) };
      }),
      AssumeRoleWithWebIdentity: action(webIdentityInput, async (_call, i) => {
        const r = await assumeRoleWithWebIdentity(s.ctx, jwks, {
          roleArn: i.RoleArn, roleSessionName: i.RoleSessionName, webIdentityToken: i.WebIdentityToken,
          ...(i.DurationSeconds !== undefined ? { durationSeconds: i.DurationSeconds } : {}),
        });
        return {
          Credentials: credentials(r.session), SubjectFromWebIdentityToken: r.subject, AssumedRoleUser: assumedRoleUser(r.session),
          Provider: r.provider, Audience: r.audience,
        };
      }),
    },
  };
}
