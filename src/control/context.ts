import type { OperationName, OperationShapes, Scope } from '../model/index.js';
import type { Store } from '../store/index.js';
import type { Quotas } from './quotas.js';
import type { Lifecycle } from './lifecycle.js';

/** Who is calling and where: everything a handler knows about the request. */
export interface CallContext {
  readonly scope: Scope;
  readonly requestId: string;
}

export interface ControlConfig {
  readonly quotas: Quotas;
  /** How long resources that AWS creates asynchronously stay `CREATE_IN_PROGRESS`. */
  readonly settleDelayMs: number;
}

/** The control plane's dependencies, injected so tests can control time and randomness. */
export interface ControlPlane {
  readonly store: Store;
  readonly config: ControlConfig;
  readonly lifecycle: Lifecycle;
  /** Milliseconds since the epoch. */
  now(): number;
}

export type Handler<Op extends OperationName> = (
  cp: ControlPlane,
  call: CallContext,
  input: OperationShapes[Op]['input'],
) => Promise<OperationShapes[Op]['output']>;

/** Operation handlers of one resource module, keyed by operation name. */
export type Handlers = { readonly [Op in OperationName]?: Handler<Op> };
