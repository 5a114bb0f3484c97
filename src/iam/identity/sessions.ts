import type { Principal } from '../contracts.js';
import { write, isoAt, type IdentityContext } from './context.js';
import { accessKeyId, iamPlaceOf, partitionOf, secretAccessKey, sessionToken, type RoleDoc, type SessionDoc } from './records.js';

/** What a new role session is: its name, its length and, for web identities, where it came from. */
export interface SessionSpec {
  readonly sessionName: string;
  readonly durationSeconds: number;
  readonly federated?: SessionDoc['federated'];
}

/** The account a role ARN lives in. */
function accountOf(roleArn: string): string {
  return /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn)?.[1] ?? '';
}

/**
 * Mints temporary credentials for a session of `role` (ASIA… key, 40-character secret,
 * session token, expiry) and stores them in the role's account, so any node sharing the
 * store can verify a request signed with them. Sessions that have expired are swept out of
 * the account in the same transaction, which keeps the table as small as what is live.
 */
export async function createSession(ctx: IdentityContext, role: RoleDoc, spec: SessionSpec): Promise<SessionDoc> {
  const account = accountOf(role.arn);
  const place = iamPlaceOf(account);
  const now = ctx.now();
  const doc: SessionDoc = {
    accessKeyId: accessKeyId('ASIA'), secretAccessKey: secretAccessKey(), sessionToken: sessionToken(),
    // Whole seconds, as STS states expirations: the wire and the verifier agree to the millisecond.
    expiresAt: Math.floor(now / 1000) * 1000 + spec.durationSeconds * 1000, roleArn: role.arn, roleName: role.roleName, roleId: role.roleId,
    sessionName: spec.sessionName,
    assumedRoleArn: `arn:${partitionOf(role.arn)}:sts::${account}:assumed-role/${role.roleName}/${spec.sessionName}`,
    assumedRoleId: `${role.roleId}:${spec.sessionName}`, createDate: isoAt(now),
    ...(spec.federated ? { federated: spec.federated } : {}),
  };
  await write(ctx, async (tx) => {
    for (const old of await tx.list<SessionDoc>('stssession', place)) {
      if (old.doc.expiresAt <= now) await tx.delete('stssession', place, old.id);
    }
    await tx.put({ kind: 'stssession', ...place, id: doc.accessKeyId, parentId: '', name: '', refs: [], doc });
  });
  return doc;
}

/**
 * The principal a session acts as: its assumed-role ARN, with the role's ARN beside it
 * (`aws:PrincipalArn` of a session is the role) and the role's tags as principal tags.
 */
export function sessionPrincipal(doc: SessionDoc, roleTags: Readonly<Record<string, string>>): Principal {
  return {
    arn: doc.assumedRoleArn, account: accountOf(doc.roleArn), type: 'AssumedRole', roleArn: doc.roleArn,
    sessionName: doc.sessionName, userId: doc.assumedRoleId, tags: roleTags,
  };
}
