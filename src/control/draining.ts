import type { StoredTarget } from './target-groups.js';

/**
 * Deregistration delay (LATTICE.md §2.7): a target deregistered from a group that a listener
 * or rule forwards to stays in the group's doc for `deregistrationDelayMs`, carrying when it
 * was deregistered and when its drain ends. While it drains, ListTargets shows it DRAINING
 * (`Target.DeregistrationInProgress`), the compiler leaves it out of routing (no new
 * requests) but names it in the group's `draining` list (so the data plane lets in-flight
 * requests finish), and the lifecycle removes the entry at `drainUntil` with a real write.
 *
 * Pure helpers over the stored entries, shared by the handlers (targets.ts) and the lifecycle
 * (lifecycle.ts), so both read a drain the same way. Times are ISO strings in the doc (like
 * every other time Trellis stores) and milliseconds on the control plane's clock here.
 */
export interface DrainFields {
  /** When DeregisterTargets took the target out of routing (ISO). */
  readonly deregisteredAt?: string;
  /** When the drain ends and the entry is removed (ISO). */
  readonly drainUntil?: string;
}

/** A stored target entry, with its drain when it is draining. */
export type TargetRecordEntry = StoredTarget & DrainFields;

/** True while the entry is deregistered and waiting for its drain to end. */
export function isDraining(t: TargetRecordEntry): boolean {
  return t.deregisteredAt !== undefined;
}

/**
 * When the entry's drain ends, in ms; undefined for a registered target. An entry written
 * without a readable `drainUntil` ends at once: a drain must never keep an entry forever.
 */
export function drainEndMs(t: TargetRecordEntry): number | undefined {
  if (!isDraining(t)) return undefined;
  const end = t.drainUntil === undefined ? NaN : Date.parse(t.drainUntil);
  return Number.isNaN(end) ? 0 : end;
}

/** True when the entry drained until `nowMs` or earlier: it is gone, whether purged yet or not. */
export function drainEnded(t: TargetRecordEntry, nowMs: number): boolean {
  const end = drainEndMs(t);
  return end !== undefined && end <= nowMs;
}

/** The entries still present at `nowMs`: registered ones, and drains that have not ended. */
export function presentTargets(targets: readonly TargetRecordEntry[], nowMs: number): TargetRecordEntry[] {
  return targets.filter((t) => !drainEnded(t, nowMs));
}

/** The earliest end of a drain among `targets`, in ms; undefined when none drains. */
export function nextDrainEnd(targets: readonly TargetRecordEntry[]): number | undefined {
  let next: number | undefined;
  for (const t of targets) {
    const end = drainEndMs(t);
    if (end !== undefined && (next === undefined || end < next)) next = end;
  }
  return next;
}

/** The entry starting its drain at `nowMs` for `delayMs`. */
export function startDrain(t: StoredTarget, nowMs: number, delayMs: number): TargetRecordEntry {
  return { ...registered(t), deregisteredAt: new Date(nowMs).toISOString(), drainUntil: new Date(nowMs + delayMs).toISOString() };
}

/** The entry without drain fields: re-registering a draining target cancels its drain. */
export function registered(t: TargetRecordEntry): StoredTarget {
  return t.port === undefined ? { id: t.id } : { id: t.id, port: t.port };
}
