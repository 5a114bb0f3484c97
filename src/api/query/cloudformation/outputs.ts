import type {
  ChangeSetDescription, Export, StackDescription, StackEvent, StackResourceDescription, TemplateSummary,
} from '../../../cfn/index.js';
import type { XmlValue } from '../xml.js';

/**
 * The wire form of the stack engine's answers: each CloudFormation output structure with
 * its members in the service's order. Members the service always sends (empty lists,
 * `DriftInformation`) are sent too, so a client sees what it sees from AWS.
 */
type Xml = { readonly [name: string]: XmlValue };

const NOT_CHECKED = { StackDriftStatus: 'NOT_CHECKED' } as const;

export function stack(s: StackDescription): Xml {
  return {
    StackId: s.StackId,
    StackName: s.StackName,
    ChangeSetId: s.ChangeSetId,
    Description: s.Description,
    Parameters: s.Parameters.map((p) => ({ ParameterKey: p.ParameterKey, ParameterValue: p.ParameterValue })),
    CreationTime: s.CreationTime,
    DeletionTime: s.DeletionTime,
    LastUpdatedTime: s.LastUpdatedTime,
    RollbackConfiguration: {},
    StackStatus: s.StackStatus,
    StackStatusReason: s.StackStatusReason,
    DisableRollback: s.DisableRollback,
    NotificationARNs: [],
    Capabilities: [...s.Capabilities],
    Outputs: s.Outputs.map((o) => ({ OutputKey: o.OutputKey, OutputValue: o.OutputValue, Description: o.Description, ExportName: o.ExportName })),
    Tags: s.Tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    EnableTerminationProtection: false,
    DriftInformation: NOT_CHECKED,
  };
}

export function stackSummary(s: StackDescription): Xml {
  return {
    StackId: s.StackId,
    StackName: s.StackName,
    TemplateDescription: s.Description,
    CreationTime: s.CreationTime,
    LastUpdatedTime: s.LastUpdatedTime,
    DeletionTime: s.DeletionTime,
    StackStatus: s.StackStatus,
    StackStatusReason: s.StackStatusReason,
    DriftInformation: NOT_CHECKED,
  };
}

export function stackEvent(e: StackEvent): Xml {
  return {
    StackId: e.StackId,
    EventId: e.EventId,
    StackName: e.StackName,
    LogicalResourceId: e.LogicalResourceId,
    PhysicalResourceId: e.PhysicalResourceId,
    ResourceType: e.ResourceType,
    Timestamp: e.Timestamp,
    ResourceStatus: e.ResourceStatus,
    ResourceStatusReason: e.ResourceStatusReason,
    ResourceProperties: e.ResourceProperties,
    ClientRequestToken: e.ClientRequestToken,
  };
}

/** ListStackResources' `StackResourceSummary`: the fields the other two shapes build on. */
export function stackResourceSummary(r: StackResourceDescription): Xml {
  return {
    LogicalResourceId: r.LogicalResourceId,
    PhysicalResourceId: r.PhysicalResourceId,
    ResourceType: r.ResourceType,
    LastUpdatedTimestamp: r.Timestamp,
    ResourceStatus: r.ResourceStatus,
    ResourceStatusReason: r.ResourceStatusReason,
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  };
}

/** DescribeStackResource's `StackResourceDetail`: the summary with its stack. */
export function stackResourceDetail(r: StackResourceDescription): Xml {
  return { StackName: r.StackName, StackId: r.StackId, ...stackResourceSummary(r) };
}

/** DescribeStackResources' `StackResource`: the detail, its timestamp named `Timestamp`. */
export function stackResource(r: StackResourceDescription): Xml {
  const { LastUpdatedTimestamp: _renamed, ...rest } = stackResourceDetail(r);
  return { ...rest, Timestamp: r.Timestamp };
}

export function templateSummary(s: TemplateSummary): Xml {
  return {
    Parameters: s.Parameters.map((p) => ({
      ParameterKey: p.ParameterKey,
      DefaultValue: p.DefaultValue,
      ParameterType: p.ParameterType,
      NoEcho: p.NoEcho,
      Description: p.Description,
      ParameterConstraints: {},
    })),
    Description: s.Description,
    Capabilities: [...s.Capabilities],
    CapabilitiesReason: s.CapabilitiesReason,
    ResourceTypes: [...s.ResourceTypes],
    DeclaredTransforms: [...s.DeclaredTransforms],
  };
}

/** ValidateTemplate answers a narrower summary: no types, no resource types. */
export function validateSummary(s: TemplateSummary): Xml {
  return {
    Parameters: s.Parameters.map((p) => ({ ParameterKey: p.ParameterKey, DefaultValue: p.DefaultValue, NoEcho: p.NoEcho, Description: p.Description })),
    Description: s.Description,
    Capabilities: [...s.Capabilities],
    CapabilitiesReason: s.CapabilitiesReason,
    DeclaredTransforms: [...s.DeclaredTransforms],
  };
}

/** DescribeChangeSet without its Changes (those are paged). */
export function changeSetHead(c: ChangeSetDescription): Xml {
  return {
    ChangeSetName: c.ChangeSetName,
    ChangeSetId: c.ChangeSetId,
    StackId: c.StackId,
    StackName: c.StackName,
    Description: c.Description,
    Parameters: c.Parameters.map((p) => ({ ParameterKey: p.ParameterKey, ParameterValue: p.ParameterValue })),
    CreationTime: c.CreationTime,
    ExecutionStatus: c.ExecutionStatus,
    Status: c.Status,
    StatusReason: c.StatusReason,
    NotificationARNs: [],
    RollbackConfiguration: {},
    Capabilities: [...c.Capabilities],
    Tags: c.Tags.map((t) => ({ Key: t.Key, Value: t.Value })),
  };
}

export function change(r: ChangeSetDescription['Changes'][number]): Xml {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: r.Action,
      LogicalResourceId: r.LogicalResourceId,
      PhysicalResourceId: r.PhysicalResourceId,
      ResourceType: r.ResourceType,
      Replacement: r.Replacement,
      Scope: [...r.Scope],
      Details: [],
    },
  };
}

export function changeSetSummary(c: ChangeSetDescription): Xml {
  return {
    StackId: c.StackId,
    StackName: c.StackName,
    ChangeSetId: c.ChangeSetId,
    ChangeSetName: c.ChangeSetName,
    ExecutionStatus: c.ExecutionStatus,
    Status: c.Status,
    StatusReason: c.StatusReason,
    CreationTime: c.CreationTime,
    Description: c.Description,
    IncludeNestedStacks: false,
  };
}

export function exportEntry(e: Export): Xml {
  return { ExportingStackId: e.ExportingStackId, Name: e.Name, Value: e.Value };
}
