import type { CallContext } from '../../../control/index.js';
import type { Capability, Parameter, StackEngine, StackInput, StackResourceDescription, Tag } from '../../../cfn/index.js';
import { paginate } from '../paginate.js';
import { action, validation, type QueryService } from '../service.js';
import * as I from './inputs.js';
import * as O from './outputs.js';

export interface CloudFormationOptions {
  /** Items per page of the paged actions (AWS's own pages are about 100). */
  readonly pageSize?: number;
}

/**
 * The CloudFormation API (version 2010-05-15) over the stack engine. This layer does what
 * the wire needs — decoding, request-level rules AWS checks before doing anything (a
 * template is given one way, DisableRollback excludes OnFailure), paging, projection to
 * CloudFormation's output structures — and leaves stacks, change sets and their errors to
 * the engine, whose AwsErrors carry CloudFormation's own codes.
 */
export function cloudFormationService(engine: StackEngine, opts: CloudFormationOptions = {}): QueryService {
  const size = opts.pageSize ?? 100;
  return {
    signingName: 'cloudformation',
    version: '2010-05-15',
    xmlNamespace: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
    errors: {
      // The exception names the engine throws, spelled as the service's wire codes.
      ChangeSetNotFoundException: { code: 'ChangeSetNotFound', status: 404 },
      InvalidChangeSetStatusException: { code: 'InvalidChangeSetStatus', status: 400 },
      StackNotFoundException: { code: 'StackNotFoundException', status: 404 },
      AlreadyExistsException: { code: 'AlreadyExistsException', status: 400 },
      InsufficientCapabilitiesException: { code: 'InsufficientCapabilitiesException', status: 400 },
      LimitExceededException: { code: 'LimitExceededException', status: 400 },
      TokenAlreadyExistsException: { code: 'TokenAlreadyExistsException', status: 400 },
      OperationInProgressException: { code: 'OperationInProgressException', status: 409 },
      ValidationError: { code: 'ValidationError', status: 400 },
      // A Lattice-style validation error that reaches this layer is CloudFormation's ValidationError.
      ValidationException: { code: 'ValidationError', status: 400 },
    },
    actions: {
      CreateStack: action(I.createStackInput, async (call, i) => {
        const templateBody = templateOf(i);
        if (i.DisableRollback !== undefined && i.OnFailure !== undefined) throw validation('You cannot specify both DisableRollback and OnFailure.');
        const input: StackInput = {
          StackName: i.StackName,
          TemplateBody: templateBody,
          ...stackCommon(i),
          ...(i.OnFailure !== undefined ? { OnFailure: i.OnFailure } : {}),
          ...(i.DisableRollback !== undefined ? { DisableRollback: i.DisableRollback } : {}),
        };
        const { StackId } = await engine.createStack(call, input);
        return { StackId };
      }),

      UpdateStack: action(I.updateStackInput, async (call, i) => {
        const input: StackInput = {
          StackName: i.StackName,
          ...templateOrPrevious(i),
          ...stackCommon(i),
          ...(i.DisableRollback !== undefined ? { DisableRollback: i.DisableRollback } : {}),
        };
        const { StackId } = await engine.updateStack(call, input);
        return { StackId };
      }),

      DeleteStack: action(I.deleteStackInput, async (call, i) => {
        await engine.deleteStack(call, { StackName: i.StackName, ...(i.RetainResources ? { RetainResources: i.RetainResources } : {}) });
        return undefined;
      }),

      DescribeStacks: action(I.describeStacksInput, async (call, i) => {
        const stacks = await engine.describeStacks(call, i.StackName !== undefined ? { StackName: i.StackName } : {});
        const page = paginate(stacks, (s) => s.StackId, i.NextToken, size, `DescribeStacks:${i.StackName ?? ''}`);
        return { Stacks: page.items.map(O.stack), NextToken: page.nextToken };
      }),

      DescribeStackEvents: action(I.describeStackEventsInput, async (call, i) => {
        const events = await engine.describeStackEvents(call, { StackName: i.StackName });
        const page = paginate(events, (e) => e.EventId, i.NextToken, size, `DescribeStackEvents:${i.StackName}`);
        return { StackEvents: page.items.map(O.stackEvent), NextToken: page.nextToken };
      }),

      DescribeStackResource: action(I.describeStackResourceInput, async (call, i) => {
        const found = await engine.describeStackResources(call, { StackName: i.StackName, LogicalResourceId: i.LogicalResourceId });
        const r = found.find((x) => x.LogicalResourceId === i.LogicalResourceId);
        if (!r) throw validation(`Resource ${i.LogicalResourceId} does not exist for stack ${i.StackName}`);
        return { StackResourceDetail: O.stackResourceDetail(r) };
      }),

      DescribeStackResources: action(I.describeStackResourcesInput, async (call, i) => {
        let resources: readonly StackResourceDescription[];
        if (i.StackName !== undefined) {
          resources = await engine.describeStackResources(call, { StackName: i.StackName, ...(i.LogicalResourceId ? { LogicalResourceId: i.LogicalResourceId } : {}) });
          if (i.PhysicalResourceId !== undefined) resources = resources.filter((r) => r.PhysicalResourceId === i.PhysicalResourceId);
        } else if (i.PhysicalResourceId !== undefined) {
          // As on AWS, a physical id alone names the stack that owns it: all of that stack's resources.
          resources = await resourcesOfOwner(engine, call, i.PhysicalResourceId);
          if (i.LogicalResourceId !== undefined) resources = resources.filter((r) => r.LogicalResourceId === i.LogicalResourceId);
        } else {
          throw validation('Either StackName or PhysicalResourceId must be specified.');
        }
        return { StackResources: resources.map(O.stackResource) };
      }),

      ListStackResources: action(I.listStackResourcesInput, async (call, i) => {
        const resources = await engine.describeStackResources(call, { StackName: i.StackName });
        const page = paginate(resources, (r) => r.LogicalResourceId, i.NextToken, size, `ListStackResources:${i.StackName}`);
        return { StackResourceSummaries: page.items.map(O.stackResourceSummary), NextToken: page.nextToken };
      }),

      ListStacks: action(I.listStacksInput, async (call, i) => {
        const stacks = await engine.listStacks(call, i.StackStatusFilter ? { StackStatusFilter: i.StackStatusFilter } : {});
        const page = paginate(stacks, (s) => s.StackId, i.NextToken, size, `ListStacks:${(i.StackStatusFilter ?? []).join(',')}`);
        return { StackSummaries: page.items.map(O.stackSummary), NextToken: page.nextToken };
      }),

      GetTemplate: action(I.getTemplateInput, async (call, i) => {
        if (i.StackName === undefined) throw validation('StackName must be specified.');
        const { TemplateBody } = await engine.getTemplate(call, { StackName: i.StackName, ...(i.ChangeSetName ? { ChangeSetName: i.ChangeSetName } : {}) });
        return { TemplateBody, StagesAvailable: ['Original', 'Processed'] };
      }),

      GetTemplateSummary: action(I.getTemplateSummaryInput, async (call, i) => {
        if (i.StackSetName !== undefined) throw validation('Trellis has no stack sets: specify TemplateBody or StackName.');
        const given = [i.TemplateBody, i.TemplateURL, i.StackName].filter((x) => x !== undefined).length;
        if (given !== 1) throw validation('Specify one of TemplateBody, TemplateURL, StackName or StackSetName.');
        if (i.TemplateURL !== undefined) throw templateUrlUnsupported();
        const summary = await engine.getTemplateSummary(call, i.TemplateBody !== undefined ? { TemplateBody: i.TemplateBody } : { StackName: i.StackName! });
        return O.templateSummary(summary);
      }),

      ValidateTemplate: action(I.validateTemplateInput, async (call, i) => {
        const summary = await engine.validateTemplate(call, { TemplateBody: templateOf(i) });
        return O.validateSummary(summary);
      }),

      CreateChangeSet: action(I.createChangeSetInput, async (call, i) => {
        const { Id, StackId } = await engine.createChangeSet(call, {
          StackName: i.StackName,
          ChangeSetName: i.ChangeSetName,
          ...templateOrPrevious(i),
          ...stackCommon(i),
          ...(i.ChangeSetType !== undefined ? { ChangeSetType: i.ChangeSetType } : {}),
          ...(i.Description !== undefined ? { Description: i.Description } : {}),
          ...(i.OnStackFailure !== undefined ? { OnFailure: i.OnStackFailure } : {}),
        });
        return { Id, StackId };
      }),

      DescribeChangeSet: action(I.describeChangeSetInput, async (call, i) => {
        const cs = await engine.describeChangeSet(call, changeSetRef(i));
        const page = paginate(cs.Changes, (c) => c.LogicalResourceId, i.NextToken, size, `DescribeChangeSet:${cs.ChangeSetId}`);
        const head = O.changeSetHead(cs);
        return { ...head, Changes: page.items.map(O.change), NextToken: page.nextToken, IncludeNestedStacks: false };
      }),

      ExecuteChangeSet: action(I.executeChangeSetInput, async (call, i) => {
        await engine.executeChangeSet(call, changeSetRef(i));
        return {};
      }),

      DeleteChangeSet: action(I.changeSetRefInput, async (call, i) => {
        await engine.deleteChangeSet(call, changeSetRef(i));
        return {};
      }),

      ListChangeSets: action(I.listChangeSetsInput, async (call, i) => {
        const sets = await engine.listChangeSets(call, { StackName: i.StackName });
        const page = paginate(sets, (c) => c.ChangeSetId, i.NextToken, size, `ListChangeSets:${i.StackName}`);
        return { Summaries: page.items.map(O.changeSetSummary), NextToken: page.nextToken };
      }),

      ListExports: action(I.listExportsInput, async (call, i) => {
        const exports = await engine.listExports(call);
        const page = paginate(exports, (e) => e.Name, i.NextToken, size, 'ListExports');
        return { Exports: page.items.map(O.exportEntry), NextToken: page.nextToken };
      }),

      ListImports: action(I.listImportsInput, async (call, i) => {
        const imports = await engine.listImports(call, { ExportName: i.ExportName });
        if (imports.length === 0) throw validation(`Export '${i.ExportName}' is not imported by any stack.`);
        const page = paginate(imports, (name) => name, i.NextToken, size, `ListImports:${i.ExportName}`);
        return { Imports: [...page.items], NextToken: page.nextToken };
      }),
    },
  };
}

interface TemplateSource { readonly TemplateBody?: string; readonly TemplateURL?: string }

/** A template is given exactly one way; Trellis reads bodies only (there is no S3 to fetch from). */
function templateOf(i: TemplateSource): string {
  if (i.TemplateBody !== undefined && i.TemplateURL !== undefined) throw validation('Specify exactly one of TemplateBody or TemplateUrl.');
  if (i.TemplateURL !== undefined) throw templateUrlUnsupported();
  if (i.TemplateBody === undefined) throw validation('Either Template URL or Template Body must be specified.');
  return i.TemplateBody;
}

/** UpdateStack / CreateChangeSet: a new template, or the stack's current one. */
function templateOrPrevious(i: TemplateSource & { readonly UsePreviousTemplate?: boolean }): Pick<StackInput, 'TemplateBody' | 'UsePreviousTemplate'> {
  if (i.UsePreviousTemplate === true) {
    if (i.TemplateBody !== undefined || i.TemplateURL !== undefined) throw validation('You cannot specify both usePreviousTemplate and Template Body/Template Url');
    return { UsePreviousTemplate: true };
  }
  return { TemplateBody: templateOf(i) };
}

function templateUrlUnsupported(): Error {
  return validation('TemplateURL is not supported by Trellis: there is no S3 to read it from. Pass the template as TemplateBody (aws cloudformation deploy does when no --s3-bucket is given).');
}

interface CommonInput {
  readonly Parameters?: readonly { readonly ParameterKey?: string; readonly ParameterValue?: string; readonly UsePreviousValue?: boolean }[];
  readonly Capabilities?: readonly Capability[];
  readonly Tags?: readonly Tag[];
  readonly ClientRequestToken?: string;
}

function stackCommon(i: CommonInput): Pick<StackInput, 'Parameters' | 'Capabilities' | 'Tags' | 'ClientRequestToken'> {
  return {
    ...(i.Parameters ? { Parameters: i.Parameters.map(parameter) } : {}),
    ...(i.Capabilities ? { Capabilities: i.Capabilities } : {}),
    ...(i.Tags ? { Tags: i.Tags } : {}),
    ...(i.ClientRequestToken !== undefined ? { ClientRequestToken: i.ClientRequestToken } : {}),
  };
}

/** A parameter names its key; a value or UsePreviousValue, not both (AWS's rule). */
function parameter(p: NonNullable<CommonInput['Parameters']>[number], index: number): Parameter {
  if (p.ParameterKey === undefined) throw validation(`1 validation error detected: Value null at 'parameters.${index + 1}.member.parameterKey' failed to satisfy constraint: Member must not be null`);
  if (p.UsePreviousValue === true && p.ParameterValue !== undefined) throw validation(`Invalid input for parameter key ${p.ParameterKey}. Cannot specify usePreviousValue as true and non empty value for a parameter`);
  return {
    ParameterKey: p.ParameterKey,
    ...(p.ParameterValue !== undefined ? { ParameterValue: p.ParameterValue } : {}),
    ...(p.UsePreviousValue !== undefined ? { UsePreviousValue: p.UsePreviousValue } : {}),
  };
}

function changeSetRef(i: { readonly ChangeSetName: string; readonly StackName?: string }): { readonly ChangeSetName: string; readonly StackName?: string } {
  // A change set named by name (not ARN) needs its stack, as AWS requires.
  if (!i.ChangeSetName.startsWith('arn:') && i.StackName === undefined) {
    throw validation('StackName must be specified if ChangeSetName is not specified as an ARN.');
  }
  return i.StackName !== undefined ? { ChangeSetName: i.ChangeSetName, StackName: i.StackName } : { ChangeSetName: i.ChangeSetName };
}

/** The resources of the stack that owns `physicalId`, searched over the live stacks. */
async function resourcesOfOwner(engine: StackEngine, call: CallContext, physicalId: string): Promise<readonly StackResourceDescription[]> {
  for (const s of await engine.describeStacks(call, {})) {
    const resources = await engine.describeStackResources(call, { StackName: s.StackId });
    if (resources.some((r) => r.PhysicalResourceId === physicalId)) return resources;
  }
  throw validation(`Stack for ${physicalId} does not exist`);
}
