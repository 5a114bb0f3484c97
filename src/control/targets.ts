import { isIPv4, isIPv6 } from 'node:net';
import { conflict, fieldError, parseArn, type Scope } from '../model/index.js';
import type * as T from '../model/index.js';
import type { Place, ResourceRecord, StoreReader, StoreTx } from '../store/index.js';
import { DEFAULT_PAGE_SIZE, compact, decodeToken, encodeToken, isoNow, placeOf, resolve } from './common.js';
import type { Handlers, TargetHealth, TargetHealthView } from './context.js';
import {
  drainEnded, isDraining, nextDrainEnd, presentTargets, registered, startDrain, type TargetRecordEntry,
} from './draining.js';
import { healthChecked, type FilledConfig } from './target-group-config.js';
import { USER_KINDS, type StoredTarget, type TargetGroupDoc } from './target-groups.js';
import { ensureInstance, type InstanceDoc } from './vpcs.js';

/*
 * Registration is partial success, as the API models it: a target that cannot be
 * registered becomes an `unsuccessful` entry and the others still go in. Failure codes
 * (AWS publishes none) are named after the exception a one-target call would raise:
 *   InvalidParameterException      — an id that is not of the group's target kind (an IPv4
 *                                    address for an IPV4 IP group, `i-…` for INSTANCE, an
 *                                    ALB or Lambda ARN of this account and Region), a port on
 *                                    a LAMBDA target, an instance known to be in another VPC;
 *   ConflictException              — a LAMBDA or ALB group that already holds another target;
 *   ServiceQuotaExceededException  — the group is at targetsPerTargetGroup: the targets that
 *                                    still fit go in, the rest are reported, so a caller sees
 *                                    exactly which ones to retry;
 *   ResourceNotFoundException      — DeregisterTargets of a target that is not registered.
 * Request-level rules stay exceptions: more than one target in one call to a LAMBDA or ALB
 * group (ValidationException naming `targets`), and a group that is not ACTIVE yet (409,
 * AWS's "Invalid resource status for this operation ... status: CREATE_IN_PROGRESS").
 *
 * Deregistration (LATTICE.md §2.7, draining.ts): a target of a group in use (a listener or
 * rule forwards to it) is not removed but DRAINING for `deregistrationDelayMs`, then the
 * lifecycle removes it. Choices where AWS is silent:
 *   - a group in use by nothing carries no traffic, so its targets are removed at once;
 *     so are all targets when the delay is 0;
 *   - deregistering a draining target succeeds and keeps its original drain end;
 *   - registering a draining target again cancels its drain (it is a normal target again,
 *     INITIAL until checked);
 *   - draining targets count against targetsPerTargetGroup (they are still listed, and the
 *     doc stays bounded by the quota) but not as the one target of a LAMBDA or ALB group
 *     (so one can be swapped for another without waiting for the drain);
 *   - a drain whose end has passed is gone for every call, whether or not the lifecycle has
 *     purged it yet.
 */

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const LAMBDA_FUNCTION = /^function:[a-zA-Z0-9_-]{1,64}(?::[a-zA-Z0-9_$-]{1,128})?$/;
const ALB_RESOURCE = /^loadbalancer\/app\/[a-zA-Z0-9-]{1,32}\/[0-9a-f]{16}$/;

function arnProblem(id: string, scope: Scope, service: string, resource: RegExp, what: string): string | undefined {
  const arn = parseArn(id);
  if (!arn || arn.service !== service || !resource.test(arn.resource)) return `The target ID ${id} is not ${what} ARN.`;
  if (arn.partition !== scope.partition || arn.account !== scope.account || arn.region !== scope.region) {
    return `The target ${id} must be in the same account and Region as the target group.`;
  }
  return undefined;
}

/** Why `target` cannot be a target of this group, or undefined when its id and port fit. */
export function targetProblem(type: T.TargetGroupType, config: FilledConfig, scope: Scope, target: T.Target): string | undefined {
  const { id } = target;
  switch (type) {
    case 'IP':
      if (config.ipAddressType === 'IPV6') return isIPv6(id) ? undefined : `The target ID ${id} is not a valid IPv6 address.`;
      return isIPv4(id) ? undefined : `The target ID ${id} is not a valid IPv4 address.`;
    case 'INSTANCE':
      return INSTANCE_ID.test(id) ? undefined : `The target ID ${id} is not a valid instance ID.`;
    case 'ALB':
      return arnProblem(id, scope, 'elasticloadbalancing', ALB_RESOURCE, 'an Application Load Balancer');
    case 'LAMBDA':
      if (target.port !== undefined) return 'A port is not supported for targets of type LAMBDA.';
      return arnProblem(id, scope, 'lambda', LAMBDA_FUNCTION, 'a Lambda function');
  }
}

/**
 * A target's status in ListTargets (LATTICE.md §2.7): DRAINING from its deregistration
 * until its drain ends (the control plane's own record, so it holds without a data plane);
 * UNUSED while no listener or rule forwards to the group (no checks run); UNAVAILABLE when
 * the group is not health-checked (ALB, LAMBDA, or checks disabled); otherwise what the data
 * plane's checker last saw, and INITIAL until it has seen anything.
 */
export function targetStatus(
  group: { readonly id: string; readonly type: T.TargetGroupType; readonly config: FilledConfig },
  inUse: boolean, target: TargetRecordEntry, view: TargetHealthView | undefined,
): TargetHealth {
  // Before UNUSED: a target keeps draining when the listener that used its group goes away.
  if (isDraining(target)) return { status: 'DRAINING', reasonCode: 'Target.DeregistrationInProgress' };
  if (!inUse) return { status: 'UNUSED', reasonCode: 'Target.NotInUse' };
  if (!healthChecked(group.type, group.config)) return { status: 'UNAVAILABLE', reasonCode: 'Target.HealthCheckDisabled' };
  const seen = target.port === undefined ? undefined : view?.health(group.id, target.id, target.port);
  return seen ?? { status: 'INITIAL', reasonCode: 'Elb.RegistrationInProgress' };
}

/** Register/Deregister change targets only of a settled group, as AWS answers (409). */
function assertActive(rec: ResourceRecord<TargetGroupDoc>): void {
  if (rec.doc.status !== 'ACTIVE') {
    throw conflict('TARGET_GROUP', rec.id, `Invalid resource status for this operation, resource id ${rec.id}, status: ${rec.doc.status}.`);
  }
}

const same = (a: StoredTarget, id: string, port: number | undefined) => a.id === id && a.port === port;

function failure(t: T.Target, failureCode: string, failureMessage: string): T.TargetFailure {
  return compact({ id: t.id, port: t.port, failureCode, failureMessage });
}

/** An instance Trellis already knows in another VPC cannot join this group. */
async function instanceElsewhere(tx: StoreTx, place: Place, group: TargetGroupDoc, id: string): Promise<string | undefined> {
  const vpcId = group.config.vpcIdentifier;
  const inst = await tx.get<InstanceDoc>('instance', place, id);
  if (inst?.doc.vpcId && vpcId && inst.doc.vpcId !== vpcId) {
    return `The instance ${id} is in ${inst.doc.vpcId}, not in the target group's VPC ${vpcId}.`;
  }
  return undefined;
}

/** Whether a listener or rule forwards to the group: only then is there traffic to drain. */
async function inUse(tx: StoreReader, place: Place, tgId: string): Promise<boolean> {
  return (await tx.referrers(place, tgId, USER_KINDS)).length > 0;
}

export const targetHandlers: Handlers = {
  async RegisterTargets(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec = await resolve<TargetGroupDoc>(tx, call, 'targetgroup', input.targetGroupIdentifier);
      assertActive(rec);
      const d = rec.doc;
      const single = d.type === 'LAMBDA' || d.type === 'ALB';
      if (single && new Set(input.targets.map((t) => t.id)).size > 1) {
        throw fieldError('targets', `Target groups of type ${d.type} can have only one target`);
      }
      const place = placeOf(call);
      const limit = cp.config.quotas.targetsPerTargetGroup;
      const now = isoNow(cp);
      // Drains that have ended are gone, whether or not the lifecycle purged them yet.
      const stored = d.targets as readonly TargetRecordEntry[];
      const targets = presentTargets(stored, cp.now());
      let changed = targets.length !== stored.length;
      const successful: T.Target[] = [];
      const unsuccessful: T.TargetFailure[] = [];
      for (const t of input.targets) {
        const problem = targetProblem(d.type, d.config, call.scope, t)
          ?? (d.type === 'INSTANCE' ? await instanceElsewhere(tx, place, d, t.id) : undefined);
        if (problem) { unsuccessful.push(failure(t, 'InvalidParameterException', problem)); continue; }
        const port = d.type === 'LAMBDA' ? undefined : t.port ?? d.config.port;
        const entry: StoredTarget = compact({ id: t.id, port });
        const at = targets.findIndex((x) => same(x, t.id, port));
        if (at >= 0) {
          // Registering a draining target again cancels its drain.
          if (isDraining(targets[at]!)) { targets[at] = registered(targets[at]!); changed = true; }
          successful.push(entry);
          continue;
        }
        const holder = single ? targets.find((x) => !isDraining(x)) : undefined;
        if (holder) {
          unsuccessful.push(failure(t, 'ConflictException', `Target group ${d.id} of type ${d.type} already has a target; deregister ${holder.id} first.`));
          continue;
        }
        if (targets.length >= limit) {
          unsuccessful.push(failure(t, 'ServiceQuotaExceededException', `You have reached the quota of ${limit} targets per target group.`));
          continue;
        }
        if (d.type === 'INSTANCE') await ensureInstance(tx, place, t.id, d.config.vpcIdentifier, now);
        targets.push(entry);
        changed = true;
        successful.push(entry);
      }
      if (changed) await tx.put({ ...rec, doc: { ...d, targets } });
      return { successful, unsuccessful };
    });
  },

  async DeregisterTargets(cp, call, input) {
    const place = placeOf(call);
    const delay = cp.config.deregistrationDelayMs;
    const { out, groupId, drainEnd } = await cp.store.transact(async (tx) => {
      const rec = await resolve<TargetGroupDoc>(tx, call, 'targetgroup', input.targetGroupIdentifier);
      assertActive(rec);
      const d = rec.doc;
      const now = cp.now();
      const stored = d.targets as readonly TargetRecordEntry[];
      let targets = presentTargets(stored, now);
      let changed = targets.length !== stored.length;
      // Nothing to drain when no listener or rule sends the group traffic.
      const drains = delay > 0 && await inUse(tx, place, d.id);
      const successful: T.Target[] = [];
      const unsuccessful: T.TargetFailure[] = [];
      for (const t of input.targets) {
        const port = d.type === 'LAMBDA' ? undefined : t.port ?? d.config.port;
        const at = targets.findIndex((x) => same(x, t.id, port));
        if (at < 0) {
          unsuccessful.push(failure(t, 'ResourceNotFoundException', `The target ${t.id}${port === undefined ? '' : ` on port ${port}`} is not registered with target group ${d.id}.`));
          continue;
        }
        successful.push(compact({ id: t.id, port }));
        // A target already draining keeps its drain: deregistering it again changes nothing.
        if (isDraining(targets[at]!)) continue;
        if (drains) targets[at] = startDrain(targets[at]!, now, delay);
        else targets = targets.filter((_, i) => i !== at);
        changed = true;
      }
      if (changed) await tx.put({ ...rec, doc: { ...d, targets } });
      return { out: { successful, unsuccessful }, groupId: d.id, drainEnd: nextDrainEnd(targets) };
    });
    // After the commit: a purge of a rolled-back drain would find nothing to do anyway.
    if (drainEnd !== undefined) cp.lifecycle.endDrains(place, groupId, drainEnd);
    return out;
  },

  async ListTargets(cp, call, input) {
    const rec = await resolve<TargetGroupDoc>(cp.store, call, 'targetgroup', input.targetGroupIdentifier);
    const d = rec.doc;
    const used = await inUse(cp.store, placeOf(call), d.id);
    const now = cp.now();
    const present = (d.targets as readonly TargetRecordEntry[]).filter((t) => !drainEnded(t, now));
    const filter = input.targets ?? [];
    // A filter entry without a port names every registration of that id.
    const chosen = filter.length === 0 ? present
      : present.filter((t) => filter.some((f) => f.id === t.id && (f.port === undefined || f.port === t.port)));
    // Targets live inside the group's doc, so a page is an offset into that list; the token
    // names the group, and a token of another listing is refused.
    const kind = `targets/${d.id}`;
    const offset = decodeToken(kind, input.nextToken);
    const size = input.maxResults ?? DEFAULT_PAGE_SIZE;
    const items = chosen.slice(offset, offset + size).map((t) => compact({ id: t.id, port: t.port, ...targetStatus(d, used, t, cp.targetHealth) }));
    return compact({ items, nextToken: offset + size < chosen.length ? encodeToken(kind, offset + size) : undefined });
  },
};
