import {
  CloudFormationClient, CreateChangeSetCommand, DeleteStackCommand, DescribeChangeSetCommand, DescribeStackEventsCommand,
  DescribeStackResourcesCommand, DescribeStacksCommand, ExecuteChangeSetCommand, GetTemplateSummaryCommand,
  type Capability, type DescribeChangeSetCommandOutput, type Parameter, type Stack, type StackEvent, type Tag,
} from '@aws-sdk/client-cloudformation';
import { EventPrinter } from './cfn-events.js';

/**
 * `trellis deploy` and `trellis delete-stack`: the CloudFormation API driven the way
 * `aws cloudformation deploy` drives it (DescribeStacks → CreateChangeSet → wait →
 * ExecuteChangeSet → wait), but polling every fraction of a second and printing each event
 * as it happens. Both return the process exit code: 0 on success, 1 on failure.
 */

export interface DeployOptions {
  readonly stackName: string;
  readonly templateBody: string;
  /** `K=V` pairs, as `--parameter-overrides` takes them. */
  readonly parameterOverrides: readonly string[];
  readonly capabilities: readonly string[];
  readonly tags: readonly string[];
  readonly execute: boolean;
  readonly failOnEmptyChangeset: boolean;
  /** How often to poll; 150 ms is well under a Lattice resource's settle time. */
  readonly pollMs?: number;
  /** Give up after this long (default 30 minutes, CloudFormation's own patience is longer). */
  readonly timeoutMs?: number;
}

type Out = NodeJS.WritableStream & { isTTY?: boolean };

const NO_CHANGES = [/didn't contain changes/, /No updates are to be performed/];

export async function deploy(client: CloudFormationClient, o: DeployOptions, out: Out, err: Out): Promise<number> {
  const started = Date.now();
  const poll = o.pollMs ?? 150;
  const deadline = started + (o.timeoutMs ?? 30 * 60_000);
  const printer = new EventPrinter(out);

  const existing = await findStack(client, o.stackName);
  const type = existing && existing.StackStatus !== 'REVIEW_IN_PROGRESS' ? 'UPDATE' : 'CREATE';
  const parameters = await mergeParameters(client, o, type === 'UPDATE' ? existing : undefined, err);
  out.write(`${type === 'CREATE' ? 'Creating' : 'Updating'} stack ${o.stackName}\n`);

  const created = await client.send(new CreateChangeSetCommand({
    StackName: o.stackName,
    ChangeSetName: `trellis-deploy-${Date.now()}`,
    ChangeSetType: type,
    TemplateBody: o.templateBody,
    Parameters: parameters,
    Capabilities: o.capabilities as Capability[],
    // No --tags keeps the stack's tags; an empty list would remove them.
    ...(o.tags.length ? { Tags: pairs(o.tags, '--tags').map(([Key, Value]): Tag => ({ Key, Value })) } : {}),
    Description: `Created by trellis deploy at ${new Date().toISOString()}`,
  }));
  const changeSet = await waitForChangeSet(client, created.Id!, poll, deadline);
  if (changeSet.Status === 'FAILED') {
    const reason = changeSet.StatusReason ?? '';
    if (NO_CHANGES.some((re) => re.test(reason))) {
      out.write(`No changes to deploy. Stack ${o.stackName} is up to date\n`);
      return o.failOnEmptyChangeset ? 1 : 0;
    }
    err.write(`The change set failed: ${reason}\n`);
    return 1;
  }
  printer.reserve([o.stackName, ...(changeSet.Changes ?? []).map((c) => c.ResourceChange?.LogicalResourceId ?? '')]);
  printer.changes(changeSet.Changes ?? []);
  if (!o.execute) {
    out.write(`Change set created; review it with\n  aws cloudformation describe-change-set --change-set-name ${created.Id}\n`);
    return 0;
  }

  const stackId = created.StackId!;
  const seen = await eventIds(client, stackId);
  await client.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id!, StackName: stackId }));
  const final = await follow(client, stackId, seen, printer, poll, deadline, existing?.StackStatus);
  const ok = final.StackStatus === `${type}_COMPLETE`;
  printer.verdict(o.stackName, final.StackStatus ?? 'UNKNOWN', (Date.now() - started) / 1000, ok, ok ? undefined : printer.firstFailure ?? final.StackStatusReason);
  if (ok) for (const output of final.Outputs ?? []) out.write(`  ${output.OutputKey} = ${output.OutputValue}${output.ExportName ? `  (export ${output.ExportName})` : ''}\n`);
  return ok ? 0 : 1;
}

export interface DeleteOptions {
  readonly stackName: string;
  readonly wait: boolean;
  readonly pollMs?: number;
  readonly timeoutMs?: number;
}

export async function deleteStack(client: CloudFormationClient, o: DeleteOptions, out: Out): Promise<number> {
  const started = Date.now();
  const stack = await findStack(client, o.stackName);
  if (!stack) {
    out.write(`Stack ${o.stackName} does not exist; nothing to delete\n`);
    return 0;
  }
  const stackId = stack.StackId!;
  const seen = o.wait ? await eventIds(client, stackId) : new Set<string>();
  await client.send(new DeleteStackCommand({ StackName: stackId }));
  if (!o.wait) { out.write(`Deleting stack ${o.stackName}\n`); return 0; }
  out.write(`Deleting stack ${o.stackName}\n`);
  const printer = new EventPrinter(out);
  const resources = await client.send(new DescribeStackResourcesCommand({ StackName: stackId }));
  printer.reserve([o.stackName, ...(resources.StackResources ?? []).map((r) => r.LogicalResourceId ?? '')]);
  const final = await follow(client, stackId, seen, printer, o.pollMs ?? 150, started + (o.timeoutMs ?? 30 * 60_000), stack.StackStatus);
  const ok = final.StackStatus === 'DELETE_COMPLETE';
  printer.verdict(o.stackName, final.StackStatus ?? 'UNKNOWN', (Date.now() - started) / 1000, ok, ok ? undefined : printer.firstFailure ?? final.StackStatusReason);
  return ok ? 0 : 1;
}

/** The live stack of that name, or undefined: CloudFormation answers a ValidationError for none. */
async function findStack(client: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks?.[0];
  } catch (e) {
    if (e instanceof Error && e.name === 'ValidationError' && /does not exist/.test(e.message)) return undefined;
    throw e;
  }
}

/**
 * As `aws cloudformation deploy` merges them: every template parameter that is not
 * overridden keeps its previous value on an update (UsePreviousValue) when the stack has it,
 * and falls back to its default otherwise.
 */
async function mergeParameters(client: CloudFormationClient, o: DeployOptions, existing: Stack | undefined, err: Out): Promise<Parameter[]> {
  const overrides = new Map(pairs(o.parameterOverrides, '--parameter-overrides'));
  const summary = await client.send(new GetTemplateSummaryCommand({ TemplateBody: o.templateBody }));
  const declared = (summary.Parameters ?? []).map((p) => p.ParameterKey!);
  for (const key of overrides.keys()) if (!declared.includes(key)) err.write(`warning: the template has no parameter ${key}; the override is ignored\n`);
  const previous = new Set((existing?.Parameters ?? []).map((p) => p.ParameterKey));
  const out: Parameter[] = [];
  for (const key of declared) {
    const value = overrides.get(key);
    if (value !== undefined) out.push({ ParameterKey: key, ParameterValue: value });
    else if (previous.has(key)) out.push({ ParameterKey: key, UsePreviousValue: true });
  }
  return out;
}

async function waitForChangeSet(client: CloudFormationClient, id: string, poll: number, deadline: number): Promise<DescribeChangeSetCommandOutput> {
  for (;;) {
    const cs = await client.send(new DescribeChangeSetCommand({ ChangeSetName: id }));
    if (cs.Status !== 'CREATE_PENDING' && cs.Status !== 'CREATE_IN_PROGRESS') return cs;
    if (Date.now() > deadline) throw new Error(`the change set is still ${cs.Status} after waiting; giving up`);
    await sleep(poll);
  }
}

/**
 * Prints the stack's new events as they come, until its status is no longer *_IN_PROGRESS.
 * A status equal to the one before the operation counts as the end only once the stack's
 * own event of the operation has been seen, so an engine that flips the status a moment
 * after answering is not mistaken for one that already finished.
 */
async function follow(client: CloudFormationClient, stackId: string, seen: Set<string>, printer: EventPrinter, poll: number, deadline: number, before?: string): Promise<Stack> {
  let stackEventSeen = false;
  for (;;) {
    const [stack] = (await client.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks ?? [];
    // Events after the status: the status read before them cannot be newer than they are.
    for (const e of await newEvents(client, stackId, seen)) {
      if (e.ResourceType === 'AWS::CloudFormation::Stack') stackEventSeen = true;
      printer.print(e);
    }
    if (!stack) throw new Error(`stack ${stackId} vanished`);
    if (!stack.StackStatus?.endsWith('_IN_PROGRESS') && (stack.StackStatus !== before || stackEventSeen)) return stack;
    if (Date.now() > deadline) throw new Error(`stack ${stack.StackName} is still ${stack.StackStatus} after waiting; giving up (it goes on in Trellis)`);
    await sleep(poll);
  }
}

/** Events not printed yet, oldest first; pages back until it meets one already seen. */
async function newEvents(client: CloudFormationClient, stackId: string, seen: Set<string>): Promise<StackEvent[]> {
  const fresh: StackEvent[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: token }));
    let metSeen = false;
    for (const e of page.StackEvents ?? []) {
      if (seen.has(e.EventId!)) { metSeen = true; continue; }
      seen.add(e.EventId!);
      fresh.push(e);
    }
    token = metSeen ? undefined : page.NextToken;
  } while (token);
  // CloudFormation lists events newest first.
  return fresh.reverse();
}

async function eventIds(client: CloudFormationClient, stackId: string): Promise<Set<string>> {
  const seen = new Set<string>();
  await newEvents(client, stackId, seen);
  return seen;
}

/** `K=V` → [K, V]; the value may itself contain `=`. */
export function pairs(items: readonly string[], flag: string): [string, string][] {
  return items.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} takes Key=Value pairs, not ${JSON.stringify(item)}`);
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
