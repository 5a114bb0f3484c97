import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Parameter, Template, TemplateValue } from '../../contracts.js';
import { evaluateConditions } from '../conditions.js';
import { dependencies } from '../dependencies.js';
import { evaluate, type EvaluationEnv, type ResourceLookup } from '../evaluate.js';
import { resolveParameters } from '../parameters.js';
import type { PseudoParameters } from '../pseudo.js';

const dir = new URL('./', import.meta.url);

export function testdata(name: string): string {
  return readFileSync(new URL(name, dir), 'utf8');
}

/** Compares with testdata/golden/<name>; UPDATE_GOLDEN=1 rewrites it (review the diff). */
export function assertGolden(name: string, value: unknown): void {
  const file = new URL(`golden/${name}`, dir);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `golden/${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

export const PSEUDO: PseudoParameters = {
  accountId: '123456789012',
  region: 'us-east-1',
  stackName: 'golden',
  stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/golden/00000000-0000-0000-0000-000000000000',
};

/** A stand-in for the engine's lookups: recognisable values, and errors for `missing-…` exports. */
export const LOOKUP: ResourceLookup = {
  ref: (id) => `physical-${id}`,
  getAtt: (id, attribute) => `${id}.${attribute}`,
  importValue: (name) => {
    if (name.startsWith('missing-')) throw new Error(`No export named ${name} found`);
    return `imported:${name}`;
  },
};

/**
 * What a stack operation would compute from a template before calling any provider: the
 * parameters, conditions, creation levels and each resource's evaluated Properties.
 */
export function evaluateStack(template: Template, given: readonly Parameter[] = []): TemplateValue {
  const params = resolveParameters(template, given);
  const conditions = evaluateConditions(template, params.values, PSEUDO);
  const graph = dependencies(template, conditions);
  const env: EvaluationEnv = { template, parameters: params.values, pseudo: PSEUDO, conditions, resources: LOOKUP };
  const resources: Record<string, TemplateValue> = {};
  for (const id of graph.order) {
    const props = template.Resources[id]!.Properties;
    resources[id] = props === undefined ? {} : evaluate(props, env, { logicalId: id, path: ['Resources', id, 'Properties'] }) ?? {};
  }
  const outputs: Record<string, TemplateValue> = {};
  for (const [name, out] of Object.entries(template.Outputs)) {
    if (out.Condition !== undefined && !conditions[out.Condition]) continue;
    outputs[name] = {
      Value: evaluate(out.Value, env, { path: ['Outputs', name, 'Value'] }) ?? null,
      ...(out.Export ? { ExportName: evaluate(out.Export.Name, env, { path: ['Outputs', name, 'Export', 'Name'] }) ?? null } : {}),
    };
  }
  return {
    parameters: params.described.map((p) => ({ ...p })),
    conditions: { ...conditions },
    levels: graph.levels.map((l) => [...l]),
    resources,
    outputs,
  };
}
