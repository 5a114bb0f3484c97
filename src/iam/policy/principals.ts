import type { PrincipalSet } from '../../model/index.js';
import type { Principal } from '../contracts.js';
import type { KeyLookup } from './patterns.js';

/**
 * `Principal` / `NotPrincipal` compiled to sets, with IAM's rules for resource policies:
 *
 * - `"*"` (the bare string) matches everyone, the anonymous caller included; it is the only
 *   form the anonymous caller matches (LATTICE.md §3.2), so `{"AWS": "*"}` matches every
 *   authenticated caller but not the anonymous one;
 * - an account id or `arn:aws:iam::<acct>:root` matches every principal of that account;
 * - a user, assumed-role session or federated-user ARN matches that principal exactly;
 * - a role ARN matches the role's sessions (`arn:aws:sts::<acct>:assumed-role/<name>/<session>`),
 *   by the session's `roleArn` or, failing that, by account and role name;
 * - `{"Federated": …}` matches a caller whose ARN, or whose `aws:FederatedProvider` key, names
 *   that provider (an OIDC/SAML provider ARN, or a name such as `cognito-identity.amazonaws.com`);
 * - `{"Service": …}` matches the key `aws:PrincipalServiceName` (or a principal ARN equal to it);
 * - `{"CanonicalUser": …}` matches a principal ARN equal to it.
 */
export interface PrincipalMatcher {
  readonly everyone: boolean;
  readonly anyAws: boolean;
  readonly accounts: ReadonlySet<string>;
  readonly arns: ReadonlySet<string>;
  /** `<account>/<role name>` of each role named, for sessions that carry no roleArn. */
  readonly roleNames: ReadonlySet<string>;
  readonly federated: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
}

const ROOT = /^arn:[a-z0-9-]+:iam::(\d{12}):root$/;
const ROLE = /^arn:[a-z0-9-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const SESSION = /^arn:[a-z0-9-]+:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

export function compilePrincipals(set: PrincipalSet): PrincipalMatcher {
  const accounts = new Set<string>();
  const arns = new Set<string>();
  const roleNames = new Set<string>();
  const federated = new Set<string>();
  const services = new Set<string>();
  let anyAws = false;
  if (set !== '*') {
    for (const v of set.AWS ?? []) {
      if (v === '*') { anyAws = true; continue; }
      if (/^\d{12}$/.test(v)) { accounts.add(v); continue; }
      const root = ROOT.exec(v);
      if (root) { accounts.add(root[1]!); continue; }
      const role = ROLE.exec(v);
      if (role) roleNames.add(`${role[1]}/${role[2]}`);
      arns.add(v);
    }
    for (const v of set.Federated ?? []) {
      federated.add(v);
      const provider = /^arn:[a-z0-9-]+:iam::\d{12}:(?:oidc|saml)-provider\/(.+)$/.exec(v);
      if (provider) federated.add(provider[1]!);
    }
    for (const v of set.Service ?? []) services.add(v);
    for (const v of set.CanonicalUser ?? []) arns.add(v);
  }
  return { everyone: set === '*', anyAws, accounts, arns, roleNames, federated, services };
}

/** Whether the caller is one of the principals; see PrincipalMatcher for the rules. */
export function matchPrincipal(m: PrincipalMatcher, p: Principal, keys: KeyLookup): boolean {
  if (m.everyone) return true;
  if (p.type === 'Anonymous') return false;
  if (m.anyAws && p.account !== '') return true;
  if (m.accounts.has(p.account)) return true;
  if (m.arns.has(p.arn)) return true;
  if (p.type === 'AssumedRole') {
    if (p.roleArn !== undefined && m.arns.has(p.roleArn)) return true;
    if (m.roleNames.size > 0) {
      const s = SESSION.exec(p.arn);
      if (s && m.roleNames.has(`${s[1]}/${s[2]}`)) return true;
    }
  }
  if (m.federated.size > 0) {
    if (m.federated.has(p.arn)) return true;
    for (const v of keys.get('aws:federatedprovider') ?? []) if (m.federated.has(v)) return true;
  }
  if (m.services.size > 0) {
    if (m.services.has(p.arn)) return true;
    for (const v of keys.get('aws:principalservicename') ?? []) if (m.services.has(v)) return true;
  }
  return false;
}
