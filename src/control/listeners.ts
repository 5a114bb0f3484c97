import { conflict, fieldError, notFound } from '../model/index.js';
import type * as T from '../model/index.js';
import type { Place, ResourceRecord, StoreReader, StoreTx } from '../store/index.js';
import {
  assertNameFree, checkQuota, checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve,
} from './common.js';
import type { CallContext, ControlPlane, Handlers } from './context.js';
import { checkAction, checkTargetGroupsPerService, type StoredAction } from './rule-actions.js';

/** What a listener record keeps (PREAMBLE record conventions). */
export interface ListenerDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly protocol: T.ListenerProtocol;
  readonly port: number;
  readonly serviceId: string;
  readonly serviceArn: string;
  readonly defaultAction: StoredAction;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** What a rule record keeps; the default rule has no priority and no match. */
export interface RuleDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly priority?: number;
  readonly match?: T.RuleMatch;
  readonly action: StoredAction;
  readonly isDefault: boolean;
  readonly serviceId: string;
  readonly serviceArn: string;
  readonly listenerId: string;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** The fields of a service record this module reads. */
interface ServiceView {
  readonly id: string;
  readonly arn: string;
  readonly status?: string;
  readonly customDomainName?: string;
}

/** Name of the default rule every listener carries (LATTICE.md §10 #1). */
export const DEFAULT_RULE_NAME = 'default';

/** Ports a listener takes when the request names none; TLS_PASSTHROUGH has no default. */
const DEFAULT_PORTS: Partial<Record<T.ListenerProtocol, number>> = { HTTP: 80, HTTPS: 443 };

/**
 * The service and listener that a request's path names. A listener of another service
 * answers 404, as though it did not exist: paths are a hierarchy, not two look-ups.
 */
export async function resolveListener(
  tx: StoreReader, call: CallContext, serviceIdentifier: string, listenerIdentifier: string,
): Promise<{ service: ResourceRecord<ServiceView>; listener: ResourceRecord<ListenerDoc> }> {
  const service = await resolve<ServiceView>(tx, call, 'service', serviceIdentifier);
  const listener = await resolve<ListenerDoc>(tx, call, 'listener', listenerIdentifier);
  if (listener.parentId !== service.id) throw notFound('LISTENER', listener.id);
  return { service, listener };
}

/** The default rule of a listener; every listener has exactly one. */
export async function defaultRuleOf(tx: StoreReader, place: Place, listenerId: string): Promise<ResourceRecord<RuleDoc> | undefined> {
  const rules = await tx.list<RuleDoc>('rule', place, { parentId: listenerId });
  return rules.find((r) => r.doc.isDefault);
}

function view(d: ListenerDoc) {
  return {
    arn: d.arn, id: d.id, name: d.name, protocol: d.protocol, port: d.port,
    serviceArn: d.serviceArn, serviceId: d.serviceId, defaultAction: d.defaultAction,
  };
}

async function putDefaultRule(tx: StoreTx, call: CallContext, listener: ListenerDoc, targetGroupIds: readonly string[]): Promise<void> {
  const place = placeOf(call);
  const { id, arn } = mint(call.scope, 'rule', [listener.serviceId, listener.id]);
  const doc: RuleDoc = {
    id, arn, name: DEFAULT_RULE_NAME, action: listener.defaultAction, isDefault: true,
    serviceId: listener.serviceId, serviceArn: listener.serviceArn, listenerId: listener.id,
    createdAt: listener.createdAt, lastUpdatedAt: listener.lastUpdatedAt,
  };
  await tx.put({ kind: 'rule', ...place, id, parentId: listener.id, name: DEFAULT_RULE_NAME, refs: [listener.serviceId, listener.id, ...targetGroupIds], doc });
}

export const listenerHandlers: Handlers = {
  async CreateListener(cp, call, input) {
    checkTags(cp, input.tags);
    const port = input.port ?? DEFAULT_PORTS[input.protocol];
    if (port === undefined) throw fieldError('port', `Member must not be null: a ${input.protocol} listener has no default port`);
    const place = placeOf(call);
    return cp.store.transact((tx) => idempotent(tx, call, 'CreateListener', input.clientToken, input, cp.now(), async () => {
      const service = await resolve<ServiceView>(tx, call, 'service', input.serviceIdentifier);
      if (service.doc.status === 'DELETE_IN_PROGRESS') throw conflict('SERVICE', service.id, `Service ${service.id} is being deleted.`);
      // A TLS listener routes on the ClientHello's SNI, which must equal the service's custom
      // domain name (UG tls-listeners: "The VPC Lattice service must have a custom domain name").
      if (input.protocol === 'TLS_PASSTHROUGH' && !service.doc.customDomainName) {
        throw fieldError('protocol', `Service ${service.id} has no custom domain name; a TLS_PASSTHROUGH listener routes on SNI, which must match the service's custom domain name`);
      }
      await assertNameFree(tx, 'listener', place, service.id, input.name, 'Listener');
      const siblings = await tx.list<ListenerDoc>('listener', place, { parentId: service.id });
      const samePort = siblings.find((l) => l.doc.port === port);
      if (samePort) throw conflict('LISTENER', samePort.id, `Listener ${samePort.id} on port ${port} already exists for service ${service.id}.`);
      checkQuota(cp, 'listenersPerService', siblings.length, 'LISTENER', 'listeners per service', service.id);
      const checked = await checkAction(tx, call, input.defaultAction, { serviceId: service.id, protocol: input.protocol, field: 'defaultAction' });
      const { id, arn } = mint(call.scope, 'listener', [service.id]);
      await checkTargetGroupsPerService(cp, tx, place, service.id, new Map([[id, checked.targetGroupIds]]));
      const now = isoNow(cp);
      const doc: ListenerDoc = compact({
        id, arn, name: input.name, protocol: input.protocol, port, serviceId: service.id, serviceArn: service.doc.arn,
        defaultAction: checked.action, createdAt: now, lastUpdatedAt: now, tags: input.tags,
      });
      await tx.put({ kind: 'listener', ...place, id, parentId: service.id, name: input.name, refs: [service.id, ...checked.targetGroupIds], doc });
      await putDefaultRule(tx, call, doc, checked.targetGroupIds);
      return view(doc);
    }));
  },

  async GetListener(cp, call, input) {
    const { listener } = await resolveListener(cp.store, call, input.serviceIdentifier, input.listenerIdentifier);
    return { ...view(listener.doc), createdAt: listener.doc.createdAt, lastUpdatedAt: listener.doc.lastUpdatedAt };
  },

  async ListListeners(cp, call, input) {
    const service = await resolve<ServiceView>(cp.store, call, 'service', input.serviceIdentifier);
    const page = await paginate<ListenerDoc, T.ListenerSummary>(cp.store, placeOf(call), 'listener', { parentId: service.id }, input, (r) => ({
      arn: r.doc.arn, id: r.doc.id, name: r.doc.name, protocol: r.doc.protocol, port: r.doc.port,
      createdAt: r.doc.createdAt, lastUpdatedAt: r.doc.lastUpdatedAt,
    }));
    return compact({ items: page.items, nextToken: page.nextToken });
  },

  async UpdateListener(cp, call, input) {
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const { service, listener } = await resolveListener(tx, call, input.serviceIdentifier, input.listenerIdentifier);
      const checked = await checkAction(tx, call, input.defaultAction, { serviceId: service.id, protocol: listener.doc.protocol, field: 'defaultAction' });
      const rule = await defaultRuleOf(tx, place, listener.id);
      const replacing = new Map([[listener.id, checked.targetGroupIds]]);
      if (rule) replacing.set(rule.id, checked.targetGroupIds);
      await checkTargetGroupsPerService(cp, tx, place, service.id, replacing);
      const now = isoNow(cp);
      const doc: ListenerDoc = { ...listener.doc, defaultAction: checked.action, lastUpdatedAt: now };
      await tx.put({ ...listener, refs: [service.id, ...checked.targetGroupIds], doc });
      // The default rule is the listener's default action seen as a rule: keep them in step.
      if (rule) {
        await tx.put({ ...rule, refs: [service.id, listener.id, ...checked.targetGroupIds], doc: { ...rule.doc, action: checked.action, lastUpdatedAt: now } });
      } else {
        await putDefaultRule(tx, call, doc, checked.targetGroupIds);
      }
      return view(doc);
    });
  },

  async DeleteListener(cp, call, input) {
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const { listener } = await resolveListener(tx, call, input.serviceIdentifier, input.listenerIdentifier);
      // Its rules, the default one included, go with it: they mean nothing without it.
      for (const rule of await tx.list('rule', place, { parentId: listener.id })) await tx.delete('rule', place, rule.id);
      await tx.delete('listener', place, listener.id);
      return {};
    });
  },
};
