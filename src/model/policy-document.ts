import { isIP } from 'node:net';

/**
 * IAM policy documents: the grammar AWS checks when an auth policy or a resource policy is
 * attached (PutAuthPolicy, PutResourcePolicy), parsed into clean readonly types. Pure: no
 * I/O and no knowledge of Lattice resources. The control plane only validates with it; the
 * auth compiler (config/) turns the parsed statements into predicates, so every value here
 * is already normalised (single values become one-element lists, `Not*` blocks are flagged
 * rather than kept as separate members).
 */

export type PolicyVersion = '2012-10-17' | '2008-10-17';
export type PolicyEffect = 'Allow' | 'Deny';
/** The principal types of IAM's grammar (`{"AWS": …}`, `{"Service": …}`, …). */
export type PrincipalType = 'AWS' | 'Service' | 'Federated' | 'CanonicalUser';

/** `'*'` (everyone, including anonymous callers) or principals by type, each a non-empty list. */
export type PrincipalSet = '*' | { readonly [K in PrincipalType]?: readonly string[] };

/** `Principal` (negated false) or `NotPrincipal` (negated true). */
export interface PrincipalBlock {
  readonly negated: boolean;
  readonly principals: PrincipalSet;
}

/** `Action`/`Resource` (negated false) or `NotAction`/`NotResource` (negated true); IAM wildcards (`*`, `?`) kept as written. */
export interface PatternBlock {
  readonly negated: boolean;
  readonly patterns: readonly string[];
}

export type ConditionFamily = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'IpAddress' | 'Arn' | 'Null';
export type SetQualifier = 'ForAnyValue' | 'ForAllValues';
export type ConditionValue = string | number | boolean;

/** The base operators IAM knows, each with the family that says how its values compare. */
export const conditionOperators = {
  StringEquals: 'String', StringNotEquals: 'String', StringEqualsIgnoreCase: 'String',
  StringNotEqualsIgnoreCase: 'String', StringLike: 'String', StringNotLike: 'String',
  NumericEquals: 'Numeric', NumericNotEquals: 'Numeric', NumericLessThan: 'Numeric',
  NumericLessThanEquals: 'Numeric', NumericGreaterThan: 'Numeric', NumericGreaterThanEquals: 'Numeric',
  DateEquals: 'Date', DateNotEquals: 'Date', DateLessThan: 'Date',
  DateLessThanEquals: 'Date', DateGreaterThan: 'Date', DateGreaterThanEquals: 'Date',
  Bool: 'Bool',
  BinaryEquals: 'Binary',
  IpAddress: 'IpAddress', NotIpAddress: 'IpAddress',
  ArnEquals: 'Arn', ArnNotEquals: 'Arn', ArnLike: 'Arn', ArnNotLike: 'Arn',
  Null: 'Null',
} as const satisfies Record<string, ConditionFamily>;

export type ConditionOperator = keyof typeof conditionOperators;

/** One `operator → key → values` entry of a `Condition` block. */
export interface PolicyCondition {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly raw: string;
  readonly operator: ConditionOperator;
  readonly family: ConditionFamily;
  readonly ifExists: boolean;
  readonly qualifier?: SetQualifier;
  /** Case kept as written; IAM compares key names case-insensitively. */
  readonly key: string;
  /** At least one; several values match if any matches (IAM's OR within a key). */
  readonly values: readonly ConditionValue[];
}

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: PolicyEffect;
  /** Absent only in identity-based documents. */
  readonly principal?: PrincipalBlock;
  readonly action: PatternBlock;
  readonly resource: PatternBlock;
  /** Every entry must hold for the statement to apply (IAM's AND across operators and keys). */
  readonly conditions: readonly PolicyCondition[];
}

export interface PolicyDocument {
  readonly version: PolicyVersion;
  readonly id?: string;
  readonly statements: readonly PolicyStatement[];
}

export type PolicyParseResult =
  | { readonly ok: true; readonly document: PolicyDocument }
  | { readonly ok: false; readonly message: string };

export interface PolicyParseOptions {
  /**
   * `resource` (default): attached to a resource, so each statement names exactly one of
   * Principal/NotPrincipal (auth and resource policies). `identity`: attached to a principal,
   * so neither is allowed.
   */
  readonly kind?: 'resource' | 'identity';
}

/** A policy document given as its JSON text, as PutAuthPolicy and PutResourcePolicy receive it. */
export function parsePolicyDocument(text: string, opts: PolicyParseOptions = {}): PolicyParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `Policy is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  return parsePolicyValue(value, opts);
}

/** A policy document already parsed from JSON (CloudFormation templates give objects). */
export function parsePolicyValue(value: unknown, opts: PolicyParseOptions = {}): PolicyParseResult {
  try {
    return { ok: true, document: documentOf(value, opts.kind ?? 'resource') };
  } catch (e) {
    if (e instanceof PolicyError) return { ok: false, message: e.message };
    throw e;
  }
}

// ---- grammar ------------------------------------------------------------------------------

class PolicyError extends Error {}

function fail(message: string): never {
  throw new PolicyError(message);
}

type Json = Readonly<Record<string, unknown>>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TOP_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const PRINCIPAL_TYPES: ReadonlySet<string> = new Set<PrincipalType>(['AWS', 'Service', 'Federated', 'CanonicalUser']);

function documentOf(value: unknown, kind: 'resource' | 'identity'): PolicyDocument {
  if (!isRecord(value)) fail('Policy must be a JSON object');
  for (const k of Object.keys(value)) if (!TOP_KEYS.has(k)) fail(`Policy has an unknown member ${k}`);
  let version: PolicyVersion = '2008-10-17';
  if (value.Version !== undefined) {
    if (value.Version !== '2012-10-17' && value.Version !== '2008-10-17') fail('Version must be 2012-10-17 or 2008-10-17');
    version = value.Version;
  }
  let id: string | undefined;
  if (value.Id !== undefined) {
    if (typeof value.Id !== 'string') fail('Id must be a string');
    id = value.Id;
  }
  const raw = value.Statement;
  if (raw === undefined) fail('Statement is required');
  const many = Array.isArray(raw);
  const list: readonly unknown[] = many ? raw : [raw];
  if (!many && !isRecord(raw)) fail('Statement must be an object or a non-empty array of objects');
  if (list.length === 0) fail('Statement must not be empty');
  const statements = list.map((s, i) => statementOf(s, many ? `Statement[${i}]` : 'Statement', kind));
  // IAM refuses a policy whose statements repeat a Sid.
  const sids = new Set<string>();
  for (const [i, s] of statements.entries()) {
    if (s.sid === undefined || s.sid === '') continue;
    if (sids.has(s.sid)) fail(`${many ? `Statement[${i}]` : 'Statement'}.Sid ${s.sid} is not unique within the policy`);
    sids.add(s.sid);
  }
  return id === undefined ? { version, statements } : { version, id, statements };
}

function statementOf(value: unknown, at: string, kind: 'resource' | 'identity'): PolicyStatement {
  if (!isRecord(value)) fail(`${at} must be an object`);
  for (const k of Object.keys(value)) if (!STATEMENT_KEYS.has(k)) fail(`${at} has an unknown member ${k}`);
  let sid: string | undefined;
  if (value.Sid !== undefined) {
    if (typeof value.Sid !== 'string' || !/^[A-Za-z0-9]*$/.test(value.Sid)) fail(`${at}.Sid must contain only letters and digits`);
    sid = value.Sid;
  }
  if (value.Effect !== 'Allow' && value.Effect !== 'Deny') fail(`${at}.Effect must be Allow or Deny`);
  const effect: PolicyEffect = value.Effect;

  const principalKey = exactlyOne(value, at, 'Principal', 'NotPrincipal', kind === 'resource');
  if (kind === 'identity' && principalKey) fail(`${at}.${principalKey} is not allowed in an identity-based policy`);
  const principal = principalKey ? { negated: principalKey === 'NotPrincipal', principals: principalsOf(value[principalKey], `${at}.${principalKey}`) } : undefined;

  const actionKey = exactlyOne(value, at, 'Action', 'NotAction', true)!;
  const actions = stringList(value[actionKey], `${at}.${actionKey}`);
  for (const a of actions) {
    if (a !== '*' && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(a)) fail(`${at}.${actionKey} ${a} must be '*' or service:action (wildcards * and ? allowed)`);
  }
  const resourceKey = exactlyOne(value, at, 'Resource', 'NotResource', true)!;
  const resources = stringList(value[resourceKey], `${at}.${resourceKey}`);
  for (const r of resources) {
    if (!r.startsWith('*') && !r.startsWith('arn:')) fail(`${at}.${resourceKey} ${r} must be '*' or an ARN`);
  }
  const conditions = value.Condition === undefined ? [] : conditionsOf(value.Condition, `${at}.Condition`);

  const statement: PolicyStatement = {
    effect,
    action: { negated: actionKey === 'NotAction', patterns: actions },
    resource: { negated: resourceKey === 'NotResource', patterns: resources },
    conditions,
  };
  return { ...(sid !== undefined ? { sid } : {}), ...statement, ...(principal ? { principal } : {}) };
}

/** Which of the pair is present; both is an error, neither is one when `required`. */
function exactlyOne(value: Json, at: string, a: string, b: string, required: boolean): string | undefined {
  const hasA = value[a] !== undefined;
  const hasB = value[b] !== undefined;
  if (hasA && hasB) fail(`${at} must have only one of ${a} or ${b}`);
  if (!hasA && !hasB) {
    if (required) fail(`${at} must have one of ${a} or ${b}`);
    return undefined;
  }
  return hasA ? a : b;
}

/** A string or a non-empty array of non-empty strings, as a list. */
function stringList(value: unknown, at: string): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) fail(`${at} must be a string or an array of strings`);
  if (list.length === 0) fail(`${at} must not be empty`);
  return list.map((v, i) => {
    if (typeof v !== 'string') fail(`${at}[${i}] must be a string`);
    if (v.length === 0) fail(`${at}[${i}] must not be empty`);
    return v;
  });
}

/** `*`, a 12-digit account id, or an IAM/STS ARN (root, user, role, assumed-role, federated-user). */
const AWS_PRINCIPAL = /^(\*|\d{12}|arn:[a-z0-9-]+:(iam|sts)::(\d{12}|aws):\S+)$/;

function principalsOf(value: unknown, at: string): PrincipalSet {
  if (value === '*') return '*';
  if (!isRecord(value)) fail(`${at} must be '*' or an object such as {"AWS": "arn:aws:iam::123456789012:root"}`);
  const types = Object.keys(value);
  if (types.length === 0) fail(`${at} must name at least one principal`);
  const out: { [K in PrincipalType]?: readonly string[] } = {};
  for (const t of types) {
    if (!PRINCIPAL_TYPES.has(t)) fail(`${at} has an unknown principal type ${t} (expected AWS, Service, Federated or CanonicalUser)`);
    const values = stringList(value[t], `${at}.${t}`);
    if (t === 'AWS') {
      for (const v of values) if (!AWS_PRINCIPAL.test(v)) fail(`${at}.AWS ${v} must be '*', an account id or an IAM principal ARN`);
    }
    out[t as PrincipalType] = values;
  }
  return out;
}

function conditionsOf(value: unknown, at: string): readonly PolicyCondition[] {
  if (!isRecord(value)) fail(`${at} must be an object of operator to {key: value}`);
  const out: PolicyCondition[] = [];
  for (const [raw, block] of Object.entries(value)) {
    const op = operatorOf(raw, at);
    if (!isRecord(block)) fail(`${at}.${raw} must be an object of condition key to value`);
    const keys = Object.keys(block);
    if (keys.length === 0) fail(`${at}.${raw} must name at least one condition key`);
    for (const key of keys) {
      const where = `${at}.${raw}.${key}`;
      if (!/^[A-Za-z0-9.-]+:\S+$/.test(key)) fail(`${where}: condition key must be service:name`);
      const v = block[key];
      const values = Array.isArray(v) ? v : [v];
      if (values.length === 0) fail(`${where} must not be an empty array`);
      for (const item of values) checkValue(op.family, item, where);
      out.push({ raw, ...op, key, values: values as ConditionValue[] });
    }
  }
  return out;
}

function operatorOf(raw: string, at: string): Pick<PolicyCondition, 'operator' | 'family' | 'ifExists' | 'qualifier'> {
  let name = raw;
  let qualifier: SetQualifier | undefined;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    const q = name.slice(0, colon);
    if (q !== 'ForAnyValue' && q !== 'ForAllValues') fail(`${at}.${raw} has an unknown qualifier ${q} (expected ForAnyValue or ForAllValues)`);
    qualifier = q;
    name = name.slice(colon + 1);
  }
  let ifExists = false;
  if (name.endsWith('IfExists')) {
    ifExists = true;
    name = name.slice(0, -'IfExists'.length);
  }
  if (!Object.hasOwn(conditionOperators, name)) fail(`${at}.${raw} is not a condition operator`);
  const operator = name as ConditionOperator;
  // Null tests presence itself: "if exists" and set qualifiers make no sense on it.
  if (operator === 'Null' && (ifExists || qualifier)) fail(`${at}.${raw}: Null takes neither IfExists nor ForAnyValue/ForAllValues`);
  const family = conditionOperators[operator];
  return qualifier ? { operator, family, ifExists, qualifier } : { operator, family, ifExists };
}

/** Values a family can compare; IAM coerces scalars, so `"80"` is a number and `"true"` a boolean. */
function checkValue(family: ConditionFamily, v: unknown, at: string): void {
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
    fail(`${at} values must be strings, numbers or booleans`);
  }
  const s = String(v);
  switch (family) {
    case 'Numeric':
      if (!/^-?\d+(\.\d+)?$/.test(s)) fail(`${at} value ${s} must be a number`);
      return;
    case 'Date':
      if (!/^\d+$/.test(s) && Number.isNaN(Date.parse(s))) fail(`${at} value ${s} must be an ISO 8601 date or epoch seconds`);
      return;
    case 'Bool': case 'Null':
      if (s.toLowerCase() !== 'true' && s.toLowerCase() !== 'false') fail(`${at} value ${s} must be true or false`);
      return;
    case 'Binary':
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) fail(`${at} value ${s} must be base64`);
      return;
    case 'IpAddress':
      if (!isCidr(s)) fail(`${at} value ${s} must be an IP address or CIDR block`);
      return;
    case 'String': case 'Arn':
      return;
  }
}

function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const version = isIP(addr);
  if (version === 0) return false;
  if (slash < 0) return true;
  const bits = s.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}
