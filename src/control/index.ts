import type { OperationName } from '../model/index.js';
import type { Store } from '../store/index.js';
import type { ControlConfig, ControlPlane, Handler, Handlers } from './context.js';
import { Lifecycle } from './lifecycle.js';
import { defaultQuotas } from './quotas.js';
import { serviceNetworkHandlers } from './service-networks.js';
import { serviceHandlers } from './services.js';
import { serviceNetworkServiceAssociationHandlers } from './service-network-service-associations.js';
import { serviceNetworkVpcAssociationHandlers } from './service-network-vpc-associations.js';
import { targetGroupHandlers } from './target-groups.js';
import { targetHandlers } from './targets.js';
import { listenerHandlers } from './listeners.js';
import { ruleHandlers } from './rules.js';
import { authPolicyHandlers } from './auth-policies.js';
import { resourcePolicyHandlers } from './resource-policies.js';
import { accessLogSubscriptionHandlers } from './access-log-subscriptions.js';
import { tagHandlers } from './tags.js';
import { resourceGatewayHandlers } from './resource-gateways.js';
import { resourceConfigurationHandlers } from './resource-configurations.js';
import { serviceNetworkResourceAssociationHandlers } from './service-network-resource-associations.js';
import { resourceEndpointAssociationHandlers } from './resource-endpoint-associations.js';
import { domainVerificationHandlers } from './domain-verifications.js';

export type { CallContext, ControlConfig, ControlPlane, Handler, Handlers, TargetHealth, TargetHealthView } from './context.js';
export { defaultQuotas, type Quotas } from './quotas.js';
export { Lifecycle } from './lifecycle.js';
export * as vpcs from './vpcs.js';
export * as environment from './environment-records.js';

/** Every operation Trellis implements, one resource module each. */
export const handlers: Handlers = {
  ...serviceNetworkHandlers,
  ...serviceHandlers,
  ...serviceNetworkServiceAssociationHandlers,
  ...serviceNetworkVpcAssociationHandlers,
  ...targetGroupHandlers,
  ...targetHandlers,
  ...listenerHandlers,
  ...ruleHandlers,
  ...authPolicyHandlers,
  ...resourcePolicyHandlers,
  ...accessLogSubscriptionHandlers,
  ...tagHandlers,
  ...resourceGatewayHandlers,
  ...resourceConfigurationHandlers,
  ...serviceNetworkResourceAssociationHandlers,
  ...resourceEndpointAssociationHandlers,
  ...domainVerificationHandlers,
};

export function handlerFor(op: OperationName): Handler<OperationName> | undefined {
  return handlers[op] as Handler<OperationName> | undefined;
}

/** Kinds whose creation AWS reports as in progress; settled by the lifecycle. */
const ASYNC_KINDS = [
  'service', 'targetgroup', 'servicenetworkserviceassociation', 'servicenetworkvpcassociation',
  'servicenetworkresourceassociation', 'resourcegateway', 'resourceconfiguration',
] as const;

export interface ControlPlaneOptions {
  readonly store: Store;
  readonly config?: Partial<ControlConfig>;
  readonly now?: () => number;
}

/** Builds the control plane over a store and settles what a previous run left in progress. */
export async function createControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane & { close(): void }> {
  const now = opts.now ?? Date.now;
  const config: ControlConfig = {
    quotas: { ...defaultQuotas, ...opts.config?.quotas },
    settleDelayMs: opts.config?.settleDelayMs ?? 100,
    deregistrationDelayMs: opts.config?.deregistrationDelayMs ?? 60_000,
  };
  const lifecycle = new Lifecycle(opts.store, config.settleDelayMs, now);
  await lifecycle.resume(ASYNC_KINDS);
  return { store: opts.store, config, lifecycle, now, close: () => lifecycle.close() };
}
export * as stacks from './stacks.js';
export * as functions from './functions.js';
export * as certificates from './certificates.js';
