import { bool, int, list, oneOf, str, struct } from '../shapes.js';

/**
 * The request members of the CloudFormation actions Trellis serves (API version
 * 2010-05-15), with the bounds, patterns and enums of the service's documentation. Members
 * that Trellis accepts but does not act on (RoleARN, NotificationARNs, rollback triggers)
 * are declared so they are checked like AWS checks them, and then ignored.
 */

const STACK_NAME_PATTERN = /[a-zA-Z][-a-zA-Z0-9]*/;
const STACK_NAME_OR_ID_PATTERN = /([a-zA-Z][-a-zA-Z0-9]*)|(arn:\b(aws|aws-us-gov|aws-cn)\b:[-a-zA-Z0-9:/._+]*)/;
const CHANGE_SET_NAME_OR_ID_PATTERN = /[a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/]*/;

export const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const;
export const STACK_STATUSES = [
  'CREATE_IN_PROGRESS', 'CREATE_FAILED', 'CREATE_COMPLETE', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_FAILED', 'ROLLBACK_COMPLETE',
  'DELETE_IN_PROGRESS', 'DELETE_FAILED', 'DELETE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_COMPLETE', 'UPDATE_FAILED', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE', 'REVIEW_IN_PROGRESS', 'IMPORT_IN_PROGRESS',
  'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_IN_PROGRESS', 'IMPORT_ROLLBACK_FAILED', 'IMPORT_ROLLBACK_COMPLETE',
] as const;
const ON_FAILURE = ['DO_NOTHING', 'ROLLBACK', 'DELETE'] as const;

const templateBody = str({ min: 1 });
const templateUrl = str({ min: 1, max: 5120 });
const nextToken = str({ min: 1, max: 1024 });
const clientRequestToken = str({ min: 1, max: 128, pattern: /[a-zA-Z0-9][-a-zA-Z0-9]*/ });
const stackNameOrId = str({ min: 1, pattern: STACK_NAME_OR_ID_PATTERN });
const changeSetNameOrId = str({ min: 1, max: 1600, pattern: CHANGE_SET_NAME_OR_ID_PATTERN });
const capabilities = list(oneOf(CAPABILITIES));
const parameters = list(struct({ ParameterKey: str(), ParameterValue: str(), UsePreviousValue: bool(), ResolvedValue: str() }));
const tags = list(struct({ Key: str({ min: 1, max: 128 }), Value: str({ min: 1, max: 256 }) }, ['Key', 'Value']), 50);
const rollbackConfiguration = struct({
  RollbackTriggers: list(struct({ Arn: str(), Type: str() }, ['Arn', 'Type']), 5),
  MonitoringTimeInMinutes: int({ min: 0, max: 180 }),
});
const notificationArns = list(str(), 5);
const roleArn = str({ min: 20, max: 2048 });
const resourceTypes = list(str({ min: 1, max: 256 }));

export const createStackInput = struct({
  StackName: str({ max: 128, pattern: STACK_NAME_PATTERN }),
  TemplateBody: templateBody,
  TemplateURL: templateUrl,
  Parameters: parameters,
  DisableRollback: bool(),
  RollbackConfiguration: rollbackConfiguration,
  TimeoutInMinutes: int({ min: 1 }),
  NotificationARNs: notificationArns,
  Capabilities: capabilities,
  ResourceTypes: resourceTypes,
  RoleARN: roleArn,
  OnFailure: oneOf(ON_FAILURE),
  StackPolicyBody: str({ min: 1, max: 16384 }),
  StackPolicyURL: str({ min: 1, max: 5120 }),
  Tags: tags,
  ClientRequestToken: clientRequestToken,
  EnableTerminationProtection: bool(),
  RetainExceptOnCreate: bool(),
}, ['StackName']);

export const updateStackInput = struct({
  StackName: str(),
  TemplateBody: templateBody,
  TemplateURL: templateUrl,
  UsePreviousTemplate: bool(),
  Parameters: parameters,
  Capabilities: capabilities,
  ResourceTypes: resourceTypes,
  RoleARN: roleArn,
  RollbackConfiguration: rollbackConfiguration,
  NotificationARNs: notificationArns,
  Tags: tags,
  DisableRollback: bool(),
  ClientRequestToken: clientRequestToken,
  RetainExceptOnCreate: bool(),
}, ['StackName']);

export const deleteStackInput = struct({
  StackName: str(),
  RetainResources: list(str()),
  RoleARN: roleArn,
  ClientRequestToken: clientRequestToken,
  DeletionMode: oneOf(['STANDARD', 'FORCE_DELETE_STACK']),
}, ['StackName']);

export const describeStacksInput = struct({ StackName: str(), NextToken: nextToken });
export const describeStackEventsInput = struct({ StackName: str(), NextToken: nextToken }, ['StackName']);
export const describeStackResourceInput = struct({ StackName: str(), LogicalResourceId: str() }, ['StackName', 'LogicalResourceId']);
export const describeStackResourcesInput = struct({ StackName: str(), LogicalResourceId: str(), PhysicalResourceId: str() });
export const listStackResourcesInput = struct({ StackName: str(), NextToken: nextToken }, ['StackName']);
export const listStacksInput = struct({ NextToken: nextToken, StackStatusFilter: list(oneOf(STACK_STATUSES)) });

export const getTemplateInput = struct({
  StackName: str(),
  ChangeSetName: changeSetNameOrId,
  TemplateStage: oneOf(['Original', 'Processed']),
});

export const getTemplateSummaryInput = struct({
  TemplateBody: templateBody,
  TemplateURL: templateUrl,
  StackName: stackNameOrId,
  StackSetName: str(),
  CallAs: oneOf(['SELF', 'DELEGATED_ADMIN']),
});

export const validateTemplateInput = struct({ TemplateBody: templateBody, TemplateURL: templateUrl });

export const createChangeSetInput = struct({
  StackName: stackNameOrId,
  TemplateBody: templateBody,
  TemplateURL: templateUrl,
  UsePreviousTemplate: bool(),
  Parameters: parameters,
  Capabilities: capabilities,
  ResourceTypes: resourceTypes,
  RoleARN: roleArn,
  RollbackConfiguration: rollbackConfiguration,
  NotificationARNs: notificationArns,
  Tags: tags,
  ChangeSetName: str({ min: 1, max: 128, pattern: /[a-zA-Z][-a-zA-Z0-9]*/ }),
  ClientToken: str({ min: 1, max: 128 }),
  Description: str({ min: 1, max: 1024 }),
  ChangeSetType: oneOf(['CREATE', 'UPDATE', 'IMPORT']),
  IncludeNestedStacks: bool(),
  OnStackFailure: oneOf(ON_FAILURE),
  ImportExistingResources: bool(),
}, ['StackName', 'ChangeSetName']);

export const changeSetRefInput = struct({
  ChangeSetName: changeSetNameOrId,
  StackName: stackNameOrId,
}, ['ChangeSetName']);

export const describeChangeSetInput = struct({
  ChangeSetName: changeSetNameOrId,
  StackName: stackNameOrId,
  NextToken: nextToken,
  IncludePropertyValues: bool(),
}, ['ChangeSetName']);

export const executeChangeSetInput = struct({
  ChangeSetName: changeSetNameOrId,
  StackName: stackNameOrId,
  ClientRequestToken: clientRequestToken,
  DisableRollback: bool(),
  RetainExceptOnCreate: bool(),
}, ['ChangeSetName']);

export const listChangeSetsInput = struct({ StackName: stackNameOrId, NextToken: nextToken }, ['StackName']);
export const listExportsInput = struct({ NextToken: nextToken });
export const listImportsInput = struct({ ExportName: str(), NextToken: nextToken }, ['ExportName']);
