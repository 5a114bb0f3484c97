import { write, isoAt, type IamScope, type IdentityContext } from './context.js';
import { readPolicyText } from './documents.js';
import { deleteConflict, entityAlreadyExists, limitExceeded, noSuchEntity } from './errors.js';
import { arnOf, iamPlaceOf, nameKey, uniqueId, type RoleDoc } from './records.js';

/** What CreateRole is given; the trust policy as JSON text. */
export interface RoleSpec {
  readonly roleName: string;
  readonly path?: string;
  readonly assumeRolePolicyDocument: string;
  readonly description?: string;
  readonly maxSessionDuration?: number;
  readonly permissionsBoundary?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** IAM's default and bounds for a role's maximum session (seconds). */
export const DEFAULT_MAX_SESSION = 3600;
const MAX_TAGS = 50;

function missingRole(roleName: string): Error {
  return noSuchEntity(`The role with name ${roleName} cannot be found.`);
}

/**
 * Creates a role in the record format CloudFormation writes (kind 'iamrole', id = lower-cased
 * name), so `AWS::IAM::Role` and CreateRole make the same thing. The trust policy must parse
 * as a resource policy: every statement names a principal (MalformedPolicyDocument).
 */
export async function createRole(ctx: IdentityContext, scope: IamScope, spec: RoleSpec): Promise<RoleDoc> {
  const trust = readPolicyText(spec.assumeRolePolicyDocument, 'resource').value;
  const place = iamPlaceOf(scope.account);
  return write(ctx, async (tx) => {
    if (await tx.get('iamrole', place, nameKey(spec.roleName))) throw entityAlreadyExists(`Role with name ${spec.roleName} already exists.`);
    const path = spec.path ?? '/';
    const doc: RoleDoc = {
      roleName: spec.roleName, path, assumeRolePolicyDocument: trust,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      maxSessionDuration: spec.maxSessionDuration ?? DEFAULT_MAX_SESSION, managedPolicyArns: [], policies: [],
      ...(spec.permissionsBoundary !== undefined ? { permissionsBoundary: spec.permissionsBoundary } : {}),
      tags: spec.tags ?? {}, roleId: uniqueId('AROA'), arn: arnOf(scope.partition, scope.account, 'role', path, spec.roleName),
      createDate: isoAt(ctx.now()),
    };
    await tx.put({ kind: 'iamrole', ...place, id: nameKey(spec.roleName), parentId: '', name: spec.roleName, refs: [], doc });
    return doc;
  });
}

export async function findRole(ctx: IdentityContext, account: string, roleName: string): Promise<RoleDoc | undefined> {
  return (await ctx.store.get<RoleDoc>('iamrole', iamPlaceOf(account), nameKey(roleName)))?.doc;
}

/** GetRole: NoSuchEntity (404) when there is no such role. */
export async function getRole(ctx: IdentityContext, scope: IamScope, roleName: string): Promise<RoleDoc> {
  const doc = await findRole(ctx, scope.account, roleName);
  if (!doc) throw missingRole(roleName);
  return doc;
}

/** The role an ARN names (`arn:aws:iam::ACCT:role/path/Name`), in the ARN's own account. */
export async function findRoleByArn(ctx: IdentityContext, roleArn: string): Promise<RoleDoc | undefined> {
  const m = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (!m) return undefined;
  const doc = await findRole(ctx, m[1]!, m[2]!);
  // The path is part of the ARN: a role of the same name under another path is not this one.
  return doc && doc.arn === roleArn ? doc : undefined;
}

export async function listRoles(ctx: IdentityContext, scope: IamScope, pathPrefix = '/'): Promise<readonly RoleDoc[]> {
  const recs = await ctx.store.list<RoleDoc>('iamrole', iamPlaceOf(scope.account));
  return recs.map((r) => r.doc).filter((d) => d.path.startsWith(pathPrefix));
}

/** DeleteRole: refused while inline or attached policies remain (DeleteConflict), as IAM does. */
export async function deleteRole(ctx: IdentityContext, scope: IamScope, roleName: string): Promise<void> {
  const place = iamPlaceOf(scope.account);
  await write(ctx, async (tx) => {
    const rec = await tx.get<RoleDoc>('iamrole', place, nameKey(roleName));
    if (!rec) throw missingRole(roleName);
    if (rec.doc.policies.length > 0) throw deleteConflict('Cannot delete entity, must delete policies first.');
    if (rec.doc.managedPolicyArns.length > 0) throw deleteConflict('Cannot delete entity, must detach all policies first.');
    await tx.delete('iamrole', place, rec.id);
  });
}

/** Replaces a role's fields in one transaction; NoSuchEntity when it is gone. */
export async function changeRole(ctx: IdentityContext, scope: IamScope, roleName: string, change: (doc: RoleDoc) => RoleDoc): Promise<RoleDoc> {
  const place = iamPlaceOf(scope.account);
  return write(ctx, async (tx) => {
    const rec = await tx.get<RoleDoc>('iamrole', place, nameKey(roleName));
    if (!rec) throw missingRole(roleName);
    const doc = change(rec.doc);
    await tx.put({ ...rec, doc });
    return doc;
  });
}

/** UpdateAssumeRolePolicy: the new trust policy is checked as CreateRole checks it. */
export async function updateAssumeRolePolicy(ctx: IdentityContext, scope: IamScope, roleName: string, policyText: string): Promise<void> {
  const trust = readPolicyText(policyText, 'resource').value;
  await changeRole(ctx, scope, roleName, (doc) => ({ ...doc, assumeRolePolicyDocument: trust }));
}

/** TagRole: adds or overwrites tags; a role carries at most 50 (LimitExceeded). */
export async function tagRole(ctx: IdentityContext, scope: IamScope, roleName: string, tags: Readonly<Record<string, string>>): Promise<void> {
  await changeRole(ctx, scope, roleName, (doc) => {
    const merged = { ...doc.tags, ...tags };
    if (Object.keys(merged).length > MAX_TAGS) throw limitExceeded(`Cannot exceed quota for TagsPerRole: ${MAX_TAGS}`);
    return { ...doc, tags: merged };
  });
}
