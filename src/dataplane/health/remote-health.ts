import type { RoutingSnapshot, TargetEntry, TargetGroupEntry } from '../../config/index.js';
import type { TargetHealthSource, TargetStatus } from '../contracts.js';
import type { HealthChecker, HealthTransition } from './health-checker.js';
import { TargetMap } from './target-map.js';
import { diffEntries, entryId } from '../snapshot-diff.js';

/** One target's status as the checker reports it: `[targetId, port, status]`. */
export type TargetHealthTuple = readonly [id: string, port: number, status: TargetStatus];

/** Every target of one group, as the checker reports them after a snapshot swap. */
export interface GroupHealth {
  readonly targetGroupId: string;
  readonly targets: readonly TargetHealthTuple[];
}

/**
 * What a process that runs the health checks tells the processes that route by them
 * (`trellis up --workers N`: the primary to its workers, over the cluster IPC channel).
 * Plain data, so it survives structured cloning / JSON.
 * - `full`: the whole state; replaces everything (a worker that starts or restarts).
 * - `groups`: the groups whose entry changed in the checker's last swap, each replaced
 *   whole; `gone` lists groups that left the snapshot.
 * - `target`: one transition (HEALTHY ↔ UNHEALTHY, or INITIAL → either).
 */
export type HealthMessage =
  | { readonly kind: 'full'; readonly groups: readonly GroupHealth[] }
  | { readonly kind: 'groups'; readonly groups: readonly GroupHealth[]; readonly gone: readonly string[] }
  | { readonly kind: 'target'; readonly targetGroupId: string; readonly target: TargetHealthTuple };

const STATUSES: ReadonlySet<string> = new Set<TargetStatus>(['DRAINING', 'UNAVAILABLE', 'HEALTHY', 'UNHEALTHY', 'INITIAL', 'UNUSED']);

/**
 * The health a worker routes by when another process runs the checks: one HealthChecker
 * probes each target once per interval, however many workers serve traffic, and every
 * worker answers `status()` from the map these messages keep. A target the map does not
 * know is INITIAL (routable, as the checker itself answers for targets it has not probed).
 *
 * `status` is on the request path: two map lookups, no allocation.
 */
export class RemoteHealth implements TargetHealthSource {
  private readonly groups = new Map<string, TargetMap<TargetStatus>>();

  status(targetGroupId: string, target: Pick<TargetEntry, 'id' | 'port'>): TargetStatus {
    return this.groups.get(targetGroupId)?.get(target) ?? 'INITIAL';
  }

  /** Applies one message from the checking process (see HealthMessage). */
  apply(m: HealthMessage): void {
    switch (m.kind) {
      case 'full':
        this.groups.clear();
        for (const g of m.groups) this.setGroup(g);
        return;
      case 'groups':
        for (const id of m.gone) this.groups.delete(id);
        for (const g of m.groups) this.setGroup(g);
        return;
      case 'target': {
        let map = this.groups.get(m.targetGroupId);
        if (!map) this.groups.set(m.targetGroupId, (map = new TargetMap()));
        const [id, port, status] = m.target;
        map.set({ id, port }, status);
      }
    }
  }

  /** How many targets have a known status (tests). */
  size(): number {
    let n = 0;
    for (const m of this.groups.values()) n += m.size;
    return n;
  }

  private setGroup(g: GroupHealth): void {
    const map = new TargetMap<TargetStatus>();
    for (const [id, port, status] of g.targets) map.set({ id, port }, status);
    this.groups.set(g.targetGroupId, map);
  }
}

/** The checker's status of every target of `tg`. */
export function groupHealth(checker: Pick<HealthChecker, 'status'>, tg: TargetGroupEntry): GroupHealth {
  return { targetGroupId: tg.id, targets: tg.targets.map((t): TargetHealthTuple => [t.id, t.port, checker.status(tg.id, t)]) };
}

/** The whole state of a checker that has been updated with `snapshot` (a `full` message). */
export function fullHealth(checker: Pick<HealthChecker, 'status'>, snapshot: RoutingSnapshot): HealthMessage {
  const groups: GroupHealth[] = [];
  for (const tg of snapshot.targetGroups.values()) groups.push(groupHealth(checker, tg));
  return { kind: 'full', groups };
}

/**
 * The groups a swap from `prev` to `next` changed (by entry identity, so it costs what
 * changed), read back from a checker already updated with `next`; undefined when none did.
 */
export function changedHealth(checker: Pick<HealthChecker, 'status'>, prev: RoutingSnapshot | undefined, next: RoutingSnapshot): HealthMessage | undefined {
  const groups: GroupHealth[] = [];
  const gone: string[] = [];
  diffEntries(prev?.targetGroups, next.targetGroups, entryId, (id, _before, after) => {
    if (after === undefined) gone.push(id);
    else groups.push(groupHealth(checker, after));
  });
  return groups.length === 0 && gone.length === 0 ? undefined : { kind: 'groups', groups, gone };
}

/** A transition as a `target` message. */
export function transitionHealth(t: HealthTransition): HealthMessage {
  return { kind: 'target', targetGroupId: t.targetGroupId, target: [t.target.id, t.target.port, t.to] };
}

/** Checks that IPC data is a HealthMessage (it crossed a process boundary: trust nothing). */
export function isHealthMessage(v: unknown): v is HealthMessage {
  if (!isRecord(v)) return false;
  switch (v.kind) {
    case 'full':
      return Array.isArray(v.groups) && v.groups.every(isGroupHealth);
    case 'groups':
      return Array.isArray(v.groups) && v.groups.every(isGroupHealth) && Array.isArray(v.gone) && v.gone.every((g) => typeof g === 'string');
    case 'target':
      return typeof v.targetGroupId === 'string' && isTuple(v.target);
    default:
      return false;
  }
}

function isGroupHealth(v: unknown): v is GroupHealth {
  return isRecord(v) && typeof v.targetGroupId === 'string' && Array.isArray(v.targets) && v.targets.every(isTuple);
}

function isTuple(v: unknown): v is TargetHealthTuple {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'string' && STATUSES.has(v[2]);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
