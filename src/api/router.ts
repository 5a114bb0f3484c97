import { operations, type OperationDef } from '../model/index.js';

type Segment = { readonly literal: string } | { readonly param: string };

interface Route {
  readonly op: OperationDef;
  readonly segments: readonly Segment[];
  /** Literal segments count: a route with more literals wins over a parameter. */
  readonly literals: number;
}

export type RouteMatch =
  | { readonly kind: 'match'; readonly op: OperationDef; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'wrong-method'; readonly allowed: readonly string[] }
  | { readonly kind: 'none' };

function compile(op: OperationDef): Route {
  const segments: Segment[] = op.uri.split('/').filter(Boolean).map((s) => (s.startsWith('{') ? { param: s.slice(1, -1).replace(/\+$/, '') } : { literal: s }));
  return { op, segments, literals: segments.filter((s) => 'literal' in s).length };
}

/**
 * Finds the operation for a method and path, from the model's URI templates. Path
 * parameters are single segments; each is percent-decoded here (ARNs arrive as
 * `arn%3Aaws%3A...%2F...`), after splitting, so an encoded `/` never splits a segment.
 */
export class Router {
  private readonly routes: readonly Route[];

  constructor(ops: readonly OperationDef[] = operations) {
    this.routes = ops.map(compile).sort((a, b) => b.literals - a.literals);
  }

  match(method: string, rawPath: string): RouteMatch {
    const parts = rawPath.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const r of this.routes) {
      if (r.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = r.segments[i]!;
        const part = parts[i]!;
        if ('literal' in seg) ok = seg.literal === part;
        else {
          try { params[seg.param] = decodeURIComponent(part); } catch { ok = false; }
        }
      }
      if (!ok) continue;
      if (r.op.method !== method) { allowed.push(r.op.method); continue; }
      return { kind: 'match', op: r.op, params };
    }
    return allowed.length ? { kind: 'wrong-method', allowed } : { kind: 'none' };
  }
}
