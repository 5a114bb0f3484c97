export type * from './contracts.js';
export { TemplateError } from './contracts.js';
// Template layer (src/cfn/template): parsing, parameters, conditions, intrinsics, dependencies, schemas, validation.
export * from './template/index.js';
export { providers, providerFor, unsupportedTypeReason, ProviderError, VPC_TAG, ADDRESS_TAG, STABILIZE_TIMEOUT_MS, type HandlerErrorCode } from './providers/index.js';
// Stack engine (src/cfn/engine): CreateStack/UpdateStack/DeleteStack, change sets, exports; state in control/stacks.
export { createStackEngine, createStackEngineWith, templateLayer, NO_CHANGES, type StackEngineOptions, type StackEngineRuntime, type TemplateLayer } from './engine/index.js';
