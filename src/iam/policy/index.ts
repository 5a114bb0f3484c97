/**
 * The policy evaluator, shared by the control plane (identity policies, trust policies) and
 * the data plane (auth policies): compile once, evaluate per request, explain on demand.
 */
export { compilePolicy, evaluatePolicy, explainPolicy, combine } from './evaluate.js';
export type { PolicyVerdict, EvaluablePolicy, StatementTrace, PolicyExplanation } from './evaluate.js';
export { conditionKeys, markNormalized } from './context-keys.js';
export { latticeInvokeContext } from './lattice-context.js';
export type { LatticeInvokeInput } from './lattice-context.js';
export { authorizeLatticeRequest, deniedMessage, formatLatticeAuth } from './lattice-authorize.js';
export type { LatticeAuthInput, LatticeAuthResult, LatticeAuthLayer, LatticeAuthType, LayerVerdict, LayerOutcome } from './lattice-authorize.js';
