import type { TemplateValue } from '../contracts.js';
import { intrinsicOf, type Intrinsic } from './intrinsic.js';
import { isList, isObject, type TemplatePath } from './paths.js';
import { subVariables } from './sub.js';

/**
 * The names a value refers to without evaluating it: for the dependency graph (which
 * resources must exist first) and for validation (does every name exist). A `${Name}` in a
 * Sub string is a `ref`, a `${Res.Attr}` a `getatt`, like the functions they abbreviate.
 */
export interface Reference {
  readonly kind: 'ref' | 'getatt' | 'condition';
  readonly target: string;
  /** GetAtt's attribute, when written literally. */
  readonly attribute?: string;
  /** The function the name appears in. */
  readonly via: 'Ref' | 'Fn::GetAtt' | 'Fn::Sub' | 'Fn::If' | 'Condition';
  readonly path: TemplatePath;
}

/**
 * Calls `visit` for every intrinsic in `value`, outermost first. With `conditions` known, an
 * Fn::If is followed into the branch that is taken only (what the stack will really read);
 * without, into both (what validation must check).
 */
export function walkIntrinsics(
  value: TemplateValue | undefined,
  path: TemplatePath,
  visit: (fn: Intrinsic, path: TemplatePath) => void,
  conditions?: Readonly<Record<string, boolean>>,
  inCondition = false,
): void {
  if (value === null || value === undefined || typeof value !== 'object') return;
  if (isList(value)) {
    value.forEach((v, i) => walkIntrinsics(v, [...path, i], visit, conditions, inCondition));
    return;
  }
  const fn = intrinsicOf(value, inCondition);
  if (!fn) {
    for (const [k, v] of Object.entries(value)) walkIntrinsics(v, [...path, k], visit, conditions, inCondition);
    return;
  }
  const at = [...path, fn.name];
  visit(fn, at);
  const args = isList(fn.arg) ? fn.arg : undefined;
  const into = (i: number, cond = inCondition) => walkIntrinsics(args?.[i], [...at, i], visit, conditions, cond);
  switch (fn.name) {
    case 'Ref': case 'Condition': return;
    case 'Fn::GetAtt': return into(1);
    case 'Fn::Sub': return isObject(args?.[1]) ? walkIntrinsics(args[1], [...at, 1], visit, conditions, inCondition) : undefined;
    case 'Fn::If': {
      const holds = typeof args?.[0] === 'string' && conditions ? conditions[args[0]] : undefined;
      if (holds !== false) into(1);
      if (holds !== true) into(2);
      return;
    }
    case 'Fn::And': case 'Fn::Or': case 'Fn::Not':
      args?.forEach((_, i) => into(i, true));
      return;
    default:
      if (args) args.forEach((_, i) => into(i));
      else walkIntrinsics(fn.arg, at, visit, conditions, inCondition);
  }
}

/** The references of one intrinsic (not of the intrinsics nested in it). */
export function referencesOf(fn: Intrinsic, path: TemplatePath): Reference[] {
  const args = isList(fn.arg) ? fn.arg : undefined;
  switch (fn.name) {
    case 'Ref':
      return typeof fn.arg === 'string' ? [{ kind: 'ref', target: fn.arg, via: 'Ref', path }] : [];
    case 'Condition':
      return typeof fn.arg === 'string' ? [{ kind: 'condition', target: fn.arg, via: 'Condition', path }] : [];
    case 'Fn::If':
      return typeof args?.[0] === 'string' ? [{ kind: 'condition', target: args[0], via: 'Fn::If', path: [...path, 0] }] : [];
    case 'Fn::GetAtt': {
      if (typeof args?.[0] !== 'string') return [];
      const attribute = typeof args[1] === 'string' ? { attribute: args[1] } : {};
      return [{ kind: 'getatt', target: args[0], ...attribute, via: 'Fn::GetAtt', path }];
    }
    case 'Fn::Sub': {
      const text = typeof fn.arg === 'string' ? fn.arg : typeof args?.[0] === 'string' ? args[0] : undefined;
      if (text === undefined) return [];
      const local = isObject(args?.[1]) ? new Set(Object.keys(args[1])) : new Set<string>();
      return subVariables(text).filter((v) => !local.has(v)).map((v): Reference => {
        const dot = v.indexOf('.');
        return dot > 0
          ? { kind: 'getatt', target: v.slice(0, dot), attribute: v.slice(dot + 1), via: 'Fn::Sub', path }
          : { kind: 'ref', target: v, via: 'Fn::Sub', path };
      });
    }
    default:
      return [];
  }
}

/** Every reference in `value` (see walkIntrinsics for how Fn::If is followed). */
export function collectReferences(value: TemplateValue | undefined, path: TemplatePath, conditions?: Readonly<Record<string, boolean>>, inCondition = false): Reference[] {
  const out: Reference[] = [];
  walkIntrinsics(value, path, (fn, at) => out.push(...referencesOf(fn, at)), conditions, inCondition);
  return out;
}
