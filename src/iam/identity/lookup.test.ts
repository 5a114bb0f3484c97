import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../../store/index.js';
import {
  attachPolicy, createAccessKey, createRole, createUser, identityContext, putInlinePolicy, updateAccessKey, assumeRole,
  credentialLookup, identityPolicies, type IdentityContext,
} from './index.js';

/**
 * The credential cache the SigV4 verifier reads synchronously, and the identity policies of
 * a principal: writes through the identity store are visible before the call returns; writes
 * by someone else (another node on the store) are picked up by refresh; sessions carry their
 * token and expiry; inactive keys authenticate nothing.
 */
describe('credentialLookup and identityPolicies', () => {
  let store: SqliteStore;
  let ctx: IdentityContext;
  const scope = { partition: 'aws', account: '123456789012' };
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 'sts:AssumeRole' }] });
  const invoke = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'vpc-lattice-svcs:Invoke', Resource: '*' }] });

  before(() => {
    store = new SqliteStore(':memory:');
    ctx = identityContext(store, { now: () => 1_700_000_000_000 });
  });
  after(async () => { await store.close(); });

  it('knows a new key when the write returns, and forgets it once inactive', async () => {
    const lookup = credentialLookup(store, { pollMs: 60_000 });
    try {
      await lookup.refresh();
      await createUser(ctx, scope, { userName: 'erin', tags: { team: 'red' } });
      const key = await createAccessKey(ctx, scope, 'erin');
      const cred = lookup(key.accessKeyId);
      assert.equal(cred?.secretAccessKey, key.secretAccessKey);
      assert.deepEqual(cred?.principal, { arn: 'arn:aws:iam::123456789012:user/erin', account: '123456789012', type: 'User', userId: cred?.principal.userId, tags: { team: 'red' } });
      await updateAccessKey(ctx, scope, 'erin', key.accessKeyId, 'Inactive');
      assert.equal(lookup(key.accessKeyId), undefined);
    } finally {
      lookup.close();
    }
  });

  it('sees writes made by another process on refresh', async () => {
    const lookup = credentialLookup(store, { pollMs: 60_000 });
    const elsewhere = identityContext(store);
    try {
      await lookup.refresh();
      // Another node: its write announces to nothing this cache listens to.
      lookup.close();
      const root = await createAccessKey(elsewhere, scope, '');
      assert.equal(lookup(root.accessKeyId), undefined);
      await lookup.refresh();
      assert.equal(lookup(root.accessKeyId)?.principal.arn, 'arn:aws:iam::123456789012:root');
    } finally {
      lookup.close();
    }
  });

  it('gives sessions their token and expiry, and the role\'s policies', async () => {
    const lookup = credentialLookup(store, { pollMs: 60_000 });
    try {
      await createRole(ctx, scope, { roleName: 'svc', assumeRolePolicyDocument: trust, tags: { tier: 'web' } });
      await putInlinePolicy(ctx, scope, 'role', 'svc', 'invoke', invoke);
      await attachPolicy(ctx, scope, 'role', 'svc', 'arn:aws:iam::aws:policy/VPCLatticeReadOnlyAccess');
      const caller = { arn: 'arn:aws:iam::123456789012:user/erin', account: '123456789012', type: 'User' as const, tags: {} };
      const s = await assumeRole(ctx, caller, { roleArn: 'arn:aws:iam::123456789012:role/svc', roleSessionName: 'one', durationSeconds: 900 });
      const cred = lookup(s.accessKeyId);
      assert.equal(cred?.sessionToken, s.sessionToken);
      assert.equal(cred?.expiresAt, 1_700_000_000_000 + 900_000);
      assert.equal(cred?.principal.type, 'AssumedRole');
      assert.deepEqual(cred?.principal.tags, { tier: 'web' });
      const sources = (await identityPolicies(store, cred!.principal)).map((p) => p.source);
      assert.deepEqual(sources, ['inline policy invoke of arn:aws:iam::123456789012:role/svc', 'arn:aws:iam::aws:policy/VPCLatticeReadOnlyAccess']);
      // A principal of another account with the same role name has none of them.
      assert.deepEqual(await identityPolicies(store, { ...cred!.principal, account: '999999999999', roleArn: 'arn:aws:iam::999999999999:role/svc' }), []);
    } finally {
      lookup.close();
    }
  });
});
