import { createOnlyPaths } from './schema-facts.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from '../contracts.js';
import { assertUnchanged, invoke, resourceToken, syncTags } from './lattice-call.js';
import { handlerFailed, isNotFound } from './provider-error.js';
import { PropReader, defined, sameJson } from './props.js';

/*
 * AWS::VpcLattice::AuthPolicy, ::ResourcePolicy and ::AccessLogSubscription. Policies are
 * given as JSON objects (or strings) and sent as the compact JSON string the API takes
 * (LATTICE.md §8). A policy has no id of its own: Ref is the resource it is attached to.
 */

function reader(ctx: ProviderContext, props: Properties): PropReader {
  return new PropReader(ctx, props);
}

/** Deletes, treating "not found" (the resource or its policy is gone) as done, as CloudFormation does. */
async function deleteOrGone(fn: () => Promise<unknown>): Promise<void> {
  try { await fn(); } catch (err) { if (!isNotFound(err)) throw err; }
}

/** True when `get` finds something; a not-found answer is false. */
async function exists(fn: () => Promise<unknown>): Promise<boolean> {
  try { await fn(); return true; } catch (err) { if (isNotFound(err)) return false; throw err; }
}

// ---- AuthPolicy ---------------------------------------------------------------------------

export const authPolicyProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::AuthPolicy',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::AuthPolicy'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const resourceIdentifier = p.str('ResourceIdentifier');
    const policy = p.policy('Policy');
    // Put would silently replace a policy another stack (or a second resource) attached.
    if (await exists(() => invoke(ctx, 'GetAuthPolicy', { resourceIdentifier }))) {
      throw handlerFailed(ctx, `An auth policy is already attached to ${resourceIdentifier}.`, 'AlreadyExists');
    }
    const out = await invoke(ctx, 'PutAuthPolicy', { resourceIdentifier, policy });
    return { physicalId: resourceIdentifier, attributes: defined({ State: out.state }) };
  },
  async update(ctx, resourceIdentifier, props, previous) {
    const p = reader(ctx, props);
    if (!sameJson(props.Policy, previous.Policy)) {
      const out = await invoke(ctx, 'PutAuthPolicy', { resourceIdentifier, policy: p.policy('Policy') });
      return { physicalId: resourceIdentifier, attributes: defined({ State: out.state }) };
    }
    const got = await invoke(ctx, 'GetAuthPolicy', { resourceIdentifier });
    return { physicalId: resourceIdentifier, attributes: defined({ State: got.state }) };
  },
  async delete(ctx, resourceIdentifier) {
    await deleteOrGone(() => invoke(ctx, 'DeleteAuthPolicy', { resourceIdentifier }));
  },
};

// ---- ResourcePolicy -----------------------------------------------------------------------

export const resourcePolicyProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::ResourcePolicy',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::ResourcePolicy'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const resourceArn = p.str('ResourceArn');
    const policy = p.policy('Policy');
    if (await exists(() => invoke(ctx, 'GetResourcePolicy', { resourceArn }))) {
      throw handlerFailed(ctx, `A resource policy is already attached to ${resourceArn}.`, 'AlreadyExists');
    }
    await invoke(ctx, 'PutResourcePolicy', { resourceArn, policy });
    return { physicalId: resourceArn, attributes: {} };
  },
  async update(ctx, resourceArn, props, previous) {
    if (!sameJson(props.Policy, previous.Policy)) {
      await invoke(ctx, 'PutResourcePolicy', { resourceArn, policy: reader(ctx, props).policy('Policy') });
    }
    return { physicalId: resourceArn, attributes: {} };
  },
  async delete(ctx, resourceArn) {
    await deleteOrGone(() => invoke(ctx, 'DeleteResourcePolicy', { resourceArn }));
  },
};

// ---- AccessLogSubscription ----------------------------------------------------------------

async function subscriptionResource(ctx: ProviderContext, arn: string): Promise<ProvidedResource> {
  const g = await invoke(ctx, 'GetAccessLogSubscription', { accessLogSubscriptionIdentifier: arn });
  return { physicalId: g.arn, attributes: { Arn: g.arn, Id: g.id, ResourceArn: g.resourceArn, ResourceId: g.resourceId } };
}

export const accessLogSubscriptionProvider: ResourceProvider = {
  type: 'AWS::VpcLattice::AccessLogSubscription',
  replacementPaths: createOnlyPaths('AWS::VpcLattice::AccessLogSubscription'),
  async create(ctx, props) {
    const p = reader(ctx, props);
    const out = await invoke(ctx, 'CreateAccessLogSubscription', defined({
      resourceIdentifier: p.str('ResourceIdentifier'),
      destinationArn: p.str('DestinationArn'),
      serviceNetworkLogType: p.optStr('ServiceNetworkLogType'),
      tags: p.tags(),
      clientToken: resourceToken(ctx),
    }));
    return subscriptionResource(ctx, out.arn);
  },
  async update(ctx, arn, props, previous) {
    const p = reader(ctx, props);
    assertUnchanged(ctx, 'AWS::VpcLattice::AccessLogSubscription', 'ServiceNetworkLogType', props, previous);
    if (!sameJson(props.DestinationArn, previous.DestinationArn)) {
      await invoke(ctx, 'UpdateAccessLogSubscription', { accessLogSubscriptionIdentifier: arn, destinationArn: p.str('DestinationArn') });
    }
    await syncTags(ctx, arn, reader(ctx, previous).tags(), p.tags());
    return subscriptionResource(ctx, arn);
  },
  async delete(ctx, arn) {
    await deleteOrGone(() => invoke(ctx, 'DeleteAccessLogSubscription', { accessLogSubscriptionIdentifier: arn }));
  },
};
