import type { ControlPlane } from '../../control/index.js';
import { defaultProviderFor, templateLayer } from './defaults.js';
import { createStackEngineWith, type StackEngineOptions, type StackEngineRuntime } from './engine.js';

/**
 * The stack engine with the real template layer and providers; `opts` replaces any of them
 * (tests pass their own) and sets `settleWaitMs` / `recover`.
 */
export function createStackEngine(cp: ControlPlane, opts: Partial<StackEngineOptions> = {}): StackEngineRuntime {
  return createStackEngineWith(cp, { layer: templateLayer, providerFor: defaultProviderFor, ...opts });
}

export { createStackEngineWith, type StackEngineOptions, type StackEngineRuntime } from './engine.js';
export type { TemplateLayer, EvalScope, EvalSite, ProviderLookup, PseudoParameters, ParameterValues } from './layer.js';
export { NO_CHANGES } from './change-sets.js';
export { templateLayer } from './defaults.js';
