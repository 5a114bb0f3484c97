import { randomBytes, randomInt } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Credential, CredentialLookup, Principal } from './contracts.js';

/**
 * The bootstrap admin key: the one credential that exists before any IAM user does, so that
 * `trellis up --enforce-iam` can be used at all. It acts as the account root (allowed
 * everything, governed by no identity policy) and lives in `<dataDir>/credentials`, in the
 * AWS shared-credentials format under the profile `trellis`, so a user points the CLI or an
 * SDK at it with `AWS_SHARED_CREDENTIALS_FILE=<dataDir>/credentials AWS_PROFILE=trellis`.
 * The same key survives restarts; a data dir of ':memory:' gets a fresh key each run.
 */
export const BOOTSTRAP_PROFILE = 'trellis';

export interface BootstrapKey extends Credential {
  /** The credentials file, unless the data dir is ':memory:'. */
  readonly file?: string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An access key id as IAM mints them: `AKIA` and 16 base-32 characters. */
export function newAccessKeyId(prefix = 'AKIA'): string {
  let id = prefix;
  for (let i = 0; i < 16; i++) id += BASE32[randomInt(32)];
  return id;
}

/** A 40-character secret, as IAM's are. */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

export function rootOf(account: string, partition = 'aws'): Principal {
  return { arn: `arn:${partition}:iam::${account}:root`, account, type: 'Root', userId: account, tags: {} };
}

/**
 * Reads the `trellis` profile of `<dataDir>/credentials`, creating the key (and the file,
 * mode 0600, or a new profile in an existing file) when there is none.
 */
export function ensureBootstrapKey(dataDir: string, account: string, partition = 'aws'): BootstrapKey {
  const principal = rootOf(account, partition);
  if (dataDir === ':memory:') return { accessKeyId: newAccessKeyId(), secretAccessKey: newSecretAccessKey(), principal };
  const dir = resolve(dataDir);
  const file = join(dir, 'credentials');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const found = text === undefined ? undefined : readProfile(text, BOOTSTRAP_PROFILE);
  if (found) return { ...found, principal, file };
  const key = { accessKeyId: newAccessKeyId(), secretAccessKey: newSecretAccessKey() };
  const section = `[${BOOTSTRAP_PROFILE}]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`;
  mkdirSync(dir, { recursive: true });
  if (text === undefined) writeFileSync(file, section, { mode: 0o600 });
  else appendFileSync(file, `${text.endsWith('\n') || text === '' ? '' : '\n'}${section}`);
  return { ...key, principal, file };
}

/** The access key pair of one profile of a shared-credentials (INI) file. */
export function readProfile(text: string, profile: string): { accessKeyId: string; secretAccessKey: string } | undefined {
  let inProfile = false;
  let accessKeyId: string | undefined;
  let secretAccessKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (section) { inProfile = section[1] === profile; continue; }
    if (!inProfile) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const name = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (name === 'aws_access_key_id') accessKeyId = value;
    else if (name === 'aws_secret_access_key') secretAccessKey = value;
  }
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

/** A CredentialLookup over fixed credentials (the bootstrap key), tried before `next`. */
export function staticLookup(credentials: readonly Credential[], next?: CredentialLookup): CredentialLookup {
  const byId = new Map(credentials.map((c) => [c.accessKeyId, c] as const));
  return next ? (id) => byId.get(id) ?? next(id) : (id) => byId.get(id);
}
