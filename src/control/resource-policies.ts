import { notFound } from '../model/index.js';
import { placeOf } from './common.js';
import type { Handlers } from './context.js';
import { assertPolicy, resolveAttachable } from './auth-policies.js';

/** What a resource-policy record keeps (id = the resource it is attached to). */
export interface ResourcePolicyDoc {
  [k: string]: unknown;
  readonly policy: string;
}

/**
 * Resource policies: the RAM-style sharing policy of a service network, service or resource
 * configuration, one per resource, addressed by the resource's ARN. The model bounds the
 * string (1–10,000 characters); here it must also be an IAM resource-based policy document.
 */
export const resourcePolicyHandlers: Handlers = {
  async PutResourcePolicy(cp, call, input) {
    assertPolicy(input.policy);
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const resource = await resolveAttachable(tx, call, input.resourceArn, 'resourceArn');
      const doc: ResourcePolicyDoc = { policy: input.policy };
      await tx.put({ kind: 'resourcepolicy', ...place, id: resource.id, parentId: '', name: '', refs: [resource.id], doc });
      return {};
    });
  },

  async GetResourcePolicy(cp, call, input) {
    const resource = await resolveAttachable(cp.store, call, input.resourceArn, 'resourceArn');
    const rec = await cp.store.get<ResourcePolicyDoc>('resourcepolicy', placeOf(call), resource.id);
    if (!rec) throw notFound('RESOURCE_POLICY', resource.id, `No resource policy is attached to ${input.resourceArn}.`);
    return { policy: rec.doc.policy };
  },

  async DeleteResourcePolicy(cp, call, input) {
    // As DeleteAuthPolicy: 404 for a missing resource, a no-op when no policy is attached.
    return cp.store.transact(async (tx) => {
      const resource = await resolveAttachable(tx, call, input.resourceArn, 'resourceArn');
      await tx.delete('resourcepolicy', placeOf(call), resource.id);
      return {};
    });
  },
};
