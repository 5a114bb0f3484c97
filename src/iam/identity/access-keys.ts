import { write, isoAt, type IamScope, type IdentityContext } from './context.js';
import { limitExceeded, noSuchEntity } from './errors.js';
import { accessKeyId, iamPlaceOf, nameKey, secretAccessKey, type AccessKeyDoc, type AccessKeyStatus, type UserDoc } from './records.js';

/** IAM's quota: two access keys per user (and per account root). */
const MAX_KEYS = 2;

/**
 * CreateAccessKey: a new Active key pair for the user (`userName` '' = the account root,
 * which is what a root caller gets when it names no user). The secret is only ever returned
 * here, as on IAM.
 */
export async function createAccessKey(ctx: IdentityContext, scope: IamScope, userName: string): Promise<AccessKeyDoc> {
  const place = iamPlaceOf(scope.account);
  const parentId = userName === '' ? '' : nameKey(userName);
  return write(ctx, async (tx) => {
    let owner = '';
    if (userName !== '') {
      const user = await tx.get<UserDoc>('iamuser', place, parentId);
      if (!user) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
      owner = user.doc.userName;
    }
    if ((await tx.count('iamaccesskey', place, { parentId })) >= MAX_KEYS) {
      throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS}`);
    }
    const doc: AccessKeyDoc = { accessKeyId: accessKeyId('AKIA'), secretAccessKey: secretAccessKey(), userName: owner, status: 'Active', createDate: isoAt(ctx.now()) };
    await tx.put({ kind: 'iamaccesskey', ...place, id: doc.accessKeyId, parentId, name: '', refs: parentId ? [parentId] : [], doc });
    return doc;
  });
}

/** ListAccessKeys: the user's keys (or the root's, for ''); NoSuchEntity for an unknown user. */
export async function listAccessKeys(ctx: IdentityContext, scope: IamScope, userName: string): Promise<readonly AccessKeyDoc[]> {
  const place = iamPlaceOf(scope.account);
  if (userName !== '' && !(await ctx.store.get('iamuser', place, nameKey(userName)))) {
    throw noSuchEntity(`The user with name ${userName} cannot be found.`);
  }
  const recs = await ctx.store.list<AccessKeyDoc>('iamaccesskey', place, { parentId: userName === '' ? '' : nameKey(userName) });
  return recs.map((r) => r.doc);
}

async function changeKey(ctx: IdentityContext, scope: IamScope, userName: string, keyId: string, fn: (doc: AccessKeyDoc) => AccessKeyDoc | undefined): Promise<void> {
  const place = iamPlaceOf(scope.account);
  await write(ctx, async (tx) => {
    if (userName !== '' && !(await tx.get('iamuser', place, nameKey(userName)))) {
      throw noSuchEntity(`The user with name ${userName} cannot be found.`);
    }
    const rec = await tx.get<AccessKeyDoc>('iamaccesskey', place, keyId);
    // A key of another user is as unknown to this call as one that never existed.
    if (!rec || rec.parentId !== (userName === '' ? '' : nameKey(userName))) {
      throw noSuchEntity(`The Access Key with id ${keyId} cannot be found.`);
    }
    const next = fn(rec.doc);
    if (next) await tx.put({ ...rec, doc: next });
    else await tx.delete('iamaccesskey', place, keyId);
  });
}

export async function deleteAccessKey(ctx: IdentityContext, scope: IamScope, userName: string, keyId: string): Promise<void> {
  await changeKey(ctx, scope, userName, keyId, () => undefined);
}

/** UpdateAccessKey: an Inactive key stays listed but no longer authenticates. */
export async function updateAccessKey(ctx: IdentityContext, scope: IamScope, userName: string, keyId: string, status: AccessKeyStatus): Promise<void> {
  await changeKey(ctx, scope, userName, keyId, (doc) => ({ ...doc, status }));
}

/** The owner of a long-term key, for callers that name no user (IAM acts on the caller's own keys). */
export async function findAccessKey(ctx: IdentityContext, account: string, keyId: string): Promise<AccessKeyDoc | undefined> {
  return (await ctx.store.get<AccessKeyDoc>('iamaccesskey', iamPlaceOf(account), keyId))?.doc;
}
