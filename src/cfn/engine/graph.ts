/**
 * Runs one task per node of a dependency graph: a node starts once every node it depends on
 * has completed, and every node that can start does so at once (independent resources are
 * created in parallel, as CloudFormation does). Dependencies outside the node set count as
 * done.
 *
 * With `stopOnFailure`, the first failure stops new starts (tasks in flight finish; they can
 * ask `stopped()` to report themselves cancelled); without it, only the nodes that depend on
 * a failed one are left out (a delete goes on with what it can still delete).
 */
export interface GraphOutcome {
  readonly completed: ReadonlySet<string>;
  readonly failed: ReadonlyMap<string, unknown>;
  /** Never started: a dependency failed, or the run stopped. */
  readonly skipped: ReadonlySet<string>;
}

export interface GraphTaskControl {
  /** True once a failure has stopped the run (stopOnFailure). */
  stopped(): boolean;
}

export function runGraph(
  nodes: Iterable<string>,
  deps: (id: string) => readonly string[],
  task: (id: string, control: GraphTaskControl) => Promise<void>,
  opts: { readonly stopOnFailure: boolean },
): Promise<GraphOutcome> {
  const set = new Set(nodes);
  const waiting = new Map<string, Set<string>>();
  const dependents = new Map<string, string[]>();
  for (const id of set) {
    const mine = new Set(deps(id).filter((d) => set.has(d) && d !== id));
    waiting.set(id, mine);
    for (const d of mine) {
      const list = dependents.get(d) ?? [];
      list.push(id);
      dependents.set(d, list);
    }
  }
  const completed = new Set<string>();
  const failed = new Map<string, unknown>();
  let stop = false;
  let running = 0;
  const control: GraphTaskControl = { stopped: () => stop };

  return new Promise((resolve) => {
    const finish = (): void => {
      if (running > 0) return;
      const skipped = new Set([...set].filter((id) => !completed.has(id) && !failed.has(id)));
      resolve({ completed, failed, skipped });
    };
    const start = (id: string): void => {
      waiting.delete(id);
      running++;
      let p: Promise<void>;
      try { p = task(id, control); } catch (e) { p = Promise.reject(e); }
      p.then(
        () => {
          completed.add(id);
          for (const next of dependents.get(id) ?? []) waiting.get(next)?.delete(id);
        },
        (err: unknown) => {
          failed.set(id, err);
          if (opts.stopOnFailure) stop = true;
        },
      ).finally(() => {
        running--;
        pump();
      });
    };
    const pump = (): void => {
      if (!stop) for (const [id, w] of [...waiting]) if (w.size === 0) start(id);
      finish();
    };
    pump();
  });
}

/** The reversed graph: who depends on each node (deletes run in this order). */
export function dependentsOf(nodes: Iterable<string>, deps: (id: string) => readonly string[]): (id: string) => readonly string[] {
  const out = new Map<string, string[]>();
  for (const id of nodes) {
    for (const d of deps(id)) {
      const list = out.get(d) ?? [];
      list.push(id);
      out.set(d, list);
    }
  }
  return (id) => out.get(id) ?? [];
}

/** The nodes of one dependency cycle, or undefined when the graph has none. */
export function findCycle(nodes: Iterable<string>, deps: (id: string) => readonly string[]): string[] | undefined {
  const set = new Set(nodes);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 1);
    stack.push(id);
    for (const d of deps(id)) {
      if (!set.has(d)) continue;
      if (state.get(d) === 1) return stack.slice(stack.indexOf(d));
      if (!state.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(id, 2);
    return undefined;
  };
  for (const id of set) {
    if (!state.has(id)) {
      const c = visit(id);
      if (c) return c;
    }
  }
  return undefined;
}

/** The nodes in an order where every node comes after its dependencies (input order kept otherwise). */
export function topoOrder(nodes: readonly string[], deps: (id: string) => readonly string[]): string[] {
  const set = new Set(nodes);
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const d of deps(id)) if (set.has(d)) visit(d);
    out.push(id);
  };
  for (const id of nodes) visit(id);
  return out;
}
