import type { Parameter, ResourceProvider, Template, TemplateValue } from '../contracts.js';

/** AWS's pseudo parameters, as a stack sees them. */
export interface PseudoParameters {
  readonly 'AWS::AccountId': string;
  readonly 'AWS::Region': string;
  readonly 'AWS::Partition': string;
  readonly 'AWS::URLSuffix': string;
  readonly 'AWS::StackName': string;
  readonly 'AWS::StackId': string;
  readonly 'AWS::NotificationARNs': readonly string[];
}

/** Parameter values after resolution: `List<…>` and CommaDelimitedList types are lists. */
export type ParameterValues = Readonly<Record<string, string | readonly string[]>>;

/** A created resource as intrinsics see it. */
export interface ResourceView {
  readonly physicalId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * Everything an intrinsic may read while the engine evaluates a template: parameters,
 * pseudo parameters, conditions, and the resources created so far. `resource` returns
 * undefined for a resource not (yet) created; `importValue` throws when nothing exports the
 * name ("No export named X found.").
 */
export interface EvalScope {
  readonly template: Template;
  readonly parameters: ParameterValues;
  readonly pseudo: PseudoParameters;
  readonly conditions: Readonly<Record<string, boolean>>;
  resource(logicalId: string): ResourceView | undefined;
  importValue(name: string): string;
}

/** Where an evaluated value sits in the template. */
export interface EvalSite {
  readonly logicalId?: string;
  readonly path?: readonly (string | number)[];
}

/** A marker the evaluator returns for `Ref: AWS::NoValue`; the engine drops such members. */
export type Evaluated = unknown;

/**
 * What the engine needs of the template layer (src/cfn/template/). Injected, so that the
 * engine is tested on its own with a small layer, and wired to the real one by default
 * (defaults.ts). Every method throws TemplateError or AwsError('ValidationError') on bad input.
 */
export interface TemplateLayer {
  /** JSON or YAML text → long-form Template. */
  parse(body: string): Template;
  /**
   * Parameter values: given ones (already merged with the previous values the caller asked
   * to keep), defaults for the rest; checks types, AllowedValues, patterns and bounds.
   * Throws ValidationError "Parameters: [X] must have values" for missing ones.
   */
  resolveParameters(template: Template, given: Readonly<Record<string, string>>, pseudo: PseudoParameters): ParameterValues;
  /** The value of every condition of the template. */
  evaluateConditions(template: Template, parameters: ParameterValues, pseudo: PseudoParameters): Readonly<Record<string, boolean>>;
  /**
   * Evaluates intrinsics in a value. Members that are `AWS::NoValue` are removed. `site` says
   * where the value sits (errors name the logical id and path).
   */
  evaluate(value: TemplateValue, scope: EvalScope, site?: EvalSite): Evaluated;
  /**
   * The resources each resource depends on (DependsOn, Ref, Fn::GetAtt, Fn::Sub references),
   * logical ids of resources only. Throws on a circular dependency.
   */
  dependencies(template: Template): ReadonlyMap<string, readonly string[]>;
  /** The export names a template imports, where they can be known without creating anything. */
  imports?(template: Template, scope: EvalScope): readonly string[];
}

/** Which provider serves a resource type; undefined when Trellis has none. */
export type ProviderLookup = (type: string) => ResourceProvider | undefined;

export type { Parameter };
