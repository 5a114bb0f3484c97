import type { ProviderContext, ResourceDecl, ResourceProvider } from '../contracts.js';
import { reasonOf } from './errors.js';
import type { GraphTaskControl } from './graph.js';
import type { EvalScope } from './layer.js';
import type { StackRun } from './run.js';
import { randomUUID } from 'node:crypto';

/** Thrown when an operation is asked of a type no provider serves: the stack fails on it. */
export function unsupported(type: string): Error {
  return new Error(`Trellis does not support resource type ${type}`);
}

export function providerOrThrow(run: StackRun, type: string): ResourceProvider {
  const p = run.env.providerFor(type);
  if (!p) throw unsupported(type);
  return p;
}

export function providerContext(run: StackRun, logicalId: string): ProviderContext {
  return {
    cp: run.env.cp, call: run.call, stackName: run.doc.StackName, stackId: run.doc.StackId, logicalId,
    // Lattice's clientToken is at most 64 characters: one fresh token per provider call.
    clientRequestToken: randomUUID(),
    ...(run.env.dataDir === undefined ? {} : { dataDir: run.env.dataDir }),
  };
}

/** Evaluates a resource's properties into plain JSON (the provider's input). */
export function evaluateProperties(run: StackRun, logicalId: string, decl: ResourceDecl, scope: EvalScope): Record<string, unknown> {
  const v = run.env.layer.evaluate(decl.Properties ?? {}, scope, { logicalId, path: ['Resources', logicalId, 'Properties'] }) ?? {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('Properties must evaluate to an object');
  return v as Record<string, unknown>;
}

function policies(decl: ResourceDecl): { DeletionPolicy?: string; UpdateReplacePolicy?: string } {
  return {
    ...(decl.DeletionPolicy !== undefined ? { DeletionPolicy: decl.DeletionPolicy } : {}),
    ...(decl.UpdateReplacePolicy !== undefined ? { UpdateReplacePolicy: decl.UpdateReplacePolicy } : {}),
  };
}
export { policies as policiesOf };

export const CANCELLED_CREATE = 'Resource creation cancelled';
export const CANCELLED_UPDATE = 'Resource update cancelled';

/**
 * Creates one resource: CREATE_IN_PROGRESS, the provider's create, CREATE_COMPLETE with its
 * physical id and attributes, or CREATE_FAILED with the provider's message. A create that
 * finishes after another resource failed is reported cancelled (CREATE_FAILED "Resource
 * creation cancelled") but keeps its physical id, so the rollback deletes it.
 */
export async function createResource(run: StackRun, logicalId: string, decl: ResourceDecl, scope: EvalScope, control: GraphTaskControl): Promise<void> {
  const base = { ResourceType: decl.Type, ...policies(decl) };
  let props: Record<string, unknown>;
  try {
    props = evaluateProperties(run, logicalId, decl, scope);
  } catch (e) {
    await run.setResource(logicalId, 'CREATE_FAILED', reasonOf(e), base);
    throw e;
  }
  await run.setResource(logicalId, 'CREATE_IN_PROGRESS', undefined, { ...base, properties: props });
  let made;
  try {
    made = await providerOrThrow(run, decl.Type).create(providerContext(run, logicalId), props);
  } catch (e) {
    await run.setResource(logicalId, 'CREATE_FAILED', reasonOf(e));
    throw e;
  }
  const state = { PhysicalResourceId: made.physicalId, attributes: made.attributes };
  if (control.stopped()) {
    await run.setResource(logicalId, 'CREATE_FAILED', CANCELLED_CREATE, state);
    throw new Error(CANCELLED_CREATE);
  }
  await run.setResource(logicalId, 'CREATE_COMPLETE', undefined, state);
}

/**
 * Deletes one resource of the stack. Retain leaves the physical resource (DELETE_SKIPPED); a
 * resource that was never created only says DELETE_COMPLETE. `keep` leaves the resource in
 * the stack's list with its final status (a stack being deleted or rolled back shows them);
 * otherwise it leaves the list (an update removed it).
 */
export async function deleteResource(run: StackRun, logicalId: string, opts: { readonly retain: boolean; readonly keep: boolean }): Promise<void> {
  const r = run.resources[logicalId];
  if (!r || r.ResourceStatus === 'DELETE_COMPLETE' || r.ResourceStatus === 'DELETE_SKIPPED') return;
  const done = (status: string, reason?: string): Promise<void> => (opts.keep
    ? run.setResource(logicalId, status, reason)
    : run.removeResource(logicalId, status, reason));
  if (opts.retain) return done('DELETE_SKIPPED');
  if (r.PhysicalResourceId === undefined) return done('DELETE_COMPLETE');
  const provider = run.env.providerFor(r.ResourceType);
  // Nothing was created for a type no provider serves (its create failed first).
  if (!provider) return done('DELETE_COMPLETE');
  await run.setResource(logicalId, 'DELETE_IN_PROGRESS', undefined);
  try {
    await provider.delete(providerContext(run, logicalId), r.PhysicalResourceId, r.properties ?? {});
  } catch (e) {
    await run.setResource(logicalId, 'DELETE_FAILED', reasonOf(e));
    throw e;
  }
  await done('DELETE_COMPLETE');
}

/**
 * Deletes a physical resource that the stack no longer lists under its logical id (the old
 * one of a replacement, the new one of a rolled-back replacement), events only.
 */
export async function deletePhysical(run: StackRun, e: { readonly LogicalResourceId: string; readonly ResourceType: string; readonly PhysicalResourceId: string; readonly properties: Readonly<Record<string, unknown>>; readonly retain: boolean }): Promise<void> {
  if (e.retain) return run.eventOnly(e.LogicalResourceId, e.ResourceType, e.PhysicalResourceId, 'DELETE_SKIPPED');
  const provider = run.env.providerFor(e.ResourceType);
  if (!provider) return;
  await run.eventOnly(e.LogicalResourceId, e.ResourceType, e.PhysicalResourceId, 'DELETE_IN_PROGRESS');
  try {
    await provider.delete(providerContext(run, e.LogicalResourceId), e.PhysicalResourceId, e.properties);
  } catch (err) {
    await run.eventOnly(e.LogicalResourceId, e.ResourceType, e.PhysicalResourceId, 'DELETE_FAILED', reasonOf(err));
    throw err;
  }
  await run.eventOnly(e.LogicalResourceId, e.ResourceType, e.PhysicalResourceId, 'DELETE_COMPLETE');
}

/** "[A, B]" in the order the template declares them, as CloudFormation lists failed resources. */
export function listOf(ids: Iterable<string>): string {
  return `[${[...ids].join(', ')}]`;
}
