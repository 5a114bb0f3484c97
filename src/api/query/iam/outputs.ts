import { encodePolicy, type AccessKeyDoc, type ManagedPolicyView, type OidcProviderDoc, type RoleDoc, type UserDoc } from '../../../iam/index.js';
import type { XmlValue } from '../xml.js';

/*
 * IAM's output structures, members in IAM's order. Policy documents are URL-encoded JSON, as
 * IAM returns them (the CLI decodes them; SDK users call decodeURIComponent).
 */

type Tags = Readonly<Record<string, string>>;
type Xml = { readonly [name: string]: XmlValue };

export function tagList(tags: Tags): XmlValue {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** IAM leaves Tags out when there are none. */
function optTags(tags: Tags): XmlValue {
  return Object.keys(tags).length > 0 ? tagList(tags) : undefined;
}

function boundary(arn: string | undefined): XmlValue {
  return arn === undefined ? undefined : { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: arn };
}

/** Records from CloudFormation keep milliseconds; IAM's wire dates are whole seconds. */
export function wireDate(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

export function user(d: UserDoc): Xml {
  return {
    Path: d.path, UserName: d.userName, UserId: d.userId, Arn: d.arn, CreateDate: wireDate(d.createDate),
    PermissionsBoundary: boundary(d.permissionsBoundary), Tags: optTags(d.tags),
  };
}

export function role(d: RoleDoc, withDetail = true): Xml {
  return {
    Path: d.path, RoleName: d.roleName, RoleId: d.roleId, Arn: d.arn, CreateDate: wireDate(d.createDate),
    AssumeRolePolicyDocument: encodePolicy(d.assumeRolePolicyDocument), Description: d.description,
    MaxSessionDuration: d.maxSessionDuration,
    PermissionsBoundary: withDetail ? boundary(d.permissionsBoundary) : undefined,
    Tags: withDetail ? optTags(d.tags) : undefined,
    RoleLastUsed: withDetail ? {} : undefined,
  };
}

export function accessKey(d: AccessKeyDoc): Xml {
  return { UserName: d.userName || undefined, AccessKeyId: d.accessKeyId, Status: d.status, SecretAccessKey: d.secretAccessKey, CreateDate: wireDate(d.createDate) };
}

export function accessKeyMetadata(d: AccessKeyDoc): Xml {
  return { UserName: d.userName || undefined, AccessKeyId: d.accessKeyId, Status: d.status, CreateDate: wireDate(d.createDate) };
}

export function policy(v: ManagedPolicyView): Xml {
  return {
    PolicyName: v.policyName, PolicyId: v.policyId, Arn: v.arn, Path: v.path, DefaultVersionId: 'v1',
    AttachmentCount: v.attachmentCount, PermissionsBoundaryUsageCount: 0, IsAttachable: true, Description: v.description,
    CreateDate: wireDate(v.createDate), UpdateDate: wireDate(v.updateDate), Tags: optTags(v.tags),
  };
}

/** GetOpenIDConnectProvider: IAM answers the URL without its scheme. */
export function oidcProvider(d: OidcProviderDoc): Xml {
  return {
    Url: d.url.replace(/^https?:\/\//i, ''), ClientIDList: d.clientIdList, ThumbprintList: d.thumbprintList,
    CreateDate: wireDate(d.createDate), Tags: tagList(d.tags),
  };
}
