import type { ConditionOperator, PolicyCondition, SetQualifier } from '../../model/index.js';
import { inCidr, parseCidr, parseIp, type Cidr } from './ip.js';
import { compilePattern, parsePattern, resolvePieces, type KeyLookup, type Matcher, type Piece } from './patterns.js';

/**
 * Condition operators compiled once per policy. Each condition becomes a "value test" — does
 * one request value match any of the policy's values (IAM ORs a key's values) — and the rules
 * that lift it to the request's set of values and to a missing key:
 *
 * | case | result |
 * | --- | --- |
 * | key missing, `…IfExists` (with or without a qualifier) | true |
 * | key missing, `ForAllValues:` | true (vacuously every value matches) |
 * | key missing, `ForAnyValue:` | false |
 * | key missing, negated operator (`StringNotEquals`, `NotIpAddress`, …) | true |
 * | key missing, other operators | false |
 * | `Null: true` / `Null: false` | key absent / key present |
 * | values, no qualifier | positive: some value matches; negated: no value matches |
 * | values, `ForAnyValue:` | some value passes the operator (negation applied per value) |
 * | values, `ForAllValues:` | every value passes the operator (negation applied per value) |
 */
export interface CompiledCondition {
  readonly condition: PolicyCondition;
  /** Lower-cased, as request keys are. */
  readonly key: string;
  readonly negated: boolean;
  readonly qualifier?: SetQualifier;
  readonly ifExists: boolean;
  /** For Null only: true for `"true"` (require absence), false for `"false"`, both when both are listed. */
  readonly nullWants?: { readonly absent: boolean; readonly present: boolean };
  /** Whether one request value matches any policy value (before negation). */
  readonly test: (value: string, keys: KeyLookup) => boolean;
}

const NEGATED: ReadonlySet<ConditionOperator> = new Set<ConditionOperator>([
  'StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals', 'DateNotEquals',
  'NotIpAddress', 'ArnNotEquals', 'ArnNotLike',
]);

/** Compiles one `operator → key → values` entry. `variables` is false for Version 2008-10-17. */
export function compileCondition(c: PolicyCondition, variables: boolean): CompiledCondition {
  const base = {
    condition: c,
    key: c.key.toLowerCase(),
    negated: NEGATED.has(c.operator),
    ifExists: c.ifExists,
    ...(c.qualifier ? { qualifier: c.qualifier } : {}),
  };
  if (c.operator === 'Null') {
    const wants = c.values.map((v) => String(v).toLowerCase() === 'true');
    return { ...base, nullWants: { absent: wants.includes(true), present: wants.includes(false) }, test: () => false };
  }
  return { ...base, test: valueTest(c, variables) };
}

/** Evaluates a compiled condition against a request's (lower-cased) keys. */
export function evaluateCondition(c: CompiledCondition, keys: KeyLookup): boolean {
  const values = keys.get(c.key);
  const missing = values === undefined || values.length === 0;
  if (c.nullWants) return missing ? c.nullWants.absent : c.nullWants.present;
  if (missing) {
    if (c.ifExists) return true;
    if (c.qualifier === 'ForAllValues') return true;
    if (c.qualifier === 'ForAnyValue') return false;
    return c.negated;
  }
  const test = c.test;
  if (c.qualifier === 'ForAllValues') {
    for (const v of values) if (test(v, keys) === c.negated) return false;
    return true;
  }
  if (c.qualifier === 'ForAnyValue') {
    for (const v of values) if (test(v, keys) !== c.negated) return true;
    return false;
  }
  for (const v of values) if (test(v, keys)) return !c.negated;
  return c.negated;
}

type ValueTest = (value: string, keys: KeyLookup) => boolean;

function valueTest(c: PolicyCondition, variables: boolean): ValueTest {
  const raw = c.values.map(String);
  switch (c.operator) {
    case 'StringEquals': case 'StringNotEquals':
      return stringEquals(raw, variables, false);
    case 'StringEqualsIgnoreCase': case 'StringNotEqualsIgnoreCase':
      return stringEquals(raw, variables, true);
    case 'StringLike': case 'StringNotLike':
      return anyOf(raw.map((p) => compilePattern(p, { wildcards: true, variables })));
    case 'NumericEquals': case 'NumericNotEquals': case 'NumericLessThan':
    case 'NumericLessThanEquals': case 'NumericGreaterThan': case 'NumericGreaterThanEquals':
      return ordered(c.operator.slice('Numeric'.length), raw.map(Number), parseNumber);
    case 'DateEquals': case 'DateNotEquals': case 'DateLessThan':
    case 'DateLessThanEquals': case 'DateGreaterThan': case 'DateGreaterThanEquals':
      return ordered(c.operator.slice('Date'.length), raw.map((v) => parseDate(v) ?? NaN), parseDate);
    case 'Bool': {
      const want = new Set(raw.map((v) => v.toLowerCase()));
      return (v) => want.has(v.toLowerCase());
    }
    case 'BinaryEquals': {
      const want = new Set(raw);
      return (v) => want.has(v);
    }
    case 'IpAddress': case 'NotIpAddress': {
      const blocks = raw.map(parseCidr).filter((b): b is Cidr => b !== undefined);
      return (v) => {
        const ip = parseIp(v);
        if (!ip) return false;
        for (const b of blocks) if (inCidr(ip, b)) return true;
        return false;
      };
    }
    case 'ArnEquals': case 'ArnNotEquals': case 'ArnLike': case 'ArnNotLike':
      return anyOf(raw.map((p) => arnMatcher(p, variables)));
    case 'Null':
      return () => false;
  }
}

function anyOf(matchers: readonly Matcher[]): ValueTest {
  if (matchers.length === 1) return matchers[0]!;
  return (v, keys) => {
    for (const m of matchers) if (m(v, keys)) return true;
    return false;
  };
}

/** Equality against a set; values naming a variable are resolved per request. */
function stringEquals(raw: readonly string[], variables: boolean, ignoreCase: boolean): ValueTest {
  const fold = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  const fixed = new Set<string>();
  const dynamic: (readonly Piece[])[] = [];
  for (const r of raw) {
    const pieces = parsePattern(r, { wildcards: false, variables });
    if (pieces.some((p) => p.kind === 'var')) dynamic.push(pieces);
    else fixed.add(fold(pieces.map((p) => (p.kind === 'text' ? p.text : '')).join('')));
  }
  if (dynamic.length === 0 && fixed.size === 1) {
    const only = [...fixed][0]!;
    return ignoreCase ? (v) => v.toLowerCase() === only : (v) => v === only;
  }
  return (v, keys) => {
    const value = fold(v);
    if (fixed.has(value)) return true;
    for (const pieces of dynamic) {
      const resolved = resolvePieces(pieces, keys);
      if (resolved && fold(resolved.map((p) => (p.kind === 'text' ? p.text : '')).join('')) === value) return true;
    }
    return false;
  };
}

/** Numeric and date comparisons: the request value on the left, each policy value on the right. */
function ordered(op: string, policy: readonly number[], parse: (s: string) => number | undefined): ValueTest {
  const cmp = COMPARE[op];
  if (!cmp) throw new Error(`unknown comparison ${op}`);
  return (v) => {
    const n = parse(v);
    if (n === undefined) return false;
    for (const p of policy) if (cmp(n, p)) return true;
    return false;
  };
}

/** `NotEquals` compares as `Equals`; evaluateCondition negates the set result. */
const COMPARE: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  Equals: (a, b) => a === b,
  NotEquals: (a, b) => a === b,
  LessThan: (a, b) => a < b,
  LessThanEquals: (a, b) => a <= b,
  GreaterThan: (a, b) => a > b,
  GreaterThanEquals: (a, b) => a >= b,
};

function parseNumber(s: string): number | undefined {
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s)) return undefined;
  return Number(s);
}

/** ISO 8601 or epoch seconds, to milliseconds. */
export function parseDate(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * `ArnEquals` and `ArnLike` (IAM treats them alike): the six colon-separated parts are matched
 * one by one, each with `*`/`?`, so a wildcard never spans a part boundary; the resource part
 * (the sixth) keeps any further colons.
 */
function arnMatcher(pattern: string, variables: boolean): Matcher {
  const parts = arnParts(pattern);
  if (!parts) {
    // A lone wildcard matches any value; any other text with too few parts matches no ARN.
    if (!pattern.includes(':')) return compilePattern(pattern, { wildcards: true, variables });
    return () => false;
  }
  const matchers = parts.map((p) => compilePattern(p, { wildcards: true, variables }));
  return (v, keys) => {
    const vp = arnParts(v);
    if (!vp) return false;
    for (let i = 0; i < 6; i++) if (!matchers[i]!(vp[i]!, keys)) return false;
    return true;
  };
}

function arnParts(s: string): string[] | undefined {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const c = s.indexOf(':', from);
    if (c < 0) return undefined;
    out.push(s.slice(from, c));
    from = c + 1;
  }
  out.push(s.slice(from));
  return out;
}
