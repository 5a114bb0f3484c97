import { TemplateError, type Template } from '../contracts.js';
import { lineOf, type TemplatePath } from './paths.js';
import { isPseudoParameter } from './pseudo.js';
import { collectReferences } from './references.js';

/**
 * The order resources are created in. `levels[0]` depends on nothing; every resource in
 * `levels[n]` depends only on resources of earlier levels, so a level can be created in
 * parallel (and deleted in parallel, levels in reverse).
 */
export interface DependencyGraph {
  /** The resources of this operation (their Condition holds), in template order. */
  readonly resources: readonly string[];
  /** Direct dependencies: Ref, GetAtt and Sub references to resources, and DependsOn. */
  readonly dependsOn: Readonly<Record<string, readonly string[]>>;
  readonly levels: readonly (readonly string[])[];
  /** `levels` flattened: one valid creation order. */
  readonly order: readonly string[];
}

export interface UnresolvedReference {
  readonly from: string;
  readonly target: string;
  readonly path: TemplatePath;
  readonly section: 'Resources' | 'Outputs';
}

export interface DependencyAnalysis extends DependencyGraph {
  readonly unresolved: readonly UnresolvedReference[];
  /** Groups of resources that wait for each other (each group a cycle, template order). */
  readonly cycles: readonly (readonly string[])[];
}

/**
 * The dependency graph of the resources whose Condition holds under `conditions` (without
 * conditions: every resource, both Fn::If branches — what validation checks). Throws
 * CloudFormation's errors for a reference to a resource that does not exist (or whose
 * condition is false) and for a cycle.
 */
export function dependencies(template: Template, conditions?: Readonly<Record<string, boolean>>): DependencyGraph {
  const a = analyzeDependencies(template, conditions);
  const first = a.unresolved[0];
  if (first) {
    const targets = [...new Set(a.unresolved.filter((u) => u.section === first.section).map((u) => u.target))];
    throw new TemplateError(`Template format error: Unresolved resource dependencies [${targets.join(', ')}] in the ${first.section} block of the template`,
      first.path, lineOf(template, first.path), first.section === 'Resources' ? first.from : undefined);
  }
  const cycle = a.cycles[0];
  if (cycle) {
    const names = a.cycles.flat();
    throw new TemplateError(`Circular dependency between resources: [${names.join(', ')}]`, ['Resources', cycle[0]!], lineOf(template, ['Resources', cycle[0]!]), cycle[0]);
  }
  const { resources, dependsOn, levels, order } = a;
  return { resources, dependsOn, levels, order };
}

/** Like `dependencies`, but returns the problems instead of throwing (for validation). */
export function analyzeDependencies(template: Template, conditions?: Readonly<Record<string, boolean>>): DependencyAnalysis {
  const active = (id: string) => {
    const c = template.Resources[id]?.Condition;
    return c === undefined || !conditions || conditions[c] !== false;
  };
  const resources = Object.keys(template.Resources).filter(active);
  const included = new Set(resources);
  const unresolved: UnresolvedReference[] = [];
  const isValue = (name: string) => name in template.Parameters || isPseudoParameter(name);

  const dependsOn: Record<string, string[]> = {};
  for (const id of resources) {
    const decl = template.Resources[id]!;
    const deps = new Set<string>();
    const add = (target: string, path: TemplatePath) => {
      if (included.has(target)) deps.add(target);
      else unresolved.push({ from: id, target, path, section: 'Resources' });
    };
    for (const r of collectReferences(decl.Properties, ['Resources', id, 'Properties'], conditions)) {
      if (r.kind === 'condition' || (r.kind === 'ref' && isValue(r.target))) continue;
      add(r.target, r.path);
    }
    (decl.DependsOn ?? []).forEach((d, i) => add(d, ['Resources', id, 'DependsOn', ...(decl.DependsOn!.length > 1 ? [i] : [])]));
    dependsOn[id] = [...deps];
  }
  for (const [name, out] of Object.entries(template.Outputs)) {
    if (out.Condition !== undefined && conditions && conditions[out.Condition] === false) continue;
    const refs = [...collectReferences(out.Value, ['Outputs', name, 'Value'], conditions), ...collectReferences(out.Export?.Name, ['Outputs', name, 'Export', 'Name'], conditions)];
    for (const r of refs) {
      if (r.kind === 'condition' || (r.kind === 'ref' && isValue(r.target)) || included.has(r.target)) continue;
      unresolved.push({ from: name, target: r.target, path: r.path, section: 'Outputs' });
    }
  }

  const { levels, stuck } = layer(resources, dependsOn);
  const cycles = findCycles(stuck, dependsOn, resources);
  return { resources, dependsOn, levels, order: levels.flat(), unresolved, cycles };
}

/** Kahn's algorithm by levels; what is left over waits on a cycle. */
function layer(resources: readonly string[], dependsOn: Readonly<Record<string, readonly string[]>>): { levels: string[][]; stuck: string[] } {
  const placed = new Set<string>();
  const levels: string[][] = [];
  let pending = [...resources];
  for (;;) {
    const level = pending.filter((id) => dependsOn[id]!.every((d) => placed.has(d)));
    if (level.length === 0) break;
    level.forEach((id) => placed.add(id));
    levels.push(level);
    pending = pending.filter((id) => !placed.has(id));
  }
  return { levels, stuck: pending };
}

/** Strongly connected components (Tarjan) among the stuck resources that really are cycles. */
function findCycles(stuck: readonly string[], dependsOn: Readonly<Record<string, readonly string[]>>, order: readonly string[]): string[][] {
  const inStuck = new Set(stuck);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of dependsOn[v] ?? []) {
      if (!inStuck.has(w)) continue;
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || dependsOn[v]!.includes(v)) out.push(scc.sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    }
  };
  for (const v of stuck) if (!index.has(v)) visit(v);
  return out.sort((a, b) => order.indexOf(a[0]!) - order.indexOf(b[0]!));
}
