// The template layer: text → Template, parameters, conditions, intrinsics, the dependency
// graph, and validation against the resource schemas. See README.md for the flow.
export { parseTemplate } from './parse.js';
export { lineOf, formatPath, type TemplatePath } from './paths.js';
export { resolveParameters, NO_ECHO_MASK, type ParameterValue, type ResolvedParameters } from './parameters.js';
export { PSEUDO_PARAMETERS, partitionOf, urlSuffixOf, type PseudoParameters } from './pseudo.js';
export { evaluateConditions } from './conditions.js';
export { evaluate, type EvaluationEnv, type EvaluationSite, type ResourceLookup } from './evaluate.js';
export { dependencies, analyzeDependencies, type DependencyGraph, type DependencyAnalysis } from './dependencies.js';
export { resourceSchema, supportedResourceTypes, type ResourceTypeInfo } from './schema.js';
export { conformProperties } from './schema-conform.js';
export type { ResourceSchema, SchemaNode } from './schema-types.js';
export { validateTemplate, lintTemplate, formatFinding, type Finding } from './validate.js';
export { collectReferences, type Reference } from './references.js';
