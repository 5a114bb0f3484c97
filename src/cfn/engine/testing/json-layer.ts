import { AwsError } from '../../../model/index.js';
import { TemplateError, type ResourceDecl, type Template, type TemplateValue } from '../../contracts.js';
import type { EvalScope, PseudoParameters, TemplateLayer } from '../layer.js';

/**
 * A small template layer for the engine's own tests: JSON templates and the intrinsics the
 * engine's behaviour depends on (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::If,
 * Fn::ImportValue, Fn::Equals/And/Or/Not, Condition). The product uses the real layer of
 * src/cfn/template/; this one lets the engine's tests say exactly what they exercise.
 */
export const jsonLayer: TemplateLayer = {
  parse(body) {
    let raw: unknown;
    try { raw = JSON.parse(body); } catch (e) { throw new TemplateError(`Template format error: ${(e as Error).message}`); }
    if (!isObject(raw)) throw new TemplateError('Template format error: not an object');
    const resources = raw.Resources;
    if (!isObject(resources) || Object.keys(resources).length === 0) {
      throw new TemplateError('Template format error: At least one Resources member must be defined.', ['Resources']);
    }
    for (const [id, r] of Object.entries(resources)) {
      if (!isObject(r) || typeof r.Type !== 'string') throw new TemplateError(`Template format error: [/Resources/${id}] Every Resources object must contain a Type member.`, ['Resources', id], undefined, id);
    }
    const t = raw as Record<string, unknown>;
    return {
      ...(typeof t.Description === 'string' ? { Description: t.Description } : {}),
      Parameters: (t.Parameters ?? {}) as Template['Parameters'],
      Mappings: (t.Mappings ?? {}) as Template['Mappings'],
      Conditions: (t.Conditions ?? {}) as Template['Conditions'],
      Resources: resources as Record<string, ResourceDecl>,
      Outputs: (t.Outputs ?? {}) as Template['Outputs'],
    };
  },

  resolveParameters(template, given) {
    const out: Record<string, string | readonly string[]> = {};
    const missing: string[] = [];
    for (const [key, decl] of Object.entries(template.Parameters)) {
      const v = given[key] ?? (decl.Default !== undefined ? String(decl.Default) : undefined);
      if (v === undefined) { missing.push(key); continue; }
      if (decl.AllowedValues && !decl.AllowedValues.map(String).includes(v)) {
        throw new AwsError('ValidationError', `Parameter '${key}' must be one of AllowedValues`, {}, 400);
      }
      out[key] = decl.Type.startsWith('List<') || decl.Type === 'CommaDelimitedList' ? v.split(',').map((s) => s.trim()) : v;
    }
    if (missing.length) throw new AwsError('ValidationError', `Parameters: [${missing.join(', ')}] must have values`, {}, 400);
    const unknown = Object.keys(given).filter((k) => !(k in template.Parameters));
    if (unknown.length) throw new AwsError('ValidationError', `Parameters: [${unknown.join(', ')}] do not exist in the template`, {}, 400);
    return out;
  },

  evaluateConditions(template, parameters, pseudo) {
    const out: Record<string, boolean> = {};
    const scope: EvalScope = {
      template, parameters, pseudo, conditions: out,
      resource: () => undefined,
      importValue: () => { throw new TemplateError('Fn::ImportValue is not allowed in Conditions'); },
    };
    const visit = (name: string): boolean => {
      if (name in out) return out[name]!;
      const decl = template.Conditions[name];
      if (decl === undefined) throw new TemplateError(`Unresolved condition ${name}`, ['Conditions', name]);
      const v = truth(decl, scope, visit);
      out[name] = v;
      return v;
    };
    for (const name of Object.keys(template.Conditions)) visit(name);
    return out;
  },

  evaluate(value, scope) {
    return evaluate(value, scope);
  },

  dependencies(template) {
    const out = new Map<string, string[]>();
    for (const [id, decl] of Object.entries(template.Resources)) {
      const deps = new Set<string>(decl.DependsOn ?? []);
      collectRefs(decl.Properties ?? {}, deps);
      out.set(id, [...deps].filter((d) => d in template.Resources && d !== id));
    }
    return out;
  },

  imports(template, scope) {
    const names: string[] = [];
    const walk = (v: TemplateValue): void => {
      if (Array.isArray(v)) { v.forEach(walk); return; }
      if (!isObject(v)) return;
      const arg = (v as Record<string, TemplateValue>)['Fn::ImportValue'];
      if (arg !== undefined) {
        try { names.push(String(evaluate(arg, scope))); } catch { /* depends on a resource: known later */ }
        return;
      }
      Object.values(v).forEach((x) => walk(x as TemplateValue));
    };
    for (const r of Object.values(template.Resources)) walk(r.Properties ?? {});
    for (const o of Object.values(template.Outputs)) walk(o.Value);
    return names;
  },
};

export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function collectRefs(v: TemplateValue, into: Set<string>): void {
  if (Array.isArray(v)) { for (const x of v) collectRefs(x as TemplateValue, into); return; }
  if (!isObject(v)) return;
  const o = v as Record<string, TemplateValue>;
  if (typeof o.Ref === 'string') into.add(o.Ref);
  const att = o['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') into.add(att[0]);
  if (typeof att === 'string') into.add(att.split('.')[0]!);
  const sub = o['Fn::Sub'];
  const text = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
  if (text) for (const m of text.matchAll(/\$\{([^!}][^}.]*)/g)) into.add(m[1]!);
  for (const x of Object.values(o)) collectRefs(x, into);
}

function ref(name: string, scope: EvalScope): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name in scope.pseudo) return scope.pseudo[name as keyof PseudoParameters];
  if (name in scope.parameters) return scope.parameters[name];
  if (name in scope.template.Resources) {
    const r = scope.resource(name);
    if (!r) throw new TemplateError(`Resource ${name} is not created yet`, [], undefined, name);
    return r.physicalId;
  }
  throw new TemplateError(`Unresolved resource dependencies [${name}] in the Resources block of the template`);
}

function getAtt(id: string, attr: string, scope: EvalScope): unknown {
  const r = scope.resource(id);
  if (!r) throw new TemplateError(`Resource ${id} is not created yet`, [], undefined, id);
  if (!(attr in r.attributes)) throw new TemplateError(`Template error: resource ${id} does not support attribute type ${attr} in Fn::GetAtt`, [], undefined, id);
  return r.attributes[attr];
}

function evaluate(v: TemplateValue, scope: EvalScope): unknown {
  if (Array.isArray(v)) return v.map((x) => evaluate(x as TemplateValue, scope)).filter((x) => x !== NO_VALUE);
  if (!isObject(v)) return v;
  const o = v as Record<string, TemplateValue>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const k = keys[0]!;
    const a = o[k]!;
    switch (k) {
      case 'Ref': return ref(String(a), scope);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(a) ? a.map(String) : String(a).split(/\.(.*)/);
        return getAtt(id!, attr!, scope);
      }
      case 'Fn::ImportValue': return scope.importValue(String(evaluate(a, scope)));
      case 'Fn::Join': {
        const [sep, list] = a as readonly TemplateValue[];
        return (evaluate(list!, scope) as unknown[]).map(String).join(String(sep));
      }
      case 'Fn::Select': {
        const [i, list] = a as readonly TemplateValue[];
        return (evaluate(list!, scope) as unknown[])[Number(evaluate(i!, scope))];
      }
      case 'Fn::If': {
        const [cond, yes, no] = a as readonly TemplateValue[];
        return evaluate(scope.conditions[String(cond)] ? yes! : no!, scope);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(a) ? [String(a[0]), (a[1] ?? {}) as Record<string, TemplateValue>] : [String(a), {}];
        return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
          if (name.startsWith('!')) return '${' + name.slice(1) + '}';
          if (name in vars) return String(evaluate(vars[name]!, scope));
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::')) return String(getAtt(name.slice(0, dot), name.slice(dot + 1), scope));
          return String(ref(name, scope));
        });
      }
      default:
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    const e = evaluate(x, scope);
    if (e !== NO_VALUE) out[k] = e;
  }
  return out;
}

function truth(v: TemplateValue, scope: EvalScope, condition: (name: string) => boolean): boolean {
  const o = v as Record<string, TemplateValue>;
  if (typeof o.Condition === 'string') return condition(o.Condition);
  const list = (k: string) => (o[k] as readonly TemplateValue[]).map((x) => truth(x, scope, condition));
  if ('Fn::And' in o) return list('Fn::And').every(Boolean);
  if ('Fn::Or' in o) return list('Fn::Or').some(Boolean);
  if ('Fn::Not' in o) return !list('Fn::Not')[0];
  if ('Fn::Equals' in o) {
    const [a, b] = (o['Fn::Equals'] as readonly TemplateValue[]).map((x) => String(evaluate(x, scope)));
    return a === b;
  }
  throw new TemplateError('Template error: unsupported condition function');
}
