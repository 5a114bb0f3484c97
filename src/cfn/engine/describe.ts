import type { stacks } from '../../control/index.js';
import type { Capability, ChangeSetDescription, ResourceChange, StackDescription, StackEvent, StackResourceDescription, Tag } from '../contracts.js';

type StackDoc = stacks.StackDoc;

/** NoEcho parameters read back as asterisks, as on AWS. */
export function shownParameters(params: readonly stacks.StackParameterValue[], noEcho: readonly string[]): { ParameterKey: string; ParameterValue: string }[] {
  return params.map((p) => ({ ParameterKey: p.ParameterKey, ParameterValue: noEcho.includes(p.ParameterKey) ? '****' : p.ParameterValue }));
}

export function describeStack(d: StackDoc): StackDescription {
  return {
    StackId: d.StackId, StackName: d.StackName,
    ...(d.Description !== undefined ? { Description: d.Description } : {}),
    Parameters: shownParameters(d.parameters, d.noEcho),
    CreationTime: d.CreationTime,
    ...(d.LastUpdatedTime !== undefined ? { LastUpdatedTime: d.LastUpdatedTime } : {}),
    ...(d.DeletionTime !== undefined ? { DeletionTime: d.DeletionTime } : {}),
    StackStatus: d.StackStatus,
    ...(d.StackStatusReason !== undefined ? { StackStatusReason: d.StackStatusReason } : {}),
    DisableRollback: d.DisableRollback,
    Capabilities: d.Capabilities as Capability[],
    Outputs: d.outputs.map((o) => ({ ...o })),
    Tags: d.Tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    ...(d.ChangeSetId !== undefined ? { ChangeSetId: d.ChangeSetId } : {}),
  };
}

export function describeEvent(e: stacks.StackEventDoc): StackEvent {
  return { ...e };
}

export function describeResources(d: StackDoc, logicalId?: string): StackResourceDescription[] {
  return Object.values(d.resources)
    .filter((r) => logicalId === undefined || r.LogicalResourceId === logicalId)
    .map((r) => ({
      StackId: d.StackId, StackName: d.StackName, LogicalResourceId: r.LogicalResourceId,
      ...(r.PhysicalResourceId !== undefined ? { PhysicalResourceId: r.PhysicalResourceId } : {}),
      ResourceType: r.ResourceType, Timestamp: r.Timestamp, ResourceStatus: r.ResourceStatus,
      ...(r.ResourceStatusReason !== undefined ? { ResourceStatusReason: r.ResourceStatusReason } : {}),
    }));
}

export function describeChangeSet(c: stacks.ChangeSetDoc): ChangeSetDescription {
  return {
    ChangeSetId: c.ChangeSetId, ChangeSetName: c.ChangeSetName, StackId: c.StackId, StackName: c.StackName,
    ...(c.Description !== undefined ? { Description: c.Description } : {}),
    Parameters: shownParameters(c.parameters, c.noEcho),
    CreationTime: c.CreationTime, Status: c.Status,
    ...(c.StatusReason !== undefined ? { StatusReason: c.StatusReason } : {}),
    ExecutionStatus: c.ExecutionStatus,
    Capabilities: c.Capabilities as Capability[],
    Changes: c.Changes as unknown as ResourceChange[],
    Tags: c.Tags.map((t): Tag => ({ Key: t.Key, Value: t.Value })),
  };
}
