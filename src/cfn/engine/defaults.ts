import type { Template, TemplateValue } from '../contracts.js';
import { providerFor } from '../providers/index.js';
import * as T from '../template/index.js';
import type { EvalScope, PseudoParameters, TemplateLayer } from './layer.js';

function pseudoOf(p: PseudoParameters): T.PseudoParameters {
  return { accountId: p['AWS::AccountId'], region: p['AWS::Region'], stackName: p['AWS::StackName'], stackId: p['AWS::StackId'], notificationArns: p['AWS::NotificationARNs'] };
}

function envOf(scope: EvalScope): T.EvaluationEnv {
  return {
    template: scope.template, parameters: scope.parameters, pseudo: pseudoOf(scope.pseudo), conditions: scope.conditions,
    resources: {
      ref(id) {
        const r = scope.resource(id);
        if (!r) throw new Error(`Resource ${id} is not created yet`);
        return r.physicalId;
      },
      getAtt(id, attribute) {
        const r = scope.resource(id);
        if (!r) throw new Error(`Resource ${id} is not created yet`);
        if (!(attribute in r.attributes)) throw new Error(`Template error: resource ${id} does not support attribute type ${attribute} in Fn::GetAtt`);
        return r.attributes[attribute] as TemplateValue;
      },
      importValue: (name) => scope.importValue(name),
    },
  };
}

/** Every Fn::ImportValue argument in a value, unevaluated. */
function importArgs(v: TemplateValue | undefined, out: TemplateValue[]): void {
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) { for (const x of v as readonly TemplateValue[]) importArgs(x, out); return; }
  const o = v as { readonly [k: string]: TemplateValue };
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === 'Fn::ImportValue') { out.push(o['Fn::ImportValue']!); return; }
  for (const x of Object.values(o)) importArgs(x, out);
}

/**
 * The engine's view of the real template layer (src/cfn/template): YAML and JSON, every
 * intrinsic, parameter checks, the dependency graph with CloudFormation's errors.
 */
export const templateLayer: TemplateLayer = {
  parse: (body) => T.parseTemplate(body),
  resolveParameters: (template, given) => T.resolveParameters(template, Object.entries(given).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }))).values,
  evaluateConditions: (template, parameters, pseudo) => T.evaluateConditions(template, parameters, pseudoOf(pseudo)),
  evaluate: (value, scope, site) => T.evaluate(value, envOf(scope), {
    ...(site?.logicalId !== undefined ? { logicalId: site.logicalId } : {}), ...(site?.path !== undefined ? { path: site.path } : {}),
  }),
  dependencies: (template: Template) => new Map(Object.entries(T.dependencies(template).dependsOn)),
  imports(template, scope) {
    const args: TemplateValue[] = [];
    for (const r of Object.values(template.Resources)) importArgs(r.Properties, args);
    for (const o of Object.values(template.Outputs)) importArgs(o.Value, args);
    const names: string[] = [];
    // Without resources: a name built from a resource attribute is known only once that resource exists.
    const { resources: _none, ...withoutResources } = envOf(scope);
    for (const a of args) {
      try { names.push(String(T.evaluate(a, withoutResources))); } catch { /* later */ }
    }
    return names;
  },
};

export const defaultProviderFor = providerFor;
