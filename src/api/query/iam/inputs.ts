import { int, list, oneOf, str, struct } from '../shapes.js';

/*
 * The inputs of the IAM actions Trellis serves (API version 2010-05-08), with IAM's documented
 * bounds and patterns; violations are answered as ValidationError before any work is done.
 */

const userName = str({ min: 1, max: 64, pattern: /[\w+=,.@-]+/ });
const roleName = str({ min: 1, max: 64, pattern: /[\w+=,.@-]+/ });
const policyName = str({ min: 1, max: 128, pattern: /[\w+=,.@-]+/ });
const path = str({ min: 1, max: 512, pattern: /(\u002F)|(\u002F[\u0021-\u007E]+\u002F)/ });
const pathPrefix = str({ min: 1, max: 512, pattern: /\u002F[\u0021-\u007F]*/ });
const policyDocument = str({ min: 1, max: 131072, pattern: /[\u0009\u000A\u000D\u0020-\u00FF]+/ });
const arn = str({ min: 20, max: 2048 });
const marker = str({ min: 1, max: 320 });
const maxItems = int({ min: 1, max: 1000 });
const tags = list(struct({ Key: str({ min: 1, max: 128 }), Value: str({ min: 0, max: 256 }) }, ['Key', 'Value']), 50);
const accessKeyId = str({ min: 16, max: 128, pattern: /[\w]+/ });

export const createUserInput = struct({ Path: path, UserName: userName, PermissionsBoundary: arn, Tags: tags }, ['UserName']);
export const getUserInput = struct({ UserName: userName });
export const listUsersInput = struct({ PathPrefix: pathPrefix, Marker: marker, MaxItems: maxItems });
export const userNameInput = struct({ UserName: userName }, ['UserName']);

export const createAccessKeyInput = struct({ UserName: userName });
export const listAccessKeysInput = struct({ UserName: userName, Marker: marker, MaxItems: maxItems });
export const deleteAccessKeyInput = struct({ UserName: userName, AccessKeyId: accessKeyId }, ['AccessKeyId']);
export const updateAccessKeyInput = struct({ UserName: userName, AccessKeyId: accessKeyId, Status: oneOf(['Active', 'Inactive']) }, ['AccessKeyId', 'Status']);

export const createRoleInput = struct({
  Path: path, RoleName: roleName, AssumeRolePolicyDocument: policyDocument, Description: str({ min: 0, max: 1000 }),
  MaxSessionDuration: int({ min: 3600, max: 43200 }), PermissionsBoundary: arn, Tags: tags,
}, ['RoleName', 'AssumeRolePolicyDocument']);
export const roleNameInput = struct({ RoleName: roleName }, ['RoleName']);
export const listRolesInput = struct({ PathPrefix: pathPrefix, Marker: marker, MaxItems: maxItems });
export const updateAssumeRolePolicyInput = struct({ RoleName: roleName, PolicyDocument: policyDocument }, ['RoleName', 'PolicyDocument']);
export const tagRoleInput = struct({ RoleName: roleName, Tags: tags }, ['RoleName', 'Tags']);

export const putRolePolicyInput = struct({ RoleName: roleName, PolicyName: policyName, PolicyDocument: policyDocument }, ['RoleName', 'PolicyName', 'PolicyDocument']);
export const rolePolicyInput = struct({ RoleName: roleName, PolicyName: policyName }, ['RoleName', 'PolicyName']);
export const listRolePoliciesInput = struct({ RoleName: roleName, Marker: marker, MaxItems: maxItems }, ['RoleName']);
export const putUserPolicyInput = struct({ UserName: userName, PolicyName: policyName, PolicyDocument: policyDocument }, ['UserName', 'PolicyName', 'PolicyDocument']);
export const userPolicyInput = struct({ UserName: userName, PolicyName: policyName }, ['UserName', 'PolicyName']);
export const listUserPoliciesInput = struct({ UserName: userName, Marker: marker, MaxItems: maxItems }, ['UserName']);

export const roleAttachInput = struct({ RoleName: roleName, PolicyArn: arn }, ['RoleName', 'PolicyArn']);
export const userAttachInput = struct({ UserName: userName, PolicyArn: arn }, ['UserName', 'PolicyArn']);
export const listAttachedRoleInput = struct({ RoleName: roleName, PathPrefix: pathPrefix, Marker: marker, MaxItems: maxItems }, ['RoleName']);
export const listAttachedUserInput = struct({ UserName: userName, PathPrefix: pathPrefix, Marker: marker, MaxItems: maxItems }, ['UserName']);

export const createPolicyInput = struct({
  PolicyName: policyName, Path: path, PolicyDocument: policyDocument, Description: str({ min: 0, max: 1000 }), Tags: tags,
}, ['PolicyName', 'PolicyDocument']);
export const policyArnInput = struct({ PolicyArn: arn }, ['PolicyArn']);

export const createOidcInput = struct({
  Url: str({ min: 1, max: 255 }), ClientIDList: list(str({ min: 1, max: 255 })), ThumbprintList: list(str({ min: 40, max: 40 })), Tags: tags,
}, ['Url']);
export const oidcArnInput = struct({ OpenIDConnectProviderArn: arn }, ['OpenIDConnectProviderArn']);
export const noInput = struct({});
