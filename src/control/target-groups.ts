import { conflict } from '../model/index.js';
import type * as T from '../model/index.js';
import type { Place, ResourceRecord, StoreReader } from '../store/index.js';
import {
  assertNameFree, checkQuota, checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve,
} from './common.js';
import type { Handlers } from './context.js';
import { fillCreateConfig, fillUpdatedConfig, type FilledConfig } from './target-group-config.js';
import { ensureVpc } from './vpcs.js';

/** One registered target. LAMBDA targets have no port; every other target has one. */
export interface StoredTarget {
  readonly id: string;
  readonly port?: number;
}

/**
 * What a target-group record keeps. Registered targets live inside the doc so that a
 * registration is one read-modify-write of one record, and the data plane sees a group and
 * its targets change together.
 */
export interface TargetGroupDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly type: T.TargetGroupType;
  readonly config: FilledConfig;
  readonly status: T.TargetGroupStatus;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly failureCode?: string;
  readonly failureMessage?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly targets: readonly StoredTarget[];
}

/** Listeners and rules that forward to a group hold it in use. */
export const USER_KINDS = ['listener', 'rule'] as const;

/**
 * The services whose listeners or rules forward to the group, each once, in the order their
 * referrers were created. Listener and rule docs carry their service's ARN.
 */
export async function serviceArnsOf(tx: StoreReader, place: Place, tgId: string): Promise<string[]> {
  const arns = new Set<string>();
  for (const r of await tx.referrers(place, tgId, USER_KINDS)) {
    const arn = r.doc.serviceArn;
    if (typeof arn === 'string') arns.add(arn);
  }
  return [...arns];
}

function head(d: TargetGroupDoc) {
  return { id: d.id, arn: d.arn, name: d.name, type: d.type, config: d.config, status: d.status };
}

async function summary(tx: StoreReader, place: Place, r: ResourceRecord<TargetGroupDoc>): Promise<T.TargetGroupSummary> {
  const d = r.doc;
  return compact({
    id: d.id, arn: d.arn, name: d.name, type: d.type, createdAt: d.createdAt, lastUpdatedAt: d.lastUpdatedAt,
    port: d.config.port, protocol: d.config.protocol, ipAddressType: d.config.ipAddressType,
    vpcIdentifier: d.config.vpcIdentifier, lambdaEventStructureVersion: d.config.lambdaEventStructureVersion,
    status: d.status, serviceArns: await serviceArnsOf(tx, place, d.id),
  });
}

export const targetGroupHandlers: Handlers = {
  async CreateTargetGroup(cp, call, input) {
    checkTags(cp, input.tags);
    // Config rules first: a request that can never succeed says why before any look-up.
    const config = fillCreateConfig(input.type, input.config);
    const place = placeOf(call);
    const out = await cp.store.transact((tx) => idempotent(tx, call, 'CreateTargetGroup', input.clientToken, input, cp.now(), async () => {
      await assertNameFree(tx, 'targetgroup', place, '', input.name, 'Target group');
      checkQuota(cp, 'targetGroupsPerRegion', await tx.count('targetgroup', place), 'TARGET_GROUP', 'target groups per region');
      const now = isoNow(cp);
      const vpcId = config.vpcIdentifier;
      if (vpcId) await ensureVpc(tx, place, vpcId, now);
      const { id, arn } = mint(call.scope, 'targetgroup');
      const doc: TargetGroupDoc = compact({
        id, arn, name: input.name, type: input.type, config, status: 'CREATE_IN_PROGRESS' as const,
        createdAt: now, lastUpdatedAt: now, tags: input.tags, targets: [],
      });
      await tx.put({ kind: 'targetgroup', ...place, id, parentId: '', name: input.name, refs: vpcId ? [vpcId] : [], doc });
      return head(doc);
    }));
    // After the commit, so the settle never races the insert; a replayed token re-schedules
    // harmlessly (settling only moves CREATE_IN_PROGRESS on).
    if (out.id) cp.lifecycle.schedule('targetgroup', place, out.id);
    return out;
  },

  async GetTargetGroup(cp, call, input) {
    const rec = await resolve<TargetGroupDoc>(cp.store, call, 'targetgroup', input.targetGroupIdentifier);
    const d = rec.doc;
    return compact({
      ...head(d), createdAt: d.createdAt, lastUpdatedAt: d.lastUpdatedAt,
      serviceArns: await serviceArnsOf(cp.store, placeOf(call), d.id),
      failureCode: d.failureCode, failureMessage: d.failureMessage,
    });
  },

  async ListTargetGroups(cp, call, input) {
    const place = placeOf(call);
    const type = input.targetGroupType;
    const page = await paginate<TargetGroupDoc, ResourceRecord<TargetGroupDoc>>(
      cp.store, place, 'targetgroup', input.vpcIdentifier ? { ref: input.vpcIdentifier } : {}, input, (r) => r,
      type ? (r) => r.doc.type === type : undefined,
    );
    const items: T.TargetGroupSummary[] = [];
    for (const r of page.items) items.push(await summary(cp.store, place, r));
    return compact({ items, nextToken: page.nextToken });
  },

  async UpdateTargetGroup(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec = await resolve<TargetGroupDoc>(tx, call, 'targetgroup', input.targetGroupIdentifier);
      const config = fillUpdatedConfig(rec.doc.type, rec.doc.config, input.healthCheck);
      const doc: TargetGroupDoc = { ...rec.doc, config, lastUpdatedAt: isoNow(cp) };
      await tx.put({ ...rec, doc });
      return head(doc);
    });
  },

  async DeleteTargetGroup(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec = await resolve<TargetGroupDoc>(tx, call, 'targetgroup', input.targetGroupIdentifier);
      const place = placeOf(call);
      // AWS: "You can't delete a target group if it is used in a listener rule or if the
      // target group creation is in progress."
      if (rec.doc.status === 'CREATE_IN_PROGRESS') {
        throw conflict('TARGET_GROUP', rec.id, `Invalid resource status for this operation, resource id ${rec.id}, status: CREATE_IN_PROGRESS.`);
      }
      const users = await tx.referrers(place, rec.id, USER_KINDS);
      if (users.length > 0) {
        const services = await serviceArnsOf(tx, place, rec.id);
        throw conflict('TARGET_GROUP', rec.id, `TargetGroup ${rec.id} is in use by ${services.length ? services.join(', ') : `${users.length} listener(s) or rule(s)`}.`);
      }
      await tx.delete('targetgroup', place, rec.id);
      return { id: rec.doc.id, arn: rec.doc.arn, status: 'DELETE_IN_PROGRESS' as const };
    });
  },
};
