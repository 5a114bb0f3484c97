import { write, isoAt, type IamScope, type IdentityContext } from './context.js';
import { readPolicyText } from './documents.js';
import { deleteConflict, entityAlreadyExists, noSuchEntity } from './errors.js';
import { arnOf, iamPlaceOf, nameKey, uniqueId, type ManagedPolicyDoc, type RoleDoc, type UserDoc } from './records.js';

/** What CreatePolicy is given; the document as JSON text. */
export interface PolicySpec {
  readonly policyName: string;
  readonly path?: string;
  readonly description?: string;
  readonly policyDocument: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** A managed policy as GetPolicy describes it, customer managed or AWS managed alike. */
export interface ManagedPolicyView {
  readonly policyName: string;
  readonly policyId: string;
  readonly arn: string;
  readonly path: string;
  readonly description?: string;
  readonly document: unknown;
  readonly createDate: string;
  readonly updateDate: string;
  readonly attachmentCount: number;
  readonly tags: Readonly<Record<string, string>>;
}

const CUSTOMER = /^arn:[^:]+:iam::(\d{12}):policy\/(?:.*\/)?([^/]+)$/;

/** CreatePolicy: a customer managed policy; the document must be a valid identity policy. */
export async function createPolicy(ctx: IdentityContext, scope: IamScope, spec: PolicySpec): Promise<ManagedPolicyView> {
  const document = readPolicyText(spec.policyDocument, 'identity').value;
  const place = iamPlaceOf(scope.account);
  const doc = await write(ctx, async (tx) => {
    if (await tx.get('iampolicy', place, nameKey(spec.policyName))) {
      throw entityAlreadyExists(`A policy called ${spec.policyName} already exists. Duplicate names are not allowed.`);
    }
    const path = spec.path ?? '/';
    const now = isoAt(ctx.now());
    const d: ManagedPolicyDoc = {
      policyName: spec.policyName, policyId: uniqueId('ANPA'), arn: arnOf(scope.partition, scope.account, 'policy', path, spec.policyName),
      path, ...(spec.description !== undefined ? { description: spec.description } : {}), document, createDate: now, updateDate: now,
      tags: spec.tags ?? {},
    };
    await tx.put({ kind: 'iampolicy', ...place, id: nameKey(spec.policyName), parentId: '', name: spec.policyName, refs: [], doc: d });
    return d;
  });
  return { ...doc, attachmentCount: 0 };
}

/**
 * The managed policy an ARN names: a customer policy of the ARN's account, or one of AWS's
 * (`arn:aws:iam::aws:policy/…`) from the catalogue. Undefined when there is none.
 */
export async function findManagedPolicy(ctx: IdentityContext, policyArn: string): Promise<ManagedPolicyView | undefined> {
  const m = CUSTOMER.exec(policyArn);
  if (m) {
    const doc = (await ctx.store.get<ManagedPolicyDoc>('iampolicy', iamPlaceOf(m[1]!), nameKey(m[2]!)))?.doc;
    if (!doc || doc.arn !== policyArn) return undefined;
    return { ...doc, attachmentCount: await attachmentCount(ctx, m[1]!, policyArn) };
  }
  const aws = ctx.awsManaged(policyArn);
  if (!aws) return undefined;
  const path = policyArn.slice(policyArn.indexOf(':policy') + ':policy'.length, policyArn.lastIndexOf('/') + 1) || '/';
  return {
    policyName: aws.name, policyId: `ANPA${aws.name.toUpperCase().replace(/[^A-Z2-7]/g, 'A').padEnd(17, 'A').slice(0, 17)}`,
    arn: aws.arn, path, ...(aws.description !== undefined ? { description: aws.description } : {}), document: aws.document,
    createDate: '2015-02-06T18:40:00Z', updateDate: '2015-02-06T18:40:00Z', attachmentCount: 0, tags: {},
  };
}

/** GetPolicy: NoSuchEntity (404) "Policy … was not found." */
export async function getPolicy(ctx: IdentityContext, policyArn: string): Promise<ManagedPolicyView> {
  const view = await findManagedPolicy(ctx, policyArn);
  if (!view) throw noSuchEntity(`Policy ${policyArn} was not found.`);
  return view;
}

/** Users and roles of the account this policy is attached to. */
async function attachmentCount(ctx: IdentityContext, account: string, policyArn: string): Promise<number> {
  const place = iamPlaceOf(account);
  const users = await ctx.store.list<UserDoc>('iamuser', place);
  const roles = await ctx.store.list<RoleDoc>('iamrole', place);
  return [...users, ...roles].filter((r) => r.doc.managedPolicyArns.includes(policyArn)).length;
}

/** DeletePolicy: customer policies only, and not while attached (DeleteConflict), as IAM refuses. */
export async function deletePolicy(ctx: IdentityContext, policyArn: string): Promise<void> {
  const m = CUSTOMER.exec(policyArn);
  const view = m ? await findManagedPolicy(ctx, policyArn) : undefined;
  if (!m || !view) throw noSuchEntity(`Policy ${policyArn} was not found.`);
  if (view.attachmentCount > 0) throw deleteConflict('Cannot delete a policy attached to entities.');
  await write(ctx, (tx) => tx.delete('iampolicy', iamPlaceOf(m[1]!), nameKey(m[2]!)));
}

/** ListPolicies' data: the account's customer policies. */
export async function listCustomerPolicies(ctx: IdentityContext, scope: IamScope): Promise<readonly ManagedPolicyDoc[]> {
  return (await ctx.store.list<ManagedPolicyDoc>('iampolicy', iamPlaceOf(scope.account))).map((r) => r.doc);
}
