import { AwsError } from '../../model/index.js';
import type { stacks, CallContext } from '../../control/index.js';
import { TemplateError, type Parameter, type Template } from '../contracts.js';
import { checkCapabilities } from './capabilities.js';
import { validation } from './errors.js';
import { findCycle } from './graph.js';
import { pseudoOf, scopeOf, type EngineEnv, type Resolved } from './run.js';

/** A template made ready for an operation: parsed, checked, its parameters resolved. */
export interface Prepared {
  readonly body: string;
  readonly resolved: Resolved;
  /** Every declared parameter's value as DescribeStacks shows it (lists comma-joined). */
  readonly parameters: readonly stacks.StackParameterValue[];
  readonly noEcho: readonly string[];
  /** Export names the template imports, where known before anything is created. */
  readonly imports: readonly string[];
}

export interface PrepareInput {
  readonly TemplateBody?: string;
  readonly UsePreviousTemplate?: boolean;
  readonly Parameters?: readonly Parameter[];
  readonly Capabilities?: readonly string[];
}

/** Template problems reach the caller as CloudFormation's ValidationError. */
export function asValidation(e: unknown): AwsError {
  if (e instanceof AwsError) return e;
  if (e instanceof TemplateError) return validation(e.message.startsWith('Template') ? e.message : `Template format error: ${e.message}`);
  return validation(e instanceof Error ? e.message : String(e));
}

export function parseTemplate(env: EngineEnv, body: string): Template {
  try {
    return env.layer.parse(body);
  } catch (e) {
    throw asValidation(e);
  }
}

/** The template's resource graph, refused when circular (as CreateStack refuses it). */
export function dependencyGraph(env: EngineEnv, template: Template): ReadonlyMap<string, readonly string[]> {
  let deps: ReadonlyMap<string, readonly string[]>;
  try { deps = env.layer.dependencies(template); } catch (e) { throw asValidation(e); }
  const cycle = findCycle(Object.keys(template.Resources), (id) => deps.get(id) ?? []);
  if (cycle) throw validation(`Circular dependency between resources: [${cycle.join(', ')}]`);
  return deps;
}

/**
 * Parses and checks what CreateStack / UpdateStack / CreateChangeSet submit: the template
 * (or the stack's own with UsePreviousTemplate), its dependency graph, the capabilities it
 * needs, and the parameters (UsePreviousValue takes the stack's current value).
 */
export function prepare(env: EngineEnv, call: CallContext, input: PrepareInput, stackName: string, stackId: string, previous?: stacks.StackDoc): Prepared {
  const body = input.TemplateBody ?? (input.UsePreviousTemplate && previous ? previous.templateBody : undefined);
  if (body === undefined) throw validation('Either Template URL or Template Body must be specified.');
  if (input.TemplateBody !== undefined && input.UsePreviousTemplate) throw validation('Exactly one of TemplateBody, TemplateUrl or UsePreviousTemplate must be specified.');
  const template = parseTemplate(env, body);
  dependencyGraph(env, template);
  checkCapabilities(template, input.Capabilities);
  const given: Record<string, string> = {};
  for (const p of input.Parameters ?? []) {
    if (p.UsePreviousValue) {
      const prev = previous?.parameters.find((q) => q.ParameterKey === p.ParameterKey);
      if (!prev) throw validation(`Invalid input for parameter key ${p.ParameterKey}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`);
      given[p.ParameterKey] = prev.ParameterValue;
    } else {
      given[p.ParameterKey] = p.ParameterValue ?? '';
    }
  }
  const pseudo = pseudoOf(call, stackName, stackId);
  let resolved: Resolved;
  try {
    const parameters = env.layer.resolveParameters(template, given, pseudo);
    const conditions = env.layer.evaluateConditions(template, parameters, pseudo);
    resolved = { template, parameters, conditions, pseudo };
  } catch (e) {
    throw asValidation(e);
  }
  const parameters = Object.keys(template.Parameters).filter((k) => k in resolved.parameters).map((k) => {
    const v = resolved.parameters[k]!;
    return { ParameterKey: k, ParameterValue: typeof v === 'string' ? v : v.join(',') };
  });
  const noEcho = Object.entries(template.Parameters).filter(([, d]) => d.NoEcho === true).map(([k]) => k);
  let imports: readonly string[] = [];
  try {
    imports = env.layer.imports?.(template, scopeOf(resolved, () => ({}), new Map(), new Set())) ?? [];
  } catch { /* known once the resources exist */ }
  return { body, resolved, parameters, noEcho, imports: [...new Set(imports)] };
}

/** Throws "No export named X found." for an import nothing exports, before anything is created. */
export function checkImports(imports: readonly string[], exportsByName: ReadonlyMap<string, string>): void {
  const missing = imports.find((n) => !exportsByName.has(n));
  if (missing !== undefined) throw validation(`No export named ${missing} found.`);
}
