import type { HealthCheckEntry, RoutingSnapshot, TargetEntry, TargetGroupEntry } from '../../config/index.js';

/**
 * Snapshot pieces for the health tests of this folder (the checker, its HTTP runs, the
 * cross-process mirror): only target groups matter to health checking, so a snapshot here is
 * its groups and nothing else. Not exported from dataplane/.
 */

/** An HTTP check on `/health`, 1 s interval, 300 ms timeout, matcher 200; tests override what they test. */
export function healthCheck(overrides: Partial<HealthCheckEntry> = {}): HealthCheckEntry {
  return {
    protocol: 'HTTP', protocolVersion: 'HTTP1', path: '/health', intervalMs: 1000, timeoutMs: 300,
    healthyThreshold: 3, unhealthyThreshold: 2, matcher: [[200, 200]], ...overrides,
  };
}

/**
 * The default check as one object: groups made at different times share it, as the
 * compiler's entries do when a check did not change (the checker compares by value, but a
 * test must not depend on that).
 */
export const HC: HealthCheckEntry = healthCheck();

/** An IP target group checked by `HC` unless `extra` says otherwise. */
export function group(id: string, targets: readonly TargetEntry[], extra: Partial<TargetGroupEntry> = {}): TargetGroupEntry {
  return { id, arn: `arn:aws:vpc-lattice:us-east-1:111122223333:targetgroup/${id}`, type: 'IP', protocol: 'HTTP', port: 80,
    healthCheck: HC, unused: false, targets, ...extra };
}

/** A snapshot holding just `groups`. */
export function snapshot(revision: number, ...groups: TargetGroupEntry[]): RoutingSnapshot {
  return { revision, vpcs: new Map(), serviceNetworks: new Map(), services: new Map(),
    targetGroups: new Map(groups.map((g) => [g.id, g])), problems: [] };
}
