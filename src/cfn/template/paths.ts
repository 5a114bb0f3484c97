import type { Template, TemplateValue } from '../contracts.js';

/**
 * Where a value sits in a template: `['Resources', 'Listener', 'Properties', 'Port']`.
 * Numbers are list indexes. Every error and finding carries one, so a user can find the
 * value without line numbers (a template given as a parsed object has none).
 */
export type TemplatePath = readonly (string | number)[];

/** `Resources.Listener.Properties.DefaultAction.Forward.TargetGroups[0]`, as errors print it. */
export function formatPath(path: TemplatePath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** A stable map key for a path (a key may itself contain dots, so formatPath is not one). */
export function pathKey(path: TemplatePath): string {
  return path.join('\u0000');
}

/** Template path → 1-based source line of the key (map entries) or item (list entries). */
export type LineMap = ReadonlyMap<string, number>;

// Template is the fixed contract and has no room for source positions, so the parser
// attaches them beside the object instead of inside it.
const SOURCES = new WeakMap<Template, LineMap>();

/** Remembers where a parsed template's values came from (parseTemplate calls this). */
export function attachLines(template: Template, lines: LineMap): void {
  SOURCES.set(template, lines);
}

/**
 * The source line of `path` in a parsed template, or of its nearest enclosing value that has
 * one (a value synthesised by the parser, such as a defaulted section, has none itself).
 */
export function lineOf(template: Template, path: TemplatePath): number | undefined {
  const lines = SOURCES.get(template);
  if (!lines) return undefined;
  for (let n = path.length; n > 0; n--) {
    const line = lines.get(pathKey(path.slice(0, n)));
    if (line !== undefined) return line;
  }
  return undefined;
}

/** A JSON object (not a list, not null): the only thing the template layer indexes by name. */
export type TemplateObject = { readonly [k: string]: TemplateValue };

export function isObject(v: TemplateValue | undefined): v is TemplateObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isList(v: TemplateValue | undefined): v is readonly TemplateValue[] {
  return Array.isArray(v);
}

/** The closest candidate by edit distance, for "did you mean" hints; none when nothing is close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
