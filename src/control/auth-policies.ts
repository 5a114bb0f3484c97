import { parseIdentifier, parsePolicyDocument, quotaExceeded, notFound, validationError, type LatticeKind } from '../model/index.js';
import type { ResourceRecord, StoreReader } from '../store/index.js';
import { isoNow, placeOf, resolve, type Doc } from './common.js';
import type { CallContext, ControlPlane, Handlers } from './context.js';
import { quotaCodes } from './quotas.js';

/**
 * Kinds that auth policies, resource policies and access-log subscriptions attach to. The
 * model's identifier patterns admit only these, so anything else never reaches a handler.
 */
export const ATTACHABLE_KINDS: readonly LatticeKind[] = ['servicenetwork', 'service', 'resourceconfiguration'];

/**
 * The service network, service or resource configuration an identifier (ID or ARN) names;
 * 404 naming its own resource type when it does not exist here.
 */
export async function resolveAttachable(
  tx: StoreReader, call: CallContext, identifier: string, member = 'resourceIdentifier',
): Promise<ResourceRecord<Doc>> {
  const kind = parseIdentifier(identifier)?.kind;
  if (!kind || !ATTACHABLE_KINDS.includes(kind)) {
    // Reached by ARNs the model's loose pattern admits but that are not Lattice's (arn:aws:ec2:…:service/svc-…).
    const message = 'Member must be the ID or ARN of a service network, service or resource configuration';
    throw validationError(`${identifier} is not a service network, service or resource configuration.`, 'fieldValidationFailed', [{ name: member, message }]);
  }
  return resolve<Doc>(tx, call, kind, identifier);
}

/**
 * Checks a policy string against IAM's grammar; the ValidationException names the member
 * (`policy`) and says what is wrong with the document.
 */
export function assertPolicy(policy: string, member = 'policy'): void {
  const parsed = parsePolicyDocument(policy);
  if (!parsed.ok) {
    throw validationError(`Invalid policy: ${parsed.message}`, 'fieldValidationFailed', [{ name: member, message: parsed.message }]);
  }
}

/** What an auth-policy record keeps (id = the resource it is attached to). */
export interface AuthPolicyDoc {
  [k: string]: unknown;
  readonly policy: string;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
}

/**
 * A policy is enforced only while its resource's authType is AWS_IAM. Resource
 * configurations have no authType ("auth policies are not supported on resource
 * configurations"), so a policy attached to one is stored and reported Inactive.
 */
function stateOf(resource: ResourceRecord<Doc>): 'Active' | 'Inactive' {
  return resource.doc.authType === 'AWS_IAM' ? 'Active' : 'Inactive';
}

/** The 10 KB quota is on the policy's bytes, not its characters (the model caps characters at 36,864). */
function checkSize(cp: ControlPlane, policy: string): void {
  const limit = cp.config.quotas.authPolicyBytes;
  const bytes = Buffer.byteLength(policy, 'utf8');
  if (bytes > limit) {
    throw quotaExceeded('AUTH_POLICY', quotaCodes.authPolicyBytes, `The auth policy is ${bytes} bytes; the quota is ${limit} bytes.`);
  }
}

export const authPolicyHandlers: Handlers = {
  async PutAuthPolicy(cp, call, input) {
    // The policy is judged first: a malformed document is wrong whatever it is attached to.
    assertPolicy(input.policy);
    checkSize(cp, input.policy);
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const resource = await resolveAttachable(tx, call, input.resourceIdentifier);
      const existing = await tx.get<AuthPolicyDoc>('authpolicy', place, resource.id);
      const now = isoNow(cp);
      // Stored verbatim: Get answers exactly the string that was put.
      const doc: AuthPolicyDoc = { policy: input.policy, createdAt: existing?.doc.createdAt ?? now, lastUpdatedAt: now };
      await tx.put({ kind: 'authpolicy', ...place, id: resource.id, parentId: '', name: '', refs: [resource.id], doc });
      return { policy: doc.policy, state: stateOf(resource) };
    });
  },

  async GetAuthPolicy(cp, call, input) {
    const resource = await resolveAttachable(cp.store, call, input.resourceIdentifier);
    const rec = await cp.store.get<AuthPolicyDoc>('authpolicy', placeOf(call), resource.id);
    // LATTICE.md §10 #5: no policy attached answers 404 rather than an empty 200.
    if (!rec) throw notFound('AUTH_POLICY', resource.id, `No auth policy is attached to ${resource.id}.`);
    const d = rec.doc;
    return { policy: d.policy, state: stateOf(resource), createdAt: d.createdAt, lastUpdatedAt: d.lastUpdatedAt };
  },

  async DeleteAuthPolicy(cp, call, input) {
    // The resource must exist (404 otherwise); deleting an absent policy is a no-op, as
    // the model marks the operation idempotent. With authType AWS_IAM the resource then
    // denies every request (LATTICE.md §10 #4).
    return cp.store.transact(async (tx) => {
      const resource = await resolveAttachable(tx, call, input.resourceIdentifier);
      await tx.delete('authpolicy', placeOf(call), resource.id);
      return {};
    });
  },
};
