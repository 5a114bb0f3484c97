import { TemplateError, type Template } from '../contracts.js';
import { evaluateConditionExpression, type EvaluationEnv } from './evaluate.js';
import type { ParameterValue } from './parameters.js';
import { lineOf, type TemplatePath } from './paths.js';
import type { PseudoParameters } from './pseudo.js';

/**
 * Evaluates the Conditions block once per stack operation. A condition may name another
 * (`Condition: X` inside Fn::And/Or/Not); each is evaluated once, in any order, and a cycle
 * is an error. Conditions read parameters, pseudo parameters and mappings, never resources.
 */
export function evaluateConditions(template: Template, parameters: Readonly<Record<string, ParameterValue>>, pseudo: PseudoParameters): Readonly<Record<string, boolean>> {
  const done: Record<string, boolean> = {};
  const inProgress: string[] = [];
  const env: EvaluationEnv = { template, parameters, pseudo, conditions: done };
  const resolve = (name: string, at: TemplatePath): boolean => {
    const known = done[name];
    if (known !== undefined) return known;
    const expr = template.Conditions[name];
    if (expr === undefined) throw new TemplateError(`Template format error: Unresolved condition dependency ${name}`, at, lineOf(template, at));
    if (inProgress.includes(name)) {
      const cycle = inProgress.slice(inProgress.indexOf(name));
      throw new TemplateError(`Template format error: Circular condition dependency between conditions: [${cycle.join(', ')}]`, ['Conditions', name], lineOf(template, ['Conditions', name]));
    }
    inProgress.push(name);
    const v = evaluateConditionExpression(expr, env, ['Conditions', name], resolve);
    inProgress.pop();
    done[name] = v;
    return v;
  };
  for (const name of Object.keys(template.Conditions)) resolve(name, ['Conditions', name]);
  return done;
}
