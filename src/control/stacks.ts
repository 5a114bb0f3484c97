import type { Place, ResourceRecord, StoreReader } from '../store/index.js';
import type { CallContext, ControlPlane } from './context.js';

/**
 * CloudFormation's state, kept in the store like every other resource so that a restart (or
 * another node) shows the same stacks, events and change sets. The stack engine (cfn/) owns
 * the rules; this module owns how they are stored:
 *
 * - `stack`: id = the StackId ARN, name = the stack name while the stack is live ('' once
 *   DELETE_COMPLETE, so the name is free again while the deleted stack stays readable by its
 *   id), refs = `export:NAME` for each export and `import:NAME` for each import, so "who
 *   exports / imports X" is one reverse look-up. The doc holds everything else, resources
 *   included (one document per stack: a state change is one write).
 * - `stackevent`: parentId = StackId, doc = the event as DescribeStackEvents returns it.
 * - `changeset`: id = the ChangeSetId ARN, parentId = StackId, name = the change set name.
 *
 * Every state change of a stack is one transaction writing the stack and its new events.
 */

/** One resource of a stack, as the engine last left it. */
export interface StackResourceState {
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceStatus: string;
  readonly ResourceStatusReason?: string;
  readonly Timestamp: string;
  /** The resolved properties the resource was created or last updated with. */
  readonly properties?: Readonly<Record<string, unknown>>;
  /** What `Fn::GetAtt` reads. */
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** A physical resource to delete once an update (or its rollback) is over. */
export interface CleanupEntry {
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly PhysicalResourceId: string;
  readonly properties: Readonly<Record<string, unknown>>;
  /** Retain: leave it and say DELETE_SKIPPED. */
  readonly retain: boolean;
}

export interface StackParameterValue { readonly ParameterKey: string; readonly ParameterValue: string }
export interface StackOutputValue { readonly OutputKey: string; readonly OutputValue: string; readonly Description?: string; readonly ExportName?: string }
export interface StackTagValue { readonly Key: string; readonly Value: string }

/** What a stack was before an update began: the state an update rolls back to. */
export interface StackSnapshot {
  readonly templateBody: string;
  readonly parameters: readonly StackParameterValue[];
  readonly noEcho: readonly string[];
  readonly outputs: readonly StackOutputValue[];
  readonly imports: readonly string[];
  readonly description?: string;
  readonly resources: Readonly<Record<string, StackResourceState>>;
}

export interface StackDoc {
  [k: string]: unknown;
  readonly StackId: string;
  readonly StackName: string;
  readonly Description?: string;
  readonly StackStatus: string;
  readonly StackStatusReason?: string;
  readonly CreationTime: string;
  readonly LastUpdatedTime?: string;
  readonly DeletionTime?: string;
  readonly DisableRollback: boolean;
  readonly OnFailure?: string;
  readonly Capabilities: readonly string[];
  readonly Tags: readonly StackTagValue[];
  readonly ChangeSetId?: string;
  /** The template as submitted (GetTemplate returns it byte for byte). */
  readonly templateBody: string;
  /** Resolved values, defaults included; NoEcho ones are masked on read, not here. */
  readonly parameters: readonly StackParameterValue[];
  readonly noEcho: readonly string[];
  readonly outputs: readonly StackOutputValue[];
  /** Export names this stack's template reads with Fn::ImportValue. */
  readonly imports: readonly string[];
  readonly resources: Readonly<Record<string, StackResourceState>>;
  /** Set while an update runs: where its rollback goes. */
  readonly previous?: StackSnapshot;
  /** Physical resources left to delete by the cleanup phase in progress. */
  readonly cleanup?: readonly CleanupEntry[];
}

export interface StackEventDoc {
  [k: string]: unknown;
  readonly StackId: string;
  readonly EventId: string;
  readonly StackName: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType: string;
  readonly Timestamp: string;
  readonly ResourceStatus: string;
  readonly ResourceStatusReason?: string;
  readonly ResourceProperties?: string;
  readonly ClientRequestToken?: string;
}

export interface ChangeSetDoc {
  [k: string]: unknown;
  readonly ChangeSetId: string;
  readonly ChangeSetName: string;
  readonly StackId: string;
  readonly StackName: string;
  readonly ChangeSetType: string;
  readonly Description?: string;
  readonly CreationTime: string;
  readonly Status: string;
  readonly StatusReason?: string;
  readonly ExecutionStatus: string;
  readonly Capabilities: readonly string[];
  readonly Tags: readonly StackTagValue[];
  readonly templateBody: string;
  readonly parameters: readonly StackParameterValue[];
  readonly noEcho: readonly string[];
  readonly Changes: readonly Readonly<Record<string, unknown>>[];
  readonly DisableRollback?: boolean;
  readonly OnFailure?: string;
}

/** Statuses after which a stack no longer holds its name (nor its exports). */
export const GONE_STATUSES: ReadonlySet<string> = new Set(['DELETE_COMPLETE']);

function placeOf(call: CallContext): Place {
  return { account: call.scope.account, region: call.scope.region };
}

function refsOf(doc: StackDoc): string[] {
  if (GONE_STATUSES.has(doc.StackStatus)) return [];
  const refs = new Set<string>();
  for (const o of doc.outputs) if (o.ExportName !== undefined) refs.add(`export:${o.ExportName}`);
  for (const name of doc.imports) refs.add(`import:${name}`);
  return [...refs];
}

/** A stack by its StackId ARN (live or deleted) or by name (live only), or undefined. */
export async function findStack(cp: ControlPlane, call: CallContext, nameOrId: string, reader: StoreReader = cp.store): Promise<StackDoc | undefined> {
  const place = placeOf(call);
  if (nameOrId.startsWith('arn:')) return (await reader.get<StackDoc>('stack', place, nameOrId))?.doc;
  return (await reader.getByName<StackDoc>('stack', place, '', nameOrId))?.doc;
}

/** Every stack of the caller's account and region, deleted ones included, oldest first. */
export async function listStacks(cp: ControlPlane, call: CallContext): Promise<StackDoc[]> {
  return (await cp.store.list<StackDoc>('stack', placeOf(call))).map((r) => r.doc);
}

/**
 * Writes a stack and its new events in one transaction. `guard` runs inside the transaction
 * first, so a check (a name still free, an export still unique) and the write it allows
 * cannot be split by another writer.
 */
export async function saveStack(
  cp: ControlPlane, call: CallContext, doc: StackDoc, events: readonly StackEventDoc[] = [],
  guard?: (reader: StoreReader) => Promise<void>,
): Promise<void> {
  const place = placeOf(call);
  await cp.store.transact(async (tx) => {
    if (guard) await guard(tx);
    await tx.put<StackDoc>({
      kind: 'stack', ...place, id: doc.StackId, parentId: '',
      name: GONE_STATUSES.has(doc.StackStatus) ? '' : doc.StackName, refs: refsOf(doc), doc,
    });
    for (const e of events) {
      await tx.put<StackEventDoc>({ kind: 'stackevent', ...place, id: e.EventId, parentId: doc.StackId, name: '', refs: [], doc: e });
    }
  });
}

/** A stack's events, newest first (DescribeStackEvents' order). */
export async function listEvents(cp: ControlPlane, call: CallContext, stackId: string): Promise<StackEventDoc[]> {
  return (await cp.store.list<StackEventDoc>('stackevent', placeOf(call), { parentId: stackId })).map((r) => r.doc).reverse();
}

/** The live stacks that export `name` (at most one, by the engine's rules). */
export async function exporters(cp: ControlPlane, call: CallContext, name: string, reader: StoreReader = cp.store): Promise<StackDoc[]> {
  return (await reader.referrers(placeOf(call), `export:${name}`, ['stack'])).map((r) => (r as ResourceRecord<StackDoc>).doc);
}

/** The live stacks whose templates import `name`. */
export async function importers(cp: ControlPlane, call: CallContext, name: string, reader: StoreReader = cp.store): Promise<StackDoc[]> {
  return (await reader.referrers(placeOf(call), `import:${name}`, ['stack'])).map((r) => (r as ResourceRecord<StackDoc>).doc);
}

export async function saveChangeSet(cp: ControlPlane, call: CallContext, doc: ChangeSetDoc): Promise<void> {
  const place = placeOf(call);
  await cp.store.transact(async (tx) => {
    await tx.put<ChangeSetDoc>({ kind: 'changeset', ...place, id: doc.ChangeSetId, parentId: doc.StackId, name: doc.ChangeSetName, refs: [doc.StackId], doc });
  });
}

/** A change set by ARN, or by name within the given stack. */
export async function findChangeSet(cp: ControlPlane, call: CallContext, nameOrId: string, stackId: string | undefined): Promise<ChangeSetDoc | undefined> {
  const place = placeOf(call);
  if (nameOrId.startsWith('arn:')) return (await cp.store.get<ChangeSetDoc>('changeset', place, nameOrId))?.doc;
  if (stackId === undefined) return undefined;
  return (await cp.store.getByName<ChangeSetDoc>('changeset', place, stackId, nameOrId))?.doc;
}

export async function listChangeSets(cp: ControlPlane, call: CallContext, stackId: string): Promise<ChangeSetDoc[]> {
  return (await cp.store.list<ChangeSetDoc>('changeset', placeOf(call), { parentId: stackId })).map((r) => r.doc);
}

export async function deleteChangeSet(cp: ControlPlane, call: CallContext, changeSetId: string): Promise<void> {
  const place = placeOf(call);
  await cp.store.transact(async (tx) => { await tx.delete('changeset', place, changeSetId); });
}

/** Deletes every change set of a stack (a stack that executes one, or is deleted, drops the rest). */
export async function deleteChangeSetsOf(cp: ControlPlane, call: CallContext, stackId: string, keep?: string): Promise<void> {
  const place = placeOf(call);
  await cp.store.transact(async (tx) => {
    for (const r of await tx.list<ChangeSetDoc>('changeset', place, { parentId: stackId })) {
      if (r.id !== keep) await tx.delete('changeset', place, r.id);
    }
  });
}

/** What `recoverInterrupted` turns each in-progress status into. */
export const INTERRUPTED: Readonly<Record<string, string>> = {
  CREATE_IN_PROGRESS: 'CREATE_FAILED',
  ROLLBACK_IN_PROGRESS: 'ROLLBACK_FAILED',
  DELETE_IN_PROGRESS: 'DELETE_FAILED',
  UPDATE_IN_PROGRESS: 'UPDATE_ROLLBACK_FAILED',
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: 'UPDATE_COMPLETE',
  UPDATE_ROLLBACK_IN_PROGRESS: 'UPDATE_ROLLBACK_FAILED',
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: 'UPDATE_ROLLBACK_COMPLETE',
};

export const RESTART_REASON = 'Trellis restarted during the operation';

/**
 * A process that stops in the middle of a stack operation cannot resume it (the provider
 * calls in flight are lost), so on start every stack still in a *_IN_PROGRESS status (but
 * REVIEW_IN_PROGRESS, which is no operation) is settled as failed, with the reason
 * "Trellis restarted during the operation" on the stack and on each resource that was in
 * progress: CREATE → CREATE_FAILED, ROLLBACK → ROLLBACK_FAILED, DELETE → DELETE_FAILED,
 * UPDATE and UPDATE_ROLLBACK → UPDATE_ROLLBACK_FAILED. From a failed status the stack can be
 * deleted (which deletes what was created). A cleanup phase that was cut short settles as
 * complete (the update, or its rollback, had succeeded): the physical resources it had still
 * to delete are left, and named in the reason. Change sets being executed become EXECUTE_FAILED.
 *
 * This assumes one process owns the stacks of a store (the embedded deployment); returns the
 * ids of the stacks it settled.
 */
export async function recoverInterrupted(cp: ControlPlane, newEventId: () => string): Promise<string[]> {
  const settled: string[] = [];
  const now = new Date(cp.now()).toISOString();
  for (const rec of await cp.store.scan(['stack'])) {
    const doc = rec.doc as StackDoc;
    const next = INTERRUPTED[doc.StackStatus];
    if (!next) continue;
    const call: CallContext = { scope: { partition: 'aws', account: rec.account, region: rec.region }, requestId: 'recovery' };
    const events: StackEventDoc[] = [];
    const resources: Record<string, StackResourceState> = {};
    for (const [id, r] of Object.entries(doc.resources)) {
      if (r.ResourceStatus.endsWith('_IN_PROGRESS')) {
        const status = r.ResourceStatus.replace('_IN_PROGRESS', '_FAILED');
        resources[id] = { ...r, ResourceStatus: status, ResourceStatusReason: RESTART_REASON, Timestamp: now };
        events.push({
          StackId: doc.StackId, EventId: newEventId(), StackName: doc.StackName, LogicalResourceId: id,
          ...(r.PhysicalResourceId !== undefined ? { PhysicalResourceId: r.PhysicalResourceId } : {}),
          ResourceType: r.ResourceType, Timestamp: now, ResourceStatus: status, ResourceStatusReason: RESTART_REASON,
        });
      } else resources[id] = r;
    }
    const left = (doc.cleanup ?? []).map((c) => `${c.LogicalResourceId} (${c.PhysicalResourceId})`);
    const reason = left.length && next.endsWith('_COMPLETE') ? `${RESTART_REASON}; not deleted: ${left.join(', ')}` : RESTART_REASON;
    const { previous: _previous, cleanup: _cleanup, ...rest } = doc;
    const restored = next === 'UPDATE_ROLLBACK_FAILED' && doc.previous
      ? { templateBody: doc.previous.templateBody, parameters: doc.previous.parameters, noEcho: doc.previous.noEcho, outputs: doc.previous.outputs }
      : {};
    const out: StackDoc = { ...rest, ...restored, resources, StackStatus: next, StackStatusReason: reason, LastUpdatedTime: now };
    events.push({
      StackId: doc.StackId, EventId: newEventId(), StackName: doc.StackName, LogicalResourceId: doc.StackName,
      PhysicalResourceId: doc.StackId, ResourceType: 'AWS::CloudFormation::Stack', Timestamp: now,
      ResourceStatus: next, ResourceStatusReason: reason,
    });
    await saveStack(cp, call, out, events);
    settled.push(doc.StackId);
  }
  for (const rec of await cp.store.scan(['changeset'])) {
    const cs = rec.doc as ChangeSetDoc;
    if (cs.ExecutionStatus !== 'EXECUTE_IN_PROGRESS') continue;
    const call: CallContext = { scope: { partition: 'aws', account: rec.account, region: rec.region }, requestId: 'recovery' };
    await saveChangeSet(cp, call, { ...cs, ExecutionStatus: 'EXECUTE_FAILED', StatusReason: RESTART_REASON });
  }
  return settled;
}
