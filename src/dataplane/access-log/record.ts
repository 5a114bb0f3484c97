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
 * Whether every value of the line being built is ASCII. An ASCII line's latin1 bytes are its
 * UTF-8 bytes, and V8 writes a rope as latin1 without first flattening it into a new string
 * (UTF-8 encoding flattens: an extra copy of every line). Reset by serializeRecord.
 */
let ascii = true;

/** Printable ASCII without `"` or `\\`: JSON writes it as it is. A char-code scan, no regexp. */
function isPlain(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return false;
  }
  return true;
}

/**
 * Anything but a plain value: `JSON.stringify`'s escaping (which writes a lone surrogate as
 * `\\udXXX`, so lines stay well-formed UTF-8), and the line is no longer known to be ASCII
 * (conservatively: the UTF-8 path is always right).
 */
function escaped(v: string): string {
  ascii = false;
  return JSON.stringify(v);
}

/** Past this many distinct values the cache starts again: bounded whatever the traffic. */
const CACHE_MAX = 4096;
/** Raw value → its JSON form, for plain values only. */
const cache = new Map<string, string>();

/**
 * The JSON form of a value that repeats across requests (ARNs, ids, VPCs, host headers, user
 * agents, listener types, ...): checked once per distinct string and kept as one flat
 * string. Cleared when it grows past CACHE_MAX (a flood of distinct Host headers costs a
 * re-check, never memory). Values that are not plain are escaped every time (rare).
 * Undefined (a caller that bypassed recordFor) is written as '-'.
 */
function c(v: string | undefined): string {
  if (v === '-' || v === undefined) return '"-"';
  let s = cache.get(v);
  if (s === undefined) {
    if (!isPlain(v)) return escaped(v);
    // JSON.stringify of a plain value is `"v"` as one flat string (a template would leave a
    // rope for every line to walk); once per distinct value.
    s = JSON.stringify(v);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(v, s);
  }
  return s;
}

/** The JSON form of a value unique to its request (request id, path, client port): not cached. */
function u(v: string | undefined): string {
  if (v === '-' || v === undefined) return '"-"';
  return isPlain(v) ? `"${v}"` : escaped(v);
}

/** A JSON number; a non-finite one is written as 0 so the line stays valid JSON. */
function n(v: number | '-' | undefined): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '0';
  return '"-"';
}

/**
 * A run of consecutive fields that repeat together across requests, serialised once: the
 * cached JSON text, the raw values it was built from (compared by `===`, which for the same
 * snapshot strings is a pointer check) and whether it is ASCII.
 */
interface Segment {
  readonly values: readonly string[];
  readonly text: string;
  readonly ascii: boolean;
}

/** Per first value of a run (a target-group ARN, a listener id): its last segment. */
const routeSegments = new Map<string, Segment>();
const listenerSegments = new Map<string, Segment>();

/** A cached segment's text, noting its non-ASCII-ness for the line. */
function reuse(seg: Segment): string {
  if (!seg.ascii) ascii = false;
  return seg.text;
}

/** Serialises a run with `build` (which writes its fields with `c`) and caches it under values[0]. */
function remember(cacheOf: Map<string, Segment>, values: readonly string[], build: (r: AccessLogRecord) => string, r: AccessLogRecord): string {
  const wasAscii = ascii;
  ascii = true;
  const text = build(r);
  const seg: Segment = { values, text, ascii };
  ascii = wasAscii && ascii;
  if (cacheOf.size >= CACHE_MAX) cacheOf.clear();
  cacheOf.set(values[0]!, seg);
  return text;
}

/** serviceNetworkArn … destinationVpcId: the same for every request of a route. */
function routeSegment(r: AccessLogRecord): string {
  const s = routeSegments.get(r.targetGroupArn);
  const v = s?.values;
  if (v !== undefined && v[1] === r.serviceNetworkArn && v[2] === r.serviceArn && v[3] === r.sourceVpcArn && v[4] === r.sourceVpcId && v[5] === r.destinationVpcId) {
    return reuse(s!);
  }
  return remember(routeSegments, [r.targetGroupArn, r.serviceNetworkArn, r.serviceArn, r.sourceVpcArn, r.sourceVpcId, r.destinationVpcId], buildRoute, r);
}

function buildRoute(r: AccessLogRecord): string {
  return `,"serviceNetworkArn":${c(r.serviceNetworkArn)},"serviceArn":${c(r.serviceArn)}`
    + `,"targetGroupArn":${c(r.targetGroupArn)},"sourceVpcArn":${c(r.sourceVpcArn)},"sourceVpcId":${c(r.sourceVpcId)}`
    + `,"destinationVpcId":${c(r.destinationVpcId)}`;
}

/** The five X.509 fields, listenerId and listenerType: the same for every request of a listener. */
function listenerSegment(r: AccessLogRecord): string {
  const s = listenerSegments.get(r.listenerId);
  const v = s?.values;
  if (v !== undefined && v[1] === r.listenerType && v[2] === r.callerX509SubjectCN && v[3] === r.callerX509IssuerOU
    && v[4] === r.callerX509SANNameCN && v[5] === r.callerX509SANDNS && v[6] === r.callerX509SANURI) {
    return reuse(s!);
  }
  return remember(listenerSegments, [r.listenerId, r.listenerType, r.callerX509SubjectCN, r.callerX509IssuerOU, r.callerX509SANNameCN,
    r.callerX509SANDNS, r.callerX509SANURI], buildListener, r);
}

function buildListener(r: AccessLogRecord): string {
  return `,"callerX509SubjectCN":${c(r.callerX509SubjectCN)},"callerX509IssuerOU":${c(r.callerX509IssuerOU)}`
    + `,"callerX509SANNameCN":${c(r.callerX509SANNameCN)},"callerX509SANDNS":${c(r.callerX509SANDNS)}`
    + `,"callerX509SANURI":${c(r.callerX509SANURI)},"listenerId":${c(r.listenerId)},"listenerType":${c(r.listenerType)}`;
}

/** The five auth fields of a request auth did not apply to, and the TLS trio of plaintext. */
const NO_AUTH = ',"resolvedUser":"-","authDeniedReason":"-","callerPrincipal":"-","callerPrincipalOrgID":"-","callerPrincipalTags":"-"';
const NO_TLS = ',"serverNameIndication":"-","sslCipher":"-","tlsVersion":"-"';

/**
 * One JSON line with exactly the contract's fields, in ACCESS_LOG_FIELDS order — extra
 * properties on the object are never written. Byte for byte what `JSON.stringify` of the
 * record's fields writes (record.test.ts checks it against that reference), at a fraction of
 * its cost: the runs of fields that repeat together (the route's six ARNs and ids, the
 * listener with the X.509 fields) come as one cached text, other repeated values come
 * escaped from a cache, unique ones skip escaping after a char-code scan. The sink no longer
 * writes this string: it encodes the same line as bytes in place (record-bytes.ts, checked
 * against this and against JSON.stringify in record.test.ts); this form stays for callers
 * that want the line as text (the data plane's index exports it) and as the tests' yardstick.
 */
export function serializeRecord(r: AccessLogRecord): string {
  ascii = true;
  const route = routeSegment(r);
  const tls = r.serverNameIndication === '-' && r.sslCipher === '-' && r.tlsVersion === '-' ? NO_TLS
    : `,"serverNameIndication":${c(r.serverNameIndication)},"sslCipher":${c(r.sslCipher)},"tlsVersion":${c(r.tlsVersion)}`;
  const auth = r.resolvedUser === '-' && r.authDeniedReason === '-' && r.callerPrincipal === '-' && r.callerPrincipalOrgID === '-' && r.callerPrincipalTags === '-'
    ? NO_AUTH
    : `,"resolvedUser":${c(r.resolvedUser)},"authDeniedReason":${c(r.authDeniedReason)},"callerPrincipal":${c(r.callerPrincipal)}`
      + `,"callerPrincipalOrgID":${c(r.callerPrincipalOrgID)},"callerPrincipalTags":${c(r.callerPrincipalTags)}`;
  const listener = listenerSegment(r);
  return `{"startTime":${c(r.startTime)}${route},"sourceIpPort":${u(r.sourceIpPort)},"targetIpPort":${c(r.targetIpPort)}`
    + `,"hostHeader":${c(r.hostHeader)}${tls},"requestMethod":${c(r.requestMethod)},"requestPath":${u(r.requestPath)}`
    + `,"protocol":${c(r.protocol)},"userAgent":${c(r.userAgent)},"responseCode":${n(r.responseCode)}`
    + `,"grpcResponseCode":${n(r.grpcResponseCode)},"bytesReceived":${n(r.bytesReceived)},"bytesSent":${n(r.bytesSent)}`
    + `,"duration":${n(r.duration)},"requestToTargetDuration":${n(r.requestToTargetDuration)}`
    + `,"responseFromTargetDuration":${n(r.responseFromTargetDuration)},"requestId":${u(r.requestId)}`
    + `${auth}${listener},"failureReason":${c(r.failureReason)}`
    + (r.authExplanation === undefined ? '}' : `,"authExplanation":${u(r.authExplanation)}}`);
}

/** Whether the line serializeRecord returned last is pure ASCII (see `ascii`). */
export function lastLineIsAscii(): boolean {
  return ascii;
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
