/**
 * A small shape language for the inputs of AWS Query-protocol actions, and the types it
 * decodes to. Query requests are flat `key=value` pairs (`Parameters.member.1.ParameterKey`);
 * a shape says how to fold them back into a structure and what each value must satisfy, so
 * an action's handler receives typed data and never a raw string map.
 *
 * Shapes are written by hand from the service's documented members (names, bounds, enums);
 * only what Trellis serves is declared, and members a shape does not name are ignored, as
 * the Query services ignore parameters they do not know.
 */

export interface StringShape<E extends string = string> {
  readonly type: 'string';
  readonly enum?: readonly E[];
  readonly min?: number;
  readonly max?: number;
  /** Matched against the whole value. */
  readonly pattern?: RegExp;
}
export interface BooleanShape { readonly type: 'boolean' }
export interface IntegerShape { readonly type: 'integer'; readonly min?: number; readonly max?: number }
export interface ListShape<M extends Shape = Shape> { readonly type: 'list'; readonly member: M; readonly max?: number }
export interface StructShape<M extends Members = Members, R extends string = string> {
  readonly type: 'structure';
  readonly members: M;
  readonly required: readonly R[];
}

export type Shape = StringShape | BooleanShape | IntegerShape | ListShape<Shape> | StructShape;
export type Members = { readonly [member: string]: Shape };

/** The value a shape decodes to: enums become their literal unions, required members are present. */
export type Decoded<S> =
  S extends StringShape<infer E> ? E
    : S extends BooleanShape ? boolean
      : S extends IntegerShape ? number
        : S extends ListShape<infer M> ? readonly Decoded<M>[]
          : S extends StructShape<infer M, infer R> ? DecodedStruct<M, R> : never;

type DecodedStruct<M extends Members, R extends string> =
  { readonly [K in keyof M & R]: Decoded<M[K]> } & { readonly [K in Exclude<keyof M, R>]?: Decoded<M[K]> };

// ---- constructors: `struct({ StackName: str({ max: 128 }) }, ['StackName'])` ----

export function str<E extends string = string>(c: Omit<StringShape<E>, 'type'> = {}): StringShape<E> {
  return { type: 'string', ...c };
}
export function oneOf<const E extends string>(values: readonly E[]): StringShape<E> {
  return { type: 'string', enum: values };
}
export function bool(): BooleanShape { return { type: 'boolean' }; }
export function int(c: Omit<IntegerShape, 'type'> = {}): IntegerShape { return { type: 'integer', ...c }; }
export function list<M extends Shape>(member: M, max?: number): ListShape<M> {
  return max === undefined ? { type: 'list', member } : { type: 'list', member, max };
}
export function struct<const M extends Members, const R extends keyof M & string = never>(members: M, required: readonly R[] = []): StructShape<M, R> {
  return { type: 'structure', members, required };
}

// ---- decoding ----

/** One violated constraint, phrased as the AWS Query services phrase them. */
export interface Violation {
  /** The member path in lower camel case, as AWS names it: `parameters.1.member.parameterKey`. */
  readonly path: string;
  /** The offending value as AWS prints it (`null`, `'x'`, `'[A, B]'`). */
  readonly shown: string;
  readonly constraint: string;
}

/** The result of decoding: the value when every constraint holds, else the violations. */
export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly violations: readonly Violation[] };

/**
 * Folds flat Query parameters into the structure `shape` describes and checks every
 * constraint. An empty value for a list key (`Tags=`) is an empty list, as botocore sends one.
 */
export function decode<S extends StructShape>(shape: S, params: ReadonlyMap<string, string>): DecodeResult<Decoded<S>> {
  const violations: Violation[] = [];
  const value = decodeStruct(shape, params, '', '', violations);
  return violations.length ? { ok: false, violations } : { ok: true, value: value as Decoded<S> };
}

function decodeStruct(shape: StructShape, params: ReadonlyMap<string, string>, prefix: string, path: string, out: Violation[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(shape.members)) {
    const key = prefix + name;
    const memberPath = path + lowerFirst(name);
    const v = decodeValue(member, params, key, memberPath, out);
    if (v !== undefined) result[name] = v;
    else if (shape.required.includes(name)) out.push({ path: memberPath, shown: 'null', constraint: 'Member must not be null' });
  }
  return result;
}

function decodeValue(shape: Shape, params: ReadonlyMap<string, string>, key: string, path: string, out: Violation[], inList = false): unknown {
  switch (shape.type) {
    case 'structure': {
      if (!hasPrefix(params, `${key}.`)) return undefined;
      return decodeStruct(shape, params, `${key}.`, `${path}.`, out);
    }
    case 'list': {
      const indices = listIndices(params, `${key}.member.`);
      if (indices.length === 0) return params.has(key) ? [] : undefined;
      // An enum list is checked as a whole below, as AWS reports it (`'[A, B]' at 'capabilities'`).
      const items = indices.map((i) => decodeValue(shape.member, params, `${key}.member.${i}`, `${path}.${i}.member`, out, true));
      if (shape.max !== undefined && items.length > shape.max) {
        out.push({ path, shown: `'[${items.map(String).join(', ')}]'`, constraint: `Member must have length less than or equal to ${shape.max}` });
      }
      if (shape.member.type === 'string' && shape.member.enum) {
        const allowed = shape.member.enum;
        const bad = items.some((v) => typeof v === 'string' && !allowed.includes(v));
        if (bad) out.push({ path, shown: `'[${items.map(String).join(', ')}]'`, constraint: `Member must satisfy constraint: [Member must satisfy enum value set: [${allowed.join(', ')}]]` });
      }
      return items;
    }
    case 'string': {
      const raw = params.get(key);
      if (raw === undefined) return undefined;
      checkString(shape, raw, path, out, !inList);
      return raw;
    }
    case 'boolean': {
      const raw = params.get(key);
      if (raw === undefined) return undefined;
      if (raw !== 'true' && raw !== 'false') {
        out.push({ path, shown: `'${raw}'`, constraint: 'Member must be a boolean (true or false)' });
        return undefined;
      }
      return raw === 'true';
    }
    case 'integer': {
      const raw = params.get(key);
      if (raw === undefined) return undefined;
      if (!/^-?\d{1,10}$/.test(raw)) {
        out.push({ path, shown: `'${raw}'`, constraint: 'Member must be an integer' });
        return undefined;
      }
      const n = Number(raw);
      if (shape.min !== undefined && n < shape.min) out.push({ path, shown: `'${raw}'`, constraint: `Member must have value greater than or equal to ${shape.min}` });
      if (shape.max !== undefined && n > shape.max) out.push({ path, shown: `'${raw}'`, constraint: `Member must have value less than or equal to ${shape.max}` });
      return n;
    }
  }
}

function checkString(shape: StringShape, raw: string, path: string, out: Violation[], scalarEnum: boolean): void {
  const shown = `'${raw}'`;
  if (shape.enum && scalarEnum && !shape.enum.includes(raw)) {
    out.push({ path, shown, constraint: `Member must satisfy enum value set: [${shape.enum.join(', ')}]` });
    return;
  }
  if (shape.min !== undefined && raw.length < shape.min) out.push({ path, shown, constraint: `Member must have length greater than or equal to ${shape.min}` });
  if (shape.max !== undefined && raw.length > shape.max) out.push({ path, shown, constraint: `Member must have length less than or equal to ${shape.max}` });
  if (shape.pattern && !wholeMatch(shape.pattern, raw)) out.push({ path, shown, constraint: `Member must satisfy regular expression pattern: ${shape.pattern.source}` });
}

const anchored = new WeakMap<RegExp, RegExp>();

/** AWS patterns match the whole value; an alternation must not stop at its first branch. */
function wholeMatch(re: RegExp, s: string): boolean {
  let a = anchored.get(re);
  if (!a) { a = new RegExp(`^(?:${re.source})$`, re.flags.replace(/[gy]/g, '')); anchored.set(re, a); }
  return a.test(s);
}

/** `Tags.member.3.Key` → the distinct indices after the prefix, ascending. */
function listIndices(params: ReadonlyMap<string, string>, prefix: string): number[] {
  const seen = new Set<number>();
  for (const k of params.keys()) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const dot = rest.indexOf('.');
    const digits = dot === -1 ? rest : rest.slice(0, dot);
    if (/^[1-9]\d{0,4}$/.test(digits)) seen.add(Number(digits));
  }
  return [...seen].sort((a, b) => a - b);
}

function hasPrefix(params: ReadonlyMap<string, string>, prefix: string): boolean {
  for (const k of params.keys()) if (k.startsWith(prefix)) return true;
  return false;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** `1 validation error detected: Value null at 'stackName' failed to satisfy constraint: …` */
export function violationMessage(violations: readonly Violation[]): string {
  const n = violations.length;
  const parts = violations.map((v) => `Value ${v.shown} at '${v.path}' failed to satisfy constraint: ${v.constraint}`);
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`;
}
