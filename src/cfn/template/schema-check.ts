import type { TemplateValue } from '../contracts.js';
import { intrinsicOf, producedKind, unsupportedFunction } from './intrinsic.js';
import { closest, formatPath, isList, isObject, type TemplatePath } from './paths.js';
import { deref } from './schema.js';
import type { ResourceSchema, SchemaNode, SchemaType } from './schema-types.js';

/** One way a property value breaks its schema. */
export interface SchemaIssue {
  readonly rule: 'type' | 'unknown-property' | 'required' | 'enum' | 'pattern' | 'length' | 'range' | 'items' | 'exclusive';
  readonly path: TemplatePath;
  readonly message: string;
}

/**
 * Checks a resource's Properties against its registry schema: JSON types (with the string ↔
 * number ↔ boolean conversions CloudFormation applies, so `Port: "80"` is fine), enums,
 * patterns, lengths, ranges, item counts, unknown properties where `additionalProperties`
 * is false, required properties, `requiredXor` and dependent properties, through `$ref`.
 * An intrinsic is accepted wherever a value goes, unless what it produces is sure not to
 * fit (an Fn::Sub where a list goes); both Fn::If branches are checked.
 */
export function checkProperties(schema: ResourceSchema, properties: TemplateValue, path: TemplatePath): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  new Walker(schema, out).check(properties, schema, path);
  return out;
}

const patterns = new Map<string, RegExp | null>();
/**
 * A schema pattern as a RegExp. Unicode mode first, which `\p{L}` (tag keys) needs; patterns
 * written for non-Unicode engines (`\-` outside a class) fall back to the plain mode. A
 * pattern neither mode reads is not checked rather than guessed at.
 */
export function compiled(pattern: string): RegExp | null {
  let re = patterns.get(pattern);
  if (re === undefined) {
    re = null;
    for (const flags of ['u', '']) {
      try { re = new RegExp(pattern, flags); break; } catch { /* next mode */ }
    }
    patterns.set(pattern, re);
  }
  return re;
}

/** `Ref: AWS::NoValue` as a property value: the property is absent. */
function isNoValue(v: TemplateValue | undefined): boolean {
  const fn = intrinsicOf(v);
  return fn?.name === 'Ref' && fn.arg === 'AWS::NoValue';
}

function typesOf(node: SchemaNode): readonly SchemaType[] {
  if (node.type === undefined) return [];
  return typeof node.type === 'string' ? [node.type] : node.type;
}

function fits(type: SchemaType, v: TemplateValue): boolean {
  switch (type) {
    case 'string': return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    case 'integer': return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v));
    case 'number': return (typeof v === 'number') || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
    case 'boolean': return typeof v === 'boolean' || (typeof v === 'string' && /^(true|false)$/i.test(v));
    case 'object': return isObject(v);
    case 'array': return isList(v);
  }
}

const show = (v: TemplateValue) => JSON.stringify(v).slice(0, 80);

class Walker {
  constructor(private readonly schema: ResourceSchema, private readonly out: SchemaIssue[]) {}

  private issue(rule: SchemaIssue['rule'], path: TemplatePath, message: string): void {
    this.out.push({ rule, path, message });
  }

  check(value: TemplateValue, raw: SchemaNode, path: TemplatePath): void {
    // An unsupported function is reported where intrinsics are checked, not as a wrong type.
    if (value === null || isNoValue(value) || unsupportedFunction(value)) return;
    const node = deref(this.schema, raw);
    const types = typesOf(node);
    const fn = intrinsicOf(value);
    if (fn) {
      if (fn.name === 'Fn::If' && isList(fn.arg) && fn.arg.length === 3) {
        this.check(fn.arg[1]!, node, [...path, 'Fn::If', 1]);
        this.check(fn.arg[2]!, node, [...path, 'Fn::If', 2]);
        return;
      }
      const kind = producedKind(fn);
      const notString = types.length > 0 && !types.includes('string') && (types.includes('object') || types.includes('array'));
      if ((kind === 'string' && notString) || (kind === 'list' && types.length > 0 && !types.includes('array'))) {
        this.issue('type', path, `${fn.name} gives a ${kind}, which is not of type ${types.join(' or ')}`);
      }
      return;
    }
    this.alternatives(value, node, path);
    for (const sub of node.allOf ?? []) this.check(value, sub, path);
    if (types.length && !types.some((t) => fits(t, value))) {
      this.issue('type', path, `${show(value)} is not of type ${types.join(' or ')}`);
      return;
    }
    if (isList(value)) this.array(value, node, path);
    else if (isObject(value)) this.object(value, node, path);
    else this.scalar(value, node, types, path);
  }

  /** anyOf / oneOf: fine when one alternative fits; otherwise the closest one's issues. */
  private alternatives(value: TemplateValue, node: SchemaNode, path: TemplatePath): void {
    const options = node.anyOf ?? node.oneOf;
    if (!options?.length) return;
    let best: SchemaIssue[] | undefined;
    for (const option of options) {
      const found: SchemaIssue[] = [];
      new Walker(this.schema, found).check(value, option, path);
      if (found.length === 0) return;
      if (!best || found.length < best.length) best = found;
    }
    this.out.push(...best!);
  }

  private scalar(value: string | number | boolean, node: SchemaNode, types: readonly SchemaType[], path: TemplatePath): void {
    const text = String(value);
    if (node.enum && !node.enum.some((e) => String(e) === text)) {
      this.issue('enum', path, `${show(value)} is not one of ${node.enum.map((e) => String(e)).join(', ')}`);
    }
    const isText = types.length === 0 || types.includes('string');
    if (isText && node.pattern !== undefined) {
      const re = compiled(node.pattern);
      if (re && !re.test(text)) this.issue('pattern', path, `${show(value)} does not match the pattern ${node.pattern}`);
    }
    if (isText && typeof value === 'string') {
      if (node.minLength !== undefined && value.length < node.minLength) this.issue('length', path, `${show(value)} is shorter than ${node.minLength} characters`);
      if (node.maxLength !== undefined && value.length > node.maxLength) this.issue('length', path, `${show(value)} is longer than ${node.maxLength} characters`);
    }
    const numeric = types.includes('integer') || types.includes('number');
    if (numeric && Number.isFinite(Number(value))) {
      const n = Number(value);
      if (node.minimum !== undefined && n < node.minimum) this.issue('range', path, `${text} is less than the minimum of ${node.minimum}`);
      if (node.maximum !== undefined && n > node.maximum) this.issue('range', path, `${text} is greater than the maximum of ${node.maximum}`);
    }
  }

  private array(value: readonly TemplateValue[], node: SchemaNode, path: TemplatePath): void {
    const present = value.filter((v) => !isNoValue(v)).length;
    if (node.minItems !== undefined && present < node.minItems) this.issue('items', path, `has ${present} items, fewer than the minimum of ${node.minItems}`);
    if (node.maxItems !== undefined && present > node.maxItems) this.issue('items', path, `has ${present} items, more than the maximum of ${node.maxItems}`);
    if (node.items) value.forEach((item, i) => this.check(item, node.items!, [...path, i]));
  }

  private object(value: { readonly [k: string]: TemplateValue }, node: SchemaNode, path: TemplatePath): void {
    const props = node.properties ?? {};
    const has = (k: string) => value[k] !== undefined && !isNoValue(value[k]);
    for (const [key, v] of Object.entries(value)) {
      const known = props[key];
      if (known) { this.check(v, known, [...path, key]); continue; }
      const byPattern = Object.entries(node.patternProperties ?? {}).find(([p]) => compiled(p)?.test(key));
      if (byPattern) { this.check(v, byPattern[1], [...path, key]); continue; }
      if (node.additionalProperties === false) {
        const hint = closest(key, Object.keys(props));
        const where = path.length <= 3 ? this.schema.typeName : `${formatPath(path.slice(3))}`;
        this.issue('unknown-property', [...path, key], `Unknown property '${key}' in ${where}${hint ? ` (did you mean '${hint}'?)` : ''}`);
      } else if (typeof node.additionalProperties === 'object') {
        this.check(v, node.additionalProperties, [...path, key]);
      }
    }
    for (const r of node.required ?? []) {
      if (!has(r)) this.issue('required', path, `Missing required property '${r}'`);
    }
    if (node.requiredXor?.length) {
      const set = node.requiredXor.filter(has);
      if (set.length !== 1) {
        this.issue('exclusive', set.length > 1 ? [...path, set[1]!] : path, `Exactly one of ${node.requiredXor.join(', ')} must be set${set.length > 1 ? ` (found ${set.join(', ')})` : ''}`);
      }
    }
    for (const [k, needs] of Object.entries(node.dependentRequired ?? {})) {
      if (!has(k)) continue;
      for (const n of needs) if (!has(n)) this.issue('required', path, `Missing property '${n}', which ${k} needs`);
    }
    for (const [k, excluded] of Object.entries(node.dependentExcluded ?? {})) {
      if (!has(k)) continue;
      for (const x of excluded) if (has(x)) this.issue('exclusive', [...path, x], `${x} cannot be set together with ${k}`);
    }
  }
}
