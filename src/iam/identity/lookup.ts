import type { ResourceKind } from '../../model/index.js';
import type { Store } from '../../store/index.js';
import type { CompiledPolicy, Credential, CredentialLookup, Principal } from '../contracts.js';
import { onIdentityChange } from './changes.js';
import { awsManagedPolicies, type AwsManagedCatalog } from './context.js';
import { storedPolicy } from './documents.js';
import { iamPlaceOf, nameKey, type AccessKeyDoc, type ManagedPolicyDoc, type RoleDoc, type SessionDoc, type UserDoc } from './records.js';
import { sessionPrincipal } from './sessions.js';

/** A CredentialLookup over an in-memory copy of the store's keys and sessions. */
export interface CredentialCache extends CredentialLookup {
  /** Reloads now if the store changed since the last load; resolves when the copy is current. */
  refresh(): Promise<void>;
  /** Stops polling and listening. */
  close(): void;
}

export interface CredentialCacheOptions {
  /** How often the store revision is polled for writes made elsewhere (another node, CloudFormation). Default 1000 ms. */
  readonly pollMs?: number;
  /** The partition root keys' principals are in. Default 'aws'. */
  readonly partition?: string;
}

const KINDS: readonly ResourceKind[] = ['iamaccesskey', 'stssession', 'iamuser', 'iamrole'];

/**
 * The credential lookup the SigV4 verifier needs, synchronous as verification is: a map of
 * access key id → Credential, rebuilt from the store (1) after every identity write made
 * through this module, before that write's API call answers, and (2) when a poll of the store
 * revision shows a change to IAM records by anyone else. Inactive keys are left out (IAM
 * refuses them as unknown); expired sessions stay in with their expiry, so the verifier can
 * answer ExpiredToken rather than InvalidClientTokenId. Sessions of a deleted role are gone.
 */
export function credentialLookup(store: Store, opts: CredentialCacheOptions = {}): CredentialCache {
  const partition = opts.partition ?? 'aws';
  let map = new Map<string, Credential>();
  let loadedAt = -1;
  let loading: Promise<void> | undefined;

  const load = async (): Promise<void> => {
    const revision = await store.revision();
    const records = await store.scan(KINDS);
    const users = new Map<string, UserDoc>();
    const roles = new Map<string, RoleDoc>();
    for (const r of records) {
      if (r.region !== '') continue;
      if (r.kind === 'iamuser') users.set(`${r.account}/${r.id}`, r.doc as UserDoc);
      if (r.kind === 'iamrole') roles.set(r.doc.arn as string, r.doc as RoleDoc);
    }
    const next = new Map<string, Credential>();
    for (const r of records) {
      if (r.region !== '') continue;
      if (r.kind === 'iamaccesskey') {
        const k = r.doc as AccessKeyDoc;
        if (k.status !== 'Active') continue;
        const principal = k.userName === '' ? rootPrincipal(partition, r.account) : userPrincipalOf(users.get(`${r.account}/${nameKey(k.userName)}`), r.account);
        if (principal) next.set(k.accessKeyId, { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey, principal });
      } else if (r.kind === 'stssession') {
        const s = r.doc as SessionDoc;
        const role = roles.get(s.roleArn);
        if (!role) continue;
        next.set(s.accessKeyId, {
          accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken, expiresAt: s.expiresAt,
          principal: sessionPrincipal(s, role.tags),
        });
      }
    }
    map = next;
    loadedAt = revision;
  };

  /** One load at a time; a change announced during a load loads again after it. */
  const reload = async (): Promise<void> => {
    while (loading) await loading;
    loading = load().finally(() => { loading = undefined; });
    await loading;
  };

  const refresh = async (): Promise<void> => {
    const revision = await store.revision();
    if (revision === loadedAt) return;
    if (loadedAt >= 0) {
      // Only IAM changes matter; Lattice writes happen far more often.
      const changes = await store.changesSince(loadedAt, 10_000);
      if (changes.length < 10_000 && !changes.some((c) => KINDS.includes(c.kind))) { loadedAt = revision; return; }
    }
    await reload();
  };

  const unsubscribe = onIdentityChange(store, reload);
  const timer = setInterval(() => { refresh().catch(() => undefined); }, opts.pollMs ?? 1000);
  timer.unref();
  void refresh().catch(() => undefined);

  const lookup = (accessKeyId: string): Credential | undefined => map.get(accessKeyId);
  return Object.assign(lookup, {
    refresh,
    close(): void { clearInterval(timer); unsubscribe(); },
  });
}

export function rootPrincipal(partition: string, account: string): Principal {
  return { arn: `arn:${partition}:iam::${account}:root`, account, type: 'Root', userId: account, tags: {} };
}

function userPrincipalOf(user: UserDoc | undefined, account: string): Principal | undefined {
  if (!user) return undefined;
  return { arn: user.arn, account, type: 'User', userId: user.userId, tags: user.tags };
}

/**
 * The identity-based policies that apply to a principal, each ready for the evaluator: a
 * user's or a session's role's inline policies, then its attached managed ones (customer
 * policies from the store, AWS's from the catalogue). The account root and the anonymous
 * caller have none (the root is not governed by identity policies). A document that no
 * longer parses is left out — it can grant nothing.
 */
export async function identityPolicies(store: Store, principal: Principal, awsManaged: AwsManagedCatalog = awsManagedPolicies): Promise<readonly CompiledPolicy[]> {
  let holder: UserDoc | RoleDoc | undefined;
  if (principal.type === 'User') {
    const name = principal.arn.slice(principal.arn.lastIndexOf('/') + 1);
    holder = (await store.get<UserDoc>('iamuser', iamPlaceOf(principal.account), nameKey(name)))?.doc;
  } else if (principal.type === 'AssumedRole' && principal.roleArn !== undefined) {
    const name = principal.roleArn.slice(principal.roleArn.lastIndexOf('/') + 1);
    holder = (await store.get<RoleDoc>('iamrole', iamPlaceOf(principal.account), nameKey(name)))?.doc;
  }
  if (!holder || holder.arn !== (principal.type === 'User' ? principal.arn : principal.roleArn)) return [];
  const out: CompiledPolicy[] = [];
  for (const p of holder.policies) {
    const document = storedPolicy(p.policyDocument, 'identity');
    if (document) out.push({ kind: 'identity', source: `inline policy ${p.policyName} of ${holder.arn}`, document });
  }
  for (const arn of holder.managedPolicyArns) {
    const value = await managedDocument(store, arn, awsManaged);
    const document = value === undefined ? undefined : storedPolicy(value, 'identity');
    if (document) out.push({ kind: 'identity', source: arn, document });
  }
  return out;
}

async function managedDocument(store: Store, arn: string, awsManaged: AwsManagedCatalog): Promise<unknown> {
  const m = /^arn:[^:]+:iam::(\d{12}):policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!m) return awsManaged(arn)?.document;
  const doc = (await store.get<ManagedPolicyDoc>('iampolicy', iamPlaceOf(m[1]!), nameKey(m[2]!)))?.doc;
  return doc && doc.arn === arn ? doc.document : undefined;
}
