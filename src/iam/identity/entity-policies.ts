import type { StoreTx } from '../../store/index.js';
import { write, type IamScope, type IdentityContext } from './context.js';
import { readPolicyText } from './documents.js';
import { limitExceeded, noSuchEntity } from './errors.js';
import { findManagedPolicy } from './managed-policies.js';
import { iamPlaceOf, nameKey, type InlinePolicy, type RoleDoc, type UserDoc } from './records.js';

/*
 * Inline and attached policies of users and roles. Both keep them in their own record
 * (`policies`, `managedPolicyArns`), the way CloudFormation writes a role's, so one read of
 * the principal's record gives everything that applies to it.
 */

/** Which principal: IAM's actions come in pairs (PutUserPolicy / PutRolePolicy, …). */
export type EntityType = 'user' | 'role';

type EntityDoc = UserDoc | RoleDoc;

const KIND = { user: 'iamuser', role: 'iamrole' } as const;
const LABEL = { user: 'User', role: 'Role' } as const;
/** IAM's quota of managed policies attached to one user or role. */
const MAX_ATTACHED = 20;

async function mustGet(tx: StoreTx, type: EntityType, account: string, name: string) {
  const rec = await tx.get<EntityDoc>(KIND[type], iamPlaceOf(account), nameKey(name));
  if (!rec) throw noSuchEntity(`The ${type} with name ${name} cannot be found.`);
  return rec;
}

async function readEntity(ctx: IdentityContext, type: EntityType, account: string, name: string): Promise<EntityDoc> {
  const rec = await ctx.store.get<EntityDoc>(KIND[type], iamPlaceOf(account), nameKey(name));
  if (!rec) throw noSuchEntity(`The ${type} with name ${name} cannot be found.`);
  return rec.doc;
}

async function change(ctx: IdentityContext, type: EntityType, account: string, name: string, fn: (doc: EntityDoc) => EntityDoc): Promise<void> {
  await write(ctx, async (tx) => {
    const rec = await mustGet(tx, type, account, name);
    await tx.put({ ...rec, doc: fn(rec.doc) });
  });
}

/** Put{User,Role}Policy: adds or replaces the inline policy of that name (names compare exactly, as IAM's do). */
export async function putInlinePolicy(ctx: IdentityContext, scope: IamScope, type: EntityType, name: string, policyName: string, text: string): Promise<void> {
  const value = readPolicyText(text, 'identity').value;
  await change(ctx, type, scope.account, name, (doc) => {
    const others = doc.policies.filter((p) => p.policyName !== policyName);
    const policies: InlinePolicy[] = [...others, { policyName, policyDocument: value }];
    return { ...doc, policies };
  });
}

/** Get{User,Role}Policy: NoSuchEntity "The role policy with name … cannot be found." */
export async function getInlinePolicy(ctx: IdentityContext, scope: IamScope, type: EntityType, name: string, policyName: string): Promise<InlinePolicy> {
  const doc = await readEntity(ctx, type, scope.account, name);
  const found = doc.policies.find((p) => p.policyName === policyName);
  if (!found) throw noSuchEntity(`The ${type} policy with name ${policyName} cannot be found.`);
  return found;
}

export async function listInlinePolicies(ctx: IdentityContext, scope: IamScope, type: EntityType, name: string): Promise<readonly string[]> {
  return (await readEntity(ctx, type, scope.account, name)).policies.map((p) => p.policyName);
}

export async function deleteInlinePolicy(ctx: IdentityContext, scope: IamScope, type: EntityType, name: string, policyName: string): Promise<void> {
  await change(ctx, type, scope.account, name, (doc) => {
    if (!doc.policies.some((p) => p.policyName === policyName)) throw noSuchEntity(`The ${type} policy with name ${policyName} cannot be found.`);
    return { ...doc, policies: doc.policies.filter((p) => p.policyName !== policyName) };
  });
}

/**
 * Attach{User,Role}Policy: the policy must exist (a customer policy of the account or an AWS
 * managed one); attaching twice is a no-op, as on IAM; at most 20 per principal.
 */
export async function attachPolicy(ctx: IdentityContext, scope: IamScope, type: EntityType, name: string, policyArn: string): Promise<void> {
  await readEntity(ctx, type, scope.account, name);
  const policy = await findManagedPolicy(ctx, policyArn);
  if (!policy) throw noSuchEntity(`Policy ${policyArn} does not exist or is not attachable.`);
  await change(ctx, type, scope.account, name, (doc) => {
    if (doc.managedPolicyArns.includes(policyArn)) return doc;
    if (doc.managedPolicyArns.length >= MAX_ATTACHED) throw limitExceeded(`Cannot exceed quota for PoliciesPerRole: ${MAX_ATTACHED}`.replace('Role', LABEL[type]));
    return { ...doc, managedPolicyArns: [...doc.managedPolicyArns, policyArn] };
  });
}

/** Detach{User,Role}Policy: NoSuchEntity "Policy … was not found." when it is not attached. */
export async function detachPolicy(ctx: IdentityContext, scope: IamScope, type: EntityType, name: string, policyArn: string): Promise<void> {
  await change(ctx, type, scope.account, name, (doc) => {
    if (!doc.managedPolicyArns.includes(policyArn)) throw noSuchEntity(`Policy ${policyArn} was not found.`);
    return { ...doc, managedPolicyArns: doc.managedPolicyArns.filter((a) => a !== policyArn) };
  });
}

/** ListAttached{User,Role}Policies: name and ARN of each, in attachment order. */
export async function listAttachedPolicies(ctx: IdentityContext, scope: IamScope, type: EntityType, name: string): Promise<readonly { readonly policyName: string; readonly policyArn: string }[]> {
  const doc = await readEntity(ctx, type, scope.account, name);
  return doc.managedPolicyArns.map((arn) => ({ policyName: arn.slice(arn.lastIndexOf('/') + 1), policyArn: arn }));
}
