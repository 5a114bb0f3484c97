import { stacks, type CallContext, type ControlPlane } from '../../control/index.js';
import type { EvalScope, TemplateLayer } from './layer.js';
import type { Resolved } from './run.js';

export type StackOutputValue = stacks.StackOutputValue;

function text(v: unknown): string {
  if (Array.isArray(v)) return v.map(String).join(',');
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/**
 * Evaluates the template's Outputs (those whose Condition holds) once the resources exist.
 * An output that cannot be evaluated fails the operation with the evaluator's message.
 */
export function evaluateOutputs(layer: TemplateLayer, resolved: Resolved, scope: EvalScope): StackOutputValue[] {
  const out: StackOutputValue[] = [];
  for (const [key, decl] of Object.entries(resolved.template.Outputs)) {
    if (decl.Condition !== undefined && resolved.conditions[decl.Condition] !== true) continue;
    const value = text(layer.evaluate(decl.Value, scope, { path: ['Outputs', key, 'Value'] }));
    const exportName = decl.Export ? text(layer.evaluate(decl.Export.Name, scope, { path: ['Outputs', key, 'Export', 'Name'] })) : undefined;
    out.push({
      OutputKey: key, OutputValue: value,
      ...(decl.Description !== undefined ? { Description: decl.Description } : {}),
      ...(exportName !== undefined ? { ExportName: exportName } : {}),
    });
  }
  return out;
}

function exportMap(outputs: readonly StackOutputValue[]): Map<string, string> {
  return new Map(outputs.filter((o) => o.ExportName !== undefined).map((o) => [o.ExportName!, o.OutputValue]));
}

/**
 * The rules of exports, as CloudFormation words them: an export name is unique in a region,
 * and an export that another stack imports can be neither removed nor changed. Returns the
 * reason the stack fails with, or undefined.
 */
export async function exportProblem(
  cp: ControlPlane, call: CallContext, stackId: string,
  next: readonly StackOutputValue[], previous: readonly StackOutputValue[],
): Promise<string | undefined> {
  const before = exportMap(previous);
  const after = exportMap(next);
  const names = (docs: readonly stacks.StackDoc[]) => docs.filter((d) => d.StackId !== stackId).map((d) => d.StackName);
  for (const name of after.keys()) {
    const owners = names(await stacks.exporters(cp, call, name));
    if (owners.length) return `Export with name ${name} is already exported by stack ${owners.join(', ')}`;
  }
  for (const [name, value] of before) {
    if (after.get(name) === value) continue;
    const users = names(await stacks.importers(cp, call, name));
    if (!users.length) continue;
    return after.has(name) ? `Cannot update export ${name} as it is in use by ${users.join(', ')}` : `Cannot delete export ${name} as it is in use by ${users.join(', ')}`;
  }
  return undefined;
}
