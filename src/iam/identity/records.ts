import { randomBytes } from 'node:crypto';
import type { Place } from '../../store/index.js';

/*
 * The stored shape of IAM's and STS's objects. IAM is global: every record lives in its
 * account with region '' (as src/control/environment-records.ts writes the roles and OIDC
 * providers of CloudFormation templates — the same kinds, keys and doc fields, so a role made
 * by a template and one made by CreateRole are one thing). Names are unique per account
 * case-insensitively, so a record's id is its lower-cased name.
 */

type Tags = Readonly<Record<string, string>>;

/** An inline policy: its name and its document, parsed from JSON (kept as the caller wrote it). */
export interface InlinePolicy {
  readonly policyName: string;
  readonly policyDocument: unknown;
}

/** kind 'iamrole' — the format of environment-records.ts's IamRoleDoc, field for field. */
export interface RoleDoc {
  [k: string]: unknown;
  readonly roleName: string;
  readonly path: string;
  readonly assumeRolePolicyDocument: unknown;
  readonly description?: string;
  readonly maxSessionDuration: number;
  readonly managedPolicyArns: readonly string[];
  readonly policies: readonly InlinePolicy[];
  readonly permissionsBoundary?: string;
  readonly tags: Tags;
  readonly roleId: string;
  readonly arn: string;
  readonly createDate: string;
}

/** kind 'iamuser': the role's shape where IAM gives users the same things. */
export interface UserDoc {
  [k: string]: unknown;
  readonly userName: string;
  readonly path: string;
  readonly userId: string;
  readonly arn: string;
  readonly createDate: string;
  readonly managedPolicyArns: readonly string[];
  readonly policies: readonly InlinePolicy[];
  readonly permissionsBoundary?: string;
  readonly tags: Tags;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

/** kind 'iamaccesskey', id = the key id; parentId = the user's record id ('' for the account root's keys). */
export interface AccessKeyDoc {
  [k: string]: unknown;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** '' for a key of the account root (the bootstrap key). */
  readonly userName: string;
  readonly status: AccessKeyStatus;
  readonly createDate: string;
}

/** kind 'iampolicy': a customer managed policy (one version, v1, as Trellis keeps no history). */
export interface ManagedPolicyDoc {
  [k: string]: unknown;
  readonly policyName: string;
  readonly policyId: string;
  readonly arn: string;
  readonly path: string;
  readonly description?: string;
  readonly document: unknown;
  readonly createDate: string;
  readonly updateDate: string;
  readonly tags: Tags;
}

/** kind 'oidcprovider' — environment-records.ts's OidcProviderDoc; id = URL without scheme. */
export interface OidcProviderDoc {
  [k: string]: unknown;
  readonly url: string;
  readonly clientIdList: readonly string[];
  readonly thumbprintList: readonly string[];
  readonly tags: Tags;
  readonly arn: string;
  readonly createDate: string;
}

/** kind 'stssession', id = the temporary access key id, in the role's account. */
export interface SessionDoc {
  [k: string]: unknown;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  readonly roleArn: string;
  readonly roleName: string;
  readonly roleId: string;
  readonly sessionName: string;
  /** `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`. */
  readonly assumedRoleArn: string;
  /** `AROA…:SESSION`. */
  readonly assumedRoleId: string;
  readonly createDate: string;
  /** Set for AssumeRoleWithWebIdentity: the provider's ARN, the token's sub and aud. */
  readonly federated?: { readonly provider: string; readonly subject: string; readonly audience: string };
}

export function iamPlaceOf(account: string): Place {
  return { account, region: '' };
}

/** Names are unique case-insensitively; the record id is the lower-cased name. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** `https://host/path/` → `host/path`: the provider's record id and the resource part of its ARN. */
export function oidcProviderKey(url: string): string {
  return url.replace(/^https:\/\//i, '').replace(/\/+$/, '');
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function idChars(n: number): string {
  return [...randomBytes(n)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

/** IAM's unique ids: AIDA (user), AROA (role), ANPA (policy) + 17 characters, as IAM mints them. */
export function uniqueId(prefix: 'AIDA' | 'AROA' | 'ANPA'): string {
  return prefix + idChars(17);
}

/** A 20-character access key id: AKIA for long-term keys, ASIA for temporary ones. */
export function accessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  return prefix + idChars(16);
}

/** A 40-character secret in the alphabet AWS's secrets use. */
export function secretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/** An opaque session token; the verifier compares it byte for byte, so only its length matters. */
export function sessionToken(): string {
  return randomBytes(120).toString('base64');
}

/** `/` + path segments + `/`: IAM's path grammar; the caller validates the pattern. */
export function arnOf(partition: string, account: string, type: 'user' | 'role' | 'policy', path: string, name: string): string {
  return `arn:${partition}:iam::${account}:${type}${path}${name}`;
}

/** The partition of an ARN, or 'aws'. */
export function partitionOf(arn: string): string {
  return /^arn:([^:]+):/.exec(arn)?.[1] ?? 'aws';
}
