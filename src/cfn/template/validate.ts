import { TemplateError, type Template, type TemplateValue } from '../contracts.js';
import { analyzeDependencies } from './dependencies.js';
import { intrinsicOf, shapeProblem, unsupportedFunction, FUNCTIONS, type Intrinsic } from './intrinsic.js';
import { defaultString, parameterProblem } from './parameters.js';
import { parseTemplate } from './parse.js';
import { closest, formatPath, isList, isObject, lineOf, type TemplatePath } from './paths.js';
import { isPseudoParameter, PSEUDO_PARAMETERS } from './pseudo.js';
import { referencesOf, walkIntrinsics, type Reference } from './references.js';
import { resourceSchema, supportedResourceTypes } from './schema.js';
import { checkProperties } from './schema-check.js';

/** One problem `trellis validate` reports, placed as cfn-lint places it. */
export interface Finding {
  /** Errors fail a deploy (or would fail it on AWS); warnings would not. */
  readonly severity: 'error' | 'warning';
  /** A short, stable name of the check (`unknown-property`, `bad-ref`, `circular`, …). */
  readonly rule: string;
  readonly logicalId?: string;
  readonly path: TemplatePath;
  /** The source line (1-based), when the template was parsed from text. */
  readonly line?: number;
  readonly message: string;
}

/**
 * Checks a parsed template without deploying it: resource types Trellis provides, every
 * resource's Properties against its schema, every intrinsic's shape and the names it refers
 * to (Ref, GetAtt and its attribute, Sub variables, conditions, mappings), DependsOn targets,
 * circular dependencies, and parameter Defaults against their own constraints.
 * Findings are in source order.
 */
export function validateTemplate(template: Template): Finding[] {
  const findings: Finding[] = [];
  const add = (severity: Finding['severity'], rule: string, path: TemplatePath, message: string, logicalId?: string) => {
    const line = lineOf(template, path);
    findings.push({ severity, rule, path, message, ...(logicalId !== undefined ? { logicalId } : {}), ...(line !== undefined ? { line } : {}) });
  };

  for (const [id, decl] of Object.entries(template.Resources)) {
    const info = resourceSchema(decl.Type);
    const propsPath = ['Resources', id, 'Properties'];
    if (!info) {
      const hint = closest(decl.Type, supportedResourceTypes());
      add('error', 'unsupported-type', ['Resources', id, 'Type'], `Trellis does not support resource type ${decl.Type}${hint ? ` (did you mean ${hint}?)` : ''}`, id);
    } else {
      for (const issue of checkProperties(info.schema, decl.Properties ?? {}, propsPath)) add('error', issue.rule, issue.path, issue.message, id);
      if (decl.Type === 'AWS::EC2::SecurityGroup') checkSecurityGroupPorts(decl.Properties, propsPath, add, id);
      const readOnly = new Set(info.attributes);
      for (const key of Object.keys(decl.Properties ?? {})) {
        if (readOnly.has(key) && !info.properties.includes(key)) add('warning', 'read-only', [...propsPath, key], `${key} is a read-only property of ${decl.Type}; the value is ignored`, id);
      }
    }
    checkIntrinsics(template, decl.Properties, propsPath, 'Resources', add, id);
    (decl.DependsOn ?? []).forEach((target, i) => {
      if (!(target in template.Resources)) {
        const path = ['Resources', id, 'DependsOn', ...(decl.DependsOn!.length > 1 ? [i] : [])];
        add('error', 'bad-ref', path, `DependsOn names '${target}', which is not a resource of this template${hintFor(target, Object.keys(template.Resources))}`, id);
      }
    });
  }

  for (const [name, expr] of Object.entries(template.Conditions)) {
    const fn = intrinsicOf(expr, true);
    if (!fn || !['Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not', 'Condition'].includes(fn.name)) {
      add('error', 'intrinsic', ['Conditions', name], `Condition ${name} must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition`);
    }
    checkIntrinsics(template, expr, ['Conditions', name], 'Conditions', add, undefined, true);
  }
  for (const [name, out] of Object.entries(template.Outputs)) {
    checkIntrinsics(template, out.Value, ['Outputs', name, 'Value'], 'Outputs', add);
    if (out.Export) checkIntrinsics(template, out.Export.Name, ['Outputs', name, 'Export', 'Name'], 'Outputs', add);
  }
  for (const [name, decl] of Object.entries(template.Parameters)) {
    if (decl.Default === undefined) continue;
    const problem = parameterProblem(name, decl, defaultString(decl.Default));
    if (problem) add('error', 'parameter', ['Parameters', name, 'Default'], `Default: ${problem}`);
  }

  const { cycles } = analyzeDependencies(template);
  for (const cycle of cycles) {
    for (const id of cycle) {
      const others = cycle.length > 1 ? cycle.filter((x) => x !== id) : [id];
      add('error', 'circular', ['Resources', id], `Circular dependency between resources: ${id} waits for [${others.join(', ')}], which wait(s) for ${id}`, id);
    }
  }
  return findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || formatPath(a.path).localeCompare(formatPath(b.path)));
}

/**
 * Parses and validates a template text: what `trellis validate` runs per file. A template
 * that does not parse gives one finding, the parse error with its line.
 */
export function lintTemplate(text: string, fileName?: string): Finding[] {
  let template: Template;
  try {
    template = parseTemplate(text, fileName);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return [{ severity: 'error', rule: 'format', path: e.path, message: e.message, ...(e.line !== undefined ? { line: e.line } : {}), ...(e.logicalId !== undefined ? { logicalId: e.logicalId } : {}) }];
  }
  return validateTemplate(template);
}

/** `file:12: error [unknown-property] Resources.Service.Properties.Nmae: Unknown property …` */
export function formatFinding(f: Finding, fileName = 'template'): string {
  return `${fileName}:${f.line ?? '?'}: ${f.severity} [${f.rule}] ${formatPath(f.path)}: ${f.message}`;
}

type Add = (severity: Finding['severity'], rule: string, path: TemplatePath, message: string, logicalId?: string) => void;

function hintFor(name: string, candidates: Iterable<string>): string {
  const hint = closest(name, candidates);
  return hint ? ` (did you mean '${hint}'?)` : '';
}

/** Shapes of intrinsics and the names they refer to, in one section of the template. */
function checkIntrinsics(template: Template, value: TemplateValue | undefined, path: TemplatePath, section: 'Resources' | 'Conditions' | 'Outputs', add: Add, logicalId?: string, inCondition = false): void {
  scanUnsupported(value, path, (name, at) => add('error', 'intrinsic', at, `Trellis does not support the function ${name} (supported: ${FUNCTIONS.join(', ')})`, logicalId));
  walkIntrinsics(value, path, (fn, at) => {
    const problem = shapeProblem(fn);
    if (problem) { add('error', 'intrinsic', at, problem, logicalId); return; }
    if (fn.name === 'Fn::FindInMap') checkFindInMap(template, fn, at, add, logicalId);
    for (const r of referencesOf(fn, at)) checkReference(template, r, section, add, logicalId);
  }, undefined, inCondition);
}

function checkReference(template: Template, r: Reference, section: 'Resources' | 'Conditions' | 'Outputs', add: Add, logicalId?: string): void {
  const resources = Object.keys(template.Resources);
  if (r.kind === 'condition') {
    if (!(r.target in template.Conditions)) add('error', 'bad-condition', r.path, `${r.via} names the condition '${r.target}', which is not declared in Conditions${hintFor(r.target, Object.keys(template.Conditions))}`, logicalId);
    return;
  }
  const isResource = r.target in template.Resources;
  if (r.kind === 'ref') {
    if (r.target in template.Parameters || isPseudoParameter(r.target)) return;
    if (isResource && section !== 'Conditions') return;
    const what = section === 'Conditions' ? 'a parameter or pseudo parameter (conditions cannot read resources)' : 'a parameter, pseudo parameter or resource';
    const subject = r.via === 'Fn::Sub' ? `Fn::Sub variable '${r.target}' names` : `Ref to '${r.target}' names`;
    add('error', 'bad-ref', r.path, `${subject} nothing: it is not ${what}${hintFor(r.target, [...Object.keys(template.Parameters), ...PSEUDO_PARAMETERS, ...(section === 'Conditions' ? [] : resources)])}`, logicalId);
    return;
  }
  if (!isResource || section === 'Conditions') {
    add('error', 'bad-getatt', r.path, `${r.via} of '${r.target}', which is not a resource of this template${section === 'Conditions' ? ' (conditions cannot read resources)' : ''}${hintFor(r.target, resources)}`, logicalId);
    return;
  }
  const info = resourceSchema(template.Resources[r.target]!.Type);
  if (!info || r.attribute === undefined || info.attributes.includes(r.attribute)) return;
  const attrPath = r.via === 'Fn::GetAtt' ? [...r.path, 1] : r.path;
  add('error', 'bad-getatt', attrPath, `'${r.attribute}' is not an attribute of ${info.typeName} (${info.attributes.join(', ') || 'it has none'})`, logicalId);
}

function checkFindInMap(template: Template, fn: Intrinsic, at: TemplatePath, add: Add, logicalId?: string): void {
  const [map, top, second] = fn.arg as readonly TemplateValue[];
  if (typeof map !== 'string') return;
  const m = template.Mappings[map];
  if (!isObject(m)) { add('error', 'bad-mapping', [...at, 0], `Fn::FindInMap names the mapping '${map}', which is not declared in Mappings${hintFor(map, Object.keys(template.Mappings))}`, logicalId); return; }
  if (typeof top !== 'string') return;
  const level = m[top];
  if (!isObject(level)) { add('error', 'bad-mapping', [...at, 1], `Mapping ${map} has no key '${top}'`, logicalId); return; }
  if (typeof second === 'string' && level[second] === undefined) add('error', 'bad-mapping', [...at, 2], `Mapping ${map}.${top} has no key '${second}'`, logicalId);
}

function scanUnsupported(v: TemplateValue | undefined, path: TemplatePath, report: (name: string, at: TemplatePath) => void): void {
  if (v === null || v === undefined || typeof v !== 'object') return;
  if (isList(v)) { v.forEach((x, i) => scanUnsupported(x, [...path, i], report)); return; }
  const name = unsupportedFunction(v);
  if (name) { report(name, [...path, name]); return; }
  for (const [k, x] of Object.entries(v)) scanUnsupported(x, [...path, k], report);
}

/**
 * EC2 rejects a TCP or UDP rule without both ports ("Invalid value for portRange. Must
 * specify both from and to ports with TCP/UDP"), which the schema cannot express.
 */
function checkSecurityGroupPorts(props: TemplateValue | undefined, path: TemplatePath, add: Add, logicalId: string): void {
  if (!isObject(props)) return;
  for (const key of ['SecurityGroupIngress', 'SecurityGroupEgress']) {
    const rules = props[key];
    if (!isList(rules)) continue;
    rules.forEach((rule, i) => {
      if (!isObject(rule)) return;
      const protocol = String(rule['IpProtocol'] ?? '').toLowerCase();
      if (!['tcp', 'udp', '6', '17'].includes(protocol)) return;
      if (rule['FromPort'] === undefined || rule['ToPort'] === undefined) {
        add('error', 'required', [...path, key, i], `A ${protocol} rule needs both FromPort and ToPort (EC2: Invalid value for portRange)`, logicalId);
      }
    });
  }
}
