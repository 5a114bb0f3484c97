import { stacks, type CallContext } from '../../control/index.js';
import type { StackInput } from '../contracts.js';
import { runCreate } from './create.js';
import { alreadyExists, reasonOf } from './errors.js';
import { loadExports, StackRun, type EngineEnv, type Guard, type StackDoc } from './run.js';
import { checkImports, dependencyGraph, parseTemplate, type Prepared } from './prepare.js';
import { runUpdate } from './update.js';

/** How a stack operation started by a change set reports back to it. */
export interface ChangeSetLink { readonly changeSetId: string; readonly doc: stacks.ChangeSetDoc }

const DONE_OK = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE']);

/**
 * The part of the engine that starts stack operations and keeps track of them: an operation
 * is written as begun (its first status and event) before the call returns, then runs in
 * the background; operations on one stack run one after the other. `settleWaitMs` lets a
 * mutating call wait a little for its operation to end, so that a client's first poll
 * (botocore's waiters poll at once, then every 5 to 30 s) already sees the outcome.
 */
export class EngineCore {
  private readonly running = new Map<string, Promise<void>>();

  constructor(readonly env: EngineEnv, private readonly settleWaitMs: number) {}

  /** Whether an operation of this process is running on the stack. */
  busy(stackId: string): boolean { return this.running.has(stackId); }

  /** Resolves once no operation runs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  /** Runs `work` after whatever runs on the stack, never letting it throw. */
  launch(run: StackRun, work: () => Promise<void>): Promise<void> {
    const id = run.doc.StackId;
    const before = this.running.get(id) ?? Promise.resolve();
    const p: Promise<void> = before.then(work).catch((e: unknown) => this.crashed(run, e)).finally(() => {
      if (this.running.get(id) === p) this.running.delete(id);
    });
    this.running.set(id, p);
    return this.settle(p);
  }

  private async settle(p: Promise<void>): Promise<void> {
    if (this.settleWaitMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p, new Promise<void>((r) => { timer = setTimeout(r, this.settleWaitMs); })]);
    clearTimeout(timer);
  }

  /** An unexpected error inside an operation: the stack ends failed with its message. */
  private async crashed(run: StackRun, e: unknown): Promise<void> {
    const next = stacks.INTERRUPTED[run.doc.StackStatus];
    try {
      if (next) await run.setStack(next, `Internal failure: ${reasonOf(e)}`);
    } catch { /* the store is gone (shutdown): recovery settles it on the next start */ }
  }

  /**
   * Begins CreateStack (or the execution of a CREATE change set): the stack record
   * CREATE_IN_PROGRESS with "User Initiated", written only if the name is still free (or
   * held by this very stack in REVIEW_IN_PROGRESS), then the creation in the background.
   */
  async startCreate(call: CallContext, doc: StackDoc, prepared: Prepared, input: StackInput, link?: ChangeSetLink): Promise<void> {
    checkImports(prepared.imports, await loadExports(this.env.cp, call));
    const run = new StackRun(this.env, call, doc, input.ClientRequestToken);
    const guard: Guard = async (reader) => {
      const holder = await stacks.findStack(this.env.cp, call, doc.StackName, reader);
      if (holder && holder.StackId !== doc.StackId) throw alreadyExists(doc.StackName);
    };
    await run.setStack('CREATE_IN_PROGRESS', 'User Initiated', {}, guard);
    await this.launch(run, async () => {
      await runCreate(run, prepared.resolved);
      await this.finishChangeSet(call, run, link);
    });
  }

  /** Begins UpdateStack (or an UPDATE change set): UPDATE_IN_PROGRESS with where to roll back to. */
  async startUpdate(call: CallContext, current: StackDoc, prepared: Prepared, input: StackInput, link?: ChangeSetLink): Promise<void> {
    checkImports(prepared.imports, await loadExports(this.env.cp, call));
    const oldDeps = dependencyGraph(this.env, parseTemplate(this.env, current.templateBody));
    const run = new StackRun(this.env, call, current, input.ClientRequestToken);
    const previous: stacks.StackSnapshot = {
      templateBody: current.templateBody, parameters: current.parameters, noEcho: current.noEcho, outputs: current.outputs,
      imports: current.imports, resources: current.resources, ...(current.Description !== undefined ? { description: current.Description } : {}),
    };
    const template = prepared.resolved.template;
    await run.setStack('UPDATE_IN_PROGRESS', 'User Initiated', {
      templateBody: prepared.body, parameters: prepared.parameters, noEcho: prepared.noEcho, previous,
      imports: [...new Set([...current.imports, ...prepared.imports])],
      Capabilities: input.Capabilities ?? [], Tags: input.Tags ?? current.Tags, Description: template.Description,
      ...(link ? { ChangeSetId: link.changeSetId } : {}),
    });
    await this.launch(run, async () => {
      await runUpdate(run, prepared.resolved, (id) => oldDeps.get(id) ?? []);
      await this.finishChangeSet(call, run, link);
    });
  }

  private async finishChangeSet(call: CallContext, run: StackRun, link: ChangeSetLink | undefined): Promise<void> {
    if (!link) return;
    const ok = DONE_OK.has(run.doc.StackStatus);
    await stacks.saveChangeSet(this.env.cp, call, { ...link.doc, ExecutionStatus: ok ? 'EXECUTE_COMPLETE' : 'EXECUTE_FAILED' });
  }
}
