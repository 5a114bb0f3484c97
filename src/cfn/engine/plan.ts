import type { ResourceChange } from '../contracts.js';
import { changedPaths, jsonEqual, needsReplacement } from './diff.js';
import { validation } from './errors.js';
import { topoOrder } from './graph.js';
import type { EvalScope } from './layer.js';
import { evaluateOutputs, type StackOutputValue } from './outputs.js';
import { evaluateProperties, listOf } from './resource-ops.js';
import { activeResources, type Resolved, type StackResourceState, type StackRun } from './run.js';

export interface Plan {
  readonly changes: readonly ResourceChange[];
  /** The outputs as they would read if no resource changed (undefined: cannot tell yet). */
  readonly outputsChanged: boolean;
}

/** The stack's current resources, failed-and-gone ones left out. */
export function liveResources(resources: Readonly<Record<string, StackResourceState>>): Record<string, StackResourceState> {
  return Object.fromEntries(Object.entries(resources).filter(([, r]) => r.ResourceStatus !== 'DELETE_COMPLETE'));
}

/** CloudFormation refuses an update that changes a resource's type. */
export function checkTypes(current: Readonly<Record<string, StackResourceState>>, next: Resolved): void {
  const changed = activeResources(next).filter((id) => current[id] && current[id]!.ResourceType !== next.template.Resources[id]!.Type);
  if (changed.length) {
    throw validation(`Update of resource type is not permitted. The new template modifies resource type of the following resources: ${listOf(changed)}`);
  }
}

/**
 * What an update would do, decided before anything runs (change sets show it; UpdateStack
 * answers "No updates are to be performed." when it is empty). A resource whose properties
 * refer to one that will be added or replaced gets a new value only once that one exists:
 * it is shown Modify with Replacement Conditional, as CloudFormation does. The update itself
 * decides again, resource by resource, with the real values (update.ts).
 */
export function planUpdate(run: StackRun, next: Resolved, scope: EvalScope, previousOutputs: readonly StackOutputValue[]): Plan {
  const current = liveResources(run.resources);
  checkTypes(current, next);
  const deps = run.env.layer.dependencies(next.template);
  const depsOf = (id: string): readonly string[] => deps.get(id) ?? [];
  const ids = activeResources(next);
  const moving = new Set<string>();
  const changes: ResourceChange[] = [];
  for (const id of topoOrder(ids, depsOf)) {
    const decl = next.template.Resources[id]!;
    const old = current[id];
    if (!old) {
      moving.add(id);
      changes.push({ Action: 'Add', LogicalResourceId: id, ResourceType: decl.Type, Scope: [] });
      continue;
    }
    const physical = old.PhysicalResourceId !== undefined ? { PhysicalResourceId: old.PhysicalResourceId } : {};
    if (depsOf(id).some((d) => moving.has(d))) {
      moving.add(id);
      changes.push({ Action: 'Modify', LogicalResourceId: id, ...physical, ResourceType: decl.Type, Replacement: 'Conditional', Scope: ['Properties'] });
      continue;
    }
    const props = evaluateProperties(run, id, decl, scope);
    if (jsonEqual(props, old.properties ?? {}) && old.PhysicalResourceId !== undefined) continue;
    const provider = run.env.providerFor(decl.Type);
    const changed = changedPaths(old.properties ?? {}, props);
    const replace = old.PhysicalResourceId === undefined || needsReplacement(changed, provider?.replacementPaths ?? []);
    if (replace) moving.add(id);
    changes.push({ Action: 'Modify', LogicalResourceId: id, ...physical, ResourceType: decl.Type, Replacement: replace ? 'True' : 'False', Scope: scopeOf(changed) });
  }
  for (const [id, old] of Object.entries(current)) {
    if (ids.includes(id)) continue;
    changes.push({ Action: 'Remove', LogicalResourceId: id, ...(old.PhysicalResourceId !== undefined ? { PhysicalResourceId: old.PhysicalResourceId } : {}), ResourceType: old.ResourceType, Scope: [] });
  }
  let outputsChanged = true;
  if (changes.length === 0) {
    try { outputsChanged = !jsonEqual(evaluateOutputs(run.env.layer, next, scope), previousOutputs); } catch { outputsChanged = true; }
  }
  return { changes, outputsChanged };
}

/** A change set of type CREATE: every resource is added. */
export function planCreate(next: Resolved): ResourceChange[] {
  return activeResources(next).map((id) => ({ Action: 'Add', LogicalResourceId: id, ResourceType: next.template.Resources[id]!.Type, Scope: [] }));
}

/**
 * What a Modify touches, in CloudFormation's words: a change to the `Tags` property is scoped
 * `Tags` (as CloudFormation reports tag-only updates), any other property change `Properties`.
 */
function scopeOf(changed: readonly string[]): string[] {
  const scope = new Set<string>();
  for (const path of changed) scope.add(path === '/properties/Tags' || path.startsWith('/properties/Tags/') ? 'Tags' : 'Properties');
  return [...scope].sort();
}
