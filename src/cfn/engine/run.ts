import { stacks, type CallContext, type ControlPlane } from '../../control/index.js';
import type { Template } from '../contracts.js';
import { newEventId } from './ids.js';
import type { EvalScope, ParameterValues, ProviderLookup, PseudoParameters, TemplateLayer } from './layer.js';

export type StackDoc = stacks.StackDoc;
export type StackResourceState = stacks.StackResourceState;
/** A check run inside the transaction of a write (see stacks.saveStack). */
export type Guard = Parameters<typeof stacks.saveStack>[4];
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What every stack operation runs with. */
export interface EngineEnv {
  readonly cp: ControlPlane;
  readonly layer: TemplateLayer;
  readonly providerFor: ProviderLookup;
  /** Passed to providers as ProviderContext.dataDir. */
  readonly dataDir?: string;
}

export const STACK_TYPE = 'AWS::CloudFormation::Stack';

/**
 * One stack operation in progress. It holds the stack's document in memory (an operation
 * is the only writer of its stack while it runs) and writes it, with the events of each
 * state change, as one transaction per change. Writes are chained so that they land in the
 * order the changes were made, even when resources change in parallel.
 */
export class StackRun {
  private current: Mutable<StackDoc>;
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly env: EngineEnv, readonly call: CallContext, doc: StackDoc, readonly token?: string) {
    this.current = { ...doc };
  }

  get doc(): StackDoc { return this.current; }
  get resources(): Readonly<Record<string, StackResourceState>> { return this.current.resources; }

  private now(): string { return new Date(this.env.cp.now()).toISOString(); }

  /** Changes the stack's document without an event (template, outputs, cleanup lists…). */
  patch(patch: Partial<StackDoc>): Promise<void> {
    Object.assign(this.current, patch);
    return this.commit([]);
  }

  /** A new stack status, with its event (LogicalResourceId = the stack name). */
  setStack(status: string, reason?: string, patch: Partial<StackDoc> = {}, guard?: Guard): Promise<void> {
    const now = this.now();
    const { StackStatusReason: _drop, ...rest } = this.current;
    this.current = { ...rest, ...patch, StackStatus: status, ...(reason !== undefined ? { StackStatusReason: reason } : {}) } as Mutable<StackDoc>;
    // As on AWS: LastUpdatedTime moves with updates, DeletionTime is set when a delete begins.
    if (status === 'UPDATE_IN_PROGRESS') this.current.LastUpdatedTime = now;
    if (status === 'DELETE_IN_PROGRESS') this.current.DeletionTime = now;
    return this.commit([{
      StackId: this.current.StackId, EventId: newEventId(), StackName: this.current.StackName,
      LogicalResourceId: this.current.StackName, PhysicalResourceId: this.current.StackId, ResourceType: STACK_TYPE,
      Timestamp: now, ResourceStatus: status, ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
      ...(this.token !== undefined ? { ClientRequestToken: this.token } : {}),
    }], guard);
  }

  /**
   * A new status for one resource, with its event. `state` replaces what is known of the
   * resource (physical id, properties, attributes); a reason is kept only with its status.
   */
  setResource(logicalId: string, status: string, reason: string | undefined, state: Partial<StackResourceState> & { readonly ResourceType?: string } = {}): Promise<void> {
    const now = this.now();
    const prev = this.current.resources[logicalId];
    const { ResourceStatusReason: _drop, ...base } = prev ?? { LogicalResourceId: logicalId, ResourceType: state.ResourceType ?? '' };
    const next: StackResourceState = {
      ...base, ...state, LogicalResourceId: logicalId, ResourceStatus: status, Timestamp: now,
      ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
    } as StackResourceState;
    this.current.resources = { ...this.current.resources, [logicalId]: next };
    return this.commit([this.event(next, status, reason, state.properties)]);
  }

  /** Puts a resource back exactly as it was (an update's rollback), with the event that says so. */
  restoreResource(was: StackResourceState, status: string): Promise<void> {
    const { ResourceStatusReason: _r, ...rest } = was;
    const next: StackResourceState = { ...rest, ResourceStatus: status, Timestamp: this.now() };
    this.current.resources = { ...this.current.resources, [was.LogicalResourceId]: next };
    return this.commit([this.event(next, status, undefined)]);
  }

  /** Drops a resource from the stack (deleted, or never created), with the event that says so. */
  removeResource(logicalId: string, status: string, reason?: string, physicalId?: string, type?: string): Promise<void> {
    const prev = this.current.resources[logicalId];
    const { [logicalId]: _gone, ...rest } = this.current.resources;
    this.current.resources = rest;
    const shown: StackResourceState = {
      LogicalResourceId: logicalId, ResourceType: type ?? prev?.ResourceType ?? '', ResourceStatus: status, Timestamp: this.now(),
      ...(physicalId ?? prev?.PhysicalResourceId ? { PhysicalResourceId: physicalId ?? prev?.PhysicalResourceId } : {}),
    } as StackResourceState;
    return this.commit([this.event(shown, status, reason)]);
  }

  /** An event about a physical resource that is no longer the stack's (an old replaced one). */
  eventOnly(logicalId: string, type: string, physicalId: string | undefined, status: string, reason?: string): Promise<void> {
    const shown = { LogicalResourceId: logicalId, ResourceType: type, ResourceStatus: status, Timestamp: this.now(), ...(physicalId ? { PhysicalResourceId: physicalId } : {}) } as StackResourceState;
    return this.commit([this.event(shown, status, reason)]);
  }

  private event(r: StackResourceState, status: string, reason: string | undefined, props?: Readonly<Record<string, unknown>>): stacks.StackEventDoc {
    return {
      StackId: this.current.StackId, EventId: newEventId(), StackName: this.current.StackName,
      LogicalResourceId: r.LogicalResourceId, ...(r.PhysicalResourceId !== undefined ? { PhysicalResourceId: r.PhysicalResourceId } : {}),
      ResourceType: r.ResourceType, Timestamp: r.Timestamp, ResourceStatus: status,
      ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
      ...(props !== undefined && status.endsWith('_IN_PROGRESS') ? { ResourceProperties: this.masked(JSON.stringify(props)) } : {}),
      ...(this.token !== undefined ? { ClientRequestToken: this.token } : {}),
    };
  }

  /** NoEcho parameter values never show in events, as on AWS. */
  private masked(text: string): string {
    let out = text;
    for (const p of this.current.parameters) {
      if (!this.current.noEcho.includes(p.ParameterKey) || p.ParameterValue === '') continue;
      out = out.split(JSON.stringify(p.ParameterValue).slice(1, -1)).join('****');
    }
    return out;
  }

  private commit(events: readonly stacks.StackEventDoc[], guard?: Guard): Promise<void> {
    const snapshot = { ...this.current, resources: { ...this.current.resources } };
    const write = this.chain.then(() => stacks.saveStack(this.env.cp, this.call, snapshot, events, guard));
    // A failed write must not block the writes after it; the caller of this one sees it.
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Resolves once every write asked for so far has landed. */
  flushed(): Promise<void> { return this.chain; }
}

/** A template with its parameter values and conditions: what evaluation needs. */
export interface Resolved {
  readonly template: Template;
  readonly parameters: ParameterValues;
  readonly conditions: Readonly<Record<string, boolean>>;
  readonly pseudo: PseudoParameters;
}

export function pseudoOf(call: CallContext, stackName: string, stackId: string): PseudoParameters {
  const s = call.scope;
  return {
    'AWS::AccountId': s.account, 'AWS::Region': s.region, 'AWS::Partition': s.partition,
    'AWS::URLSuffix': s.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': stackName, 'AWS::StackId': stackId, 'AWS::NotificationARNs': [],
  };
}

/** The resources a template declares whose Condition (if any) holds. */
export function activeResources(r: Resolved): string[] {
  return Object.entries(r.template.Resources).filter(([, d]) => d.Condition === undefined || r.conditions[d.Condition] === true).map(([id]) => id);
}

/**
 * The scope intrinsics see: the stack's resources as they are now (so a resource evaluated
 * after its dependencies sees their new ids), exports of the region loaded at the start of
 * the operation, and a record of the names imported.
 */
export function scopeOf(resolved: Resolved, resources: () => Readonly<Record<string, StackResourceState>>, exportsByName: ReadonlyMap<string, string>, imported: Set<string>): EvalScope {
  return {
    template: resolved.template, parameters: resolved.parameters, pseudo: resolved.pseudo, conditions: resolved.conditions,
    resource(id) {
      const r = resources()[id];
      if (!r || r.PhysicalResourceId === undefined || r.ResourceStatus === 'DELETE_COMPLETE') return undefined;
      return { physicalId: r.PhysicalResourceId, attributes: r.attributes ?? {} };
    },
    importValue(name) {
      const v = exportsByName.get(name);
      if (v === undefined) throw new Error(`No export named ${name} found.`);
      imported.add(name);
      return v;
    },
  };
}

/** Every export of the caller's region: name → value, from the live stacks' outputs. */
export async function loadExports(cp: ControlPlane, call: CallContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of await stacks.listStacks(cp, call)) {
    if (stacks.GONE_STATUSES.has(s.StackStatus)) continue;
    for (const o of s.outputs) if (o.ExportName !== undefined) out.set(o.ExportName, o.OutputValue);
  }
  return out;
}
