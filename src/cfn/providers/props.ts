import type { Properties, ProviderContext } from '../contracts.js';
import { invalidProperty } from './provider-error.js';

/*
 * Reading a resource's resolved properties. They are plain JSON after the engine evaluated
 * the intrinsics, but typed `unknown`: nothing reaches a provider's logic unchecked. Scalars
 * are coerced the way CloudFormation coerces them (a template's `"80"` is an integer where
 * the schema says integer, `true` is the string "true" where it says string), and a wrong
 * type fails with CloudFormation's own validation wording, naming the JSON pointer.
 */

export type Json = string | number | boolean | null | readonly Json[] | { readonly [k: string]: Json };
export type JsonObject = { readonly [k: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'Null';
  if (Array.isArray(v)) return 'JSONArray';
  switch (typeof v) {
    case 'string': return 'String';
    case 'number': return Number.isInteger(v) ? 'Integer' : 'Number';
    case 'boolean': return 'Boolean';
    case 'object': return 'JSONObject';
    default: return typeof v;
  }
}

/** Typed access to one resource's properties; failures name the property's pointer. */
export class PropReader {
  constructor(private readonly ctx: ProviderContext, readonly props: Properties, private readonly base = '#') {}

  private fail(name: string, expected: string, v: unknown): never {
    throw invalidProperty(this.ctx, `${this.base}/${name}`, `expected type: ${expected}, found: ${typeName(v)}`);
  }

  has(name: string): boolean {
    return this.props[name] !== undefined && this.props[name] !== null;
  }

  required(name: string): void {
    if (!this.has(name)) throw invalidProperty(this.ctx, this.base, `required key [${name}] not found`);
  }

  str(name: string): string {
    this.required(name);
    return this.optStr(name)!;
  }

  optStr(name: string): string | undefined {
    const v = this.props[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(name, 'String', v);
  }

  int(name: string): number {
    this.required(name);
    return this.optInt(name)!;
  }

  optInt(name: string): number | undefined {
    const v = this.props[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
    return this.fail(name, 'Integer', v);
  }

  optBool(name: string): boolean | undefined {
    const v = this.props[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    return this.fail(name, 'Boolean', v);
  }

  optObj(name: string): JsonObject | undefined {
    const v = this.props[name];
    if (v === undefined || v === null) return undefined;
    return isObject(v) ? v : this.fail(name, 'JSONObject', v);
  }

  optList(name: string): readonly unknown[] | undefined {
    const v = this.props[name];
    if (v === undefined || v === null) return undefined;
    return Array.isArray(v) ? v : this.fail(name, 'JSONArray', v);
  }

  optStrings(name: string): readonly string[] | undefined {
    const list = this.optList(name);
    return list?.map((_, i) => new PropReader(this.ctx, { [i]: list[i] }, `${this.base}/${name}`).str(String(i)));
  }

  /** Each element of a list of objects, as a reader of its own. */
  objects(name: string): PropReader[] {
    const list = this.optList(name) ?? [];
    return list.map((v, i) => {
      if (!isObject(v)) return this.fail(`${name}/${i}`, 'JSONObject', v);
      return new PropReader(this.ctx, v, `${this.base}/${name}/${i}`);
    });
  }

  /** A nested object as a reader of its own (empty when absent). */
  child(name: string): PropReader {
    return new PropReader(this.ctx, this.optObj(name) ?? {}, `${this.base}/${name}`);
  }

  /**
   * `Tags: [{Key, Value}]` → the API's tag map (undefined when absent). Duplicate keys are
   * refused, as the schemas' `uniqueItems` and AWS refuse them.
   */
  tags(name = 'Tags'): Record<string, string> | undefined {
    if (!this.has(name)) return undefined;
    const out: Record<string, string> = {};
    for (const t of this.objects(name)) {
      const key = t.str('Key');
      if (Object.hasOwn(out, key)) throw invalidProperty(this.ctx, `${this.base}/${name}`, `array items are not unique (duplicate tag key ${key})`);
      out[key] = t.str('Value');
    }
    return out;
  }

  /**
   * A policy given as an object (CloudFormation's usual form) or as a JSON string, as the
   * compact string the API takes.
   */
  policy(name: string): string {
    this.required(name);
    const v = this.props[name];
    if (typeof v === 'string') return v;
    if (isObject(v)) return JSON.stringify(v);
    return this.fail(name, 'JSONObject', v);
  }
}

/**
 * `{ HealthCheck: { HealthCheckIntervalSeconds: 10 } }` → `{ healthCheck: { healthCheckIntervalSeconds: 10 } }`:
 * the schemas' nested structures are the API's with the first letter upper-cased
 * (LATTICE.md §8), so one rule maps them. Arrays map element-wise; scalars stay.
 */
export function camelize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelize);
  if (isObject(v)) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== null)
      .map(([k, x]) => [k.charAt(0).toLowerCase() + k.slice(1), camelize(x)]));
  }
  return v;
}

/** Deep equality of JSON values (key order ignored), to tell which properties changed. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
  }
  return false;
}

/** Whether two id lists name the same set (order and repeats ignored), e.g. security groups. */
export function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = new Set(a ?? []);
  const y = new Set(b ?? []);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/** Drops undefined members, so inputs carry only what the template sets. */
export function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
