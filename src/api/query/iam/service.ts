import * as id from '../../../iam/index.js';
import type { CredentialCache, IdentityContext, Principal } from '../../../iam/index.js';
import { paginate } from '../paginate.js';
import { action, validation, type QueryCall, type QueryService } from '../service.js';
import { callerOf, iamScopeOf } from './caller.js';
import * as I from './inputs.js';
import * as O from './outputs.js';

/** The credential cache and identity context the IAM and STS APIs share. */
export interface IdentityServices {
  readonly ctx: IdentityContext;
  readonly credentials: CredentialCache;
}

type TagInput = readonly { readonly Key: string; readonly Value: string }[] | undefined;

function tagsOf(tags: TagInput): Readonly<Record<string, string>> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));
}

/** IAM's paging: `Marker` in, `IsTruncated` + `Marker` out. */
function page<T>(all: readonly T[], keyOf: (t: T) => string, i: { readonly Marker?: string; readonly MaxItems?: number }, list: string) {
  const p = paginate(all, keyOf, i.Marker, i.MaxItems ?? 100, list);
  return { items: p.items, IsTruncated: p.nextToken !== undefined, Marker: p.nextToken };
}

/**
 * The user a call names, or the calling user when it names none (IAM acts on the caller);
 * '' = the account root. A role session has no keys of its own to manage, as IAM says.
 */
function userOrCaller(name: string | undefined, caller: Principal | undefined): string {
  if (name !== undefined) return name;
  if (caller?.type === 'AssumedRole' || caller?.type === 'FederatedUser') throw validation('Must specify userName when calling with non-User credentials');
  return caller?.type === 'User' ? caller.arn.slice(caller.arn.lastIndexOf('/') + 1) : '';
}

/**
 * The IAM API (version 2010-05-08) over the identity store (src/iam/identity/). This layer
 * decodes, pages and projects; existence, conflicts, quotas and policy grammar are the
 * identity store's, whose errors carry IAM's codes and statuses (NoSuchEntity 404,
 * EntityAlreadyExists 409, DeleteConflict 409, MalformedPolicyDocument 400, LimitExceeded 409).
 */
export function iamService(s: IdentityServices): QueryService {
  const { ctx } = s;
  const scoped = async (call: QueryCall) => {
    const caller = await callerOf(call, s.credentials);
    return { caller, scope: iamScopeOf(call, caller) };
  };
  const attached = async (type: id.EntityType, call: QueryCall, name: string, i: { PathPrefix?: string; Marker?: string; MaxItems?: number }) => {
    const { scope } = await scoped(call);
    const all = (await id.listAttachedPolicies(ctx, scope, type, name)).filter((p) => i.PathPrefix === undefined || pathOf(p.policyArn).startsWith(i.PathPrefix));
    const p = page(all, (a) => a.policyArn, i, `ListAttached:${type}:${name}`);
    return { AttachedPolicies: p.items.map((a) => ({ PolicyName: a.policyName, PolicyArn: a.policyArn })), IsTruncated: p.IsTruncated, Marker: p.Marker };
  };
  const inlineNames = async (type: id.EntityType, call: QueryCall, name: string, i: { Marker?: string; MaxItems?: number }) => {
    const { scope } = await scoped(call);
    const p = page(await id.listInlinePolicies(ctx, scope, type, name), (n) => n, i, `ListPolicies:${type}:${name}`);
    return { PolicyNames: p.items, IsTruncated: p.IsTruncated, Marker: p.Marker };
  };
  return {
    signingName: 'iam',
    version: '2010-05-08',
    xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    errors: { ValidationException: { code: 'ValidationError', status: 400 } },
    actions: {
      CreateUser: action(I.createUserInput, async (call, i) => {
        const { scope } = await scoped(call);
        const doc = await id.createUser(ctx, scope, {
          userName: i.UserName, ...(i.Path !== undefined ? { path: i.Path } : {}), tags: tagsOf(i.Tags),
          ...(i.PermissionsBoundary !== undefined ? { permissionsBoundary: i.PermissionsBoundary } : {}),
        });
        return { User: O.user(doc) };
      }),
      GetUser: action(I.getUserInput, async (call, i) => {
        const { caller, scope } = await scoped(call);
        const name = userOrCaller(i.UserName, caller);
        if (name === '') {
          // The root (or an unknown key acting as it): IAM describes the account itself.
          return { User: { UserId: scope.account, Arn: `arn:${scope.partition}:iam::${scope.account}:root`, CreateDate: '2020-01-01T00:00:00Z' } };
        }
        return { User: O.user(await id.getUser(ctx, scope, name)) };
      }),
      ListUsers: action(I.listUsersInput, async (call, i) => {
        const { scope } = await scoped(call);
        const p = page(await id.listUsers(ctx, scope, i.PathPrefix), (u) => u.userId, i, 'ListUsers');
        return { Users: p.items.map(O.user), IsTruncated: p.IsTruncated, Marker: p.Marker };
      }),
      DeleteUser: action(I.userNameInput, async (call, i) => {
        await id.deleteUser(ctx, (await scoped(call)).scope, i.UserName);
        return undefined;
      }),

      CreateAccessKey: action(I.createAccessKeyInput, async (call, i) => {
        const { caller, scope } = await scoped(call);
        return { AccessKey: O.accessKey(await id.createAccessKey(ctx, scope, userOrCaller(i.UserName, caller))) };
      }),
      ListAccessKeys: action(I.listAccessKeysInput, async (call, i) => {
        const { caller, scope } = await scoped(call);
        const name = userOrCaller(i.UserName, caller);
        const p = page(await id.listAccessKeys(ctx, scope, name), (k) => k.accessKeyId, i, `ListAccessKeys:${name}`);
        return { AccessKeyMetadata: p.items.map(O.accessKeyMetadata), IsTruncated: p.IsTruncated, Marker: p.Marker };
      }),
      DeleteAccessKey: action(I.deleteAccessKeyInput, async (call, i) => {
        const { caller, scope } = await scoped(call);
        await id.deleteAccessKey(ctx, scope, userOrCaller(i.UserName, caller), i.AccessKeyId);
        return undefined;
      }),
      UpdateAccessKey: action(I.updateAccessKeyInput, async (call, i) => {
        const { caller, scope } = await scoped(call);
        await id.updateAccessKey(ctx, scope, userOrCaller(i.UserName, caller), i.AccessKeyId, i.Status);
        return undefined;
      }),

      CreateRole: action(I.createRoleInput, async (call, i) => {
        const { scope } = await scoped(call);
        const doc = await id.createRole(ctx, scope, {
          roleName: i.RoleName, assumeRolePolicyDocument: i.AssumeRolePolicyDocument, tags: tagsOf(i.Tags),
          ...(i.Path !== undefined ? { path: i.Path } : {}),
          ...(i.Description !== undefined ? { description: i.Description } : {}),
          ...(i.MaxSessionDuration !== undefined ? { maxSessionDuration: i.MaxSessionDuration } : {}),
          ...(i.PermissionsBoundary !== undefined ? { permissionsBoundary: i.PermissionsBoundary } : {}),
        });
        return { Role: O.role(doc) };
      }),
      GetRole: action(I.roleNameInput, async (call, i) => ({ Role: O.role(await id.getRole(ctx, (await scoped(call)).scope, i.RoleName)) })),
      ListRoles: action(I.listRolesInput, async (call, i) => {
        const { scope } = await scoped(call);
        const p = page(await id.listRoles(ctx, scope, i.PathPrefix), (r) => r.roleId, i, 'ListRoles');
        return { Roles: p.items.map((r) => O.role(r, false)), IsTruncated: p.IsTruncated, Marker: p.Marker };
      }),
      DeleteRole: action(I.roleNameInput, async (call, i) => {
        await id.deleteRole(ctx, (await scoped(call)).scope, i.RoleName);
        return undefined;
      }),
      UpdateAssumeRolePolicy: action(I.updateAssumeRolePolicyInput, async (call, i) => {
        await id.updateAssumeRolePolicy(ctx, (await scoped(call)).scope, i.RoleName, i.PolicyDocument);
        return undefined;
      }),
      TagRole: action(I.tagRoleInput, async (call, i) => {
        await id.tagRole(ctx, (await scoped(call)).scope, i.RoleName, tagsOf(i.Tags));
        return undefined;
      }),

      PutRolePolicy: action(I.putRolePolicyInput, async (call, i) => {
        await id.putInlinePolicy(ctx, (await scoped(call)).scope, 'role', i.RoleName, i.PolicyName, i.PolicyDocument);
        return undefined;
      }),
      GetRolePolicy: action(I.rolePolicyInput, async (call, i) => {
        const p = await id.getInlinePolicy(ctx, (await scoped(call)).scope, 'role', i.RoleName, i.PolicyName);
        return { RoleName: i.RoleName, PolicyName: p.policyName, PolicyDocument: id.encodePolicy(p.policyDocument) };
      }),
      ListRolePolicies: action(I.listRolePoliciesInput, (call, i) => inlineNames('role', call, i.RoleName, i)),
      DeleteRolePolicy: action(I.rolePolicyInput, async (call, i) => {
        await id.deleteInlinePolicy(ctx, (await scoped(call)).scope, 'role', i.RoleName, i.PolicyName);
        return undefined;
      }),
      PutUserPolicy: action(I.putUserPolicyInput, async (call, i) => {
        await id.putInlinePolicy(ctx, (await scoped(call)).scope, 'user', i.UserName, i.PolicyName, i.PolicyDocument);
        return undefined;
      }),
      GetUserPolicy: action(I.userPolicyInput, async (call, i) => {
        const p = await id.getInlinePolicy(ctx, (await scoped(call)).scope, 'user', i.UserName, i.PolicyName);
        return { UserName: i.UserName, PolicyName: p.policyName, PolicyDocument: id.encodePolicy(p.policyDocument) };
      }),
      ListUserPolicies: action(I.listUserPoliciesInput, (call, i) => inlineNames('user', call, i.UserName, i)),
      DeleteUserPolicy: action(I.userPolicyInput, async (call, i) => {
        await id.deleteInlinePolicy(ctx, (await scoped(call)).scope, 'user', i.UserName, i.PolicyName);
        return undefined;
      }),

      AttachRolePolicy: action(I.roleAttachInput, async (call, i) => {
        await id.attachPolicy(ctx, (await scoped(call)).scope, 'role', i.RoleName, i.PolicyArn);
        return undefined;
      }),
      DetachRolePolicy: action(I.roleAttachInput, async (call, i) => {
        await id.detachPolicy(ctx, (await scoped(call)).scope, 'role', i.RoleName, i.PolicyArn);
        return undefined;
      }),
      ListAttachedRolePolicies: action(I.listAttachedRoleInput, (call, i) => attached('role', call, i.RoleName, i)),
      AttachUserPolicy: action(I.userAttachInput, async (call, i) => {
        await id.attachPolicy(ctx, (await scoped(call)).scope, 'user', i.UserName, i.PolicyArn);
        return undefined;
      }),
      DetachUserPolicy: action(I.userAttachInput, async (call, i) => {
        await id.detachPolicy(ctx, (await scoped(call)).scope, 'user', i.UserName, i.PolicyArn);
        return undefined;
      }),
      ListAttachedUserPolicies: action(I.listAttachedUserInput, (call, i) => attached('user', call, i.UserName, i)),

      CreatePolicy: action(I.createPolicyInput, async (call, i) => {
        const view = await id.createPolicy(ctx, (await scoped(call)).scope, {
          policyName: i.PolicyName, policyDocument: i.PolicyDocument, tags: tagsOf(i.Tags),
          ...(i.Path !== undefined ? { path: i.Path } : {}), ...(i.Description !== undefined ? { description: i.Description } : {}),
        });
        return { Policy: O.policy(view) };
      }),
      GetPolicy: action(I.policyArnInput, async (_call, i) => ({ Policy: O.policy(await id.getPolicy(ctx, i.PolicyArn)) })),
      DeletePolicy: action(I.policyArnInput, async (_call, i) => {
        await id.deletePolicy(ctx, i.PolicyArn);
        return undefined;
      }),

      CreateOpenIDConnectProvider: action(I.createOidcInput, async (call, i) => {
        const doc = await id.createOidcProvider(ctx, (await scoped(call)).scope, {
          url: i.Url, clientIdList: i.ClientIDList ?? [], thumbprintList: i.ThumbprintList ?? [], tags: tagsOf(i.Tags),
        });
        return { OpenIDConnectProviderArn: doc.arn, Tags: O.tagList(doc.tags) };
      }),
      GetOpenIDConnectProvider: action(I.oidcArnInput, async (_call, i) => O.oidcProvider(await id.getOidcProvider(ctx, i.OpenIDConnectProviderArn))),
      ListOpenIDConnectProviders: action(I.noInput, async (call) => {
        const all = await id.listOidcProviders(ctx, (await scoped(call)).scope);
        return { OpenIDConnectProviderList: all.map((p) => ({ Arn: p.arn })) };
      }),
      DeleteOpenIDConnectProvider: action(I.oidcArnInput, async (_call, i) => {
        await id.deleteOidcProvider(ctx, i.OpenIDConnectProviderArn);
        return undefined;
      }),
    },
  };
}

/** `arn:aws:iam::aws:policy/service-role/X` → `/service-role/`. */
function pathOf(arn: string): string {
  const at = arn.indexOf(':policy/');
  return at < 0 ? '/' : arn.slice(at + ':policy'.length, arn.lastIndexOf('/') + 1);
}
