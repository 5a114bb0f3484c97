import type { RuleEntry, TargetEntry, TargetGroupEntry, WeightedTargetGroupEntry } from '../../config/index.js';
import type { TargetHealthSource } from '../contracts.js';

/**
 * Smooth weighted round robin over the target groups of one forward action — nginx's
 * algorithm: every pick adds each group's weight to its running score, takes the highest
 * score (the first one on a tie) and subtracts the total from it. 10/10 alternates exactly
 * A,B,A,B; 10/20 gives B,A,B,B,A,B; weight 0 is never picked. The state is two small arrays.
 */
export class SmoothWeighted {
  private readonly current: number[];
  private readonly total: number;

  constructor(private readonly weights: readonly number[]) {
    this.current = weights.map(() => 0);
    let total = 0;
    for (const w of weights) total += w > 0 ? w : 0;
    this.total = total;
  }

  /** The index of the next pick, or -1 when every weight is 0. */
  next(): number {
    if (this.total === 0) return -1;
    const w = this.weights;
    const cur = this.current;
    let best = -1;
    for (let i = 0; i < w.length; i++) {
      const wi = w[i]!;
      if (wi <= 0) continue;
      cur[i]! += wi;
      if (best < 0 || cur[i]! > cur[best]!) best = i;
    }
    cur[best]! -= this.total;
    return best;
  }

  /** True when `groups` carries the same weights in the same order (state can be kept). */
  sameWeights(groups: readonly WeightedTargetGroupEntry[]): boolean {
    if (groups.length !== this.weights.length) return false;
    for (let i = 0; i < groups.length; i++) if (groups[i]!.weight !== this.weights[i]) return false;
    return true;
  }
}

interface ActionState {
  /** The snapshot's array this state was last checked against: same reference → no compare. */
  groups: readonly WeightedTargetGroupEntry[];
  ids: string;
  wrr: SmoothWeighted;
}

interface Cursor { next: number }

/**
 * Picks a target group for a forward action and a target within the group.
 *
 * State is keyed by rule id (weighted choice) and by target-group id (round-robin cursor),
 * not by snapshot, so it survives snapshot swaps: an unrelated API change does not restart
 * the walkthrough's exact A,B,A,B alternation. A rule whose weights or groups changed starts
 * afresh. `retain()` drops the state of rules and groups that left the snapshot.
 */
export class Balancer {
  private readonly actions = new Map<string, ActionState>();
  private readonly cursors = new Map<string, Cursor>();

  constructor(private readonly health: TargetHealthSource) {}

  /** The group to forward to, or undefined when every weight is 0. */
  pickGroup(rule: RuleEntry, groups: readonly WeightedTargetGroupEntry[]): WeightedTargetGroupEntry | undefined {
    if (groups.length === 1) {
      const only = groups[0]!;
      return only.weight > 0 ? only : undefined;
    }
    let st = this.actions.get(rule.id);
    if (st === undefined || (st.groups !== groups && !sameAction(st, groups))) {
      st = { groups, ids: idsOf(groups), wrr: new SmoothWeighted(groups.map((g) => g.weight)) };
      this.actions.set(rule.id, st);
    } else {
      st.groups = groups;
    }
    const i = st.wrr.next();
    return i < 0 ? undefined : groups[i];
  }

  /**
   * Round robin over the group's routable targets: resolved, and neither UNHEALTHY nor
   * DRAINING (INITIAL and UNAVAILABLE are routable, as on Lattice). When none is, fail open
   * to every resolved target that is not draining (LATTICE.md §2.8), then to draining ones.
   * Undefined when no target of the group is resolved.
   */
  pickTarget(tg: TargetGroupEntry): TargetEntry | undefined {
    const targets = tg.targets;
    const n = targets.length;
    if (n === 0) return undefined;
    let cursor = this.cursors.get(tg.id);
    if (cursor === undefined) {
      cursor = { next: 0 };
      this.cursors.set(tg.id, cursor);
    }
    const start = cursor.next % n;
    let open = -1;
    let draining = -1;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const t = targets[i]!;
      if (t.address === undefined) continue;
      const s = this.health.status(tg.id, t);
      if (s === 'UNHEALTHY') { if (open < 0) open = i; continue; }
      if (s === 'DRAINING') { if (draining < 0) draining = i; continue; }
      cursor.next = i + 1;
      return t;
    }
    const i = open >= 0 ? open : draining;
    if (i < 0) return undefined;
    cursor.next = i + 1;
    return targets[i];
  }

  /** Drops the state of rules and target groups that are not in the new snapshot. */
  retain(ruleIds: ReadonlySet<string>, targetGroupIds: ReadonlySet<string>): void {
    for (const id of this.actions.keys()) if (!ruleIds.has(id)) this.actions.delete(id);
    for (const id of this.cursors.keys()) if (!targetGroupIds.has(id)) this.cursors.delete(id);
  }

  /**
   * Drops the state of the rules and target groups named, which left the snapshot: what
   * `retain` does, at the cost of what left rather than of everything that stays.
   */
  forget(ruleIds: Iterable<string>, targetGroupIds: Iterable<string>): void {
    for (const id of ruleIds) this.actions.delete(id);
    for (const id of targetGroupIds) this.cursors.delete(id);
  }
}

function idsOf(groups: readonly WeightedTargetGroupEntry[]): string {
  let s = '';
  for (const g of groups) s += g.targetGroupId + ',';
  return s;
}

function sameAction(st: ActionState, groups: readonly WeightedTargetGroupEntry[]): boolean {
  return st.wrr.sameWeights(groups) && st.ids === idsOf(groups);
}
