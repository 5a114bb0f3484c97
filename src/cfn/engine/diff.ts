/**
 * Property diffs, as JSON pointers under `/properties` (the form of a schema's
 * createOnlyProperties), so the engine can tell an in-place update from a replacement.
 */

function isObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep equality of JSON values; object member order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The pointers of what differs between two property sets: objects are compared member by
 * member, anything else (lists included) as a whole at its own path.
 */
export function changedPaths(before: unknown, after: unknown, at = '/properties'): string[] {
  if (jsonEqual(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((k) => changedPaths(before[k], after[k], `${at}/${k}`));
  }
  return [at];
}

function covers(pattern: readonly string[], path: readonly string[]): boolean {
  const n = Math.min(pattern.length, path.length);
  for (let i = 0; i < n; i++) if (pattern[i] !== '*' && pattern[i] !== path[i]) return false;
  return true;
}

/**
 * Whether a change at one of `paths` touches a create-only property: the change is at or
 * under a create-only pointer, or replaces a whole object that contains one (`*` in a
 * pointer matches any member or index).
 */
export function needsReplacement(paths: readonly string[], replacementPaths: readonly string[]): boolean {
  const split = (p: string) => p.split('/').slice(1);
  return paths.some((p) => replacementPaths.some((r) => covers(split(r), split(p))));
}
