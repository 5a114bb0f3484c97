/**
 * IAM wildcard patterns (`*` any run of characters, `?` exactly one) and policy variables
 * (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, `${*}` `${?}` `${$}`), compiled
 * once into matchers. A pattern without variables becomes the cheapest test that decides it
 * (always true, `===`, or one anchored RegExp); only a pattern that names a
 * variable does work per request, because its text depends on the request.
 */

/** Condition keys of a request, names lower-cased (see context-keys.ts). */
export type KeyLookup = ReadonlyMap<string, readonly string[]>;

/** Tests a request value; `keys` resolves policy variables. */
export type Matcher = (value: string, keys: KeyLookup) => boolean;

export interface PatternOptions {
  /** Actions compare case-insensitively; ARNs and string conditions do not. */
  readonly ignoreCase?: boolean;
  /** Whether `*` and `?` are wildcards (StringLike, Resource) or literal (StringEquals). */
  readonly wildcards: boolean;
  /** Policy variables are substituted only in Version 2012-10-17 documents. */
  readonly variables: boolean;
}

/** One piece of a parsed pattern. Variables resolve to literal text, never to wildcards. */
export type Piece =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'one' }
  | { readonly kind: 'var'; readonly key: string; readonly fallback?: string };

const STAR: Piece = { kind: 'star' };
const ONE: Piece = { kind: 'one' };

/**
 * Splits a pattern into pieces. `${…}` is a variable only when `variables` is set and the
 * braces close; anything else stays literal text, as IAM leaves it.
 */
export function parsePattern(pattern: string, opts: PatternOptions): readonly Piece[] {
  const out: Piece[] = [];
  // Characters collected in an array and joined: `+=` per character would leave a deep rope
  // string, which V8 string builtins (startsWith) may walk on every request.
  let chars: string[] = [];
  const flush = () => {
    if (chars.length > 0) out.push({ kind: 'text', text: chars.join('') });
    chars = [];
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (opts.variables && c === '$' && pattern[i + 1] === '{') {
      const end = pattern.indexOf('}', i + 2);
      if (end > 0) {
        const variable = variableOf(pattern.slice(i + 2, end));
        if (variable) {
          if (variable.kind === 'text') chars.push(variable.text);
          else { flush(); out.push(variable); }
          i = end;
          continue;
        }
      }
    }
    if (opts.wildcards && (c === '*' || c === '?')) {
      flush();
      out.push(c === '*' ? STAR : ONE);
      continue;
    }
    chars.push(c);
  }
  flush();
  return out;
}

/** The body of `${…}`: an escape, a key, or a key with a quoted default. */
function variableOf(body: string): Piece | undefined {
  const inner = body.trim();
  if (inner === '*' || inner === '?' || inner === '$') return { kind: 'text', text: inner };
  const comma = inner.indexOf(',');
  const key = (comma < 0 ? inner : inner.slice(0, comma)).trim();
  if (!/^[A-Za-z0-9.-]+:\S+$/.test(key)) return undefined;
  if (comma < 0) return { kind: 'var', key: key.toLowerCase() };
  const m = /^'([^']*)'$/.exec(inner.slice(comma + 1).trim());
  if (!m) return undefined;
  return { kind: 'var', key: key.toLowerCase(), fallback: m[1]! };
}

/** Compiles a pattern to a matcher; see the file comment for what is done once. */
export function compilePattern(pattern: string, opts: PatternOptions): Matcher {
  const pieces = parsePattern(pattern, opts);
  const ci = opts.ignoreCase === true;
  if (pieces.some((p) => p.kind === 'var')) {
    return (value, keys) => {
      const resolved = resolvePieces(pieces, keys);
      return resolved !== undefined && globMatch(resolved, value, ci);
    };
  }
  return staticMatcher(pieces, ci);
}

/** The value a variable stands for: a single-valued key, else its default, else nothing. */
export function resolveVariable(piece: { readonly key: string; readonly fallback?: string }, keys: KeyLookup): string | undefined {
  const values = keys.get(piece.key);
  if (values !== undefined && values.length === 1) return values[0]!;
  return piece.fallback;
}

/**
 * Pieces with variables replaced by their text. Undefined when one cannot be resolved: IAM
 * then treats the element as not matching anything.
 */
export function resolvePieces(pieces: readonly Piece[], keys: KeyLookup): Piece[] | undefined {
  const out: Piece[] = [];
  for (const p of pieces) {
    if (p.kind !== 'var') { out.push(p); continue; }
    const v = resolveVariable(p, keys);
    if (v === undefined) return undefined;
    out.push({ kind: 'text', text: v });
  }
  return out;
}

const ALWAYS: Matcher = () => true;

function staticMatcher(pieces: readonly Piece[], ci: boolean): Matcher {
  if (pieces.length === 1 && pieces[0]!.kind === 'star') return ALWAYS;
  const texts = pieces.every((p) => p.kind === 'text');
  if (texts) {
    const lit = pieces.map((p) => (p as { text: string }).text).join('');
    if (ci) {
      // Requests repeat the same action string: remember the last one, so the common case
      // is one comparison and no lower-casing (a pure memo: same input, same answer).
      const lower = lit.toLowerCase();
      let lastV = '';
      let lastR = lower === '';
      return (v) => {
        if (v === lastV) return lastR;
        lastR = v.length === lower.length && v.toLowerCase() === lower;
        lastV = v;
        return lastR;
      };
    }
    return (v) => v === lit;
  }
  // Everything else, a plain prefix (`…/public*`) included, is one anchored RegExp: V8's
  // irregexp beats String#startsWith on ARN-length prefixes by an order of magnitude.
  const re = new RegExp(`^${pieces.map(regexOf).join('')}$`, ci ? 'is' : 's');
  return (v) => re.test(v);
}

function regexOf(p: Piece): string {
  switch (p.kind) {
    case 'star': return '.*';
    case 'one': return '.';
    case 'text': return p.text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    case 'var': throw new Error('unresolved variable in a static pattern');
  }
}

/**
 * Wildcard match over resolved pieces, without building a RegExp per request: the classic
 * greedy scan that backtracks only to the last `*` (linear for typical patterns, O(n·m) worst).
 * `?` matches one UTF-16 unit; IAM's own unit is the character, which differs only outside
 * the BMP.
 */
export function globMatch(pieces: readonly Piece[], value: string, ci: boolean): boolean {
  const pat = ci ? lowerPieces(pieces) : pieces;
  const s = ci ? value.toLowerCase() : value;
  let pi = 0; // piece index
  let si = 0; // position in s
  let starPi = -1;
  let starSi = 0;
  while (si < s.length || pi < pat.length) {
    if (pi < pat.length) {
      const p = pat[pi]!;
      if (p.kind === 'star') {
        starPi = pi++;
        starSi = si;
        continue;
      }
      if (p.kind === 'one' && si < s.length) { pi++; si++; continue; }
      if (p.kind === 'text' && s.startsWith(p.text, si)) { pi++; si += p.text.length; continue; }
    }
    if (starPi < 0 || starSi >= s.length) return false;
    pi = starPi + 1;
    si = ++starSi;
  }
  return true;
}

function lowerPieces(pieces: readonly Piece[]): readonly Piece[] {
  return pieces.map((p) => (p.kind === 'text' ? { kind: 'text', text: p.text.toLowerCase() } : p));
}
