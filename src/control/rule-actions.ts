import { conflict, fieldError, kindOfId, quotaExceeded, validationError } from '../model/index.js';
import type * as T from '../model/index.js';
import type { Place, StoreReader } from '../store/index.js';
import { placeOf, resolve } from './common.js';
import type { CallContext, ControlPlane } from './context.js';
import { quotaCodes } from './quotas.js';

/**
 * Checks shared by listeners (their default action) and rules (their action and match):
 * what the model cannot say about a RuleAction or a RuleMatch. The pure checks are
 * exported apart from the store-backed ones so they can be unit-tested alone.
 */

/** AWS's FixedResponseAction doc: "Only 404 and 500 status codes are supported". */
export const FIXED_RESPONSE_CODES: readonly number[] = [404, 500];

/** ForwardAction doc: weight 1 when omitted (the WeightedTargetGroup doc's 100 is for a single group). */
export const DEFAULT_WEIGHT = 1;

/** The action as stored and answered: target groups by id, every weight filled in. */
export interface StoredAction {
  readonly forward?: { readonly targetGroups: readonly { readonly targetGroupIdentifier: string; readonly weight: number }[] };
  readonly fixedResponse?: { readonly statusCode: number };
}

/** The fields of a target-group record this module reads. */
interface TargetGroupView {
  readonly type?: string;
  readonly config?: { readonly protocol?: string };
}

/**
 * Request-only checks of an action (no store): the fixed-response code AWS supports and
 * the same target group named twice in one forward action. `field` names the member in
 * errors (`defaultAction`, `action`, `rules[2].action`).
 */
export function checkActionShape(action: T.RuleAction, field: string): void {
  if (action.fixedResponse) {
    const code = action.fixedResponse.statusCode;
    if (!FIXED_RESPONSE_CODES.includes(code)) {
      throw fieldError(`${field}.fixedResponse.statusCode`, `Only the status codes ${FIXED_RESPONSE_CODES.join(' and ')} are supported, not ${code}`);
    }
  }
  const groups = action.forward?.targetGroups ?? [];
  const seen = new Set<string>();
  groups.forEach((g, i) => {
    // An id and an ARN of the same group are the same group.
    const id = idOf(g.targetGroupIdentifier);
    if (seen.has(id)) {
      throw fieldError(`${field}.forward.targetGroups[${i}].targetGroupIdentifier`, `Target group ${id} is listed more than once in the same action`);
    }
    seen.add(id);
  });
}

/** The last path segment of an ARN, or the identifier itself. */
function idOf(identifier: string): string {
  const slash = identifier.lastIndexOf('/');
  return slash >= 0 ? identifier.slice(slash + 1) : identifier;
}

/**
 * Request-only checks of a match: at least one condition, header names unique
 * (case-insensitively, as header names are matched) and paths that start with '/'.
 */
export function checkMatch(match: T.RuleMatch, field: string): void {
  const http = match.httpMatch;
  const at = `${field}.httpMatch`;
  if (!http) throw fieldError(at, 'Member must not be null');
  // A method of '' passes the model (length 0–16) but can match no request: refuse it.
  if (http.method !== undefined && http.method.length === 0) throw fieldError(`${at}.method`, 'Member must not be empty');
  if (http.method === undefined && http.pathMatch === undefined && http.headerMatches === undefined) {
    throw fieldError(at, 'At least one of method, pathMatch or headerMatches must be specified');
  }
  const path = http.pathMatch?.match.exact ?? http.pathMatch?.match.prefix;
  if (path !== undefined && !path.startsWith('/')) {
    const kind = http.pathMatch?.match.exact !== undefined ? 'exact' : 'prefix';
    throw fieldError(`${at}.pathMatch.match.${kind}`, "The path must start with '/'");
  }
  const names = new Set<string>();
  (http.headerMatches ?? []).forEach((h, i) => {
    const lower = h.name.toLowerCase();
    if (names.has(lower)) throw fieldError(`${at}.headerMatches[${i}].name`, `Header ${h.name} is matched more than once in the same rule`);
    names.add(lower);
  });
}

/** Where an action lives: the service and listener it routes for. */
export interface ActionContext {
  readonly serviceId: string;
  readonly protocol: T.ListenerProtocol;
  /** The member name used in errors. */
  readonly field: string;
}

export interface CheckedAction {
  readonly action: StoredAction;
  /** Ids of the target groups it forwards to, for the record's refs. */
  readonly targetGroupIds: readonly string[];
}

/**
 * Every check of an action, then its stored form: each target group exists (404
 * TARGET_GROUP), is not used by another service (409, "A target group can only be used by
 * a single service"), and speaks a protocol the listener can forward to: TLS_PASSTHROUGH
 * listeners forward only to TCP groups (so never to LAMBDA ones), HTTP/HTTPS listeners
 * never to TCP groups.
 */
export async function checkAction(tx: StoreReader, call: CallContext, action: T.RuleAction, ctx: ActionContext): Promise<CheckedAction> {
  checkActionShape(action, ctx.field);
  if (action.fixedResponse) {
    if (ctx.protocol === 'TLS_PASSTHROUGH') {
      throw fieldError(`${ctx.field}.fixedResponse`, 'A TLS_PASSTHROUGH listener can only forward to TCP target groups');
    }
    return { action: { fixedResponse: { statusCode: action.fixedResponse.statusCode } }, targetGroupIds: [] };
  }
  const place = placeOf(call);
  const groups: { targetGroupIdentifier: string; weight: number }[] = [];
  const ids: string[] = [];
  const inputs = action.forward?.targetGroups ?? [];
  for (const [i, g] of inputs.entries()) {
    const tg = await resolve<TargetGroupView>(tx, call, 'targetgroup', g.targetGroupIdentifier);
    checkProtocol(tg.id, tg.doc, ctx, `${ctx.field}.forward.targetGroups[${i}].targetGroupIdentifier`);
    await checkSingleService(tx, place, tg.id, ctx.serviceId);
    groups.push({ targetGroupIdentifier: tg.id, weight: g.weight ?? DEFAULT_WEIGHT });
    ids.push(tg.id);
  }
  return { action: { forward: { targetGroups: groups } }, targetGroupIds: ids };
}

function checkProtocol(tgId: string, tg: TargetGroupView, ctx: ActionContext, field: string): void {
  const tgProtocol = tg.config?.protocol;
  if (ctx.protocol === 'TLS_PASSTHROUGH') {
    if (tg.type === 'LAMBDA') throw fieldError(field, `Target group ${tgId} is of type LAMBDA, which a TLS_PASSTHROUGH listener cannot forward to`);
    if (tgProtocol !== 'TCP') throw fieldError(field, `Target group ${tgId} uses protocol ${tgProtocol ?? 'none'}; a TLS_PASSTHROUGH listener can only forward to TCP target groups`);
  } else if (tgProtocol === 'TCP') {
    throw fieldError(field, `Target group ${tgId} uses protocol TCP; an ${ctx.protocol} listener cannot forward to TCP target groups`);
  }
}

async function checkSingleService(tx: StoreReader, place: Place, tgId: string, serviceId: string): Promise<void> {
  for (const user of await tx.referrers(place, tgId, ['listener', 'rule'])) {
    const owner = user.doc['serviceId'];
    if (typeof owner === 'string' && owner !== serviceId) {
      throw conflict('TARGET_GROUP', tgId, `Target group ${tgId} is already used by service ${owner}. A target group can only be used by a single service.`);
    }
  }
}

/** The target-group ids among a record's refs. */
export function targetGroupRefs(refs: readonly string[]): string[] {
  return refs.filter((r) => kindOfId(r) === 'targetgroup');
}

/**
 * The "target groups per service" quota, counted on the state after a change: the
 * distinct groups that the service's listeners and rules forward to, with the records in
 * `replacing` (record id → its new target groups) taken as they will be.
 */
export async function checkTargetGroupsPerService(
  cp: ControlPlane, tx: StoreReader, place: Place, serviceId: string, replacing: ReadonlyMap<string, readonly string[]>,
): Promise<void> {
  const used = new Set<string>();
  for (const rec of await tx.referrers(place, serviceId, ['listener', 'rule'])) {
    if (!replacing.has(rec.id)) for (const id of targetGroupRefs(rec.refs)) used.add(id);
  }
  for (const ids of replacing.values()) for (const id of ids) used.add(id);
  const limit = cp.config.quotas.targetGroupsPerService;
  if (used.size > limit) {
    throw quotaExceeded('SERVICE', quotaCodes.targetGroupsPerService, `You have reached the quota of ${limit} target groups per service.`, serviceId);
  }
}

/** TLS_PASSTHROUGH listeners have only their default rule (LATTICE.md §2.2). */
export function assertRulesAllowed(protocol: T.ListenerProtocol, listenerId: string): void {
  if (protocol === 'TLS_PASSTHROUGH') {
    throw validationError(`Listener ${listenerId} uses TLS_PASSTHROUGH, which supports only its default rule.`, 'other');
  }
}
