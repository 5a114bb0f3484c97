import { AwsError, isObject } from '../../model/index.js';

/**
 * Reading ACM's JSON 1.1 inputs. The members are few, so each action states its own with
 * these readers instead of a generated model. A member of the wrong JSON type is a
 * SerializationException (the service could not deserialise the body); a value that breaks
 * a constraint is collected and the request refused with one ValidationException naming
 * every violation, worded as AWS's Coral validation words them:
 * `2 validation errors detected: Value null at 'certificate' failed to satisfy constraint: Member must not be null; …`.
 * Member paths in messages are the members' names with a lower-case first letter, as ACM's are.
 */
export class InputReader {
  private readonly violations: string[] = [];

  constructor(private readonly body: Readonly<Record<string, unknown>>) {}

  /** A string member; `pattern` is anchored. */
  str(member: string, opts: { readonly required?: boolean; readonly min?: number; readonly max?: number; readonly pattern?: RegExp; readonly patternText?: string; readonly enum?: readonly string[] } = {}): string | undefined {
    const v = this.body[member];
    if (v === undefined || v === null) {
      if (opts.required) this.violate(member, null, 'Member must not be null');
      return undefined;
    }
    if (typeof v !== 'string') throw serialization(member, 'a string');
    if (opts.min !== undefined && v.length < opts.min) this.violate(member, v, `Member must have length greater than or equal to ${opts.min}`);
    else if (opts.max !== undefined && v.length > opts.max) this.violate(member, v, `Member must have length less than or equal to ${opts.max}`);
    else if (opts.pattern && !opts.pattern.test(v)) this.violate(member, v, `Member must satisfy regular expression pattern: ${opts.patternText ?? opts.pattern.source}`);
    else if (opts.enum && !opts.enum.includes(v)) this.violate(member, v, `Member must satisfy enum value set: [${opts.enum.join(', ')}]`);
    return v;
  }

  /** A blob member (base64 in JSON), decoded to UTF-8 text; length bounds are in bytes. */
  blob(member: string, opts: { readonly required?: boolean; readonly max: number }): string | undefined {
    const v = this.body[member];
    if (v === undefined || v === null) {
      if (opts.required) this.violate(member, null, 'Member must not be null');
      return undefined;
    }
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/\r\n]*={0,2}$/.test(v)) throw serialization(member, 'base64-encoded binary data');
    const bytes = Buffer.from(v, 'base64');
    if (bytes.length < 1) this.violate(member, '', 'Member must have length greater than or equal to 1');
    else if (bytes.length > opts.max) this.violate(member, undefined, `Member must have length less than or equal to ${opts.max}`);
    return bytes.toString('utf8');
  }

  int(member: string, opts: { readonly min: number; readonly max: number }): number | undefined {
    const v = this.body[member];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw serialization(member, 'an integer');
    if (v < opts.min) this.violate(member, v, `Member must have value greater than or equal to ${opts.min}`);
    else if (v > opts.max) this.violate(member, v, `Member must have value less than or equal to ${opts.max}`);
    return v;
  }

  /** A list of strings, each in `values` when given. */
  strList(member: string, values?: readonly string[], at: Readonly<Record<string, unknown>> = this.body, path = member): string[] | undefined {
    const v = at[member];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw serialization(path, 'a list of strings');
    const list = v as string[];
    if (values) {
      list.forEach((x, i) => { if (!values.includes(x)) this.violate(`${path}.${i + 1}.member`, x, `Member must satisfy enum value set: [${values.join(', ')}]`); });
    }
    return list;
  }

  /** A structure member, read with its own reader (violations shared). */
  struct(member: string): Readonly<Record<string, unknown>> | undefined {
    const v = this.body[member];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) throw serialization(member, 'a structure');
    return v;
  }

  /** ACM's tag list (`[{Key, Value}]`, 1–50) as a map; duplicate keys are refused. */
  tags(member: string): Record<string, string> | undefined {
    const v = this.body[member];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw serialization(member, 'a list of tags');
    if (v.length < 1 || v.length > 50) this.violate(member, undefined, `Member must have length ${v.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 50'}`);
    const out: Record<string, string> = {};
    v.forEach((t: unknown, i) => {
      if (!isObject(t)) throw serialization(`${member}.${i + 1}.member`, 'a tag');
      const key = t['Key'];
      const value = t['Value'] ?? '';
      if (typeof key !== 'string' || typeof value !== 'string') throw serialization(`${member}.${i + 1}.member`, 'a tag of strings');
      const path = `${member}.${i + 1}.member`;
      if (key.length < 1 || key.length > 128) this.violate(`${path}.key`, key, 'Member must have length between 1 and 128');
      else if (!TAG_TEXT.test(key)) this.violate(`${path}.key`, key, `Member must satisfy regular expression pattern: ${TAG_TEXT_SOURCE}`);
      if (value.length > 256) this.violate(`${path}.value`, value, 'Member must have length less than or equal to 256');
      else if (!TAG_TEXT.test(value)) this.violate(`${path}.value`, value, `Member must satisfy regular expression pattern: ${TAG_TEXT_SOURCE}`);
      if (Object.hasOwn(out, key)) throw new AwsError('InvalidParameterException', `Tag key ${key} is specified more than once.`, {}, 400);
      out[key] = value;
    });
    return out;
  }

  /** Throws the ValidationException when any member broke a constraint. */
  done(): void {
    const n = this.violations.length;
    if (n === 0) return;
    throw new AwsError('ValidationException', `${n} validation error${n > 1 ? 's' : ''} detected: ${this.violations.join('; ')}`, {}, 400);
  }

  private violate(member: string, value: unknown, constraint: string): void {
    const shown = value === null ? 'null' : value === undefined ? '' : `'${String(value)}'`;
    this.violations.push(`Value ${shown}${shown ? ' ' : ''}at '${lowerFirst(member)}' failed to satisfy constraint: ${constraint}`);
  }
}

const TAG_TEXT_SOURCE = '[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@]*';
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function lowerFirst(s: string): string {
  return s.split('.').map((p) => p.charAt(0).toLowerCase() + p.slice(1)).join('.');
}

function serialization(member: string, expected: string): AwsError {
  return new AwsError('SerializationException', `Cannot deserialize ${member}: expected ${expected}.`, {}, 400);
}

/** ACM's certificate ARN constraint (CertificateArn: 20–2048 characters, this pattern). */
export const ARN_SHAPE = {
  min: 20, max: 2048,
  pattern: /^arn:[\w+=/,.@-]+:acm:[\w+=/,.@-]*:[0-9]+:[\w+=,.@-]+(\/[\w+=,.@-]+)*$/,
  patternText: 'arn:[\\w+=/,.@-]+:acm:[\\w+=/,.@-]*:[0-9]+:[\\w+=,.@-]+(/[\\w+=,.@-]+)*',
} as const;
