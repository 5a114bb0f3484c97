import { randomUUID } from 'node:crypto';
import { AwsError } from '../../../model/index.js';
import type {
  CallContext, Capability, ChangeSetDescription, ChangeSetInput, Export, StackDescription, StackEngine, StackEvent,
  StackInput, StackResourceDescription, TemplateSummary,
} from '../../../cfn/index.js';

/**
 * A small, real StackEngine kept in memory, for the Query layer's own tests: it lets the
 * protocol be tested at the wire (every action, its XML, its errors) apart from the real
 * engine and its providers. It understands a JSON template of plain values — Description,
 * Parameters (Default, NoEcho), Resources (Type only; each becomes a record with a made-up
 * physical id), Outputs (Value as a string or `{"Ref": parameter}`, Export.Name) — and
 * finishes every operation at once. Change sets compare template and parameters only.
 */
export class MemoryStackEngine implements StackEngine {
  private readonly stacks = new Map<string, MemoryStack>();
  private readonly changeSets = new Map<string, MemoryChangeSet>();
  private clock = Date.parse('2024-01-01T00:00:00Z');

  async createStack(call: CallContext, input: StackInput): Promise<{ readonly StackId: string }> {
    if (this.live(input.StackName)) throw new AwsError('AlreadyExistsException', `Stack [${input.StackName}] already exists`, {}, 400);
    const stack = this.newStack(call, input, 'CREATE_IN_PROGRESS');
    this.apply(stack, input.TemplateBody ?? '', input, 'CREATE');
    return { StackId: stack.id };
  }

  async updateStack(_call: CallContext, input: StackInput): Promise<{ readonly StackId: string }> {
    const stack = this.mustFind(input.StackName);
    const body = input.UsePreviousTemplate ? stack.template : input.TemplateBody ?? '';
    if (body === stack.template && sameParams(stack, input)) throw new AwsError('ValidationError', 'No updates are to be performed.', {}, 400);
    this.apply(stack, body, input, 'UPDATE');
    return { StackId: stack.id };
  }

  async deleteStack(_call: CallContext, input: { readonly StackName: string }): Promise<void> {
    const stack = this.live(input.StackName);
    if (!stack) return;
    this.event(stack, stack.name, 'AWS::CloudFormation::Stack', 'DELETE_IN_PROGRESS', stack.id);
    stack.resources = [];
    stack.status = 'DELETE_COMPLETE';
    stack.deletedAt = this.now();
    this.event(stack, stack.name, 'AWS::CloudFormation::Stack', 'DELETE_COMPLETE', stack.id);
  }

  async describeStacks(_call: CallContext, input: { readonly StackName?: string }): Promise<readonly StackDescription[]> {
    if (input.StackName === undefined) return [...this.stacks.values()].filter((s) => s.status !== 'DELETE_COMPLETE').map(describe);
    return [describe(this.mustFind(input.StackName, true))];
  }

  async listStacks(_call: CallContext, input: { readonly StackStatusFilter?: readonly string[] }): Promise<readonly StackDescription[]> {
    const all = [...this.stacks.values()].map(describe);
    return input.StackStatusFilter?.length ? all.filter((s) => input.StackStatusFilter!.includes(s.StackStatus)) : all;
  }

  async describeStackEvents(_call: CallContext, input: { readonly StackName: string }): Promise<readonly StackEvent[]> {
    return [...this.mustFind(input.StackName, true).events].reverse();
  }

  async describeStackResources(_call: CallContext, input: { readonly StackName: string; readonly LogicalResourceId?: string }): Promise<readonly StackResourceDescription[]> {
    const stack = this.mustFind(input.StackName, true);
    return stack.resources.filter((r) => input.LogicalResourceId === undefined || r.LogicalResourceId === input.LogicalResourceId);
  }

  async getTemplate(_call: CallContext, input: { readonly StackName: string; readonly ChangeSetName?: string }): Promise<{ readonly TemplateBody: string }> {
    if (input.ChangeSetName) return { TemplateBody: this.mustFindChangeSet(input.ChangeSetName, input.StackName).template };
    return { TemplateBody: this.mustFind(input.StackName, true).template };
  }

  async getTemplateSummary(call: CallContext, input: { readonly TemplateBody?: string; readonly StackName?: string }): Promise<TemplateSummary> {
    return this.validateTemplate(call, { TemplateBody: input.TemplateBody ?? this.mustFind(input.StackName ?? '').template });
  }

  async validateTemplate(_call: CallContext, input: { readonly TemplateBody: string }): Promise<TemplateSummary> {
    const t = parse(input.TemplateBody);
    const types = [...new Set(Object.values(t.Resources).map((r) => r.Type))];
    const iam = types.some((x) => x.startsWith('AWS::IAM::'));
    return {
      Parameters: Object.entries(t.Parameters).map(([k, p]) => ({
        ParameterKey: k, ParameterType: p.Type ?? 'String', NoEcho: p.NoEcho === true,
        ...(p.Default !== undefined ? { DefaultValue: p.Default } : {}), ...(p.Description ? { Description: p.Description } : {}),
      })),
      ...(t.Description !== undefined ? { Description: t.Description } : {}),
      Capabilities: iam ? ['CAPABILITY_IAM'] : [],
      ...(iam ? { CapabilitiesReason: 'The following resource(s) require capabilities: [AWS::IAM::Role]' } : {}),
      ResourceTypes: types,
      DeclaredTransforms: [],
    };
  }

  async createChangeSet(call: CallContext, input: ChangeSetInput): Promise<{ readonly Id: string; readonly StackId: string }> {
    let stack = this.live(input.StackName);
    const type = input.ChangeSetType ?? 'UPDATE';
    if (type === 'CREATE') {
      // A stack still in review (its first change set not executed) takes another CREATE change set.
      if (stack && stack.status !== 'REVIEW_IN_PROGRESS') throw new AwsError('ValidationError', `Stack [${input.StackName}] already exists and cannot be created again with the changeSet [${input.ChangeSetName}].`, {}, 400);
      stack ??= this.newStack(call, input, 'REVIEW_IN_PROGRESS');
    } else if (!stack) {
      throw new AwsError('ValidationError', `Stack [${input.StackName}] does not exist`, {}, 400);
    }
    const template = input.UsePreviousTemplate ? stack.template : input.TemplateBody ?? '';
    checkCapabilities(parse(template), input.Capabilities ?? []);
    const empty = type === 'UPDATE' && template === stack.template && sameParams(stack, input);
    const id = `arn:aws:cloudformation:${call.scope.region}:${call.scope.account}:changeSet/${input.ChangeSetName}/${randomUUID()}`;
    const changes = empty ? [] : Object.entries(parse(template).Resources).map(([logical, r]) => ({
      Action: stack.resources.some((x) => x.LogicalResourceId === logical) ? 'Modify' as const : 'Add' as const,
      LogicalResourceId: logical, ResourceType: r.Type, Scope: [] as string[],
      ...(stack.resources.some((x) => x.LogicalResourceId === logical) ? { Replacement: 'False' as const } : {}),
    }));
    this.changeSets.set(id, {
      id, name: input.ChangeSetName, stackId: stack.id, template, input, type, changes,
      status: empty ? 'FAILED' : 'CREATE_COMPLETE', execution: empty ? 'UNAVAILABLE' : 'AVAILABLE', createdAt: this.now(),
      ...(empty ? { reason: "The submitted information didn't contain changes. Submit different information to create a change set." } : {}),
    });
    return { Id: id, StackId: stack.id };
  }

  async describeChangeSet(_call: CallContext, input: { readonly ChangeSetName: string; readonly StackName?: string }): Promise<ChangeSetDescription> {
    return this.describeChangeSetOf(this.mustFindChangeSet(input.ChangeSetName, input.StackName));
  }

  async executeChangeSet(_call: CallContext, input: { readonly ChangeSetName: string; readonly StackName?: string }): Promise<void> {
    const cs = this.mustFindChangeSet(input.ChangeSetName, input.StackName);
    if (cs.execution !== 'AVAILABLE') throw new AwsError('InvalidChangeSetStatusException', `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`, {}, 400);
    const stack = [...this.stacks.values()].find((s) => s.id === cs.stackId)!;
    this.apply(stack, cs.template, cs.input, cs.type === 'CREATE' ? 'CREATE' : 'UPDATE');
    cs.execution = 'EXECUTE_COMPLETE';
    for (const other of this.changeSets.values()) if (other.stackId === cs.stackId && other !== cs) other.execution = 'OBSOLETE';
  }

  async deleteChangeSet(_call: CallContext, input: { readonly ChangeSetName: string; readonly StackName?: string }): Promise<void> {
    this.changeSets.delete(this.mustFindChangeSet(input.ChangeSetName, input.StackName).id);
  }

  async listChangeSets(_call: CallContext, input: { readonly StackName: string }): Promise<readonly ChangeSetDescription[]> {
    const stack = this.mustFind(input.StackName, true);
    return [...this.changeSets.values()].filter((c) => c.stackId === stack.id).map((c) => this.describeChangeSetOf(c));
  }

  async listExports(): Promise<readonly Export[]> {
    return [...this.stacks.values()].filter((s) => s.status !== 'DELETE_COMPLETE')
      .flatMap((s) => s.outputs.filter((o) => o.ExportName).map((o) => ({ ExportingStackId: s.id, Name: o.ExportName!, Value: o.OutputValue })));
  }

  async listImports(): Promise<readonly string[]> {
    return [];
  }

  // ---- internals ----

  private now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private live(nameOrId: string): MemoryStack | undefined {
    return [...this.stacks.values()].find((s) => s.status !== 'DELETE_COMPLETE' && (s.name === nameOrId || s.id === nameOrId));
  }

  /** Deleted stacks are found by id only, as on AWS. */
  private mustFind(nameOrId: string, byIdToo = false): MemoryStack {
    const s = this.live(nameOrId) ?? (byIdToo ? this.stacks.get(nameOrId) : undefined);
    if (!s) throw new AwsError('ValidationError', `Stack with id ${nameOrId} does not exist`, {}, 400);
    return s;
  }

  private mustFindChangeSet(nameOrId: string, stackName?: string): MemoryChangeSet {
    const stack = stackName === undefined ? undefined : this.live(stackName) ?? this.stacks.get(stackName);
    const cs = this.changeSets.get(nameOrId) ?? [...this.changeSets.values()].find((c) => c.name === nameOrId && c.stackId === stack?.id);
    if (!cs) throw new AwsError('ChangeSetNotFoundException', `ChangeSet [${nameOrId}] does not exist`, {}, 404);
    return cs;
  }

  private newStack(call: CallContext, input: StackInput, status: string): MemoryStack {
    const id = `arn:aws:cloudformation:${call.scope.region}:${call.scope.account}:stack/${input.StackName}/${randomUUID()}`;
    const stack: MemoryStack = {
      id, name: input.StackName, status, template: '', params: [], capabilities: input.Capabilities ?? [], tags: input.Tags ?? [],
      outputs: [], resources: [], events: [], createdAt: this.now(),
    };
    this.stacks.set(id, stack);
    if (status === 'REVIEW_IN_PROGRESS') this.event(stack, stack.name, 'AWS::CloudFormation::Stack', status, id);
    return stack;
  }

  private apply(stack: MemoryStack, body: string, input: StackInput, kind: 'CREATE' | 'UPDATE'): void {
    const t = parse(body);
    checkCapabilities(t, input.Capabilities ?? []);
    const params: Record<string, string> = {};
    for (const [k, p] of Object.entries(t.Parameters)) {
      const given = input.Parameters?.find((x) => x.ParameterKey === k);
      const value = given?.UsePreviousValue ? stack.params.find((x) => x.ParameterKey === k)?.ParameterValue : given?.ParameterValue ?? p.Default;
      if (value === undefined) throw new AwsError('ValidationError', `Parameters: [${k}] must have values`, {}, 400);
      params[k] = value;
    }
    this.event(stack, stack.name, 'AWS::CloudFormation::Stack', `${kind}_IN_PROGRESS`, stack.id);
    stack.template = body;
    stack.params = Object.entries(params).map(([k, v]) => ({ ParameterKey: k, ParameterValue: t.Parameters[k]?.NoEcho ? '****' : v }));
    stack.resources = Object.entries(t.Resources).map(([logical, r]) => {
      const physical = `${stack.name}-${logical}-physical`;
      this.event(stack, logical, r.Type, `${kind}_COMPLETE`, physical);
      return { StackId: stack.id, StackName: stack.name, LogicalResourceId: logical, PhysicalResourceId: physical, ResourceType: r.Type, Timestamp: this.now(), ResourceStatus: `${kind}_COMPLETE` };
    });
    stack.outputs = Object.entries(t.Outputs).map(([k, o]) => ({
      OutputKey: k, OutputValue: typeof o.Value === 'string' ? o.Value : params[o.Value.Ref] ?? '',
      ...(o.Description ? { Description: o.Description } : {}), ...(o.Export ? { ExportName: o.Export.Name } : {}),
    }));
    if (t.Description !== undefined) stack.description = t.Description;
    if (input.Tags) stack.tags = input.Tags;
    stack.capabilities = input.Capabilities ?? [];
    stack.status = `${kind}_COMPLETE`;
    if (kind === 'UPDATE') stack.updatedAt = this.now();
    this.event(stack, stack.name, 'AWS::CloudFormation::Stack', `${kind}_COMPLETE`, stack.id);
  }

  private event(stack: MemoryStack, logical: string, type: string, status: string, physical: string): void {
    stack.events.push({
      StackId: stack.id, EventId: randomUUID(), StackName: stack.name, LogicalResourceId: logical, PhysicalResourceId: physical,
      ResourceType: type, Timestamp: this.now(), ResourceStatus: status,
    });
  }

  private describeChangeSetOf(c: MemoryChangeSet): ChangeSetDescription {
    const stack = [...this.stacks.values()].find((s) => s.id === c.stackId)!;
    return {
      ChangeSetId: c.id, ChangeSetName: c.name, StackId: c.stackId, StackName: stack.name, CreationTime: c.createdAt,
      Parameters: (c.input.Parameters ?? []).map((p) => ({ ParameterKey: p.ParameterKey, ParameterValue: p.ParameterValue ?? '' })),
      Status: c.status, ExecutionStatus: c.execution, Capabilities: c.input.Capabilities ?? [], Changes: c.changes, Tags: c.input.Tags ?? [],
      ...(c.reason ? { StatusReason: c.reason } : {}), ...(c.input.Description ? { Description: c.input.Description } : {}),
    };
  }
}

interface MemoryStack {
  readonly id: string;
  readonly name: string;
  status: string;
  template: string;
  params: { ParameterKey: string; ParameterValue: string }[];
  capabilities: readonly Capability[];
  tags: StackDescription['Tags'];
  outputs: StackDescription['Outputs'][number][];
  resources: StackResourceDescription[];
  events: StackEvent[];
  description?: string;
  readonly createdAt: string;
  updatedAt?: string;
  deletedAt?: string;
}

interface MemoryChangeSet {
  readonly id: string;
  readonly name: string;
  readonly stackId: string;
  readonly template: string;
  readonly input: ChangeSetInput;
  readonly type: string;
  readonly changes: ChangeSetDescription['Changes'];
  readonly status: string;
  execution: string;
  readonly reason?: string;
  readonly createdAt: string;
}

function describe(s: MemoryStack): StackDescription {
  return {
    StackId: s.id, StackName: s.name, Parameters: s.params, CreationTime: s.createdAt, StackStatus: s.status,
    DisableRollback: false, Capabilities: s.capabilities, Outputs: s.outputs, Tags: s.tags,
    ...(s.description !== undefined ? { Description: s.description } : {}),
    ...(s.updatedAt ? { LastUpdatedTime: s.updatedAt } : {}), ...(s.deletedAt ? { DeletionTime: s.deletedAt } : {}),
  };
}

function sameParams(s: MemoryStack, input: StackInput): boolean {
  return (input.Parameters ?? []).every((p) => p.UsePreviousValue || s.params.find((x) => x.ParameterKey === p.ParameterKey)?.ParameterValue === p.ParameterValue);
}

interface MemoryTemplate {
  readonly Description?: string;
  readonly Parameters: Record<string, { readonly Type?: string; readonly Default?: string; readonly NoEcho?: boolean; readonly Description?: string }>;
  readonly Resources: Record<string, { readonly Type: string }>;
  readonly Outputs: Record<string, { readonly Value: string | { readonly Ref: string }; readonly Description?: string; readonly Export?: { readonly Name: string } }>;
}

/** Test templates are trusted JSON of the shape above; anything else is a ValidationError. */
function parse(body: string): MemoryTemplate {
  let t: unknown;
  try { t = JSON.parse(body); } catch { throw new AwsError('ValidationError', 'Template format error: JSON not well-formed.', {}, 400); }
  if (typeof t !== 'object' || t === null || !('Resources' in t)) throw new AwsError('ValidationError', 'Template format error: At least one Resources member must be defined.', {}, 400);
  const o = t as Partial<MemoryTemplate>;
  return { ...o, Parameters: o.Parameters ?? {}, Resources: o.Resources ?? {}, Outputs: o.Outputs ?? {} };
}

function checkCapabilities(t: MemoryTemplate, given: readonly Capability[]): void {
  const iam = Object.values(t.Resources).some((r) => r.Type.startsWith('AWS::IAM::'));
  if (iam && !given.includes('CAPABILITY_IAM') && !given.includes('CAPABILITY_NAMED_IAM')) {
    throw new AwsError('InsufficientCapabilitiesException', 'Requires capabilities : [CAPABILITY_IAM]', {}, 400);
  }
}
