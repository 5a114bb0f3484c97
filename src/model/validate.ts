import { shapes } from './generated/index.js';
import type { ShapeDef } from './shape-def.js';
import { validationError, type FieldError } from './errors.js';

const patternCache = new Map<string, RegExp>();

/**
 * The model's patterns are written for whole-value matching (AWS validates with Java's
 * `matches()`), so each is anchored once here and cached.
 */
function compiled(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 's');
    patternCache.set(pattern, re);
  }
  return re;
}

function shapeOf(name: string): ShapeDef {
  const s = shapes[name];
  if (!s) throw new Error(`unknown shape ${name}`);
  return s;
}

/**
 * Checks a value against a shape of the model: required members, types, min/max (length
 * for strings, lists and maps; range for numbers), patterns, enums and unions. Returns
 * every violation, each named by its path (`config.healthCheck.path`, `targets[0].id`).
 * Members the model does not know are ignored, as AWS ignores them.
 */
export function checkShape(shapeName: string, value: unknown, path = ''): FieldError[] {
  const out: FieldError[] = [];
  walk(shapeName, value, path, out);
  return out;
}

function walk(shapeName: string, value: unknown, path: string, out: FieldError[]): void {
  const s = shapeOf(shapeName);
  const at = path || shapeName;
  switch (s.type) {
    case 'string': {
      if (typeof value !== 'string') { out.push({ name: at, message: 'Member must be a string' }); return; }
      const len = [...value].length;
      if (s.min !== undefined && len < s.min) out.push({ name: at, message: `Member must have length greater than or equal to ${s.min}` });
      else if (s.max !== undefined && len > s.max) out.push({ name: at, message: `Member must have length less than or equal to ${s.max}` });
      else if (s.enum && !s.enum.includes(value)) out.push({ name: at, message: `Member must satisfy enum value set: [${s.enum.join(', ')}]` });
      else if (s.pattern !== undefined && !compiled(s.pattern).test(value)) out.push({ name: at, message: `Member must satisfy regular expression pattern: ${s.pattern}` });
      return;
    }
    case 'integer': case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) { out.push({ name: at, message: `Member must be an integer` }); return; }
      if (s.min !== undefined && value < s.min) out.push({ name: at, message: `Member must have value greater than or equal to ${s.min}` });
      else if (s.max !== undefined && value > s.max) out.push({ name: at, message: `Member must have value less than or equal to ${s.max}` });
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') out.push({ name: at, message: 'Member must be a boolean' });
      return;
    case 'timestamp':
      if (typeof value !== 'string' && typeof value !== 'number') out.push({ name: at, message: 'Member must be a timestamp' });
      return;
    case 'list': {
      if (!Array.isArray(value)) { out.push({ name: at, message: 'Member must be a list' }); return; }
      if (s.min !== undefined && value.length < s.min) out.push({ name: at, message: `Member must have length greater than or equal to ${s.min}` });
      if (s.max !== undefined && value.length > s.max) out.push({ name: at, message: `Member must have length less than or equal to ${s.max}` });
      value.forEach((v, i) => walk(s.member!, v, `${at}[${i}]`, out));
      return;
    }
    case 'map': {
      if (!isObject(value)) { out.push({ name: at, message: 'Member must be a map' }); return; }
      const keys = Object.keys(value);
      if (s.min !== undefined && keys.length < s.min) out.push({ name: at, message: `Member must have length greater than or equal to ${s.min}` });
      if (s.max !== undefined && keys.length > s.max) out.push({ name: at, message: `Member must have length less than or equal to ${s.max}` });
      for (const k of keys) {
        walk(s.key!, k, `${at}.${k}`, out);
        walk(s.value!, value[k], `${at}.${k}`, out);
      }
      return;
    }
    case 'structure': {
      if (!isObject(value)) { out.push({ name: at, message: 'Member must be a structure' }); return; }
      const members = s.members ?? {};
      for (const r of s.required ?? []) {
        if (value[r] === undefined || value[r] === null) out.push({ name: join(path, r), message: 'Member must not be null' });
      }
      let set = 0;
      for (const [m, def] of Object.entries(members)) {
        const v = value[m];
        if (v === undefined || v === null) continue;
        set++;
        walk(def.shape, v, join(path, m), out);
      }
      if (s.union && set !== 1) {
        out.push({ name: at, message: `Member must have exactly one of [${Object.keys(members).join(', ')}] set` });
      }
      return;
    }
  }
}

function join(path: string, member: string): string {
  return path ? `${path}.${member}` : member;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws the ValidationException AWS sends for these violations (none: returns). */
export function assertValid(errors: readonly FieldError[]): void {
  if (errors.length === 0) return;
  const n = errors.length;
  const detail = errors.map((e) => `Value at '${e.name}' failed to satisfy constraint: ${e.message}`).join('; ');
  throw validationError(`${n} validation error${n === 1 ? '' : 's'} detected: ${detail}`, 'fieldValidationFailed', errors);
}
