import { TemplateError, type Parameter, type ParameterDecl, type Template, type TemplateValue } from '../contracts.js';
import { elementProblem, isNumeric, isSsmValueType, parameterKind } from './parameter-types.js';
import { lineOf } from './paths.js';

/** A parameter's value as `Ref` returns it: a string, or a list for list types. */
export type ParameterValue = string | readonly string[];

export interface ResolvedParameters {
  /** What `Ref` returns, by parameter name. */
  readonly values: Readonly<Record<string, ParameterValue>>;
  /** The strings the stack keeps (UsePreviousValue reads them back on the next update). */
  readonly raw: Readonly<Record<string, string>>;
  /** DescribeStacks' Parameters: template order, NoEcho values masked as `****`. */
  readonly described: readonly { readonly ParameterKey: string; readonly ParameterValue: string }[];
}

export const NO_ECHO_MASK = '****';

/**
 * The values a stack runs with: given (CreateStack/UpdateStack Parameters) over the
 * previous stack's (UsePreviousValue) over the template's Default. Every value is checked
 * against its declaration; the first problem throws a TemplateError worded as
 * CloudFormation's ValidationError message.
 */
export function resolveParameters(template: Template, given: readonly Parameter[] = [], previous?: Readonly<Record<string, string>>): ResolvedParameters {
  const declared = template.Parameters;
  const unknown = given.map((p) => p.ParameterKey).filter((k) => !(k in declared));
  if (unknown.length) throw new TemplateError(`Parameters: [${unknown.join(', ')}] do not exist in the template`, ['Parameters']);
  const byKey = new Map(given.map((p) => [p.ParameterKey, p]));
  const raw: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, decl] of Object.entries(declared)) {
    const p = byKey.get(name);
    let value: string | undefined;
    if (p?.UsePreviousValue) {
      value = previous?.[name];
      if (value === undefined) throw new TemplateError(`Invalid input for parameter key ${name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`, ['Parameters', name]);
    } else if (p?.ParameterValue !== undefined) {
      value = p.ParameterValue;
    } else if (decl.Default !== undefined) {
      value = defaultString(decl.Default);
    }
    if (value === undefined) missing.push(name);
    else raw[name] = value;
  }
  if (missing.length) throw new TemplateError(`Parameters: [${missing.join(', ')}] must have values`, ['Parameters', missing[0]!]);
  const values: Record<string, ParameterValue> = {};
  for (const [name, decl] of Object.entries(declared)) {
    const problem = parameterProblem(name, decl, raw[name]!);
    if (problem) throw new TemplateError(problem, ['Parameters', name], lineOf(template, ['Parameters', name]));
    values[name] = toValue(decl, raw[name]!);
  }
  const described = Object.entries(declared).map(([name, decl]) => ({ ParameterKey: name, ParameterValue: decl.NoEcho ? NO_ECHO_MASK : raw[name]! }));
  return { values, raw, described };
}

/** A YAML Default may be a number or a list; CloudFormation holds every value as a string. */
export function defaultString(v: TemplateValue): string {
  if (Array.isArray(v)) return v.map((x) => String(x)).join(',');
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function toValue(decl: ParameterDecl, raw: string): ParameterValue {
  const kind = parameterKind(decl.Type);
  if (!kind?.list) return raw;
  // CommaDelimitedList members are space-trimmed; an empty value is an empty list.
  return raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim());
}

/**
 * Why `raw` is not a valid value of the declared parameter, in CloudFormation's words, or
 * undefined. Also used by validation to check Defaults.
 */
export function parameterProblem(name: string, decl: ParameterDecl, raw: string): string | undefined {
  if (isSsmValueType(decl.Type)) return `Parameter '${name}' has type ${decl.Type}: Trellis has no Systems Manager Parameter Store to read it from; use a plain String parameter`;
  const kind = parameterKind(decl.Type);
  if (!kind) return `Parameter '${name}' has an unrecognized type ${decl.Type}`;
  const items = kind.list ? (raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim())) : [raw];
  for (const item of items) {
    const bad = elementProblem(kind.element, item);
    if (bad === 'number') return `Parameter '${name}' must be a number${kind.list ? ' list' : ''}`;
    if (bad === 'format') return `Parameter validation failed: parameter value ${item} for parameter name ${name} does not exist. (Expected the ${kind.element} format.)`;
  }
  const constraint = (fallback: string) => (decl.ConstraintDescription ? `Parameter '${name}' failed to satisfy constraint: ${decl.ConstraintDescription}` : fallback);
  if (decl.AllowedValues) {
    const allowed = decl.AllowedValues.map((v) => String(v));
    if (items.some((i) => !allowed.includes(i))) return constraint(`Parameter '${name}' must be one of AllowedValues`);
  }
  if (decl.AllowedPattern !== undefined) {
    const re = anchored(decl.AllowedPattern);
    if (re && items.some((i) => !re.test(i))) return constraint(`Parameter '${name}' must match pattern ${decl.AllowedPattern}`);
  }
  if (decl.MinLength !== undefined && raw.length < decl.MinLength) return constraint(`Parameter '${name}' must contain at least ${decl.MinLength} characters`);
  if (decl.MaxLength !== undefined && raw.length > decl.MaxLength) return constraint(`Parameter '${name}' must contain at most ${decl.MaxLength} characters`);
  if (kind.element === 'Number' && items.every(isNumeric)) {
    for (const i of items) {
      const n = Number(i);
      if (decl.MinValue !== undefined && n < decl.MinValue) return constraint(`Parameter '${name}' must be a number not less than ${decl.MinValue}`);
      if (decl.MaxValue !== undefined && n > decl.MaxValue) return constraint(`Parameter '${name}' must be a number not greater than ${decl.MaxValue}`);
    }
  }
  return undefined;
}

/** AllowedPattern must match the whole value (CloudFormation anchors it). */
function anchored(pattern: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try { return new RegExp(`^(?:${pattern})$`, flags); } catch { /* next mode */ }
  }
  return undefined;
}
