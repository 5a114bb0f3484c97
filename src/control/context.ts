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
  /**
   * How long a deregistered target of a group in use stays DRAINING before it leaves the
   * group (LATTICE.md §2.7: "The default draining time is 1 minute"). Default 60,000.
   */
  readonly deregistrationDelayMs: number;
}

/** Health of one registered target as the data plane's checker last saw it. */
export interface TargetHealth {
  readonly status: 'DRAINING' | 'UNAVAILABLE' | 'HEALTHY' | 'UNHEALTHY' | 'INITIAL' | 'UNUSED';
  readonly reasonCode?: string;
}

/**
 * Where ListTargets learns target health. The data plane owns health checking and plugs
 * its view in here; the control plane never imports the data plane.
 */
export interface TargetHealthView {
  health(targetGroupId: string, targetId: string, port: number): TargetHealth | undefined;
}

/** The control plane's dependencies, injected so tests can control time and randomness. */
export interface ControlPlane {
  readonly store: Store;
  readonly config: ControlConfig;
  readonly lifecycle: Lifecycle;
  /** Set once a data plane runs in this process; absent, ListTargets reports INITIAL. */
  targetHealth?: TargetHealthView;
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
