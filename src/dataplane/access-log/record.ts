import type { AccessLogRecord } from '../contracts.js';

/**
 * The record's fields in the order Trellis writes them. The `satisfies` check and the
 * `Missing` guard below fail compilation when the contract gains or loses a field and this
 * list (and so the serializer's test) is not kept in step.
 */
export const ACCESS_LOG_FIELDS = [
  'startTime', 'serviceNetworkArn', 'serviceArn', 'targetGroupArn', 'sourceVpcArn', 'sourceVpcId',
  'destinationVpcId', 'sourceIpPort', 'targetIpPort', 'hostHeader', 'serverNameIndication', 'sslCipher',
  'tlsVersion', 'requestMethod', 'requestPath', 'protocol', 'userAgent', 'responseCode', 'grpcResponseCode',
  'bytesReceived', 'bytesSent', 'duration', 'requestToTargetDuration', 'responseFromTargetDuration',
  'requestId', 'resolvedUser', 'authDeniedReason', 'callerPrincipal', 'callerPrincipalOrgID',
  'callerPrincipalTags', 'callerX509SubjectCN', 'callerX509IssuerOU', 'callerX509SANNameCN',
  'callerX509SANDNS', 'callerX509SANURI', 'listenerId', 'listenerType', 'failureReason',
] as const satisfies readonly (keyof AccessLogRecord)[];

// `authExplanation` is the one optional field: written only when present (serializeRecord).
type Missing = Exclude<keyof AccessLogRecord, (typeof ACCESS_LOG_FIELDS)[number] | 'authExplanation'>;
const allFieldsListed: [Missing] extends [never] ? true : Missing = true;
void allFieldsListed;

/**
 * A complete record from what the request path knows: every missing string is '-' (as in
 * Lattice's own logs), missing numbers are 0, a missing gRPC code is '-'. The literal keeps
 * one object shape for every record, which keeps serialisation on V8's fast path.
 */
export function recordFor(p: Partial<AccessLogRecord>): AccessLogRecord {
  return {
    startTime: p.startTime ?? '-',
    serviceNetworkArn: p.serviceNetworkArn ?? '-',
    serviceArn: p.serviceArn ?? '-',
    targetGroupArn: p.targetGroupArn ?? '-',
    sourceVpcArn: p.sourceVpcArn ?? '-',
    sourceVpcId: p.sourceVpcId ?? '-',
    destinationVpcId: p.destinationVpcId ?? '-',
    sourceIpPort: p.sourceIpPort ?? '-',
    targetIpPort: p.targetIpPort ?? '-',
    hostHeader: p.hostHeader ?? '-',
    serverNameIndication: p.serverNameIndication ?? '-',
    sslCipher: p.sslCipher ?? '-',
    tlsVersion: p.tlsVersion ?? '-',
    requestMethod: p.requestMethod ?? '-',
    requestPath: p.requestPath ?? '-',
    protocol: p.protocol ?? '-',
    userAgent: p.userAgent ?? '-',
    responseCode: p.responseCode ?? 0,
    grpcResponseCode: p.grpcResponseCode ?? '-',
    bytesReceived: p.bytesReceived ?? 0,
    bytesSent: p.bytesSent ?? 0,
    duration: p.duration ?? 0,
    requestToTargetDuration: p.requestToTargetDuration ?? 0,
    responseFromTargetDuration: p.responseFromTargetDuration ?? 0,
    requestId: p.requestId ?? '-',
    resolvedUser: p.resolvedUser ?? '-',
    authDeniedReason: p.authDeniedReason ?? '-',
    callerPrincipal: p.callerPrincipal ?? '-',
    callerPrincipalOrgID: p.callerPrincipalOrgID ?? '-',
    callerPrincipalTags: p.callerPrincipalTags ?? '-',
    callerX509SubjectCN: p.callerX509SubjectCN ?? '-',
    callerX509IssuerOU: p.callerX509IssuerOU ?? '-',
    callerX509SANNameCN: p.callerX509SANNameCN ?? '-',
    callerX509SANDNS: p.callerX509SANDNS ?? '-',
    callerX509SANURI: p.callerX509SANURI ?? '-',
    listenerId: p.listenerId ?? '-',
    listenerType: p.listenerType ?? '-',
    failureReason: p.failureReason ?? '-',
  };
}

/**
 * The record's JSON line (without its newline): `JSON.stringify` of exactly the contract's
 * fields, in ACCESS_LOG_FIELDS order — extra properties on the object are never written — with
 * '-' for a string left undefined and 0 for a non-finite number, so the line stays valid JSON;
 * `authExplanation` last, when present. This is the line's definition: the sink writes the
 * same bytes without building the string (record-bytes.ts), tested against this.
 */
export function serializeRecord(r: AccessLogRecord): string {
  const o: Record<string, unknown> = {};
  for (const k of ACCESS_LOG_FIELDS) {
    const v = r[k] as unknown;
    o[k] = typeof v === 'number' ? (Number.isFinite(v) ? v : 0) : v === undefined ? '-' : v;
  }
  if (r.authExplanation !== undefined) o.authExplanation = r.authExplanation;
  return JSON.stringify(o);
}

let cachedSecond = Number.NaN;
let cachedStartTime = '';

/**
 * `startTime` as Lattice writes it (`YYYY-MM-DDTHH:MM:SSZ`, second precision). Requests in
 * the same second share one string, so the request path formats a date once a second.
 */
export function startTimeOf(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedStartTime = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
  }
  return cachedStartTime;
}
