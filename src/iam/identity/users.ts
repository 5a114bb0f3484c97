import { write, isoAt, type IamScope, type IdentityContext } from './context.js';
import { deleteConflict, entityAlreadyExists, noSuchEntity } from './errors.js';
import { arnOf, iamPlaceOf, nameKey, uniqueId, type UserDoc } from './records.js';

/** What CreateUser is given. */
export interface UserSpec {
  readonly userName: string;
  readonly path?: string;
  readonly permissionsBoundary?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Creates an IAM user; names are unique per account regardless of case (EntityAlreadyExists). */
export async function createUser(ctx: IdentityContext, scope: IamScope, spec: UserSpec): Promise<UserDoc> {
  const place = iamPlaceOf(scope.account);
  return write(ctx, async (tx) => {
    if (await tx.get('iamuser', place, nameKey(spec.userName))) throw entityAlreadyExists(`User with name ${spec.userName} already exists.`);
    const path = spec.path ?? '/';
    const doc: UserDoc = {
      userName: spec.userName, path, userId: uniqueId('AIDA'), arn: arnOf(scope.partition, scope.account, 'user', path, spec.userName),
      createDate: isoAt(ctx.now()), managedPolicyArns: [], policies: [], tags: spec.tags ?? {},
      ...(spec.permissionsBoundary !== undefined ? { permissionsBoundary: spec.permissionsBoundary } : {}),
    };
    await tx.put({ kind: 'iamuser', ...place, id: nameKey(spec.userName), parentId: '', name: spec.userName, refs: [], doc });
    return doc;
  });
}

export async function findUser(ctx: IdentityContext, account: string, userName: string): Promise<UserDoc | undefined> {
  return (await ctx.store.get<UserDoc>('iamuser', iamPlaceOf(account), nameKey(userName)))?.doc;
}

/** GetUser: NoSuchEntity (404) when there is no such user. */
export async function getUser(ctx: IdentityContext, scope: IamScope, userName: string): Promise<UserDoc> {
  const doc = await findUser(ctx, scope.account, userName);
  if (!doc) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
  return doc;
}

/** ListUsers: in creation order, filtered by path prefix as IAM does. */
export async function listUsers(ctx: IdentityContext, scope: IamScope, pathPrefix = '/'): Promise<readonly UserDoc[]> {
  const recs = await ctx.store.list<UserDoc>('iamuser', iamPlaceOf(scope.account));
  return recs.map((r) => r.doc).filter((d) => d.path.startsWith(pathPrefix));
}

/**
 * DeleteUser: IAM refuses while the user still has access keys, inline policies or attached
 * policies (DeleteConflict, 409), in that order of checking, so nothing is left dangling.
 */
export async function deleteUser(ctx: IdentityContext, scope: IamScope, userName: string): Promise<void> {
  const place = iamPlaceOf(scope.account);
  await write(ctx, async (tx) => {
    const rec = await tx.get<UserDoc>('iamuser', place, nameKey(userName));
    if (!rec) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
    if ((await tx.list('iamaccesskey', place, { parentId: rec.id, limit: 1 })).length > 0) {
      throw deleteConflict('Cannot delete entity, must delete access keys first.');
    }
    if (rec.doc.policies.length > 0) throw deleteConflict('Cannot delete entity, must delete policies first.');
    if (rec.doc.managedPolicyArns.length > 0) throw deleteConflict('Cannot delete entity, must detach all policies first.');
    await tx.delete('iamuser', place, rec.id);
  });
}
