import { AwsError, conflict, notFound, validationError } from '../model/index.js';
import type * as T from '../model/index.js';
import type { ResourceRecord, StoreReader, StoreTx } from '../store/index.js';
import {
  assertNameFree, checkQuota, checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve,
} from './common.js';
import type { CallContext, ControlPlane, Handlers } from './context.js';
import { resolveListener, type ListenerDoc, type RuleDoc } from './listeners.js';
import { assertRulesAllowed, checkAction, checkMatch, checkTargetGroupsPerService, targetGroupRefs } from './rule-actions.js';

type RuleRecord = ResourceRecord<RuleDoc>;

/** The rule a path names; a rule of another listener answers 404. */
async function resolveRule(tx: StoreReader, call: CallContext, listenerId: string, identifier: string): Promise<RuleRecord> {
  const rule = await resolve<RuleDoc>(tx, call, 'rule', identifier);
  if (rule.parentId !== listenerId) throw notFound('RULE', rule.id);
  return rule;
}

function ruleView(d: RuleDoc): T.RuleUpdateSuccess {
  return compact({ arn: d.arn, id: d.id, name: d.name, isDefault: d.isDefault, match: d.match, priority: d.priority, action: d.action });
}

function priorityTaken(rule: RuleRecord, priority: number, listenerId: string): AwsError {
  return conflict('RULE', rule.id, `Priority ${priority} is already used by rule ${rule.id} of listener ${listenerId}.`);
}

interface Prepared {
  readonly rec: RuleRecord;
  readonly doc: RuleDoc;
  readonly targetGroupIds: readonly string[];
}

/**
 * One rule update checked and applied to a copy of the rule (nothing written): the default
 * rule is changed only through UpdateListener, a new match and action pass every check.
 * Priority uniqueness is the caller's, as a batch judges it on its final state.
 */
async function prepareUpdate(
  tx: StoreReader, call: CallContext, listener: ResourceRecord<ListenerDoc>, rec: RuleRecord,
  update: { readonly match?: T.RuleMatch; readonly priority?: number; readonly action?: T.RuleAction }, field: string, now: string,
): Promise<Prepared> {
  if (rec.doc.isDefault) {
    throw validationError(`Rule ${rec.id} is the default rule of listener ${listener.id}; change it with UpdateListener.`, 'other');
  }
  if (update.match) checkMatch(update.match, `${field}match`);
  let action = rec.doc.action;
  let targetGroupIds = targetGroupRefs(rec.refs);
  if (update.action) {
    const checked = await checkAction(tx, call, update.action, { serviceId: listener.doc.serviceId, protocol: listener.doc.protocol, field: `${field}action` });
    action = checked.action;
    targetGroupIds = [...checked.targetGroupIds];
  }
  const doc: RuleDoc = compact({
    ...rec.doc, match: update.match ?? rec.doc.match, priority: update.priority ?? rec.doc.priority, action, lastUpdatedAt: now,
  });
  return { rec, doc, targetGroupIds };
}

function refsOf(doc: RuleDoc, targetGroupIds: readonly string[]): string[] {
  return [doc.serviceId, doc.listenerId, ...targetGroupIds];
}

export const ruleHandlers: Handlers = {
  async CreateRule(cp, call, input) {
    checkTags(cp, input.tags);
    checkMatch(input.match, 'match');
    const place = placeOf(call);
    return cp.store.transact((tx) => idempotent(tx, call, 'CreateRule', input.clientToken, input, cp.now(), async () => {
      const { service, listener } = await resolveListener(tx, call, input.serviceIdentifier, input.listenerIdentifier);
      assertRulesAllowed(listener.doc.protocol, listener.id);
      await assertNameFree(tx, 'rule', place, listener.id, input.name, 'Rule');
      const others = (await tx.list<RuleDoc>('rule', place, { parentId: listener.id })).filter((r) => !r.doc.isDefault);
      const clash = others.find((r) => r.doc.priority === input.priority);
      if (clash) throw priorityTaken(clash, input.priority, listener.id);
      checkQuota(cp, 'rulesPerListener', others.length, 'RULE', 'rules per listener', listener.id);
      const checked = await checkAction(tx, call, input.action, { serviceId: service.id, protocol: listener.doc.protocol, field: 'action' });
      const { id, arn } = mint(call.scope, 'rule', [service.id, listener.id]);
      await checkTargetGroupsPerService(cp, tx, place, service.id, new Map([[id, checked.targetGroupIds]]));
      const now = isoNow(cp);
      const doc: RuleDoc = compact({
        id, arn, name: input.name, priority: input.priority, match: input.match, action: checked.action, isDefault: false,
        serviceId: service.id, serviceArn: listener.doc.serviceArn, listenerId: listener.id, createdAt: now, lastUpdatedAt: now, tags: input.tags,
      });
      await tx.put({ kind: 'rule', ...place, id, parentId: listener.id, name: input.name, refs: refsOf(doc, checked.targetGroupIds), doc });
      return { arn, id, name: doc.name, match: input.match, priority: input.priority, action: checked.action };
    }));
  },

  async GetRule(cp, call, input) {
    const { listener } = await resolveListener(cp.store, call, input.serviceIdentifier, input.listenerIdentifier);
    const rule = await resolveRule(cp.store, call, listener.id, input.ruleIdentifier);
    return { ...ruleView(rule.doc), createdAt: rule.doc.createdAt, lastUpdatedAt: rule.doc.lastUpdatedAt };
  },

  async ListRules(cp, call, input) {
    const { listener } = await resolveListener(cp.store, call, input.serviceIdentifier, input.listenerIdentifier);
    const page = await paginate<RuleDoc, T.RuleSummary>(cp.store, placeOf(call), 'rule', { parentId: listener.id }, input, (r) => compact({
      arn: r.doc.arn, id: r.doc.id, name: r.doc.name, isDefault: r.doc.isDefault, priority: r.doc.priority,
      createdAt: r.doc.createdAt, lastUpdatedAt: r.doc.lastUpdatedAt,
    }));
    return compact({ items: page.items, nextToken: page.nextToken });
  },

  async UpdateRule(cp, call, input) {
    const place = placeOf(call);
    return cp.store.transact(async (tx) => {
      const { service, listener } = await resolveListener(tx, call, input.serviceIdentifier, input.listenerIdentifier);
      const rec = await resolveRule(tx, call, listener.id, input.ruleIdentifier);
      const next = await prepareUpdate(tx, call, listener, rec, input, '', isoNow(cp));
      if (input.priority !== undefined) {
        const siblings = await tx.list<RuleDoc>('rule', place, { parentId: listener.id });
        const clash = siblings.find((r) => r.id !== rec.id && !r.doc.isDefault && r.doc.priority === input.priority);
        if (clash) throw priorityTaken(clash, input.priority, listener.id);
      }
      await checkTargetGroupsPerService(cp, tx, place, service.id, new Map([[rec.id, next.targetGroupIds]]));
      await tx.put({ ...rec, refs: refsOf(next.doc, next.targetGroupIds), doc: next.doc });
      return ruleView(next.doc);
    });
  },

  async BatchUpdateRule(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const { service, listener } = await resolveListener(tx, call, input.serviceIdentifier, input.listenerIdentifier);
      return batchUpdate(cp, tx, call, service.id, listener, input.rules);
    });
  },

  async DeleteRule(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const { listener } = await resolveListener(tx, call, input.serviceIdentifier, input.listenerIdentifier);
      const rule = await resolveRule(tx, call, listener.id, input.ruleIdentifier);
      // ValidationException, like UpdateRule on the default rule: the request is wrong
      // whatever the state, not in conflict with a state that could change.
      if (rule.doc.isDefault) throw validationError(`Rule ${rule.id} is the default rule of listener ${listener.id} and cannot be deleted.`, 'other');
      await tx.delete('rule', placeOf(call), rule.id);
      return {};
    });
  },
};

interface Outcome {
  readonly index: number;
  readonly identifier: string;
}

/**
 * BatchUpdateRule in one transaction. Each item is checked on its own (an item that fails
 * is reported and leaves its rule untouched); priority uniqueness is then judged on the
 * final state of the listener, so rules can swap priorities in one call. An item whose new
 * priority still collides is failed and undone, until no collision is left; undoing can
 * only restore priorities that were unique before, so this ends.
 */
async function batchUpdate(
  cp: ControlPlane, tx: StoreTx, call: CallContext,
  serviceId: string, listener: ResourceRecord<ListenerDoc>, updates: readonly T.RuleUpdate[],
): Promise<T.BatchUpdateRuleResponse> {
  const place = placeOf(call);
  const now = isoNow(cp);
  const rules = await tx.list<RuleDoc>('rule', place, { parentId: listener.id });
  const pending = new Map<string, Prepared & Outcome>();
  const failed: (T.RuleUpdateFailure & { index: number })[] = [];
  const fail = (o: Outcome, e: AwsError) => failed.push({ index: o.index, ruleIdentifier: o.identifier, failureCode: e.type, failureMessage: e.message });
  const seen = new Set<string>();

  for (const [index, u] of updates.entries()) {
    const outcome = { index, identifier: u.ruleIdentifier };
    try {
      const rec = await resolveRule(tx, call, listener.id, u.ruleIdentifier);
      // A rule named twice (by id, or once by id and once by ARN) has no single final state.
      if (seen.has(rec.id)) throw validationError(`Rule ${rec.id} appears more than once in the batch.`, 'other');
      seen.add(rec.id);
      const next = await prepareUpdate(tx, call, listener, rec, u, `rules[${index}].`, now);
      const replacing = new Map([...pending.values()].map((p) => [p.rec.id, p.targetGroupIds] as const));
      replacing.set(rec.id, next.targetGroupIds);
      await checkTargetGroupsPerService(cp, tx, place, serviceId, replacing);
      pending.set(rec.id, { ...next, ...outcome });
    } catch (e) {
      if (!(e instanceof AwsError)) throw e;
      fail(outcome, e);
    }
  }

  for (let collided = true; collided;) {
    collided = false;
    const holders = new Map<number, RuleRecord[]>();
    for (const r of rules) {
      const p = (pending.get(r.id)?.doc ?? r.doc).priority;
      if (r.doc.isDefault || p === undefined) continue;
      holders.set(p, [...holders.get(p) ?? [], r]);
    }
    for (const [priority, recs] of holders) {
      if (recs.length < 2) continue;
      for (const r of recs) {
        const p = pending.get(r.id);
        if (!p || p.doc.priority === r.doc.priority) continue;
        const other = recs.find((o) => o.id !== r.id)!;
        pending.delete(r.id);
        fail(p, priorityTaken(other, priority, listener.id));
        collided = true;
      }
    }
  }

  const applied = [...pending.values()].sort((a, b) => a.index - b.index);
  for (const p of applied) await tx.put({ ...p.rec, refs: refsOf(p.doc, p.targetGroupIds), doc: p.doc });
  return {
    successful: applied.map((p) => ruleView(p.doc)),
    unsuccessful: failed.sort((a, b) => a.index - b.index).map(({ index: _, ...f }) => f),
  };
}
