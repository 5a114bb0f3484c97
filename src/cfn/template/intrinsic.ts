import type { TemplateValue } from '../contracts.js';
import { isList, isObject } from './paths.js';

/**
 * The one place that knows what an intrinsic function looks like, in both spellings:
 * the YAML short form (`!Ref X`, turned into the long form by `longForm` while parsing) and
 * the long form (`{ "Ref": "X" }`, recognised by `intrinsicOf`). Everything after parsing —
 * evaluation, references, validation — sees the long form only.
 */

/** Functions Trellis evaluates, by long-form name. */
export const FUNCTIONS = [
  'Ref', 'Fn::GetAtt', 'Fn::Sub', 'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::ImportValue',
  'Fn::If', 'Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not', 'Fn::FindInMap', 'Fn::Base64',
  'Fn::GetAZs', 'Fn::Cidr',
] as const;
export type FunctionName = (typeof FUNCTIONS)[number] | 'Condition';

const KNOWN = new Set<string>(FUNCTIONS);

/** YAML tag → long-form key. `!Condition` is only meaningful inside condition functions. */
const SHORT_FORMS: Readonly<Record<string, FunctionName>> = {
  '!Ref': 'Ref', '!Condition': 'Condition', '!GetAtt': 'Fn::GetAtt', '!Sub': 'Fn::Sub',
  '!Join': 'Fn::Join', '!Select': 'Fn::Select', '!Split': 'Fn::Split', '!ImportValue': 'Fn::ImportValue',
  '!If': 'Fn::If', '!Equals': 'Fn::Equals', '!And': 'Fn::And', '!Or': 'Fn::Or', '!Not': 'Fn::Not',
  '!FindInMap': 'Fn::FindInMap', '!Base64': 'Fn::Base64', '!GetAZs': 'Fn::GetAZs', '!Cidr': 'Fn::Cidr',
};

/**
 * The long form of a YAML short-form tag applied to `value`, or a string explaining why it
 * has none (unknown tag, `!GetAtt` without a dot). `!GetAtt A.B.C` splits at the first dot,
 * as CloudFormation does: the attribute is `B.C`.
 */
export function longForm(tag: string, value: TemplateValue): TemplateValue | string {
  const name = SHORT_FORMS[tag];
  if (!name) return `unknown tag ${tag}`;
  if (name === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    if (dot <= 0 || dot === value.length - 1) return `!GetAtt ${value} must be written LogicalId.Attribute`;
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [name]: value };
}

export interface Intrinsic {
  readonly name: FunctionName;
  readonly arg: TemplateValue;
}

/**
 * The intrinsic `v` is, if any: an object with exactly one key that names a function. A
 * `Condition` key counts only inside condition functions (`inCondition`), since IAM policy
 * statements have a `Condition` member of their own. An unknown `Fn::` key is reported by
 * `unsupportedFunction`, not silently taken as data.
 */
export function intrinsicOf(v: TemplateValue | undefined, inCondition = false): Intrinsic | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  if (KNOWN.has(key) || (inCondition && key === 'Condition')) return { name: key as FunctionName, arg: v[key]! };
  return undefined;
}

/** `Fn::Transform`, `Fn::Length`, … : functions Trellis does not evaluate (a one-key `Fn::` object). */
export function unsupportedFunction(v: TemplateValue | undefined): string | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0]!.startsWith('Fn::') && !KNOWN.has(keys[0]!)) return keys[0];
  return undefined;
}

/**
 * What is wrong with the shape of an intrinsic's argument, in CloudFormation's words, or
 * undefined. Shared by evaluation (which throws it) and validation (which reports it), so the
 * two never disagree about what is well-formed.
 */
export function shapeProblem(fn: Intrinsic): string | undefined {
  const { name, arg } = fn;
  const list = isList(arg) ? arg : undefined;
  const computed = (v: TemplateValue | undefined) => intrinsicOf(v) !== undefined;
  switch (name) {
    case 'Ref':
    case 'Condition':
      return typeof arg === 'string' && arg !== '' ? undefined : `Template error: every ${name} object must have a single String value.`;
    case 'Fn::GetAtt':
      return list && list.length === 2 && typeof list[0] === 'string' && (typeof list[1] === 'string' || computed(list[1]))
        ? undefined : 'Template error: every Fn::GetAtt object requires two non-empty parameters.';
    case 'Fn::Sub':
      if (typeof arg === 'string') return undefined;
      return list && list.length === 2 && typeof list[0] === 'string' && isObject(list[1])
        ? undefined : 'Template error: One or more Fn::Sub intrinsic functions don\'t specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string';
    case 'Fn::Join':
      return list && list.length === 2 && typeof list[0] === 'string' && (isList(list[1]) || computed(list[1]))
        ? undefined : 'Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.';
    case 'Fn::Select':
      return list && list.length === 2 && (typeof list[0] === 'number' || typeof list[0] === 'string' || computed(list[0]))
        && (isList(list[1]) || computed(list[1]))
        ? undefined : 'Template error: Fn::Select requires a list argument with two elements: an integer index and a list';
    case 'Fn::Split':
      return list && list.length === 2 && typeof list[0] === 'string' && (typeof list[1] === 'string' || computed(list[1]))
        ? undefined : 'Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.';
    case 'Fn::If':
      return list && list.length === 3 && typeof list[0] === 'string'
        ? undefined : 'Template error: every Fn::If object requires three parameters, the condition name, the value if true and the value if false.';
    case 'Fn::Equals':
      return list && list.length === 2 ? undefined : 'Template error: every Fn::Equals object requires a list of 2 string parameters.';
    case 'Fn::And':
    case 'Fn::Or':
      return list && list.length >= 2 && list.length <= 10 ? undefined : `Template error: every ${name} object requires a list of at least 2 and at most 10 boolean parameters.`;
    case 'Fn::Not':
      return list && list.length === 1 ? undefined : 'Template error: every Fn::Not object requires a list with exactly one boolean parameter.';
    case 'Fn::FindInMap':
      return list && list.length === 3 ? undefined : 'Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value.';
    case 'Fn::Cidr':
      return list && list.length === 3 ? undefined : 'Template error: Fn::Cidr requires a list of three parameters: an address block, a count and the number of subnet bits.';
    case 'Fn::GetAZs':
      return typeof arg === 'string' || computed(arg) ? undefined : 'Template error: Fn::GetAZs requires a region name (or an empty string).';
    case 'Fn::ImportValue':
      return typeof arg === 'string' || computed(arg) ? undefined : 'Template error: Fn::ImportValue requires the export name as a string or a function that returns one.';
    case 'Fn::Base64':
      return undefined;
  }
}

/** The value a function produces, where it is sure: for type checks of unresolved values. */
export function producedKind(fn: Intrinsic): 'string' | 'list' | 'boolean' | undefined {
  switch (fn.name) {
    case 'Fn::Sub': case 'Fn::Join': case 'Fn::Base64': case 'Fn::ImportValue': return 'string';
    case 'Fn::GetAZs': case 'Fn::Split': case 'Fn::Cidr': return 'list';
    case 'Fn::Equals': case 'Fn::And': case 'Fn::Or': case 'Fn::Not': case 'Condition': return 'boolean';
    default: return undefined;
  }
}
