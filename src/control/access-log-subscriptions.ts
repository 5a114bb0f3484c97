import { conflict, fieldError, parseArn, parseIdentifier } from '../model/index.js';
import type * as T from '../model/index.js';
import type { ResourceRecord, StoreReader } from '../store/index.js';
import { checkTags, compact, idempotent, isoNow, mint, paginate, placeOf, resolve } from './common.js';
import type { CallContext, Handlers } from './context.js';
import { resolveAttachable } from './auth-policies.js';

/** What an access-log subscription record keeps (refs: [resourceId]). */
export interface AccessLogSubscriptionDoc {
  [k: string]: unknown;
  readonly id: string;
  readonly arn: string;
  readonly resourceId: string;
  readonly resourceArn: string;
  readonly destinationArn: string;
  readonly serviceNetworkLogType?: T.ServiceNetworkLogType;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export type DestinationType = 'CLOUDWATCH_LOGS' | 'FIREHOSE' | 'S3';

const DESTINATION_LABEL: Readonly<Record<DestinationType, string>> = {
  CLOUDWATCH_LOGS: 'CloudWatch Logs log group', FIREHOSE: 'Firehose delivery stream', S3: 'S3 bucket',
};

/**
 * The destination kinds Lattice delivers to, told apart by the ARN's service and resource:
 * a log group (`log-group:NAME`, optionally `:*` as the console writes it), a delivery
 * stream (`deliverystream/NAME`) or a bucket (`arn:…:s3:::NAME`, no region or account, and
 * no key prefix). The model's pattern admits any ARN; anything else is a ValidationException.
 */
export function destinationTypeOf(destinationArn: string): DestinationType | undefined {
  const arn = parseArn(destinationArn);
  if (!arn) return undefined;
  const scoped = arn.region !== '' && /^\d{12}$/.test(arn.account);
  if (arn.service === 'logs' && scoped && /^log-group:[\w.\-/#]{1,512}(:\*)?$/.test(arn.resource)) return 'CLOUDWATCH_LOGS';
  if (arn.service === 'firehose' && scoped && /^deliverystream\/[\w.-]{1,64}$/.test(arn.resource)) return 'FIREHOSE';
  if (arn.service === 's3' && arn.region === '' && arn.account === '' && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(arn.resource)) return 'S3';
  return undefined;
}

function destinationOrThrow(destinationArn: string): DestinationType {
  const type = destinationTypeOf(destinationArn);
  if (!type) {
    throw fieldError('destinationArn', 'Destination must be the ARN of a CloudWatch Logs log group, a Kinesis Data Firehose delivery stream or an S3 bucket');
  }
  return type;
}

/**
 * One subscription per resource, destination type and (for service networks) log type: a
 * second one to the same kind of destination is a 409 naming the first. The service guide
 * does not say; one stream per kind of sink is what the console allows, and a network's
 * SERVICE and RESOURCE logs are separate streams.
 */
async function assertNoTwin(
  tx: StoreReader, call: CallContext, resourceId: string, type: DestinationType,
  logType: T.ServiceNetworkLogType | undefined, self?: string,
): Promise<void> {
  const subs = await tx.list<AccessLogSubscriptionDoc>('accesslogsubscription', placeOf(call), { ref: resourceId });
  const twin = subs.find((s) => s.id !== self && s.doc.serviceNetworkLogType === logType && destinationTypeOf(s.doc.destinationArn) === type);
  if (twin) {
    throw conflict('ACCESS_LOG_SUBSCRIPTION', twin.id,
      `Access log subscription ${twin.id} already exists for ${resourceId} with a ${DESTINATION_LABEL[type]} destination${logType ? ` and log type ${logType}` : ''}.`);
  }
}

function view(d: AccessLogSubscriptionDoc) {
  return compact({
    id: d.id, arn: d.arn, resourceId: d.resourceId, resourceArn: d.resourceArn, destinationArn: d.destinationArn,
    serviceNetworkLogType: d.serviceNetworkLogType,
  });
}

function summary(r: ResourceRecord<AccessLogSubscriptionDoc>) {
  return { ...view(r.doc), createdAt: r.doc.createdAt, lastUpdatedAt: r.doc.lastUpdatedAt };
}

export const accessLogSubscriptionHandlers: Handlers = {
  async CreateAccessLogSubscription(cp, call, input) {
    checkTags(cp, input.tags);
    const type = destinationOrThrow(input.destinationArn);
    const place = placeOf(call);
    return cp.store.transact((tx) => idempotent(tx, call, 'CreateAccessLogSubscription', input.clientToken, input, cp.now(), async () => {
      const resource = await resolveAttachable(tx, call, input.resourceIdentifier);
      // Log types split a service network's traffic (services vs resource configurations);
      // services and resource configurations have one kind of traffic only.
      if (resource.kind !== 'servicenetwork' && input.serviceNetworkLogType !== undefined) {
        throw fieldError('serviceNetworkLogType', 'serviceNetworkLogType applies only to service networks');
      }
      const logType = resource.kind === 'servicenetwork' ? input.serviceNetworkLogType ?? 'SERVICE' : undefined;
      await assertNoTwin(tx, call, resource.id, type, logType);
      const { id, arn } = mint(call.scope, 'accesslogsubscription');
      const now = isoNow(cp);
      const doc: AccessLogSubscriptionDoc = compact({
        id, arn, resourceId: resource.id, resourceArn: String(resource.doc.arn), destinationArn: input.destinationArn,
        serviceNetworkLogType: logType, createdAt: now, lastUpdatedAt: now, tags: input.tags,
      });
      await tx.put({ kind: 'accesslogsubscription', ...place, id, parentId: '', name: '', refs: [resource.id], doc });
      return view(doc);
    }));
  },

  async GetAccessLogSubscription(cp, call, input) {
    const rec = await resolve<AccessLogSubscriptionDoc>(cp.store, call, 'accesslogsubscription', input.accessLogSubscriptionIdentifier);
    return summary(rec);
  },

  async ListAccessLogSubscriptions(cp, call, input) {
    // The operation declares no ResourceNotFoundException: a resource that is not here
    // (or an ARN of another account or region) simply has no subscriptions.
    const ref = parseIdentifier(input.resourceIdentifier);
    const foreign = ref?.arn && (ref.arn.account !== call.scope.account || ref.arn.region !== call.scope.region);
    if (!ref || foreign) return { items: [] };
    const page = await paginate<AccessLogSubscriptionDoc, ReturnType<typeof summary>>(
      cp.store, placeOf(call), 'accesslogsubscription', { ref: ref.id }, input, summary);
    return compact({ items: page.items, nextToken: page.nextToken });
  },

  async UpdateAccessLogSubscription(cp, call, input) {
    const type = destinationOrThrow(input.destinationArn);
    return cp.store.transact(async (tx) => {
      const rec = await resolve<AccessLogSubscriptionDoc>(tx, call, 'accesslogsubscription', input.accessLogSubscriptionIdentifier);
      await assertNoTwin(tx, call, rec.doc.resourceId, type, rec.doc.serviceNetworkLogType, rec.id);
      const doc: AccessLogSubscriptionDoc = { ...rec.doc, destinationArn: input.destinationArn, lastUpdatedAt: isoNow(cp) };
      await tx.put({ ...rec, doc });
      // The update response has no serviceNetworkLogType member.
      return { id: doc.id, arn: doc.arn, resourceId: doc.resourceId, resourceArn: doc.resourceArn, destinationArn: doc.destinationArn };
    });
  },

  async DeleteAccessLogSubscription(cp, call, input) {
    return cp.store.transact(async (tx) => {
      const rec = await resolve(tx, call, 'accesslogsubscription', input.accessLogSubscriptionIdentifier);
      await tx.delete('accesslogsubscription', placeOf(call), rec.id);
      return {};
    });
  },
};
