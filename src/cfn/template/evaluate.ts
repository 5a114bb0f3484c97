import { TemplateError, type Template, type TemplateValue } from '../contracts.js';
import { cidrSubnets } from './cidr.js';
import { FUNCTIONS, intrinsicOf, shapeProblem, unsupportedFunction, type Intrinsic } from './intrinsic.js';
import type { ParameterValue } from './parameters.js';
import { formatPath, isList, isObject, lineOf, type TemplatePath } from './paths.js';
import { availabilityZones, NO_VALUE, pseudoValue, type NoValue, type PseudoParameters } from './pseudo.js';
import { parseSub } from './sub.js';

/**
 * What the stack engine provides while it creates resources: the physical ids and attributes
 * of resources already created, and the stack exports of the region. Each throws (any Error)
 * when it has no answer, e.g. `No export named ec2-vpc found`; evaluate adds the path.
 */
export interface ResourceLookup {
  /** `Ref` of a resource: its physical id (the schema's primaryIdentifier). */
  ref(logicalId: string): string;
  /** `Fn::GetAtt`: a readOnly property, nested names dotted (`DnsEntry.DomainName`). */
  getAtt(logicalId: string, attribute: string): TemplateValue;
  /** `Fn::ImportValue`: the value another stack exported under `exportName`. */
  importValue(exportName: string): string;
}

/** Everything an expression can read. Conditions are evaluated once per stack operation, first. */
export interface EvaluationEnv {
  readonly template: Template;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly pseudo: PseudoParameters;
  readonly conditions: Readonly<Record<string, boolean>>;
  /** Absent while the Conditions block itself is evaluated: conditions cannot read resources. */
  readonly resources?: ResourceLookup;
}

/** Where the value being evaluated sits, for errors. */
export interface EvaluationSite {
  readonly path?: TemplatePath;
  readonly logicalId?: string;
}

/**
 * Evaluates every intrinsic in `value`, giving plain JSON. `Ref: AWS::NoValue` (usually from
 * an `Fn::If` branch) removes the property or list item it stands for; when the whole value is
 * NoValue the result is undefined. Errors are TemplateErrors naming the logical id, the path
 * of the failing function and its line.
 */
export function evaluate(value: TemplateValue, env: EvaluationEnv, site: EvaluationSite = {}): TemplateValue | undefined {
  const r = new Evaluator(env, site.logicalId).value(value, site.path ?? [], false);
  return r === NO_VALUE ? undefined : r;
}

/** Evaluates a condition expression (Fn::Equals/And/Or/Not/Condition) to a boolean. */
export function evaluateConditionExpression(value: TemplateValue, env: EvaluationEnv, path: TemplatePath, resolveCondition: (name: string, at: TemplatePath) => boolean): boolean {
  const e: Evaluator = new Evaluator(env, undefined, resolveCondition);
  const r = e.value(value, path, true);
  if (typeof r !== 'boolean') e.fail('Template format error: Conditions can only be boolean operations on parameters and mappings (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)', path);
  return r;
}

type Result = TemplateValue | NoValue;

class Evaluator {
  constructor(
    private readonly env: EvaluationEnv,
    private readonly logicalId: string | undefined,
    private readonly resolveCondition?: (name: string, at: TemplatePath) => boolean,
  ) {}

  /** Throws, naming where: the message ends with the path (and line) of the failing function. */
  fail(message: string, path: TemplatePath): never {
    const line = lineOf(this.env.template, path);
    const where = path.length ? ` (at ${formatPath(path)}${line !== undefined ? `, line ${line}` : ''})` : '';
    throw new TemplateError(`${message}${where}`, path, line, this.logicalId);
  }

  value(v: TemplateValue, path: TemplatePath, inCondition: boolean): Result {
    if (v === null || typeof v !== 'object') return v;
    if (isList(v)) {
      const out: TemplateValue[] = [];
      v.forEach((item, i) => {
        const r = this.value(item, [...path, i], inCondition);
        if (r !== NO_VALUE) out.push(r);
      });
      return out;
    }
    const fn = intrinsicOf(v, inCondition);
    if (fn) return this.call(fn, [...path, fn.name], inCondition);
    const unsupported = unsupportedFunction(v);
    if (unsupported) this.fail(`Template format error: Encountered unsupported function: ${unsupported} Supported functions are: [${FUNCTIONS.join(', ')}]`, path);
    const out: Record<string, TemplateValue> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = this.value(x, [...path, k], inCondition);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private call(fn: Intrinsic, path: TemplatePath, inCondition: boolean): Result {
    const problem = shapeProblem(fn);
    if (problem) this.fail(problem, path);
    const args = isList(fn.arg) ? fn.arg : [];
    const arg = (i: number) => this.value(args[i]!, [...path, i], inCondition);
    switch (fn.name) {
      case 'Ref': return this.ref(fn.arg as string, path);
      case 'Condition': return this.condition(fn.arg as string, path);
      case 'Fn::GetAtt': {
        const id = args[0] as string;
        const attribute = this.string(arg(1), [...path, 1], 'the attribute name of Fn::GetAtt');
        this.requireResource(id, path);
        return this.lookup(path, (r) => r.getAtt(id, attribute));
      }
      case 'Fn::Sub': return this.sub(fn.arg, path, inCondition);
      case 'Fn::Join': {
        const list = this.list(arg(1), [...path, 1], 'Fn::Join');
        return list.map((x, i) => this.scalarText(x, [...path, 1, i], 'Fn::Join')).join(args[0] as string);
      }
      case 'Fn::Select': {
        const index = Number(this.scalarText(arg(0), [...path, 0], 'Fn::Select'));
        const list = this.list(arg(1), [...path, 1], 'Fn::Select');
        if (!Number.isInteger(index) || index < 0 || index >= list.length) this.fail(`Template error: Fn::Select cannot select nonexistent value at index ${String(index)}`, path);
        return list[index]!;
      }
      case 'Fn::Split': return this.string(arg(1), [...path, 1], 'Fn::Split').split(args[0] as string);
      case 'Fn::ImportValue': {
        const name = this.string(this.value(fn.arg, path, inCondition), path, 'Fn::ImportValue');
        return this.lookup(path, (r) => r.importValue(name));
      }
      case 'Fn::If': {
        const name = args[0] as string;
        const holds = this.condition(name, [...path, 0]);
        return holds ? arg(1) : arg(2);
      }
      case 'Fn::Equals': return equal(arg(0), arg(1));
      case 'Fn::And': case 'Fn::Or': case 'Fn::Not': {
        const values = args.map((a, i) => {
          const r = this.value(a, [...path, i], true);
          if (typeof r !== 'boolean') this.fail(`Template error: every ${fn.name} member must be a condition (Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition)`, [...path, i]);
          return r;
        });
        if (fn.name === 'Fn::Not') return !values[0];
        return fn.name === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
      }
      case 'Fn::FindInMap': return this.findInMap([0, 1, 2].map((i) => this.scalarText(arg(i), [...path, i], 'Fn::FindInMap')), path);
      case 'Fn::Base64': return Buffer.from(this.scalarText(this.value(fn.arg, path, inCondition), path, 'Fn::Base64'), 'utf8').toString('base64');
      case 'Fn::GetAZs': {
        const region = this.string(this.value(fn.arg, path, inCondition), path, 'Fn::GetAZs');
        return availabilityZones(region === '' ? this.env.pseudo.region : region);
      }
      case 'Fn::Cidr': {
        const [block, count, bits] = [0, 1, 2].map((i) => this.scalarText(arg(i), [...path, i], 'Fn::Cidr'));
        const r = cidrSubnets(block!, Number(count), Number(bits));
        if (typeof r === 'string') this.fail(`Template error: ${r}`, path);
        return r;
      }
    }
  }

  private ref(name: string, path: TemplatePath): Result {
    if (name in this.env.parameters) return this.env.parameters[name]!;
    const pseudo = pseudoValue(name, this.env.pseudo);
    if (pseudo !== undefined) return pseudo;
    this.requireResource(name, path);
    return this.lookup(path, (r) => r.ref(name));
  }

  private condition(name: string, path: TemplatePath): boolean {
    if (this.resolveCondition) return this.resolveCondition(name, path);
    const v = this.env.conditions[name];
    if (v === undefined) this.fail(`Template format error: Unresolved condition dependency ${name} in Fn::If`, path);
    return v;
  }

  /** A resource that exists in this stack operation: declared, and its Condition holds. */
  private requireResource(id: string, path: TemplatePath): void {
    if (!this.env.resources) this.fail(`Template format error: Unresolved dependencies [${id}]. Cannot reference resources in the Conditions block of the template`, path);
    const decl = this.env.template.Resources[id];
    if (!decl || (decl.Condition !== undefined && this.env.conditions[decl.Condition] === false)) {
      this.fail(`Template format error: Unresolved resource dependencies [${id}] in the Resources block of the template`, path);
    }
  }

  private lookup<T extends TemplateValue>(path: TemplatePath, f: (r: ResourceLookup) => T): T {
    const resources = this.env.resources;
    if (!resources) this.fail('Template format error: Cannot reference resources or exports in the Conditions block of the template', path);
    try {
      return f(resources);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      this.fail(e instanceof Error ? e.message : String(e), path);
    }
  }

  private sub(arg: TemplateValue, path: TemplatePath, inCondition: boolean): string {
    const [text, vars] = typeof arg === 'string' ? [arg, {}] : [(arg as TemplateValue[])[0] as string, (arg as TemplateValue[])[1] as Record<string, TemplateValue>];
    const values = new Map<string, string>();
    for (const [k, v] of Object.entries(vars)) {
      values.set(k, this.scalarText(this.value(v, [...path, 1, k], inCondition), [...path, 1, k], 'Fn::Sub'));
    }
    return parseSub(text).map((part) => {
      if ('literal' in part) return part.literal;
      const name = part.variable;
      const given = values.get(name);
      if (given !== undefined) return given;
      const dot = name.indexOf('.');
      if (dot > 0 && !(name in this.env.parameters)) {
        const id = name.slice(0, dot);
        const attribute = name.slice(dot + 1);
        this.requireResource(id, path);
        return this.scalarText(this.lookup(path, (r) => r.getAtt(id, attribute)), path, 'Fn::Sub');
      }
      const r = this.ref(name, path);
      if (r === NO_VALUE) this.fail('Template error: variable AWS::NoValue in Fn::Sub expression does not resolve to a string', path);
      return this.scalarText(r, path, `Fn::Sub (variable ${name})`);
    }).join('');
  }

  private findInMap(keys: string[], path: TemplatePath): TemplateValue {
    const [map, top, second] = keys as [string, string, string];
    const m = this.env.template.Mappings[map];
    const level = isObject(m) ? m[top] : undefined;
    const v = isObject(level) ? level[second] : undefined;
    if (v === undefined) this.fail(`Template error: Unable to get mapping for ${map}::${top}::${second}`, path);
    return v;
  }

  private list(r: Result, path: TemplatePath, fn: string): readonly TemplateValue[] {
    if (r === NO_VALUE || !isList(r)) this.fail(`Template error: ${fn} requires a list here, got ${describe(r)}`, path);
    return r;
  }

  private string(r: Result, path: TemplatePath, what: string): string {
    if (typeof r !== 'string') this.fail(`Template error: ${what} requires a string, got ${describe(r)}`, path);
    return r;
  }

  /** Strings, and numbers and booleans as the text CloudFormation holds them as. */
  private scalarText(r: Result, path: TemplatePath, what: string): string {
    if (typeof r === 'string') return r;
    if (typeof r === 'number' || typeof r === 'boolean') return String(r);
    this.fail(`Template error: ${what} requires a string, got ${describe(r)}`, path);
  }
}

/** Fn::Equals compares as CloudFormation does: scalars by their text (`80` equals `"80"`). */
function equal(a: Result, b: Result): boolean {
  const scalar = (x: Result) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
  if (scalar(a) && scalar(b)) return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function describe(r: Result): string {
  if (r === NO_VALUE) return 'AWS::NoValue';
  if (isList(r)) return 'a list';
  if (r === null) return 'null';
  return typeof r === 'object' ? 'an object' : `${typeof r} ${JSON.stringify(r)}`;
}
