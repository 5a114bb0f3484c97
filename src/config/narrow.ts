/**
 * Narrowing of stored documents. Every doc is JSON the compiler did not write, so each field
 * is read as `unknown` and checked here; a field of the wrong shape throws a `Malformed`
 * naming its path, which the compiler catches per resource and turns into a `Problem`
 * (never a crash, never `any` in the compiler). Paths are built only when something is
 * wrong: a rebuild reads a few hundred thousand fields and must not format a string for each.
 */

/** A doc field that is missing or of the wrong shape; `path` names it (`config.port`). */
export class Malformed extends Error {
  constructor(readonly path: string, readonly expected: string) {
    super(`${path} is not ${expected}`);
    this.name = 'Malformed';
  }
}

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One field of a doc that may not even be an object; undefined when absent. */
export function field(doc: unknown, key: string): unknown {
  return isObject(doc) ? doc[key] : undefined;
}

/** A JSON object with typed accessors that throw `Malformed` naming the field's path. */
export class Fields {
  private constructor(
    readonly obj: JsonObject,
    private readonly parent: Fields | undefined,
    private readonly key: string,
    private readonly index: number,
  ) {}

  /** The doc itself; `at` prefixes every path named in errors ('' for the doc's root). */
  static of(v: unknown, at = ''): Fields {
    if (!isObject(v)) throw new Malformed(at || 'doc', 'an object');
    return new Fields(v, undefined, at, -1);
  }

  /** This object's path, e.g. `action.forward.targetGroups[1]`. */
  get at(): string {
    const base = this.parent ? join(this.parent.at, this.key) : this.key;
    return this.index >= 0 ? `${base}[${this.index}]` : base;
  }

  private path(key: string): string {
    return join(this.at, key);
  }

  has(key: string): boolean {
    const v = this.obj[key];
    return v !== undefined && v !== null;
  }

  str(key: string): string {
    const v = this.obj[key];
    if (typeof v !== 'string') throw new Malformed(this.path(key), 'a string');
    return v;
  }

  optStr(key: string): string | undefined {
    return this.has(key) ? this.str(key) : undefined;
  }

  int(key: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.obj[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new Malformed(this.path(key), `an integer in ${min}–${max}`);
    }
    return v;
  }

  optInt(key: string, min?: number, max?: number): number | undefined {
    return this.has(key) ? this.int(key, min, max) : undefined;
  }

  bool(key: string): boolean {
    const v = this.obj[key];
    if (typeof v !== 'boolean') throw new Malformed(this.path(key), 'a boolean');
    return v;
  }

  optBool(key: string): boolean | undefined {
    return this.has(key) ? this.bool(key) : undefined;
  }

  /** One of `allowed`, exactly. */
  oneOf<const A extends string>(key: string, allowed: readonly A[]): A {
    const v = this.obj[key];
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      throw new Malformed(this.path(key), `one of ${allowed.join(', ')}`);
    }
    return v as A;
  }

  optOneOf<const A extends string>(key: string, allowed: readonly A[]): A | undefined {
    return this.has(key) ? this.oneOf(key, allowed) : undefined;
  }

  child(key: string): Fields {
    const v = this.obj[key];
    if (!isObject(v)) throw new Malformed(this.path(key), 'an object');
    return new Fields(v, this, key, -1);
  }

  optChild(key: string): Fields | undefined {
    return this.has(key) ? this.child(key) : undefined;
  }

  /** An array of objects. */
  objects(key: string): Fields[] {
    const v = this.obj[key];
    if (!Array.isArray(v)) throw new Malformed(this.path(key), 'an array');
    const out: Fields[] = [];
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (!isObject(item)) throw new Malformed(`${this.path(key)}[${i}]`, 'an object');
      out.push(new Fields(item, this, key, i));
    }
    return out;
  }

  optObjects(key: string): Fields[] | undefined {
    return this.has(key) ? this.objects(key) : undefined;
  }

  /** An array of strings. */
  optStrings(key: string): string[] | undefined {
    if (!this.has(key)) return undefined;
    const v = this.obj[key];
    if (!Array.isArray(v)) throw new Malformed(this.path(key), 'an array');
    return v.map((item: unknown, i) => {
      if (typeof item !== 'string') throw new Malformed(`${this.path(key)}[${i}]`, 'a string');
      return item;
    });
  }
}

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

/** The message of a thrown value, for a Problem's reason. */
export function reasonOf(err: unknown): string {
  if (err instanceof Malformed) return `malformed record: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
