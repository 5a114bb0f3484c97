import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { exportedRequests, type MetricsExport } from '../../dataplane/index.js';
import { isToPrimary, WORKER_CONFIG_ENV, type ToPrimary, type ToWorker, type WorkerConfig } from './protocol.js';

/**
 * A larger young generation for the request path: every request leaves a few KB of
 * short-lived garbage (req/res objects, header lists, the access-log line), and with V8's
 * default semi-spaces the scavenges are frequent. Measured side by side (bench/RESULTS.md,
 * "Data plane"): −18% CPU per request in the clearest run, less in noisier ones.
 */
export const DEFAULT_WORKER_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/** How long a scrape waits for a worker's counts before leaving it out. */
export const SCRAPE_TIMEOUT_MS = 500;

export interface WorkerPoolOptions {
  readonly workers: number;
  readonly config: WorkerConfig;
  /** Extra node/V8 flags for the workers (default DEFAULT_WORKER_FLAGS). */
  readonly workerFlags?: readonly string[];
  /** What a worker that says `hello` must be told first (full health state, VPC ports, revision). */
  readonly greeting: () => readonly ToWorker[];
  readonly log?: (line: string) => void;
}

/** One worker's answer to a scrape; `export` undefined when it did not answer in time. */
export interface WorkerScrape {
  readonly slot: number;
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly export: MetricsExport | undefined;
}

interface Slot {
  readonly n: number;
  worker: Worker | undefined;
  restarts: number;
  startedAt: number;
  /** Some worker in this slot became ready: a death from now on is restarted, not a failed start. */
  everReady: boolean;
}

/**
 * The N `node:cluster` workers of `trellis up --workers N`: forks them from
 * worker-entry.mjs (`cluster.setupPrimary({ exec })`, never the primary's command line),
 * greets each one with the state it must start from, restarts one that dies (with a log
 * line; the restarted worker is greeted again, so it gets the full health state), sends
 * messages to all, gathers their metrics, and stops them.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private stopping = false;
  private nextScrape = 1;
  private readonly scrapes = new Map<number, Map<Worker, (e: MetricsExport) => void>>();
  private readonly log: (line: string) => void;

  private constructor(private readonly opts: WorkerPoolOptions) {
    this.log = opts.log ?? ((line) => console.error(line));
  }

  /** Forks every worker and resolves once each one's proxy gateway listens. */
  static async start(opts: WorkerPoolOptions): Promise<WorkerPool> {
    cluster.setupPrimary({
      exec: fileURLToPath(new URL('./worker-entry.mjs', import.meta.url)),
      execArgv: [...process.execArgv, ...(opts.workerFlags ?? DEFAULT_WORKER_FLAGS)],
    });
    const pool = new WorkerPool(opts);
    const ready: Promise<void>[] = [];
    for (let n = 1; n <= opts.workers; n++) {
      const slot: Slot = { n, worker: undefined, restarts: 0, startedAt: 0, everReady: false };
      pool.slots.push(slot);
      ready.push(pool.fork(slot));
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await pool.stop();
      throw err;
    }
    return pool;
  }

  /** Sends `m` to every live worker. */
  broadcast(m: ToWorker): void {
    for (const s of this.slots) {
      const w = s.worker;
      if (w && w.isConnected()) w.send(m);
    }
  }

  /** The pids of the live workers, by slot (tests, status). */
  pids(): (number | undefined)[] {
    return this.slots.map((s) => s.worker?.process.pid);
  }

  /** Asks every worker for its metrics; a worker that does not answer within `timeoutMs` is left out. */
  async scrape(timeoutMs = SCRAPE_TIMEOUT_MS): Promise<WorkerScrape[]> {
    const id = this.nextScrape++;
    const waiting = new Map<Worker, (e: MetricsExport) => void>();
    this.scrapes.set(id, waiting);
    const answers = this.slots.map((s) => new Promise<WorkerScrape>((resolve) => {
      const w = s.worker;
      const base = { slot: s.n, pid: w?.process.pid, restarts: s.restarts };
      if (!w || !w.isConnected()) return resolve({ ...base, export: undefined });
      const timer = setTimeout(() => { waiting.delete(w); resolve({ ...base, export: undefined }); }, timeoutMs);
      waiting.set(w, (e) => { clearTimeout(timer); resolve({ ...base, export: e }); });
      w.send({ t: 'scrape', id } satisfies ToWorker);
    }));
    try {
      return await Promise.all(answers);
    } finally {
      this.scrapes.delete(id);
    }
  }

  /** Stops every worker (`stop`: no new connections, flush the access log, exit); SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const exits = this.slots.map((s) => {
      const w = s.worker;
      if (!w || w.isDead()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => { w.process.kill('SIGKILL'); }, graceMs);
        w.once('exit', () => { clearTimeout(timer); resolve(); });
        if (w.isConnected()) w.send({ t: 'stop' } satisfies ToWorker);
        else w.process.kill('SIGTERM');
      });
    });
    await Promise.all(exits);
  }

  private fork(slot: Slot): Promise<void> {
    const config = JSON.stringify(this.opts.config);
    const w = cluster.fork({ [WORKER_CONFIG_ENV]: config, TRELLIS_WORKER_SLOT: String(slot.n) });
    slot.worker = w;
    slot.startedAt = Date.now();
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      w.on('message', (raw: unknown) => {
        if (!isToPrimary(raw)) return;
        const m: ToPrimary = raw;
        if (m.t === 'hello') for (const g of this.opts.greeting()) w.send(g);
        else if (m.t === 'ready') { ready = true; slot.everReady = true; resolve(); }
        else this.scrapes.get(m.id)?.get(w)?.(m.export);
      });
      w.once('exit', (code, signal) => {
        if (slot.worker === w) slot.worker = undefined;
        if (!ready) reject(new Error(`trellis worker ${slot.n} exited (${signal ?? code}) before it was ready`));
        if (this.stopping || !slot.everReady) return;
        // A worker that dies right after starting would otherwise restart in a tight loop.
        const delay = Date.now() - slot.startedAt < 2000 ? 1000 : 0;
        slot.restarts++;
        this.log(`trellis: worker ${slot.n} (pid ${w.process.pid}) exited (${signal ?? code}); restarting it${delay ? ` in ${delay} ms` : ''}`);
        setTimeout(() => {
          if (this.stopping) return;
          // A restart that fails exits again, and this handler (of the new worker) retries.
          this.fork(slot).then(
            () => this.log(`trellis: worker ${slot.n} restarted (pid ${slot.worker?.process.pid})`),
            () => undefined,
          );
        }, delay).unref();
      });
    });
  }
}

/** Requests completed per worker, from a scrape (undefined for a worker that did not answer). */
export function requestsOf(s: WorkerScrape): number | undefined {
  return s.export === undefined ? undefined : exportedRequests(s.export);
}
