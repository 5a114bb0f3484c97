import { isHealthMessage, isMetricsExport, type HealthMessage, type MetricsExport } from '../../dataplane/index.js';

/**
 * The messages of `trellis up --workers N` over the cluster IPC channel (plain data; each
 * side checks what it receives, since it crossed a process boundary).
 *
 * Primary → worker:
 * - `health`: the one HealthChecker's state (a full state on hello, then changes);
 * - `revision`: a commit happened: the worker's SnapshotFollower rebuilds now instead of
 *   waiting for its slow poll;
 * - `vpcs`: the port of every VPC gateway address (the primary allocates them, so that all
 *   workers serve one address per VPC);
 * - `scrape`: send your metrics (answered by `metrics` with the same `id`);
 * - `stop`: stop accepting, flush the access log, exit 0.
 *
 * Worker → primary: `hello` (listening for messages: send me the state), `ready` (the proxy
 * gateway listens), `metrics`.
 */
export type ToWorker =
  | { readonly t: 'health'; readonly m: HealthMessage }
  | { readonly t: 'revision'; readonly revision: number }
  | { readonly t: 'vpcs'; readonly ports: readonly (readonly [vpcId: string, port: number])[] }
  | { readonly t: 'scrape'; readonly id: number }
  | { readonly t: 'stop' };

export type ToPrimary =
  | { readonly t: 'hello' }
  | { readonly t: 'ready' }
  | { readonly t: 'metrics'; readonly id: number; readonly export: MetricsExport };

/** What a worker needs to know at start, passed in its environment as JSON. */
export interface WorkerConfig {
  /** The SQLite file the primary writes. */
  readonly dbPath: string;
  /** The data dir: access logs, the local CA, the bootstrap key. */
  readonly dataDir: string;
  readonly host: string;
  readonly proxyPort: number;
  readonly account: string;
  readonly partition: string;
  /** The follower's fallback poll (ms), should a `revision` message be lost. */
  readonly pollMs: number;
}

export const WORKER_CONFIG_ENV = 'TRELLIS_WORKER_CONFIG';

export function isToWorker(v: unknown): v is ToWorker {
  if (!isRecord(v)) return false;
  switch (v.t) {
    case 'health': return isHealthMessage(v.m);
    case 'revision': return typeof v.revision === 'number';
    case 'vpcs': return Array.isArray(v.ports) && v.ports.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && Number.isInteger(p[1]));
    case 'scrape': return typeof v.id === 'number';
    case 'stop': return true;
    default: return false;
  }
}

export function isToPrimary(v: unknown): v is ToPrimary {
  if (!isRecord(v)) return false;
  switch (v.t) {
    case 'hello':
    case 'ready': return true;
    case 'metrics': return typeof v.id === 'number' && isMetricsExport(v.export);
    default: return false;
  }
}

/** Reads the worker's configuration from its environment; throws when it is not one. */
export function workerConfigFrom(env: NodeJS.ProcessEnv): WorkerConfig {
  const raw = env[WORKER_CONFIG_ENV];
  if (raw === undefined) throw new Error(`${WORKER_CONFIG_ENV} is not set: this module runs as a trellis worker`);
  const v: unknown = JSON.parse(raw);
  if (!isRecord(v)) throw new Error(`${WORKER_CONFIG_ENV} is not an object`);
  const str = (k: string): string => {
    const x = v[k];
    if (typeof x !== 'string') throw new Error(`${WORKER_CONFIG_ENV}.${k} must be a string`);
    return x;
  };
  const num = (k: string): number => {
    const x = v[k];
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new Error(`${WORKER_CONFIG_ENV}.${k} must be an integer`);
    return x;
  };
  return { dbPath: str('dbPath'), dataDir: str('dataDir'), host: str('host'), proxyPort: num('proxyPort'), account: str('account'), partition: str('partition'), pollMs: num('pollMs') };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
