import { parsePolicyValue, prng as seeded } from '../../model/index.js';
import type { AuthContext, PolicyKind, Principal } from '../contracts.js';
import { conditionKeys } from './context-keys.js';
import { compilePolicy, type EvaluablePolicy } from './evaluate.js';

/** Helpers shared by the tests of this folder (not exported from iam/). */

export const ACCT = '111122223333';
export const OTHER = '444455556666';
export const SVC_ARN = `arn:aws:vpc-lattice:us-west-2:${ACCT}:service/svc-0123456789abcdef0`;
export const SN_ARN = `arn:aws:vpc-lattice:us-west-2:${ACCT}:servicenetwork/sn-0123456789abcdef0`;

export const alice: Principal = {
  arn: `arn:aws:iam::${ACCT}:user/alice`, account: ACCT, type: 'User', userId: 'AIDAALICE', tags: { team: 'payments' },
};
export const session: Principal = {
  arn: `arn:aws:sts::${ACCT}:assumed-role/app-role/i-0abc`, account: ACCT, type: 'AssumedRole',
  roleArn: `arn:aws:iam::${ACCT}:role/service/app-role`, sessionName: 'i-0abc', userId: 'AROAAPP:i-0abc', tags: {},
  orgId: 'o-abc123', orgPaths: ['o-abc123/r-ab12/ou-ab12-11111111/'],
};
export const stranger: Principal = { arn: `arn:aws:iam::${OTHER}:user/bob`, account: OTHER, type: 'User', tags: {} };

/** Compiles a policy given as an object; throws if the parser refuses it. */
export function policy(doc: unknown, kind: PolicyKind = 'service', source = 'test policy'): EvaluablePolicy {
  const parsed = parsePolicyValue(doc, { kind: kind === 'identity' ? 'identity' : 'resource' });
  if (!parsed.ok) throw new Error(parsed.message);
  return compilePolicy(kind, source, parsed.document);
}

/** A context for a generic request; keys given with names in any case. */
export function context(opts: {
  readonly principal?: Principal; readonly action?: string; readonly resource?: string;
  readonly keys?: Readonly<Record<string, string | readonly string[]>>;
}): AuthContext {
  const entries = Object.entries(opts.keys ?? {}).map(([k, v]): [string, readonly string[]] => [k, typeof v === 'string' ? [v] : v]);
  return {
    principal: opts.principal ?? alice,
    action: opts.action ?? 'vpc-lattice-svcs:Invoke',
    resource: opts.resource ?? `${SVC_ARN}/rates`,
    keys: conditionKeys(entries),
  };
}

/**
 * The shared seeded PRNG (model's mulberry32) with the picks the property tests use, so they
 * are reproducible from a seed printed on failure.
 */
export function prng(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  const next = seeded(seed);
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]) => xs[int(xs.length)]!, chance: (p: number) => next() < p };
}
