import { stacks } from '../../control/index.js';
import { dependentsOf, runGraph } from './graph.js';
import { deleteResource, listOf } from './resource-ops.js';
import type { StackRun } from './run.js';

export interface DeleteAllOptions {
  /** The rollback of a failed create: RetainExceptOnCreate resources are deleted too. */
  readonly createRollback: boolean;
  /** Logical ids to leave in place (DeleteStack's RetainResources). */
  readonly retain?: ReadonlySet<string>;
}

/**
 * Deletes every resource of the stack in reverse dependency order (a resource goes once
 * everything that depends on it is gone), independent ones in parallel. A failure does not
 * stop the others, but what the failed one depends on stays. Returns the ids that failed.
 */
export async function deleteAll(run: StackRun, deps: (id: string) => readonly string[], opts: DeleteAllOptions): Promise<string[]> {
  const ids = Object.keys(run.resources).filter((id) => {
    const s = run.resources[id]!.ResourceStatus;
    return s !== 'DELETE_COMPLETE' && s !== 'DELETE_SKIPPED';
  });
  const reverse = dependentsOf(ids, deps);
  const outcome = await runGraph(ids, reverse, async (id) => {
    const policy = run.resources[id]!.DeletionPolicy;
    const retain = policy === 'Retain' || (policy === 'RetainExceptOnCreate' && !opts.createRollback) || (opts.retain?.has(id) ?? false);
    await deleteResource(run, id, { retain, keep: true });
  }, { stopOnFailure: false });
  return ids.filter((id) => outcome.failed.has(id));
}

/**
 * DeleteStack's work, once the stack is DELETE_IN_PROGRESS: refuses (DELETE_FAILED) while
 * another stack imports one of its exports, else deletes every resource and ends
 * DELETE_COMPLETE, or DELETE_FAILED naming the resources that failed.
 */
export async function runDelete(run: StackRun, deps: (id: string) => readonly string[], retain: ReadonlySet<string>): Promise<void> {
  for (const o of run.doc.outputs) {
    if (o.ExportName === undefined) continue;
    const users = (await stacks.importers(run.env.cp, run.call, o.ExportName)).filter((s) => s.StackId !== run.doc.StackId);
    if (users.length) {
      await run.setStack('DELETE_FAILED', `Export ${o.ExportName} cannot be deleted as it is in use by ${users.map((s) => s.StackName).join(', ')}`);
      return;
    }
  }
  const failed = await deleteAll(run, deps, { createRollback: false, retain });
  if (failed.length) {
    await run.setStack('DELETE_FAILED', `The following resource(s) failed to delete: ${listOf(failed)}. `);
    return;
  }
  await run.setStack('DELETE_COMPLETE', undefined, { outputs: [], imports: [] });
  await stacks.deleteChangeSetsOf(run.env.cp, run.call, run.doc.StackId);
}
