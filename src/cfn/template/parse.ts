import { TemplateError, type OutputDecl, type ParameterDecl, type ResourceDecl, type Template, type TemplateValue } from '../contracts.js';
import { loadText } from './load-text.js';
import { PARAMETER_TYPES_HINT, isKnownParameterType } from './parameter-types.js';
import { attachLines, isList, isObject, pathKey, type LineMap, type TemplateObject, type TemplatePath } from './paths.js';

/**
 * Text → Template: JSON or YAML, short forms already long form, sections defaulted to `{}`,
 * and the structure CloudFormation insists on checked before anything is evaluated. Errors
 * are TemplateErrors with CloudFormation's "Template format error" wording, the path, the
 * logical id and the source line. Line numbers stay reachable through `lineOf(template, path)`.
 */
export function parseTemplate(text: string, fileName?: string): Template {
  const { value, lines } = loadText(text, fileName);
  const template = buildTemplate(value, lines);
  attachLines(template, lines);
  return template;
}

const SECTIONS = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs', 'Rules']);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);
const PARAMETER_KEYS = new Set(['Type', 'Default', 'AllowedValues', 'AllowedPattern', 'MinLength', 'MaxLength', 'MinValue', 'MaxValue', 'NoEcho', 'Description', 'ConstraintDescription']);
const OUTPUT_KEYS = new Set(['Value', 'Description', 'Condition', 'Export']);
const DELETION_POLICIES = ['Delete', 'Retain', 'Snapshot', 'RetainExceptOnCreate'] as const;
const REPLACE_POLICIES = ['Delete', 'Retain', 'Snapshot'] as const;
const ALNUM = /^[A-Za-z0-9]+$/;
const MAX_RESOURCES = 500;

/** Builds errors that know their line. */
class Checker {
  constructor(private readonly lines: LineMap) {}
  fail(message: string, path: TemplatePath, logicalId?: string): never {
    let line: number | undefined;
    for (let n = path.length; n > 0 && line === undefined; n--) line = this.lines.get(pathKey(path.slice(0, n)));
    throw new TemplateError(message, path, line, logicalId);
  }
  section(root: TemplateObject, name: string): TemplateObject {
    const v = root[name];
    if (v === undefined || v === null) return {};
    if (!isObject(v)) this.fail(`Template format error: ${name} must be a map of names to declarations`, [name]);
    return v;
  }
}

function buildTemplate(value: TemplateValue, lines: LineMap): Template {
  const c: Checker = new Checker(lines);
  if (!isObject(value)) c.fail('Template format error: a template must be a JSON object or a YAML mapping', []);
  const unknown = Object.keys(value).filter((k) => !SECTIONS.has(k));
  if (unknown.length) c.fail(`Template format error: Invalid template property or properties [${unknown.join(', ')}]`, [unknown[0]!]);
  if (value['Transform'] !== undefined) {
    c.fail(`Template format error: Trellis does not support transforms (Transform: ${JSON.stringify(value['Transform'])}); deploy the processed template instead`, ['Transform']);
  }
  const version = value['AWSTemplateFormatVersion'];
  if (version !== undefined && version !== '2010-09-09') {
    c.fail(`Template format error: '${String(version)}' is not a supported value for AWSTemplateFormatVersion (the only version is 2010-09-09)`, ['AWSTemplateFormatVersion']);
  }
  const description = value['Description'];
  if (description !== undefined && typeof description !== 'string') c.fail('Template format error: Every Description member must be a string.', ['Description']);

  const conditions = c.section(value, 'Conditions');
  const parameters = parseParameters(c, c.section(value, 'Parameters'));
  const mappings = parseMappings(c, c.section(value, 'Mappings'));
  const resources = parseResources(c, value['Resources'], conditions);
  const outputs = parseOutputs(c, c.section(value, 'Outputs'), conditions);
  return {
    ...(version !== undefined ? { AWSTemplateFormatVersion: version } : {}),
    ...(description !== undefined ? { Description: description } : {}),
    ...(value['Metadata'] !== undefined ? { Metadata: value['Metadata'] } : {}),
    Parameters: parameters,
    Mappings: mappings,
    Conditions: conditions,
    Resources: resources,
    Outputs: outputs,
  };
}

function parseParameters(c: Checker, section: TemplateObject): Record<string, ParameterDecl> {
  const out: Record<string, ParameterDecl> = {};
  for (const [name, decl] of Object.entries(section)) {
    const at = ['Parameters', name];
    if (!ALNUM.test(name)) c.fail(`Template format error: Parameter name ${name} is non alphanumeric.`, at);
    if (!isObject(decl) || typeof decl['Type'] !== 'string') c.fail('Template format error: Every Parameters object must contain a Type member.', at);
    for (const k of Object.keys(decl)) if (!PARAMETER_KEYS.has(k)) c.fail(`Template format error: Invalid template parameter property '${k}'`, [...at, k]);
    const type = decl['Type'] as string;
    if (!isKnownParameterType(type)) c.fail(`Template format error: Unrecognized parameter type: ${type}. ${PARAMETER_TYPES_HINT}`, [...at, 'Type']);
    const num = (k: string): number | undefined => {
      const v = decl[k];
      if (v === undefined) return undefined;
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) c.fail(`Template format error: Parameter ${name} ${k} must be a number`, [...at, k]);
      return n;
    };
    const allowed = decl['AllowedValues'];
    if (allowed !== undefined && !isList(allowed)) c.fail(`Template format error: Parameter ${name} AllowedValues must be a list`, [...at, 'AllowedValues']);
    const pattern = decl['AllowedPattern'];
    if (pattern !== undefined && typeof pattern !== 'string') c.fail(`Template format error: Parameter ${name} AllowedPattern must be a string`, [...at, 'AllowedPattern']);
    const noEcho = decl['NoEcho'];
    const p: ParameterDecl = {
      Type: type,
      ...(decl['Default'] !== undefined ? { Default: decl['Default'] } : {}),
      ...(allowed !== undefined ? { AllowedValues: allowed as readonly TemplateValue[] } : {}),
      ...(pattern !== undefined ? { AllowedPattern: pattern as string } : {}),
      ...optionalNumber('MinLength', num('MinLength')),
      ...optionalNumber('MaxLength', num('MaxLength')),
      ...optionalNumber('MinValue', num('MinValue')),
      ...optionalNumber('MaxValue', num('MaxValue')),
      ...(noEcho !== undefined ? { NoEcho: noEcho === true || String(noEcho).toLowerCase() === 'true' } : {}),
      ...(typeof decl['Description'] === 'string' ? { Description: decl['Description'] } : {}),
      ...(typeof decl['ConstraintDescription'] === 'string' ? { ConstraintDescription: decl['ConstraintDescription'] } : {}),
    };
    out[name] = p;
  }
  return out;
}

const optionalNumber = (k: string, n: number | undefined) => (n === undefined ? {} : { [k]: n });

function parseMappings(c: Checker, section: TemplateObject): Record<string, TemplateValue> {
  for (const [name, map] of Object.entries(section)) {
    if (!isObject(map)) c.fail(`Template format error: Every Mappings member ${name} must be a map`, ['Mappings', name]);
    for (const [key, attrs] of Object.entries(map)) {
      if (!isObject(attrs)) c.fail(`Template format error: Every Mappings attribute must be a map (${name}.${key})`, ['Mappings', name, key]);
    }
  }
  return section;
}

function parseResources(c: Checker, section: TemplateValue | undefined, conditions: TemplateObject): Record<string, ResourceDecl> {
  if (!isObject(section) || Object.keys(section).length === 0) c.fail('Template format error: At least one Resources member must be defined.', ['Resources']);
  const ids = Object.keys(section);
  if (ids.length > MAX_RESOURCES) c.fail(`Template format error: Number of resources, ${ids.length}, is greater than maximum allowed, ${MAX_RESOURCES}`, ['Resources']);
  const out: Record<string, ResourceDecl> = {};
  for (const id of ids) {
    const decl = section[id];
    const at = ['Resources', id];
    if (!ALNUM.test(id)) c.fail(`Template format error: Resource name ${id} is non alphanumeric.`, at, id);
    if (!isObject(decl) || typeof decl['Type'] !== 'string' || decl['Type'] === '') {
      c.fail(`Template format error: [/Resources/${id}] Every Resources object must contain a Type member.`, isObject(decl) && decl['Type'] !== undefined ? [...at, 'Type'] : at, id);
    }
    for (const k of Object.keys(decl)) if (!RESOURCE_KEYS.has(k)) c.fail(`Template format error: Invalid template resource property '${k}'`, [...at, k], id);
    const props = decl['Properties'];
    if (props !== undefined && props !== null && !isObject(props)) c.fail(`Template format error: [/Resources/${id}/Properties] Properties must be a map`, [...at, 'Properties'], id);
    const condition = decl['Condition'];
    if (condition !== undefined) {
      if (typeof condition !== 'string') c.fail(`Template format error: [/Resources/${id}/Condition] Condition must be a string`, [...at, 'Condition'], id);
      if (!(condition in conditions)) c.fail(`Template format error: Unresolved dependencies [${condition}]. Cannot reference a condition that is not declared in the Conditions block of the template`, [...at, 'Condition'], id);
    }
    const r: ResourceDecl = {
      Type: decl['Type'] as string,
      ...(isObject(props) ? { Properties: props } : {}),
      ...dependsOn(c, decl['DependsOn'], id),
      ...(condition !== undefined ? { Condition: condition as string } : {}),
      ...policy(c, decl, 'DeletionPolicy', DELETION_POLICIES, id),
      ...policy(c, decl, 'UpdateReplacePolicy', REPLACE_POLICIES, id),
      ...(decl['Metadata'] !== undefined ? { Metadata: decl['Metadata'] } : {}),
    };
    out[id] = r;
  }
  return out;
}

function dependsOn(c: Checker, v: TemplateValue | undefined, id: string): { DependsOn?: readonly string[] } {
  if (v === undefined) return {};
  const at = ['Resources', id, 'DependsOn'];
  const list = typeof v === 'string' ? [v] : isList(v) && v.every((x) => typeof x === 'string') ? (v as readonly string[]) : undefined;
  if (!list) c.fail(`Template format error: [/Resources/${id}/DependsOn] DependsOn must be a string or a list of strings`, at, id);
  return { DependsOn: list };
}

function policy<P extends string>(c: Checker, decl: TemplateObject, key: string, allowed: readonly P[], id: string): Record<string, P> {
  const v = decl[key];
  if (v === undefined) return {};
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    c.fail(`Template format error: Unrecognized ${key} ${JSON.stringify(v)} for resource ${id} (one of ${allowed.join(', ')})`, ['Resources', id, key], id);
  }
  return { [key]: v as P };
}

function parseOutputs(c: Checker, section: TemplateObject, conditions: TemplateObject): Record<string, OutputDecl> {
  const out: Record<string, OutputDecl> = {};
  for (const [name, decl] of Object.entries(section)) {
    const at = ['Outputs', name];
    if (!ALNUM.test(name)) c.fail(`Template format error: Output name ${name} is non alphanumeric.`, at);
    if (!isObject(decl) || decl['Value'] === undefined || decl['Value'] === null) c.fail('Template format error: Every Outputs member must contain a Value object', at);
    for (const k of Object.keys(decl)) if (!OUTPUT_KEYS.has(k)) c.fail(`Template format error: Invalid template output property '${k}'`, [...at, k]);
    const exp = decl['Export'];
    if (exp !== undefined && (!isObject(exp) || exp['Name'] === undefined)) c.fail('Template format error: Every Export member must contain a Name object', [...at, 'Export']);
    const condition = decl['Condition'];
    if (condition !== undefined && (typeof condition !== 'string' || !(condition in conditions))) {
      c.fail(`Template format error: Unresolved dependencies [${String(condition)}]. Cannot reference a condition that is not declared in the Conditions block of the template`, [...at, 'Condition']);
    }
    out[name] = {
      Value: decl['Value']!,
      ...(typeof decl['Description'] === 'string' ? { Description: decl['Description'] } : {}),
      ...(typeof condition === 'string' ? { Condition: condition } : {}),
      ...(isObject(exp) ? { Export: { Name: exp['Name']! } } : {}),
    };
  }
  return out;
}
