import { stacks } from '../../control/index.js';
import { changedPaths, jsonEqual, needsReplacement } from './diff.js';
import { reasonOf } from './errors.js';
import { dependentsOf, runGraph } from './graph.js';
import { evaluateOutputs, exportProblem } from './outputs.js';
import { liveResources } from './plan.js';
import {
  CANCELLED_UPDATE, createResource, deletePhysical, deleteResource, evaluateProperties, listOf, policiesOf,
  providerContext, providerOrThrow,
} from './resource-ops.js';
import { activeResources, loadExports, scopeOf, type Resolved, type StackResourceState, type StackRun } from './run.js';

type CleanupEntry = stacks.CleanupEntry;

/** What the update did to one resource, so that a rollback can undo it. */
type Touch =
  | { readonly kind: 'add' }
  | { readonly kind: 'update'; readonly before: StackResourceState }
  | { readonly kind: 'replace'; readonly before: StackResourceState; created?: { readonly physicalId: string; readonly properties: Readonly<Record<string, unknown>> } };

const REPLACING = 'Requested update requires the creation of a new physical resource; hence creating one.';

/**
 * UpdateStack's work, once the stack is UPDATE_IN_PROGRESS with `previous` saved: each
 * resource of the new template in dependency order is added, left alone (same resolved
 * properties: no event), updated in place, or replaced (a create-only property changed: the
 * new one is created now, the old one deleted in the cleanup phase). Then the outputs and
 * the export rules; then UPDATE_COMPLETE_CLEANUP_IN_PROGRESS deletes removed resources and
 * replaced ones (Retain policies say DELETE_SKIPPED) → UPDATE_COMPLETE. On a failure, the
 * rollback undoes what was done, in reverse order, back to `previous`.
 */
export async function runUpdate(run: StackRun, next: Resolved, previousDeps: (id: string) => readonly string[]): Promise<void> {
  const env = run.env;
  const before = liveResources(run.resources);
  const imported = new Set<string>();
  const scope = scopeOf(next, () => run.resources, await loadExports(env.cp, run.call), imported);
  const deps = env.layer.dependencies(next.template);
  const depsOf = (id: string): readonly string[] => deps.get(id) ?? [];
  const ids = activeResources(next);
  const touched = new Map<string, Touch>();
  const replacedOld: CleanupEntry[] = [];

  const outcome = await runGraph(ids, depsOf, async (id, control) => {
    const decl = next.template.Resources[id]!;
    const old = before[id];
    if (!old) {
      touched.set(id, { kind: 'add' });
      await createResource(run, id, decl, scope, control);
      return;
    }
    const policies = policiesOf(decl);
    let props: Record<string, unknown>;
    try {
      props = evaluateProperties(run, id, decl, scope);
    } catch (e) {
      await run.setResource(id, 'UPDATE_FAILED', reasonOf(e));
      throw e;
    }
    if (jsonEqual(props, old.properties ?? {}) && old.PhysicalResourceId !== undefined) {
      // Nothing to do; a changed DeletionPolicy / UpdateReplacePolicy is only remembered.
      const { DeletionPolicy: _d, UpdateReplacePolicy: _u, ...rest } = old;
      if (old.DeletionPolicy !== policies.DeletionPolicy || old.UpdateReplacePolicy !== policies.UpdateReplacePolicy) {
        await run.patch({ resources: { ...run.resources, [id]: { ...rest, ...policies } } });
      }
      return;
    }
    const provider = run.env.providerFor(decl.Type);
    const replace = old.PhysicalResourceId === undefined || needsReplacement(changedPaths(old.properties ?? {}, props), provider?.replacementPaths ?? []);
    const touch: Touch = replace ? { kind: 'replace', before: old } : { kind: 'update', before: old };
    touched.set(id, touch);
    await run.setResource(id, 'UPDATE_IN_PROGRESS', replace ? REPLACING : undefined, { properties: props, ...policies });
    let made;
    try {
      const p = providerOrThrow(run, decl.Type);
      made = replace
        ? await p.create(providerContext(run, id), props)
        : await p.update(providerContext(run, id), old.PhysicalResourceId!, props, old.properties ?? {});
    } catch (e) {
      await run.setResource(id, 'UPDATE_FAILED', reasonOf(e));
      throw e;
    }
    if (touch.kind === 'replace') touch.created = { physicalId: made.physicalId, properties: props };
    const state = { PhysicalResourceId: made.physicalId, attributes: made.attributes };
    if (control.stopped()) {
      await run.setResource(id, 'UPDATE_FAILED', CANCELLED_UPDATE, state);
      throw new Error(CANCELLED_UPDATE);
    }
    await run.setResource(id, 'UPDATE_COMPLETE', undefined, state);
    if (replace && old.PhysicalResourceId !== undefined) {
      replacedOld.push({
        LogicalResourceId: id, ResourceType: old.ResourceType, PhysicalResourceId: old.PhysicalResourceId,
        properties: old.properties ?? {}, retain: (decl.UpdateReplacePolicy ?? old.UpdateReplacePolicy) === 'Retain',
      });
    }
  }, { stopOnFailure: true });

  let reason: string | undefined;
  if (outcome.failed.size) {
    const failed = ids.filter((id) => outcome.failed.has(id) && ![CANCELLED_UPDATE, 'Resource creation cancelled'].includes(run.resources[id]?.ResourceStatusReason ?? ''));
    reason = `The following resource(s) failed to ${failed.every((id) => touched.get(id)?.kind === 'add') ? 'create' : 'update'}: ${listOf(failed)}.`;
  } else {
    try {
      const outputs = evaluateOutputs(env.layer, next, scope);
      reason = await exportProblem(env.cp, run.call, run.doc.StackId, outputs, run.doc.previous?.outputs ?? []);
      if (reason === undefined) {
        await run.setStack('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', undefined, { outputs, imports: [...imported], cleanup: replacedOld });
        const removed = Object.keys(before).filter((id) => !ids.includes(id));
        await cleanup(run, removed, replacedOld, previousDeps);
        await run.setStack('UPDATE_COMPLETE', undefined, { previous: undefined, cleanup: undefined });
        return;
      }
    } catch (e) {
      reason = reasonOf(e);
    }
  }
  await rollback(run, reason, touched, depsOf);
}

/**
 * Deletes, in reverse dependency order, the resources an update removed (their
 * DeletionPolicy applies) and the physical resources it replaced. Failures are reported on
 * the resources and do not fail the stack, as on AWS.
 */
async function cleanup(run: StackRun, removed: readonly string[], physicals: readonly CleanupEntry[], deps: (id: string) => readonly string[]): Promise<void> {
  const byId = new Map(physicals.map((c) => [c.LogicalResourceId, c]));
  const nodes = [...new Set([...removed, ...byId.keys()])];
  await runGraph(nodes, dependentsOf(nodes, deps), async (id) => {
    const entry = byId.get(id);
    if (entry) await deletePhysical(run, entry);
    else await deleteResource(run, id, { retain: run.resources[id]?.DeletionPolicy === 'Retain' || run.resources[id]?.DeletionPolicy === 'RetainExceptOnCreate', keep: false });
  }, { stopOnFailure: false });
}

async function rollback(run: StackRun, reason: string, touched: ReadonlyMap<string, Touch>, deps: (id: string) => readonly string[]): Promise<void> {
  const previous = run.doc.previous;
  await run.setStack('UPDATE_ROLLBACK_IN_PROGRESS', reason);
  const added: string[] = [];
  const newPhysicals: CleanupEntry[] = [];
  const nodes = [...touched.keys()];
  const outcome = await runGraph(nodes, dependentsOf(nodes, deps), async (id) => {
    const t = touched.get(id)!;
    if (t.kind === 'add') { added.push(id); return; }
    if (t.kind === 'replace') {
      if (t.created) newPhysicals.push({ LogicalResourceId: id, ResourceType: t.before.ResourceType, PhysicalResourceId: t.created.physicalId, properties: t.created.properties, retain: false });
      await run.restoreResource(t.before, 'UPDATE_COMPLETE');
      return;
    }
    const now = run.resources[id]!;
    await run.setResource(id, 'UPDATE_IN_PROGRESS', undefined, { properties: t.before.properties ?? {} });
    try {
      const made = await providerOrThrow(run, t.before.ResourceType).update(providerContext(run, id), t.before.PhysicalResourceId!, t.before.properties ?? {}, now.properties ?? {});
      await run.restoreResource({ ...t.before, PhysicalResourceId: made.physicalId, attributes: made.attributes }, 'UPDATE_COMPLETE');
    } catch (e) {
      await run.setResource(id, 'UPDATE_FAILED', reasonOf(e));
      throw e;
    }
  }, { stopOnFailure: false });
  const restored = previous
    ? { templateBody: previous.templateBody, parameters: previous.parameters, noEcho: previous.noEcho, outputs: previous.outputs, imports: previous.imports, ...(previous.description !== undefined ? { Description: previous.description } : { Description: undefined }) }
    : {};
  if (outcome.failed.size) {
    await run.setStack('UPDATE_ROLLBACK_FAILED', `The following resource(s) failed to update: ${listOf(nodes.filter((id) => outcome.failed.has(id)))}.`, restored);
    return;
  }
  await run.setStack('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', undefined, { ...restored, cleanup: newPhysicals });
  await cleanup(run, added, newPhysicals, deps);
  await run.setStack('UPDATE_ROLLBACK_COMPLETE', undefined, { previous: undefined, cleanup: undefined });
}
