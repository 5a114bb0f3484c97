import { parseIdentifier } from '../model/index.js';
import type { ResourceRecord } from '../store/index.js';
import type { CompileContext } from './context.js';
import { field, Fields, Malformed, reasonOf } from './narrow.js';
import type { ActionEntry, CompiledHeaderMatch, CompiledMatch, ListenerEntry, RuleEntry } from './snapshot.js';

/**
 * Listeners and their rules, pre-sorted and pre-compiled for the request path.
 *
 * - Rules are sorted by ascending priority, the default rule last. A rule that cannot be
 *   compiled (malformed match, a forward to a target group that is missing or did not
 *   compile, a priority another rule of the listener already holds) is left out and named in
 *   `problems`; the listener's other rules still route. A whole forward action is dropped
 *   rather than a part of it, so weights never silently shift.
 * - The default rule is the stored rule with `isDefault` (UpdateListener keeps it in step
 *   with the listener's `defaultAction`); if the store has none, the listener's own
 *   `defaultAction` stands in for it. A listener whose default rule does not compile is left
 *   out: every request it takes must have an answer.
 * - Case-insensitive match values are stored lower case; header names always are. Path and
 *   header values match case-insensitively unless `caseSensitive` is true (the API's and
 *   CloudFormation's default is false); the method is always case-sensitive.
 * - Forward weights are as stored (0 means "no traffic", and is kept).
 */

/** Looks up a target group for an action: undefined when it is routable, else why not. */
export type TargetGroupCheck = (id: string) => string | undefined;

/** The listeners of one service that compile, by port. */
export function compileListeners(ctx: CompileContext, service: ResourceRecord, groups: TargetGroupCheck): Map<number, ListenerEntry> {
  const out = new Map<number, ListenerEntry>();
  for (const rec of ctx.children('listener', service, service.id)) {
    try {
      const listener = compileListener(ctx, rec, groups);
      const taken = out.get(listener.port);
      if (taken) {
        ctx.problem('listener', rec.id, `port ${listener.port} is already taken by listener ${taken.id} of service ${service.id}`);
        continue;
      }
      out.set(listener.port, listener);
    } catch (err) {
      ctx.problem('listener', rec.id, reasonOf(err));
    }
  }
  // By port, for stable output; most services have one or two listeners, already in order.
  let sorted = true;
  let previous = 0;
  for (const port of out.keys()) {
    if (port < previous) sorted = false;
    previous = port;
  }
  return sorted ? out : new Map([...out].sort((a, b) => a[0] - b[0]));
}

function compileListener(ctx: CompileContext, rec: ResourceRecord, groups: TargetGroupCheck): ListenerEntry {
  const f = Fields.of(rec.doc, '');
  const protocol = f.oneOf('protocol', ['HTTP', 'HTTPS', 'TLS_PASSTHROUGH']);
  const port = f.int('port', 1, 65535);
  const arn = f.str('arn');

  const ordered: RuleEntry[] = [];
  let defaultRule: RuleEntry | undefined;
  let defaultFailed: string | undefined;
  const byPriority = new Map<number, string>();
  for (const r of ctx.children('rule', rec, rec.id)) {
    const isDefault = field(r.doc, 'isDefault') === true;
    if (isDefault && (defaultRule || defaultFailed)) {
      ctx.problem('rule', r.id, `listener ${rec.id} already has a default rule`);
      continue;
    }
    try {
      const rule = compileRule(r, isDefault, groups);
      if (isDefault) { defaultRule = rule; continue; }
      const holder = byPriority.get(rule.priority!);
      if (holder) throw new Error(`priority ${rule.priority} is already used by rule ${holder} of listener ${rec.id}`);
      byPriority.set(rule.priority!, r.id);
      ordered.push(rule);
    } catch (err) {
      ctx.problem('rule', r.id, reasonOf(err));
      if (isDefault) defaultFailed = reasonOf(err);
    }
  }
  if (defaultFailed) throw new Error(`its default rule cannot be compiled: ${defaultFailed}`);
  defaultRule ??= {
    id: rec.id, arn, isDefault: true,
    action: compileAction(f.child('defaultAction'), groups),
  };
  ordered.sort((a, b) => a.priority! - b.priority!);
  ordered.push(defaultRule);
  return { id: rec.id, arn, name: f.optStr('name') ?? rec.name, protocol, port, rules: ordered };
}

function compileRule(rec: ResourceRecord, isDefault: boolean, groups: TargetGroupCheck): RuleEntry {
  const f = Fields.of(rec.doc, '');
  const action = compileAction(f.child('action'), groups);
  const arn = f.str('arn');
  if (isDefault) return { id: rec.id, arn, isDefault: true, action };
  return { id: rec.id, arn, isDefault: false, priority: f.int('priority', 1, 2000), match: compileMatch(f.child('match')), action };
}

/** A stored RuleAction (`{forward: {targetGroups}}` or `{fixedResponse: {statusCode}}`). */
export function compileAction(f: Fields, groups: TargetGroupCheck): ActionEntry {
  const fixed = f.optChild('fixedResponse');
  if (fixed) return { type: 'fixed-response', statusCode: fixed.int('statusCode', 100, 599) };
  const forward = f.optChild('forward');
  if (!forward) throw new Malformed(f.at, 'a forward or fixedResponse action');
  const targetGroups = forward.objects('targetGroups').map((g) => {
    const identifier = g.str('targetGroupIdentifier');
    // Stored by id; an ARN (older records) names the same group.
    const targetGroupId = parseIdentifier(identifier)?.id ?? identifier;
    const why = groups(targetGroupId);
    if (why) throw new Error(`it forwards to target group ${targetGroupId}, which ${why}`);
    return { targetGroupId, weight: g.optInt('weight', 0, 999) ?? 1 };
  });
  if (targetGroups.length === 0) throw new Malformed(`${forward.at}.targetGroups`, 'a non-empty list');
  return { type: 'forward', targetGroups };
}

/** A stored RuleMatch (`{httpMatch: {method?, pathMatch?, headerMatches?}}`), pre-lowered. */
export function compileMatch(f: Fields): CompiledMatch {
  const http = f.child('httpMatch');
  const method = http.optStr('method');
  const pm = http.optChild('pathMatch');
  let path: CompiledMatch['path'];
  if (pm) {
    const caseSensitive = pm.optBool('caseSensitive') ?? false;
    const { kind, value } = oneMatch(pm.child('match'), ['exact', 'prefix']);
    path = { kind, value: caseSensitive ? value : value.toLowerCase(), caseSensitive };
  }
  const headers = http.optObjects('headerMatches')?.map((h): CompiledHeaderMatch => {
    const caseSensitive = h.optBool('caseSensitive') ?? false;
    const { kind, value } = oneMatch(h.child('match'), ['exact', 'prefix', 'contains']);
    return { name: h.str('name').toLowerCase(), kind, value: caseSensitive ? value : value.toLowerCase(), caseSensitive };
  }) ?? [];
  return { ...(method !== undefined ? { method } : {}), ...(path ? { path } : {}), headers };
}

/** The single member set in a match union (`{exact}` | `{prefix}` | `{contains}`). */
function oneMatch<const K extends string>(m: Fields, kinds: readonly K[]): { kind: K; value: string } {
  const set = kinds.filter((k) => m.has(k));
  if (set.length !== 1) throw new Malformed(m.at, `exactly one of ${kinds.join(', ')}`);
  const kind = set[0]!;
  return { kind, value: m.str(kind) };
}
