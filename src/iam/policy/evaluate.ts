import type { PolicyDocument, PolicyStatement } from '../../model/index.js';
import type { AuthContext, CompiledPolicy, Decision, PolicyKind, StatementRef } from '../contracts.js';
import { compileCondition, evaluateCondition, type CompiledCondition } from './conditions.js';
import { normalizedKeys } from './context-keys.js';
import { compilePattern, type KeyLookup, type Matcher } from './patterns.js';
import { compilePrincipals, matchPrincipal, type PrincipalMatcher } from './principals.js';

/**
 * The policy evaluator: a parsed document compiled once into matchers (compilePolicy), then
 * evaluated per request with no parsing, no RegExp construction and no allocation beyond what
 * policy variables need (evaluatePolicy). Verdict objects are built at compile time and
 * shared, so they are immutable. Pure: the request context carries everything, the clock too.
 */

/** The verdict of one policy for one request. */
export interface PolicyVerdict extends Decision {
  readonly kind: PolicyKind;
  readonly source: string;
}

/** A compiled statement; `miss` numbering is what explainPolicy reports. */
interface CompiledStatement {
  readonly ref: StatementRef;
  readonly statement: PolicyStatement;
  readonly deny: boolean;
  readonly principal?: PrincipalMatcher;
  readonly principalNegated: boolean;
  readonly actions: readonly Matcher[];
  readonly actionNegated: boolean;
  readonly resources: readonly Matcher[];
  readonly resourceNegated: boolean;
  readonly conditions: readonly CompiledCondition[];
  readonly verdict: PolicyVerdict;
}

/** A CompiledPolicy (the contract) that also carries its matchers. */
export interface EvaluablePolicy extends CompiledPolicy {
  readonly statements: readonly CompiledStatement[];
  readonly implicitDeny: PolicyVerdict;
}

/**
 * Compiles a document of a given kind. `source` names the policy in verdicts and explanations
 * (a policy ARN, `auth policy of svc-…`). The document must come from parsePolicyDocument /
 * parsePolicyValue (which check the grammar); nothing here throws on a parsed document.
 */
export function compilePolicy(kind: PolicyKind, source: string, document: PolicyDocument): EvaluablePolicy {
  const variables = document.version === '2012-10-17';
  const statements = document.statements.map((s, index): CompiledStatement => {
    const ref: StatementRef = s.sid !== undefined && s.sid !== '' ? { source, index, sid: s.sid } : { source, index };
    const deny = s.effect === 'Deny';
    return {
      ref,
      statement: s,
      deny,
      ...(s.principal ? { principal: compilePrincipals(s.principal.principals) } : {}),
      principalNegated: s.principal?.negated ?? false,
      // Actions: case-insensitive, wildcards, never variables.
      actions: s.action.patterns.map((p) => compilePattern(p, { wildcards: true, ignoreCase: true, variables: false })),
      actionNegated: s.action.negated,
      resources: s.resource.patterns.map((p) => compilePattern(p, { wildcards: true, variables })),
      resourceNegated: s.resource.negated,
      conditions: s.conditions.map((c) => compileCondition(c, variables)),
      verdict: { kind, source, effect: deny ? 'ExplicitDeny' : 'Allow', statement: ref },
    };
  });
  return { kind, source, document, statements, implicitDeny: { kind, source, effect: 'ImplicitDeny' } };
}

const cache = new WeakMap<CompiledPolicy, EvaluablePolicy>();

/** The compiled form of a contract CompiledPolicy built elsewhere (compiled once, cached). */
function evaluable(policy: CompiledPolicy): EvaluablePolicy {
  if ('statements' in policy && 'implicitDeny' in policy) return policy as EvaluablePolicy;
  let e = cache.get(policy);
  if (!e) {
    e = compilePolicy(policy.kind, policy.source, policy.document);
    cache.set(policy, e);
  }
  return e;
}

/**
 * Where a statement stopped applying: -1 it applies; 0 principal, 1 action, 2 resource,
 * 3 + i condition i. A number so that the hot path allocates nothing.
 */
function missOf(s: CompiledStatement, ctx: AuthContext, keys: KeyLookup): number {
  if (s.principal && matchPrincipal(s.principal, ctx.principal, keys) === s.principalNegated) return 0;
  if (anyMatch(s.actions, ctx.action, keys) === s.actionNegated) return 1;
  if (anyMatch(s.resources, ctx.resource, keys) === s.resourceNegated) return 2;
  const cs = s.conditions;
  for (let i = 0; i < cs.length; i++) if (!evaluateCondition(cs[i]!, keys)) return 3 + i;
  return -1;
}

function anyMatch(ms: readonly Matcher[], value: string, keys: KeyLookup): boolean {
  for (let i = 0; i < ms.length; i++) if (ms[i]!(value, keys)) return true;
  return false;
}

/**
 * One policy's verdict: the first applicable Deny statement (explicit deny wins), else the
 * first applicable Allow statement, else implicit deny.
 */
export function evaluatePolicy(policy: CompiledPolicy, ctx: AuthContext): PolicyVerdict {
  const p = evaluable(policy);
  const keys = normalizedKeys(ctx.keys);
  let allow: PolicyVerdict | undefined;
  for (const s of p.statements) {
    // Once an Allow is found only Deny statements can change the verdict.
    if (allow !== undefined && !s.deny) continue;
    if (missOf(s, ctx, keys) !== -1) continue;
    if (s.deny) return s.verdict;
    allow = s.verdict;
  }
  return allow ?? p.implicitDeny;
}

const IMPLICIT: Decision = { effect: 'ImplicitDeny' };

/**
 * Several verdicts as one decision: the first explicit deny, else the first allow, else implicit
 * deny. Returns the deciding verdict itself (a PolicyVerdict stays one), allocating nothing.
 */
export function combine(verdicts: readonly Decision[]): Decision {
  let allow: Decision | undefined;
  for (const v of verdicts) {
    if (v.effect === 'ExplicitDeny') return v;
    if (v.effect === 'Allow' && allow === undefined) allow = v;
  }
  return allow ?? IMPLICIT;
}

/** How one statement fared, for `trellis auth explain` and denied requests' log records. */
export interface StatementTrace {
  readonly index: number;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly applies: boolean;
  /** The first element that did not match, in words; absent when the statement applies. */
  readonly mismatch?: string;
}

export interface PolicyExplanation {
  readonly verdict: PolicyVerdict;
  readonly statements: readonly StatementTrace[];
}

/** evaluatePolicy plus, for every statement, whether it applied and if not why. Not for the hot path. */
export function explainPolicy(policy: CompiledPolicy, ctx: AuthContext): PolicyExplanation {
  const p = evaluable(policy);
  const keys = normalizedKeys(ctx.keys);
  const statements = p.statements.map((s): StatementTrace => {
    const miss = missOf(s, ctx, keys);
    const base = { index: s.ref.index, ...(s.ref.sid !== undefined ? { sid: s.ref.sid } : {}), effect: s.statement.effect };
    return miss === -1 ? { ...base, applies: true } : { ...base, applies: false, mismatch: describeMiss(s, miss, ctx, keys) };
  });
  return { verdict: evaluatePolicy(p, ctx), statements };
}

function describeMiss(s: CompiledStatement, miss: number, ctx: AuthContext, keys: KeyLookup): string {
  const st = s.statement;
  switch (miss) {
    case 0: {
      const who = ctx.principal.type === 'Anonymous' ? 'anonymous' : ctx.principal.arn;
      const el = st.principal!.negated ? 'NotPrincipal' : 'Principal';
      return `${el} ${JSON.stringify(st.principal!.principals)} ${st.principal!.negated ? 'names' : 'does not name'} the caller ${who}`;
    }
    case 1:
      return `${st.action.negated ? 'NotAction' : 'Action'} ${JSON.stringify(st.action.patterns)} ${st.action.negated ? 'covers' : 'does not cover'} ${ctx.action}`;
    case 2:
      return `${st.resource.negated ? 'NotResource' : 'Resource'} ${JSON.stringify(st.resource.patterns)} ${st.resource.negated ? 'covers' : 'does not cover'} ${ctx.resource}`;
    default: {
      const c = s.conditions[miss - 3]!.condition;
      const have = keys.get(c.key.toLowerCase());
      const request = have === undefined || have.length === 0 ? 'the request has no such key' : `the request has ${JSON.stringify(have)}`;
      return `Condition ${c.raw} ${c.key} ${JSON.stringify(c.values)} is not met: ${request}`;
    }
  }
}
