import { Worker } from 'node:worker_threads';
import type { InvokeRequest, InvokeResult, LambdaInvoker } from './invoker.js';

/**
 * A local JavaScript handler module run as a Lambda function: a small pool of worker threads
 * (2 by default), each importing the module once (the "init" phase), then calling its export
 * as `handler(event, context)` per invocation (async, or callback style when it takes three
 * parameters). The handler's return value goes back as JSON text, as Lambda's Invoke API
 * returns it, so the caller checks sizes and validity exactly as for a remote function.
 *
 * Worker threads rather than the gateway's own thread: a handler that loops or blocks cannot
 * stall the data plane, and a timeout can end it — on timeout the worker is terminated (as
 * Lambda ends the execution environment) and replaced on the next invocation; any other
 * invocation in flight on that worker fails with it. Invocations go to the worker with the
 * fewest in flight; a worker runs several at once when the handler awaits (unlike Lambda's
 * one-at-a-time environments: cheaper locally, and the handler cannot tell).
 *
 * Workers are unref'd: an idle pool never keeps the process alive.
 */
export interface WorkerPoolOptions {
  /** Absolute path of the module. */
  readonly file: string;
  /** The export to call (default `handler`). */
  readonly exportName?: string;
  readonly functionArn: string;
  readonly timeoutMs: number;
  /** Worker threads (default 2). */
  readonly size?: number;
}

interface Pending {
  readonly resolve: (r: InvokeResult) => void;
  readonly timer: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  readonly pending: Map<number, Pending>;
}

type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly payload: string }
  | { readonly id: number; readonly ok: false; readonly errorType: string; readonly errorMessage: string };

/* The worker's code, evaluated as a script (no file to find beside the compiled module). The
 * module is imported once; an import failure is answered to every invocation, as Lambda
 * reports Runtime.ImportModuleError. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const name = workerData.exportName;
const loaded = import(pathToFileURL(workerData.file).href).then((m) => {
  const h = typeof m[name] === 'function' ? m[name] : (m.default && typeof m.default[name] === 'function' ? m.default[name] : undefined);
  if (h === undefined) { const e = new Error(workerData.file + ' does not export a function ' + name); e.name = 'Runtime.HandlerNotFound'; throw e; }
  return h;
}, (err) => { const e = new Error(String(err && err.message || err)); e.name = 'Runtime.ImportModuleError'; throw e; });
loaded.catch(() => {});
function call(h, event, context) {
  if (h.length < 3) return Promise.resolve().then(() => h(event, context));
  return new Promise((resolve, reject) => {
    const r = h(event, context, (err, value) => (err ? reject(err) : resolve(value)));
    if (r && typeof r.then === 'function') r.then(resolve, reject);
  });
}
parentPort.on('message', async (msg) => {
  const deadline = msg.deadline;
  const context = {
    functionName: workerData.functionName, functionVersion: '$LATEST', invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: '128', awsRequestId: msg.requestId, logGroupName: '/aws/lambda/' + workerData.functionName,
    logStreamName: 'trellis', callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const h = await loaded;
    const result = await call(h, msg.event, context);
    const payload = result === undefined ? 'null' : JSON.stringify(result);
    parentPort.postMessage({ id: msg.id, ok: true, payload: payload === undefined ? 'null' : payload });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort.postMessage({ id: msg.id, ok: false, errorType: e.name || 'Error', errorMessage: e.message });
  }
});
`;

export class WorkerPool implements LambdaInvoker {
  private readonly slots: (Slot | undefined)[];
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: WorkerPoolOptions) {
    this.slots = new Array<Slot | undefined>(Math.max(1, opts.size ?? 2)).fill(undefined);
  }

  invoke(req: InvokeRequest): Promise<InvokeResult> {
    if (this.closed) return Promise.resolve({ ok: false, kind: 'error', message: 'the function pool is closed' });
    const slot = this.pick();
    const id = this.nextId++;
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => this.timedOut(slot, id), this.opts.timeoutMs);
      slot.pending.set(id, { resolve, timer });
      slot.worker.postMessage({ id, event: req.event, requestId: req.requestId, deadline: Date.now() + this.opts.timeoutMs });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers: Worker[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (s === undefined) continue;
      this.slots[i] = undefined;
      this.failAll(s, 'the function pool closed');
      workers.push(s.worker);
    }
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /** Every slot started on first use (each imports the module), then the least busy. */
  private pick(): Slot {
    let best: Slot | undefined;
    for (let i = 0; i < this.slots.length; i++) {
      const s = (this.slots[i] ??= this.spawn(i));
      if (best === undefined || s.pending.size < best.pending.size) best = s;
    }
    return best!;
  }

  private spawn(index: number): Slot {
    const name = /:function:([^:]+)/.exec(this.opts.functionArn)?.[1] ?? 'function';
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.opts.file, exportName: this.opts.exportName ?? 'handler', functionArn: this.opts.functionArn, functionName: name },
    });
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (m: WorkerReply) => this.settle(slot, m));
    // A crash (an uncaught error in the handler's own callbacks) ends the worker: fail its
    // invocations and start afresh next time.
    const gone = (why: string) => {
      if (this.slots[index] === slot) this.slots[index] = undefined;
      this.failAll(slot, why);
    };
    worker.on('error', (err) => gone(`the function crashed: ${err.message}`));
    worker.on('exit', (code) => gone(`the function's worker exited with code ${code}`));
    return slot;
  }

  private settle(slot: Slot, m: WorkerReply): void {
    const p = slot.pending.get(m.id);
    if (p === undefined) return;
    slot.pending.delete(m.id);
    clearTimeout(p.timer);
    p.resolve(m.ok ? { ok: true, payload: m.payload } : { ok: false, kind: 'error', message: `${m.errorType}: ${m.errorMessage}` });
  }

  private timedOut(slot: Slot, id: number): void {
    const p = slot.pending.get(id);
    if (p === undefined) return;
    slot.pending.delete(id);
    p.resolve({ ok: false, kind: 'timeout', message: `the function timed out after ${this.opts.timeoutMs} ms` });
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots[index] = undefined;
    this.failAll(slot, 'the function timed out on another invocation and its worker was ended');
    void slot.worker.terminate();
  }

  private failAll(slot: Slot, message: string): void {
    for (const [id, p] of slot.pending) {
      clearTimeout(p.timer);
      slot.pending.delete(id);
      p.resolve({ ok: false, kind: 'error', message });
    }
  }
}
