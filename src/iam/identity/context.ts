import type { Store, StoreTx } from '../../store/index.js';
import { managedPolicy } from '../managed-policies.js';
import { announceIdentityChange } from './changes.js';

/** An AWS managed policy (`arn:aws:iam::aws:policy/…`), as the catalogue of managed policies gives it. */
export interface AwsManagedPolicy {
  readonly arn: string;
  readonly name: string;
  readonly document: unknown;
  readonly description?: string;
}

/** Finds an AWS managed policy by ARN; undefined when IAM has none of that name. */
export type AwsManagedCatalog = (arn: string) => AwsManagedPolicy | undefined;

/**
 * What the identity functions work with: the store, the clock and the AWS managed policies.
 * One per process; the IAM and STS APIs and the credential cache share it.
 */
export interface IdentityContext {
  readonly store: Store;
  /** Milliseconds since the epoch. */
  now(): number;
  readonly awsManaged: AwsManagedCatalog;
}

/** Where a call acts: IAM is global, so only partition and account matter. */
export interface IamScope {
  readonly partition: string;
  readonly account: string;
}

/** The AWS managed policies Trellis knows (src/iam/managed-policies.ts), documents as their JSON. */
export const awsManagedPolicies: AwsManagedCatalog = (arn) => {
  const p = managedPolicy(arn);
  return p ? { arn: p.arn, name: p.name, description: p.description, document: JSON.parse(p.text) as unknown } : undefined;
};

export function identityContext(store: Store, opts: { now?: () => number; awsManaged?: AwsManagedCatalog } = {}): IdentityContext {
  return { store, now: opts.now ?? Date.now, awsManaged: opts.awsManaged ?? awsManagedPolicies };
}

/** One transaction, then the change is announced to the credential caches of this store. */
export async function write<T>(ctx: IdentityContext, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
  const result = await ctx.store.transact(fn);
  await announceIdentityChange(ctx.store);
  return result;
}

export function isoAt(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
