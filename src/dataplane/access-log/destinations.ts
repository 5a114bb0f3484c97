import { parseArn } from '../../model/index.js';
import type { AccessLogDestination } from '../../config/index.js';
import type { AccessLogRecord } from '../contracts.js';

/**
 * Where each access-log destination lands on disk. Local files under `<dataDir>/logs/`
 * stand for the AWS destinations (paths below are relative to `logs/`):
 *
 * - CloudWatch Logs `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`
 *   → `cloudwatch/<NAME>.log`
 * - Firehose `arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME` → `firehose/<NAME>.log`
 * - S3 `arn:aws:s3:::BUCKET[/PREFIX]` → AWS's key layout, one uncompressed file per hour
 *   instead of gzipped 5-minute objects:
 *   `s3/BUCKET[/PREFIX]/AWSLogs/ACCOUNT/VpcLattice/AccessLogs/REGION/YYYY/MM/DD/RESOURCE/`
 *   `ACCOUNT_VpcLatticeAccessLogs_REGION_RESOURCE_YYYYMMDDTHH00Z.log`, where RESOURCE is
 *   the subscribed service or network and ACCOUNT/REGION come from its ARN in the record.
 * - anything else → `other/<ARN>.log`.
 *
 * Names are sanitised to `[A-Za-z0-9._-]` (others become `_`, a leading `/` is dropped), so
 * no ARN can write outside `logs/`; `/aws/vpclattice/app` becomes `aws_vpclattice_app`.
 */
export type DestinationKind = 'cloudwatch' | 'firehose' | 's3' | 'other';

/** A destination's parsed form: a fixed file, or an S3 base the hour is appended to. */
export type ParsedDestination =
  | { readonly kind: 'cloudwatch' | 'firehose' | 'other'; readonly file: string }
  | { readonly kind: 's3'; readonly base: string };

/** `name` made safe as one path segment. */
export function sanitise(name: string): string {
  const s = name.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]/g, '_');
  if (s === '') return '_';
  // '.' and '..' would name a directory, not a file.
  return /^\.+$/.test(s) ? s.replace(/\./g, '_') : s;
}

/** Parses a destination ARN into where its records go (relative to `logs/`). */
export function parseDestination(destinationArn: string): ParsedDestination {
  const arn = parseArn(destinationArn);
  if (arn?.service === 'logs' && arn.resource.startsWith('log-group:')) {
    const name = arn.resource.slice('log-group:'.length).replace(/:\*$/, '');
    return { kind: 'cloudwatch', file: `cloudwatch/${sanitise(name)}.log` };
  }
  if (arn?.service === 'firehose' && arn.resource.startsWith('deliverystream/')) {
    return { kind: 'firehose', file: `firehose/${sanitise(arn.resource.slice('deliverystream/'.length))}.log` };
  }
  if (arn?.service === 's3' && arn.resource !== '') {
    // BUCKET, then an optional key prefix of any depth; empty and dot segments are dropped.
    const segments = arn.resource.split('/').filter((s) => s !== '' && !/^\.+$/.test(s)).map(sanitise);
    if (segments.length > 0) return { kind: 's3', base: `s3/${segments.join('/')}` };
  }
  return { kind: 'other', file: `other/${sanitise(destinationArn)}.log` };
}

/**
 * The directory or file under `logs/` that holds a destination's records: what
 * `trellis logs tail DESTINATION` follows.
 */
export function destinationPrefix(destinationArn: string): string {
  const d = parseDestination(destinationArn);
  return d.kind === 's3' ? `${d.base}/` : d.file;
}

interface Cached {
  readonly parsed: ParsedDestination;
  /** S3 only: the `YYYY-MM-DDTHH` the cached path was built for. */
  hour: string;
  path: string;
}

/**
 * Resolves a destination to its file for one record. Cached per destination object (the
 * snapshot's, stable across requests): a CloudWatch or Firehose file costs a WeakMap lookup,
 * an S3 path is rebuilt only when the record's hour changes.
 */
export class DestinationResolver {
  private readonly cache = new WeakMap<AccessLogDestination, Cached>();

  pathFor(dest: AccessLogDestination, record: AccessLogRecord): string {
    let c = this.cache.get(dest);
    if (!c) {
      const parsed = parseDestination(dest.destinationArn);
      c = { parsed, hour: '', path: parsed.kind === 's3' ? '' : parsed.file };
      this.cache.set(dest, c);
    }
    if (c.parsed.kind !== 's3') return c.path;
    if (c.hour === '' || !record.startTime.startsWith(c.hour)) {
      c.hour = hourOf(record.startTime);
      c.path = s3Path(c.parsed.base, dest, record, c.hour);
    }
    return c.path;
  }
}

/** `YYYY-MM-DDTHH` of a Lattice startTime; the current hour when it is not one. */
function hourOf(startTime: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}/.test(startTime) ? startTime.slice(0, 13) : new Date().toISOString().slice(0, 13);
}

function s3Path(base: string, dest: AccessLogDestination, record: AccessLogRecord, hour: string): string {
  // The subscription's owner is the network's account for a network subscription (sn-…),
  // the service's otherwise.
  const ownerArn = dest.resourceId.startsWith('sn-') ? record.serviceNetworkArn : record.serviceArn;
  const owner = parseArn(ownerArn);
  const account = sanitise(owner?.account || 'unknown-account');
  const region = sanitise(owner?.region || 'unknown-region');
  const resource = sanitise(dest.resourceId);
  const [yyyy, mm, dd] = [hour.slice(0, 4), hour.slice(5, 7), hour.slice(8, 10)];
  const hh = hour.slice(11, 13);
  return `${base}/AWSLogs/${account}/VpcLattice/AccessLogs/${region}/${yyyy}/${mm}/${dd}/${resource}/`
    + `${account}_VpcLatticeAccessLogs_${region}_${resource}_${yyyy}${mm}${dd}T${hh}00Z.log`;
}
