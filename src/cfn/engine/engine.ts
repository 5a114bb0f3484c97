import { stacks, type CallContext, type ControlPlane } from '../../control/index.js';
import type {
  ChangeSetDescription, ChangeSetInput, Export, StackDescription, StackEngine, StackEvent,
  StackResourceDescription, TemplateSummary,
} from '../contracts.js';
import { summaryOf } from './capabilities.js';
import * as changeSets from './change-sets.js';
import { EngineCore } from './core.js';
import { runDelete } from './delete.js';
import { describeEvent, describeResources, describeStack } from './describe.js';
import { alreadyExists, stackNotFound, validation } from './errors.js';
import { newEventId, stackArn } from './ids.js';
import type { ProviderLookup, TemplateLayer } from './layer.js';
import { planUpdate } from './plan.js';
import { asValidation, dependencyGraph, parseTemplate, prepare } from './prepare.js';
import { loadExports, scopeOf, StackRun, type StackDoc } from './run.js';
import { jsonEqual } from './diff.js';
import { newStackDoc, UPDATABLE } from './stack-doc.js';

export interface StackEngineOptions {
  /** The template layer; default: src/cfn/template's. */
  readonly layer: TemplateLayer;
  /** Which provider serves a type; default: src/cfn/providers' providerFor. */
  readonly providerFor: ProviderLookup;
  /**
   * How long a mutating call may wait for its operation to end before answering (it answers
   * at once when 0). A few hundred ms lets `aws cloudformation deploy`, whose waiter polls
   * immediately and then every 30 s, see the outcome on its first poll. Default 0.
   */
  readonly settleWaitMs?: number;
  /** Settle stacks a previous process left in progress (stacks.recoverInterrupted). Default true. */
  readonly recover?: boolean;
  /** Trellis's data directory, given to providers (ProviderContext.dataDir); absent for an in-memory store. */
  readonly dataDir?: string;
}

/** The engine, plus what its owner needs: wait for background work to end. */
export interface StackEngineRuntime extends StackEngine {
  /** Resolves once no stack operation runs. */
  idle(): Promise<void>;
  /** Resolves once interrupted operations of a previous run are settled. */
  ready(): Promise<void>;
}

const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;

export function checkStackName(name: string): void {
  if (name.length > 128 || (!STACK_NAME.test(name) && !name.startsWith('arn:'))) {
    throw validation(`1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*`);
  }
}

/**
 * CloudFormation's stack engine over the control plane: CreateStack, UpdateStack,
 * DeleteStack and change sets start operations that run in the background (create.ts,
 * update.ts, delete.ts) and persist every state change with its event (control/stacks.ts).
 */
export function createStackEngineWith(cp: ControlPlane, opts: StackEngineOptions): StackEngineRuntime {
  const env = { cp, layer: opts.layer, providerFor: opts.providerFor, ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }) };
  const core = new EngineCore(env, opts.settleWaitMs ?? 0);
  const recovered = opts.recover === false ? Promise.resolve() : stacks.recoverInterrupted(cp, newEventId).then(() => undefined);
  // Every call waits for recovery; a failed recovery is reported by each call.
  const ready = (): Promise<void> => recovered;

  async function live(call: CallContext, name: string): Promise<StackDoc> {
    const d = await stacks.findStack(cp, call, name);
    if (!d) throw stackNotFound(name);
    return d;
  }

  /** The stack's resource graph; a template that no longer parses deletes in any order. */
  function graphOf(body: string): ReadonlyMap<string, readonly string[]> {
    try { return env.layer.dependencies(env.layer.parse(body)); } catch { return new Map(); }
  }

  const engine: StackEngineRuntime = {
    idle: () => core.idle(),
    ready,

    async createStack(call, input) {
      await ready();
      checkStackName(input.StackName);
      if (await stacks.findStack(cp, call, input.StackName)) throw alreadyExists(input.StackName);
      const stackId = stackArn(call, input.StackName);
      const prepared = prepare(env, call, input, input.StackName, stackId);
      await core.startCreate(call, newStackDoc(cp, input, stackId, prepared), prepared, input);
      return { StackId: stackId };
    },

    async updateStack(call, input) {
      await ready();
      const current = await stacks.findStack(cp, call, input.StackName);
      if (!current || current.StackStatus === 'REVIEW_IN_PROGRESS') throw validation(`Stack [${input.StackName}] does not exist`);
      if (!UPDATABLE.has(current.StackStatus)) throw validation(`Stack:${current.StackId} is in ${current.StackStatus} state and can not be updated.`);
      const prepared = prepare(env, call, input, current.StackName, current.StackId, current);
      const run = new StackRun(env, call, current);
      const scope = scopeOf(prepared.resolved, () => current.resources, await loadExports(cp, call), new Set());
      let plan;
      try { plan = planUpdate(run, prepared.resolved, scope, current.outputs); } catch (e) { throw asValidation(e); }
      const sameParams = jsonEqual(prepared.parameters, current.parameters);
      const sameTags = input.Tags === undefined || jsonEqual(input.Tags, current.Tags);
      if (plan.changes.length === 0 && !plan.outputsChanged && sameParams && sameTags) throw validation('No updates are to be performed.');
      await core.startUpdate(call, current, prepared, input);
      return { StackId: current.StackId };
    },

    async deleteStack(call, input) {
      await ready();
      const current = await stacks.findStack(cp, call, input.StackName);
      // Deleting what does not exist (or is deleted) succeeds, as on AWS.
      if (!current || stacks.GONE_STATUSES.has(current.StackStatus) || current.StackStatus === 'DELETE_IN_PROGRESS') return;
      const inProgress = current.StackStatus.endsWith('_IN_PROGRESS') && current.StackStatus !== 'REVIEW_IN_PROGRESS';
      // A create still running is let finish (or roll back), then deleted; AWS cancels it.
      if (inProgress && current.StackStatus !== 'CREATE_IN_PROGRESS') {
        throw validation(`Stack [${current.StackName}] cannot be deleted while in status ${current.StackStatus}`);
      }
      const retain = new Set(input.RetainResources ?? []);
      const deps = graphOf(current.templateBody);
      if (inProgress && core.busy(current.StackId)) {
        const run = new StackRun(env, call, current);
        void core.launch(run, async () => {
          const now = await stacks.findStack(cp, call, current.StackId);
          if (!now || now.StackStatus === 'DELETE_COMPLETE') return;
          const again = new StackRun(env, call, now);
          await again.setStack('DELETE_IN_PROGRESS', 'User Initiated');
          await runDelete(again, (id) => deps.get(id) ?? [], retain);
        });
        return;
      }
      const run = new StackRun(env, call, current);
      await run.setStack('DELETE_IN_PROGRESS', 'User Initiated');
      await core.launch(run, () => runDelete(run, (id) => deps.get(id) ?? [], retain));
    },

    async describeStacks(call, input): Promise<readonly StackDescription[]> {
      await ready();
      if (input.StackName !== undefined) return [describeStack(await live(call, input.StackName))];
      return (await stacks.listStacks(cp, call)).filter((d) => !stacks.GONE_STATUSES.has(d.StackStatus)).reverse().map(describeStack);
    },

    async listStacks(call, input) {
      await ready();
      const filter = input.StackStatusFilter?.length ? new Set(input.StackStatusFilter) : undefined;
      return (await stacks.listStacks(cp, call)).filter((d) => !filter || filter.has(d.StackStatus)).reverse().map(describeStack);
    },

    async describeStackEvents(call, input): Promise<readonly StackEvent[]> {
      await ready();
      const d = await stacks.findStack(cp, call, input.StackName);
      if (!d) throw validation(`Stack [${input.StackName}] does not exist`);
      return (await stacks.listEvents(cp, call, d.StackId)).map(describeEvent);
    },

    async describeStackResources(call, input): Promise<readonly StackResourceDescription[]> {
      await ready();
      return describeResources(await live(call, input.StackName), input.LogicalResourceId);
    },

    async getTemplate(call, input) {
      await ready();
      if (input.ChangeSetName !== undefined) {
        const cs = await changeSets.find(cp, call, input.ChangeSetName, input.StackName);
        return { TemplateBody: cs.templateBody };
      }
      return { TemplateBody: (await live(call, input.StackName)).templateBody };
    },

    async getTemplateSummary(call, input): Promise<TemplateSummary> {
      await ready();
      if (input.TemplateBody !== undefined) return summaryOf(parseTemplate(env, input.TemplateBody));
      if (input.StackName === undefined) throw validation('Either Template URL or Template Body or StackName must be specified.');
      return summaryOf(parseTemplate(env, (await live(call, input.StackName)).templateBody));
    },

    async validateTemplate(_call, input): Promise<TemplateSummary> {
      await ready();
      const template = parseTemplate(env, input.TemplateBody);
      dependencyGraph(env, template);
      return summaryOf(template);
    },

    async createChangeSet(call, input: ChangeSetInput) {
      await ready();
      return changeSets.create(core, call, input);
    },
    async describeChangeSet(call, input): Promise<ChangeSetDescription> {
      await ready();
      return changeSets.describe(cp, call, input);
    },
    async executeChangeSet(call, input) {
      await ready();
      await changeSets.execute(core, call, input);
    },
    async deleteChangeSet(call, input) {
      await ready();
      await changeSets.remove(cp, call, input);
    },
    async listChangeSets(call, input) {
      await ready();
      return changeSets.list(cp, call, input);
    },

    async listExports(call): Promise<readonly Export[]> {
      await ready();
      const out: Export[] = [];
      for (const d of await stacks.listStacks(cp, call)) {
        if (stacks.GONE_STATUSES.has(d.StackStatus)) continue;
        for (const o of d.outputs) if (o.ExportName !== undefined) out.push({ ExportingStackId: d.StackId, Name: o.ExportName, Value: o.OutputValue });
      }
      return out;
    },

    async listImports(call, input) {
      await ready();
      const users = await stacks.importers(cp, call, input.ExportName);
      if (!users.length) throw validation(`Export '${input.ExportName}' is not imported by any stack.`);
      return users.map((d) => d.StackName);
    },
  };
  return engine;
}
