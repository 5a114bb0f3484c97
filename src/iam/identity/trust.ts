import type { Principal } from '../contracts.js';
import { compilePolicy, evaluatePolicy } from '../policy/index.js';
import { storedPolicy } from './documents.js';
import type { RoleDoc } from './records.js';

/** What is asked of a role's trust policy: who, which STS action, and the request's condition keys. */
export interface TrustRequest {
  readonly principal: Principal;
  readonly action: 'sts:AssumeRole' | 'sts:AssumeRoleWithWebIdentity' | 'sts:TagSession';
  /** Condition keys beyond the global ones derived from the principal and the clock. */
  readonly keys: Readonly<Record<string, readonly string[]>>;
  readonly now: number;
}

/**
 * Whether the role's trust policy allows the request, decided by the shared policy
 * evaluator (explicit deny wins; no applicable Allow denies). The trust policy is a resource
 * policy whose resource is the role. The global keys IAM puts in every request context are
 * added here: aws:PrincipalArn (the role ARN for sessions), aws:PrincipalAccount,
 * aws:PrincipalType, aws:userid, aws:PrincipalTag/*, aws:CurrentTime, aws:EpochTime.
 */
export function trustAllows(role: RoleDoc, req: TrustRequest): boolean {
  const document = storedPolicy(role.assumeRolePolicyDocument, 'resource');
  if (!document) return false;
  const policy = compilePolicy('trust', `trust policy of ${role.arn}`, document);
  const keys = new Map<string, readonly string[]>();
  const p = req.principal;
  const put = (k: string, v: string | undefined): void => { if (v !== undefined && v !== '') keys.set(k, [v]); };
  put('aws:PrincipalArn', p.type === 'AssumedRole' ? p.roleArn ?? p.arn : p.arn);
  put('aws:PrincipalAccount', p.account);
  put('aws:PrincipalType', p.type);
  put('aws:userid', p.userId);
  for (const [k, v] of Object.entries(p.tags)) put(`aws:PrincipalTag/${k}`, v);
  put('aws:CurrentTime', new Date(req.now).toISOString());
  put('aws:EpochTime', String(Math.floor(req.now / 1000)));
  for (const [k, v] of Object.entries(req.keys)) keys.set(k, v);
  const verdict = evaluatePolicy(policy, { principal: p, action: req.action, resource: role.arn, keys });
  return verdict.effect === 'Allow';
}
