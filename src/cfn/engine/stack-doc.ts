import type { ControlPlane } from '../../control/index.js';
import type { StackInput } from '../contracts.js';
import type { Prepared } from './prepare.js';
import type { StackDoc } from './run.js';

/** Statuses from which UpdateStack (and an UPDATE change set) may start. */
export const UPDATABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE']);

/** The record of a new stack, before its first status is written. */
export function newStackDoc(cp: ControlPlane, input: StackInput, stackId: string, prepared: Prepared): StackDoc {
  return {
    StackId: stackId, StackName: input.StackName, StackStatus: 'REVIEW_IN_PROGRESS',
    ...(prepared.resolved.template.Description !== undefined ? { Description: prepared.resolved.template.Description } : {}),
    CreationTime: new Date(cp.now()).toISOString(),
    DisableRollback: input.DisableRollback === true || input.OnFailure === 'DO_NOTHING',
    ...(input.OnFailure !== undefined ? { OnFailure: input.OnFailure } : {}),
    Capabilities: input.Capabilities ?? [], Tags: input.Tags ?? [],
    templateBody: prepared.body, parameters: prepared.parameters, noEcho: prepared.noEcho, outputs: [],
    imports: prepared.imports, resources: {},
  };
}
