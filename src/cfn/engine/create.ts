import { CANCELLED_CREATE, createResource, listOf } from './resource-ops.js';
import { deleteAll } from './delete.js';
import { reasonOf } from './errors.js';
import { runGraph } from './graph.js';
import { evaluateOutputs, exportProblem } from './outputs.js';
import { activeResources, loadExports, scopeOf, type Resolved, type StackRun } from './run.js';

/**
 * CreateStack's work, once the stack is CREATE_IN_PROGRESS: resources in dependency order
 * (independent ones in parallel), each evaluated with what was created before it; then the
 * outputs and the export rules. On any failure, what OnFailure / DisableRollback say:
 * ROLLBACK (delete what was created, in reverse order → ROLLBACK_COMPLETE), DELETE (the same,
 * ending DELETE_COMPLETE), DO_NOTHING (stay CREATE_FAILED).
 */
export async function runCreate(run: StackRun, resolved: Resolved): Promise<void> {
  const env = run.env;
  const imported = new Set(run.doc.imports);
  const scope = scopeOf(resolved, () => run.resources, await loadExports(env.cp, run.call), imported);
  const ids = activeResources(resolved);
  const deps = env.layer.dependencies(resolved.template);
  const depsOf = (id: string): readonly string[] => deps.get(id) ?? [];
  const outcome = await runGraph(ids, depsOf, (id, control) => createResource(run, id, resolved.template.Resources[id]!, scope, control), { stopOnFailure: true });
  let reason: string;
  if (outcome.failed.size) {
    const failed = ids.filter((id) => outcome.failed.has(id) && run.resources[id]?.ResourceStatusReason !== CANCELLED_CREATE);
    reason = `The following resource(s) failed to create: ${listOf(failed)}.`;
  } else {
    try {
      const outputs = evaluateOutputs(env.layer, resolved, scope);
      const problem = await exportProblem(env.cp, run.call, run.doc.StackId, outputs, []);
      if (problem === undefined) {
        await run.setStack('CREATE_COMPLETE', undefined, { outputs, imports: [...imported] });
        return;
      }
      reason = problem;
    } catch (e) {
      reason = reasonOf(e);
    }
  }
  await failCreate(run, depsOf, reason);
}

async function failCreate(run: StackRun, deps: (id: string) => readonly string[], reason: string): Promise<void> {
  const mode = run.doc.DisableRollback ? 'DO_NOTHING' : run.doc.OnFailure ?? 'ROLLBACK';
  if (mode === 'DO_NOTHING') {
    await run.setStack('CREATE_FAILED', reason);
    return;
  }
  if (mode === 'DELETE') {
    await run.setStack('DELETE_IN_PROGRESS', reason);
    const failed = await deleteAll(run, deps, { createRollback: true });
    if (failed.length) await run.setStack('DELETE_FAILED', `The following resource(s) failed to delete: ${listOf(failed)}. `);
    else await run.setStack('DELETE_COMPLETE', undefined, { outputs: [], imports: [] });
    return;
  }
  await run.setStack('ROLLBACK_IN_PROGRESS', `${reason.endsWith('.') ? reason : `${reason}.`} Rollback requested by user.`);
  const failed = await deleteAll(run, deps, { createRollback: true });
  if (failed.length) await run.setStack('ROLLBACK_FAILED', `The following resource(s) failed to delete: ${listOf(failed)}. `);
  else await run.setStack('ROLLBACK_COMPLETE', undefined, { outputs: [], imports: [] });
}
