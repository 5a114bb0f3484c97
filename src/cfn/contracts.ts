import type { CallContext, ControlPlane } from '../control/index.js';

/**
 * The contracts between the parts of the CloudFormation implementation, so that the
 * template layer, the providers and the stack engine are built and tested on their own:
 *
 *   text ──parseTemplate──► Template (long form) ──engine: plan / evaluate──► provider calls
 *
 * Templates are data: every value below is JSON-like, never `any`.
 */

export type TemplateValue = string | number | boolean | null | readonly TemplateValue[] | { readonly [k: string]: TemplateValue };

/** A template after parsing: YAML short forms (`!Ref`, `!Sub`, …) are already long form. */
export interface Template {
  readonly AWSTemplateFormatVersion?: string;
  readonly Description?: string;
  readonly Metadata?: TemplateValue;
  readonly Parameters: Readonly<Record<string, ParameterDecl>>;
  readonly Mappings: Readonly<Record<string, TemplateValue>>;
  readonly Conditions: Readonly<Record<string, TemplateValue>>;
  readonly Resources: Readonly<Record<string, ResourceDecl>>;
  readonly Outputs: Readonly<Record<string, OutputDecl>>;
}

export interface ParameterDecl {
  readonly Type: string;
  readonly Default?: TemplateValue;
  readonly AllowedValues?: readonly TemplateValue[];
  readonly AllowedPattern?: string;
  readonly MinLength?: number;
  readonly MaxLength?: number;
  readonly MinValue?: number;
  readonly MaxValue?: number;
  readonly NoEcho?: boolean;
  readonly Description?: string;
  readonly ConstraintDescription?: string;
}

export interface ResourceDecl {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, TemplateValue>>;
  readonly DependsOn?: readonly string[];
  readonly Condition?: string;
  readonly DeletionPolicy?: 'Delete' | 'Retain' | 'Snapshot' | 'RetainExceptOnCreate';
  readonly UpdateReplacePolicy?: 'Delete' | 'Retain' | 'Snapshot';
  readonly Metadata?: TemplateValue;
}

export interface OutputDecl {
  readonly Value: TemplateValue;
  readonly Description?: string;
  readonly Condition?: string;
  readonly Export?: { readonly Name: TemplateValue };
}

/**
 * A template problem, named as cfn-lint and CloudFormation name them: the logical id (when
 * there is one), the path inside the template, and the line when the source is known.
 */
export class TemplateError extends Error {
  constructor(message: string, readonly path: readonly (string | number)[] = [], readonly line?: number, readonly logicalId?: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** What a provider is told about the call it serves. */
export interface ProviderContext {
  readonly cp: ControlPlane;
  readonly call: CallContext;
  readonly stackName: string;
  readonly stackId: string;
  readonly logicalId: string;
  /** Passed to Lattice creates as `clientToken`, as CloudFormation's handlers do. */
  readonly clientRequestToken: string;
  /**
   * Trellis's data directory, for providers that keep files beside the store (inline Lambda
   * code); absent when the store is in memory (such providers use a temporary directory).
   */
  readonly dataDir?: string;
}

/** Resolved properties: intrinsics evaluated, so plain JSON. */
export type Properties = Readonly<Record<string, unknown>>;

export interface ProvidedResource {
  /** What `Ref` returns (the schema's primaryIdentifier). */
  readonly physicalId: string;
  /** What `Fn::GetAtt` can read: the schema's readOnlyProperties, nested names dotted (`DnsEntry.DomainName`). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * One resource type. `create` returns once the resource is stable (for Lattice: ACTIVE),
 * as CloudFormation's handlers poll. Failures throw errors whose message becomes the event's
 * ResourceStatusReason. Which properties force a replacement comes from the schema's
 * createOnlyProperties (`replacementPaths`), so the engine decides update vs replace.
 */
export interface ResourceProvider {
  readonly type: string;
  /** JSON pointers of createOnlyProperties, e.g. `/properties/Name`, `/properties/Config/Port`. */
  readonly replacementPaths: readonly string[];
  create(ctx: ProviderContext, props: Properties): Promise<ProvidedResource>;
  update(ctx: ProviderContext, physicalId: string, props: Properties, previous: Properties): Promise<ProvidedResource>;
  delete(ctx: ProviderContext, physicalId: string, props: Properties): Promise<void>;
}

// ---- The stack engine, as the CloudFormation API (api/) and `trellis deploy` (cli/) use it ----
// Member names are CloudFormation's own (PascalCase), so the Query/XML layer maps them 1:1.

export interface Parameter {
  readonly ParameterKey: string;
  readonly ParameterValue?: string;
  readonly UsePreviousValue?: boolean;
}

export interface Tag { readonly Key: string; readonly Value: string }

export type Capability = 'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' | 'CAPABILITY_AUTO_EXPAND';

export interface StackInput {
  readonly StackName: string;
  readonly TemplateBody?: string;
  /** UpdateStack / CreateChangeSet: reuse the stack's current template. */
  readonly UsePreviousTemplate?: boolean;
  readonly Parameters?: readonly Parameter[];
  readonly Capabilities?: readonly Capability[];
  readonly Tags?: readonly Tag[];
  readonly ClientRequestToken?: string;
  /** CreateStack: ROLLBACK (default) | DELETE | DO_NOTHING. */
  readonly OnFailure?: 'ROLLBACK' | 'DELETE' | 'DO_NOTHING';
  readonly DisableRollback?: boolean;
}

export interface ChangeSetInput extends StackInput {
  readonly ChangeSetName: string;
  readonly ChangeSetType?: 'CREATE' | 'UPDATE' | 'IMPORT';
  readonly Description?: string;
}

export interface Output {
  readonly OutputKey: string;
  readonly OutputValue: string;
  readonly Description?: string;
  readonly ExportName?: string;
}

export interface StackDescription {
  readonly StackId: string;
  readonly StackName: string;
  readonly Description?: string;
  readonly Parameters: readonly { readonly ParameterKey: string; readonly ParameterValue: string }[];
  readonly CreationTime: string;
  readonly LastUpdatedTime?: string;
  readonly DeletionTime?: string;
  /** CloudFormation's StackStatus names exactly (CREATE_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE, …). */
  readonly StackStatus: string;
  readonly StackStatusReason?: string;
  readonly DisableRollback: boolean;
  readonly Capabilities: readonly Capability[];
  readonly Outputs: readonly Output[];
  readonly Tags: readonly Tag[];
  readonly ChangeSetId?: string;
}

export interface StackEvent {
  readonly StackId: string;
  readonly EventId: string;
  readonly StackName: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType: string;
  readonly Timestamp: string;
  /** ResourceStatus names exactly (CREATE_COMPLETE, UPDATE_FAILED, DELETE_SKIPPED, …). */
  readonly ResourceStatus: string;
  readonly ResourceStatusReason?: string;
  readonly ResourceProperties?: string;
  readonly ClientRequestToken?: string;
}

export interface StackResourceDescription {
  readonly StackId: string;
  readonly StackName: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType: string;
  readonly Timestamp: string;
  readonly ResourceStatus: string;
  readonly ResourceStatusReason?: string;
}

export interface ResourceChange {
  readonly Action: 'Add' | 'Modify' | 'Remove';
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType: string;
  readonly Replacement?: 'True' | 'False' | 'Conditional';
  readonly Scope: readonly string[];
}

export interface ChangeSetDescription {
  readonly ChangeSetId: string;
  readonly ChangeSetName: string;
  readonly StackId: string;
  readonly StackName: string;
  readonly Description?: string;
  readonly Parameters: readonly { readonly ParameterKey: string; readonly ParameterValue: string }[];
  readonly CreationTime: string;
  /** CREATE_PENDING | CREATE_IN_PROGRESS | CREATE_COMPLETE | DELETE_COMPLETE | FAILED */
  readonly Status: string;
  readonly StatusReason?: string;
  /** UNAVAILABLE | AVAILABLE | EXECUTE_IN_PROGRESS | EXECUTE_COMPLETE | EXECUTE_FAILED | OBSOLETE */
  readonly ExecutionStatus: string;
  readonly Capabilities: readonly Capability[];
  readonly Changes: readonly ResourceChange[];
  readonly Tags: readonly Tag[];
}

export interface TemplateSummary {
  readonly Parameters: readonly {
    readonly ParameterKey: string; readonly DefaultValue?: string; readonly ParameterType: string;
    readonly NoEcho: boolean; readonly Description?: string;
  }[];
  readonly Description?: string;
  readonly Capabilities: readonly Capability[];
  readonly CapabilitiesReason?: string;
  readonly ResourceTypes: readonly string[];
  readonly DeclaredTransforms: readonly string[];
}

export interface Export { readonly ExportingStackId: string; readonly Name: string; readonly Value: string }

/**
 * What the CloudFormation API needs from the stack engine. Errors are AwsErrors with
 * CloudFormation's codes (ValidationError 400, AlreadyExistsException 400,
 * InsufficientCapabilitiesException 400, ChangeSetNotFoundException 404, …) so the Query
 * layer serialises them as XML `<ErrorResponse>`. Mutating calls return at once; the work
 * continues in the background and shows in statuses and events, as on AWS.
 */
export interface StackEngine {
  createStack(call: CallContext, input: StackInput): Promise<{ readonly StackId: string }>;
  updateStack(call: CallContext, input: StackInput): Promise<{ readonly StackId: string }>;
  deleteStack(call: CallContext, input: { readonly StackName: string; readonly RetainResources?: readonly string[] }): Promise<void>;
  describeStacks(call: CallContext, input: { readonly StackName?: string }): Promise<readonly StackDescription[]>;
  listStacks(call: CallContext, input: { readonly StackStatusFilter?: readonly string[] }): Promise<readonly StackDescription[]>;
  describeStackEvents(call: CallContext, input: { readonly StackName: string }): Promise<readonly StackEvent[]>;
  describeStackResources(call: CallContext, input: { readonly StackName: string; readonly LogicalResourceId?: string }): Promise<readonly StackResourceDescription[]>;
  getTemplate(call: CallContext, input: { readonly StackName: string; readonly ChangeSetName?: string }): Promise<{ readonly TemplateBody: string }>;
  getTemplateSummary(call: CallContext, input: { readonly TemplateBody?: string; readonly StackName?: string }): Promise<TemplateSummary>;
  validateTemplate(call: CallContext, input: { readonly TemplateBody: string }): Promise<TemplateSummary>;
  createChangeSet(call: CallContext, input: ChangeSetInput): Promise<{ readonly Id: string; readonly StackId: string }>;
  describeChangeSet(call: CallContext, input: { readonly ChangeSetName: string; readonly StackName?: string }): Promise<ChangeSetDescription>;
  executeChangeSet(call: CallContext, input: { readonly ChangeSetName: string; readonly StackName?: string }): Promise<void>;
  deleteChangeSet(call: CallContext, input: { readonly ChangeSetName: string; readonly StackName?: string }): Promise<void>;
  listChangeSets(call: CallContext, input: { readonly StackName: string }): Promise<readonly ChangeSetDescription[]>;
  listExports(call: CallContext): Promise<readonly Export[]>;
  listImports(call: CallContext, input: { readonly ExportName: string }): Promise<readonly string[]>;
}

export type { CallContext, ControlPlane };
