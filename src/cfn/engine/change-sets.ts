import { stacks, type CallContext, type ControlPlane } from '../../control/index.js';
import type { ChangeSetDescription, ChangeSetInput, ResourceChange, StackInput } from '../contracts.js';
import type { EngineCore } from './core.js';
import { describeChangeSet } from './describe.js';
import { alreadyExists, changeSetNotFound, invalidChangeSetStatus, reasonOf, validation } from './errors.js';
import { changeSetArn, stackArn } from './ids.js';
import { newStackDoc, UPDATABLE } from './stack-doc.js';
import { planCreate, planUpdate } from './plan.js';
import { checkImports, prepare, type Prepared } from './prepare.js';
import { loadExports, scopeOf, StackRun, type Guard, type StackDoc } from './run.js';
import { jsonEqual } from './diff.js';
import { AwsError } from '../../model/index.js';

/** What `aws cloudformation deploy` matches to say "No changes to deploy". */
export const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";

const NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;

/** A change set by ARN, or by name within the named stack; ChangeSetNotFound (404) otherwise. */
export async function find(cp: ControlPlane, call: CallContext, nameOrId: string, stackName: string | undefined): Promise<stacks.ChangeSetDoc> {
  let stackId: string | undefined;
  if (!nameOrId.startsWith('arn:')) {
    if (stackName === undefined) throw changeSetNotFound(nameOrId);
    const stack = await stacks.findStack(cp, call, stackName);
    if (!stack) throw validation(`Stack [${stackName}] does not exist`);
    stackId = stack.StackId;
  }
  const cs = await stacks.findChangeSet(cp, call, nameOrId, stackId);
  if (!cs) throw changeSetNotFound(nameOrId);
  return cs;
}

/**
 * CreateChangeSet. The changes are worked out during the call, so the change set is
 * CREATE_COMPLETE (or FAILED, with the reason) when the call returns: botocore's waiter
 * polls once at once and then only every 5 s. A change set of type CREATE on a new name
 * makes the stack exist in REVIEW_IN_PROGRESS, as on AWS.
 */
export async function create(core: EngineCore, call: CallContext, input: ChangeSetInput): Promise<{ Id: string; StackId: string }> {
  const env = core.env;
  if (!NAME.test(input.ChangeSetName) || input.ChangeSetName.length > 128) {
    throw validation(`1 validation error detected: Value '${input.ChangeSetName}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`);
  }
  const type = input.ChangeSetType ?? 'UPDATE';
  if (type === 'IMPORT') throw validation('Trellis does not support change sets of type IMPORT.');
  const existing = await stacks.findStack(env.cp, call, input.StackName);
  let stack: StackDoc;
  let prepared: Prepared;
  let changes: readonly ResourceChange[] = [];
  let failure: string | undefined;
  if (type === 'CREATE') {
    if (existing && existing.StackStatus !== 'REVIEW_IN_PROGRESS') throw alreadyExists(input.StackName);
    const stackId = existing?.StackId ?? stackArn(call, input.StackName);
    prepared = prepare(env, call, input, input.StackName, stackId);
    stack = existing ?? newStackDoc(env.cp, input, stackId, prepared);
    try {
      checkImports(prepared.imports, await loadExports(env.cp, call));
      changes = planCreate(prepared.resolved);
    } catch (e) { failure = reasonOf(e); }
    if (!existing) {
      const guard: Guard = async (reader) => {
        if (await stacks.findStack(env.cp, call, input.StackName, reader)) throw alreadyExists(input.StackName);
      };
      await new StackRun(env, call, stack).setStack('REVIEW_IN_PROGRESS', 'User Initiated', {}, guard);
    }
  } else {
    if (!existing || existing.StackStatus === 'REVIEW_IN_PROGRESS') throw validation(`Stack [${input.StackName}] does not exist`);
    if (!UPDATABLE.has(existing.StackStatus)) throw validation(`Stack:${existing.StackId} is in ${existing.StackStatus} state and can not be updated.`);
    stack = existing;
    prepared = prepare(env, call, input, existing.StackName, existing.StackId, existing);
    try {
      const run = new StackRun(env, call, existing);
      const scope = scopeOf(prepared.resolved, () => existing.resources, await loadExports(env.cp, call), new Set());
      const plan = planUpdate(run, prepared.resolved, scope, existing.outputs);
      changes = plan.changes;
      const same = !plan.outputsChanged && jsonEqual(prepared.parameters, existing.parameters) && (input.Tags === undefined || jsonEqual(input.Tags, existing.Tags));
      if (changes.length === 0 && same) failure = NO_CHANGES;
    } catch (e) {
      failure = e instanceof AwsError || e instanceof Error ? e.message : String(e);
    }
  }
  if (await stacks.findChangeSet(env.cp, call, input.ChangeSetName, stack.StackId)) {
    throw new AwsError('AlreadyExistsException', `ChangeSet [${input.ChangeSetName}] already exists`, {}, 400);
  }
  const id = changeSetArn(call, input.ChangeSetName);
  await stacks.saveChangeSet(env.cp, call, {
    ChangeSetId: id, ChangeSetName: input.ChangeSetName, StackId: stack.StackId, StackName: stack.StackName,
    ChangeSetType: type, ...(input.Description !== undefined ? { Description: input.Description } : {}),
    CreationTime: new Date(env.cp.now()).toISOString(),
    Status: failure === undefined ? 'CREATE_COMPLETE' : 'FAILED',
    ...(failure !== undefined ? { StatusReason: failure } : {}),
    ExecutionStatus: failure === undefined ? 'AVAILABLE' : 'UNAVAILABLE',
    Capabilities: input.Capabilities ?? [], Tags: input.Tags ?? (type === 'UPDATE' ? stack.Tags : []),
    templateBody: prepared.body, parameters: prepared.parameters, noEcho: prepared.noEcho,
    Changes: changes.map((c) => ({ ...c })),
    ...(input.DisableRollback !== undefined ? { DisableRollback: input.DisableRollback } : {}),
    ...(input.OnFailure !== undefined ? { OnFailure: input.OnFailure } : {}),
  });
  return { Id: id, StackId: stack.StackId };
}

export async function describe(cp: ControlPlane, call: CallContext, input: { readonly ChangeSetName: string; readonly StackName?: string }): Promise<ChangeSetDescription> {
  return describeChangeSet(await find(cp, call, input.ChangeSetName, input.StackName));
}

/**
 * ExecuteChangeSet: runs the stack operation the change set describes (re-deciding each
 * resource with the values of the moment, as CloudFormation does) and drops the stack's
 * other change sets. ExecutionStatus goes EXECUTE_IN_PROGRESS → EXECUTE_COMPLETE (or
 * EXECUTE_FAILED when the operation rolled back).
 */
export async function execute(core: EngineCore, call: CallContext, input: { readonly ChangeSetName: string; readonly StackName?: string; readonly DisableRollback?: boolean }): Promise<void> {
  const env = core.env;
  const cs = await find(env.cp, call, input.ChangeSetName, input.StackName);
  if (cs.ExecutionStatus !== 'AVAILABLE') {
    throw invalidChangeSetStatus(`ChangeSet [${cs.ChangeSetId}] cannot be executed in its current execution status of [${cs.ExecutionStatus}]`);
  }
  const stack = await stacks.findStack(env.cp, call, cs.StackId);
  if (!stack) throw changeSetNotFound(input.ChangeSetName);
  const disableRollback = input.DisableRollback ?? cs.DisableRollback;
  const stackInput: StackInput = {
    StackName: cs.StackName, TemplateBody: cs.templateBody,
    Parameters: cs.parameters.map((p) => ({ ParameterKey: p.ParameterKey, ParameterValue: p.ParameterValue })),
    Capabilities: cs.Capabilities as StackInput['Capabilities'], Tags: cs.Tags,
    ...(disableRollback !== undefined ? { DisableRollback: disableRollback } : {}),
    ...(cs.OnFailure !== undefined ? { OnFailure: cs.OnFailure as StackInput['OnFailure'] } : {}),
  };
  const prepared = prepare(env, call, stackInput, stack.StackName, stack.StackId, stack);
  const running: stacks.ChangeSetDoc = { ...cs, ExecutionStatus: 'EXECUTE_IN_PROGRESS' };
  const link = { changeSetId: cs.ChangeSetId, doc: running };
  if (cs.ChangeSetType === 'CREATE') {
    if (stack.StackStatus !== 'REVIEW_IN_PROGRESS') throw invalidChangeSetStatus(`ChangeSet [${cs.ChangeSetId}] cannot be executed: stack ${stack.StackName} is in ${stack.StackStatus} state`);
    await stacks.saveChangeSet(env.cp, call, running);
    await stacks.deleteChangeSetsOf(env.cp, call, stack.StackId, cs.ChangeSetId);
    const doc: StackDoc = {
      ...newStackDoc(env.cp, stackInput, stack.StackId, prepared),
      CreationTime: stack.CreationTime, ChangeSetId: cs.ChangeSetId,
    };
    await core.startCreate(call, doc, prepared, stackInput, link);
    return;
  }
  if (!UPDATABLE.has(stack.StackStatus)) throw invalidChangeSetStatus(`ChangeSet [${cs.ChangeSetId}] cannot be executed: stack ${stack.StackName} is in ${stack.StackStatus} state`);
  await stacks.saveChangeSet(env.cp, call, running);
  await stacks.deleteChangeSetsOf(env.cp, call, stack.StackId, cs.ChangeSetId);
  await core.startUpdate(call, stack, prepared, stackInput, link);
}

export async function remove(cp: ControlPlane, call: CallContext, input: { readonly ChangeSetName: string; readonly StackName?: string }): Promise<void> {
  const cs = await find(cp, call, input.ChangeSetName, input.StackName);
  if (cs.ExecutionStatus === 'EXECUTE_IN_PROGRESS') throw invalidChangeSetStatus(`Cannot delete ChangeSet [${cs.ChangeSetId}] while it is in status EXECUTE_IN_PROGRESS`);
  await stacks.deleteChangeSet(cp, call, cs.ChangeSetId);
}

export async function list(cp: ControlPlane, call: CallContext, input: { readonly StackName: string }): Promise<ChangeSetDescription[]> {
  const stack = await stacks.findStack(cp, call, input.StackName);
  if (!stack) throw validation(`Stack [${input.StackName}] does not exist`);
  return (await stacks.listChangeSets(cp, call, stack.StackId)).map(describeChangeSet);
}
