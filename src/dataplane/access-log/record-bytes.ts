import type { AccessLogRecord } from '../contracts.js';
import type { LineBuffer } from './line-buffer.js';
import { DASH, NUMBER_BOUND, putNumber, putString, stringBound, utf8 } from './json-bytes.js';

/**
 * The access-log line of a record, encoded as UTF-8 bytes straight into its file's chunk
 * (line-buffer.ts): byte for byte `serializeRecord(r) + '\n'` (record.ts; record-bytes.test.ts
 * checks it on generated records), without ever building the line as a string. Why: the
 * string line was a rope of ~45 pieces that `Buffer.write` flattened (a copy) before copying
 * it into the chunk, and its pieces were garbage for every request — most of the log's cost
 * per proxied request (issue 3). Here a line is ~25 copies of pre-encoded bytes plus the
 * few values unique to the request, written char by char.
 *
 * What repeats across requests is cached as bytes, in runs of consecutive fields with the
 * constant text around them (`,"name":` pieces, including the name of the field that follows
 * the run): the route (network, service, target group, VPCs), the target with its host, TLS
 * trio and method, the protocol with the user agent, the auth five, the listener with the
 * X.509 fields. A run is found by its first value and checked by `===` on the others (the
 * snapshot's strings: usually a pointer check); each first value keeps its few most recent
 * runs. Everything is bounded: past CACHE_MAX first values a cache starts again.
 */

/** Past this many distinct first values a cache starts again: bounded whatever the traffic. */
const CACHE_MAX = 4096;
/** Runs kept per first value (e.g. one target serving a few hosts and methods), most recent first. */
const RECENT = 8;
/**
 * Past this many bytes of runs a cache starts again too: values such as the host header or
 * the user agent come from clients and may be kilobytes long, so a count alone would not
 * bound the memory (the value strings a run keeps are about as large again).
 */
const CACHE_BYTES_MAX = 4 * 1024 * 1024;

/** A value's JSON text (for building a run once; `"-"` for an undefined field). */
function j(v: string | undefined): string {
  return v === undefined ? '"-"' : JSON.stringify(v);
}

/** A cached run: the values it was built from (values[0] is its key) and its bytes. */
interface Run {
  readonly values: readonly (string | undefined)[];
  readonly bytes: Uint8Array;
}

/**
 * The runs of one kind, by first value. Each kind's lookup (routeOf, targetOf, …) compares
 * its fields by hand: a generic one would build an array of the record's values per request
 * to compare, an allocation on the request path for every run.
 */
class Runs {
  private readonly byKey = new Map<string | undefined, Run[]>();
  private bytes = 0;

  /** The runs cached under `key`, most recent first (the caller compares the other values). */
  recent(key: string | undefined): readonly Run[] | undefined {
    return this.byKey.get(key);
  }

  /** Caches the run of `values` with its JSON `text`; returns its bytes. */
  add(values: readonly (string | undefined)[], text: string): Uint8Array {
    const bytes = utf8(text);
    if (this.bytes + bytes.length > CACHE_BYTES_MAX) {
      this.byKey.clear();
      this.bytes = 0;
    }
    let list = this.byKey.get(values[0]);
    if (list === undefined) {
      if (this.byKey.size >= CACHE_MAX) {
        this.byKey.clear();
        this.bytes = 0;
      }
      this.byKey.set(values[0], (list = []));
    }
    this.bytes += bytes.length;
    if (list.length >= RECENT) this.bytes -= list.pop()!.bytes.length;
    list.unshift({ values, bytes });
    return bytes;
  }
}

let lastStartTime: string | undefined = '';
let lastHead = utf8('{"startTime":""');

/** `{"startTime":"…"`: one second's requests share it, so it is encoded once a second. */
function headOf(startTime: string | undefined): Uint8Array {
  if (startTime !== lastStartTime) {
    lastStartTime = startTime;
    lastHead = utf8(`{"startTime":${j(startTime)}`);
  }
  return lastHead;
}

const routeRuns = new Runs();

/** serviceNetworkArn … destinationVpcId, then `,"sourceIpPort":`: the same for a route. */
function routeOf(r: AccessLogRecord): Uint8Array {
  const list = routeRuns.recent(r.targetGroupArn);
  if (list !== undefined) {
    for (const run of list) {
      const v = run.values;
      if (v[1] === r.serviceNetworkArn && v[2] === r.serviceArn && v[3] === r.sourceVpcArn && v[4] === r.sourceVpcId
        && v[5] === r.destinationVpcId) return run.bytes;
    }
  }
  return routeRuns.add([r.targetGroupArn, r.serviceNetworkArn, r.serviceArn, r.sourceVpcArn, r.sourceVpcId, r.destinationVpcId],
    `,"serviceNetworkArn":${j(r.serviceNetworkArn)},"serviceArn":${j(r.serviceArn)},"targetGroupArn":${j(r.targetGroupArn)}`
    + `,"sourceVpcArn":${j(r.sourceVpcArn)},"sourceVpcId":${j(r.sourceVpcId)},"destinationVpcId":${j(r.destinationVpcId)}`
    + ',"sourceIpPort":');
}

const targetRuns = new Runs();

/** `,"targetIpPort":` … requestMethod, then `,"requestPath":`: the same for a target, host and method. */
function targetOf(r: AccessLogRecord): Uint8Array {
  const list = targetRuns.recent(r.targetIpPort);
  if (list !== undefined) {
    for (const run of list) {
      const v = run.values;
      // The method first: it is what varies most between requests to one target.
      if (v[5] === r.requestMethod && v[1] === r.hostHeader && v[2] === r.serverNameIndication && v[3] === r.sslCipher
        && v[4] === r.tlsVersion) return run.bytes;
    }
  }
  return targetRuns.add([r.targetIpPort, r.hostHeader, r.serverNameIndication, r.sslCipher, r.tlsVersion, r.requestMethod],
    `,"targetIpPort":${j(r.targetIpPort)},"hostHeader":${j(r.hostHeader)},"serverNameIndication":${j(r.serverNameIndication)}`
    + `,"sslCipher":${j(r.sslCipher)},"tlsVersion":${j(r.tlsVersion)},"requestMethod":${j(r.requestMethod)},"requestPath":`);
}

const clientRuns = new Runs();

/** `,"protocol":…,"userAgent":…,"responseCode":`: the same for a client program. */
function clientOf(r: AccessLogRecord): Uint8Array {
  const list = clientRuns.recent(r.userAgent);
  if (list !== undefined) {
    for (const run of list) if (run.values[1] === r.protocol) return run.bytes;
  }
  return clientRuns.add([r.userAgent, r.protocol], `,"protocol":${j(r.protocol)},"userAgent":${j(r.userAgent)},"responseCode":`);
}

/** The auth five of a request auth did not apply to (most requests). */
const NO_AUTH = utf8(',"resolvedUser":"-","authDeniedReason":"-","callerPrincipal":"-","callerPrincipalOrgID":"-","callerPrincipalTags":"-"');
const authRuns = new Runs();

/** resolvedUser … callerPrincipalTags: the same for a caller (and a denial reason). */
function authOf(r: AccessLogRecord): Uint8Array {
  if (r.resolvedUser === '-' && r.authDeniedReason === '-' && r.callerPrincipal === '-' && r.callerPrincipalOrgID === '-'
    && r.callerPrincipalTags === '-') return NO_AUTH;
  const list = authRuns.recent(r.callerPrincipal);
  if (list !== undefined) {
    for (const run of list) {
      const v = run.values;
      if (v[1] === r.resolvedUser && v[2] === r.authDeniedReason && v[3] === r.callerPrincipalOrgID && v[4] === r.callerPrincipalTags) {
        return run.bytes;
      }
    }
  }
  return authRuns.add([r.callerPrincipal, r.resolvedUser, r.authDeniedReason, r.callerPrincipalOrgID, r.callerPrincipalTags],
    `,"resolvedUser":${j(r.resolvedUser)},"authDeniedReason":${j(r.authDeniedReason)},"callerPrincipal":${j(r.callerPrincipal)}`
    + `,"callerPrincipalOrgID":${j(r.callerPrincipalOrgID)},"callerPrincipalTags":${j(r.callerPrincipalTags)}`);
}

const listenerRuns = new Runs();

/** The five X.509 fields, listenerId and listenerType, then `,"failureReason":`: the same for a listener. */
function listenerOf(r: AccessLogRecord): Uint8Array {
  const list = listenerRuns.recent(r.listenerId);
  if (list !== undefined) {
    for (const run of list) {
      const v = run.values;
      if (v[1] === r.listenerType && v[2] === r.callerX509SubjectCN && v[3] === r.callerX509IssuerOU && v[4] === r.callerX509SANNameCN
        && v[5] === r.callerX509SANDNS && v[6] === r.callerX509SANURI) return run.bytes;
    }
  }
  return listenerRuns.add([r.listenerId, r.listenerType, r.callerX509SubjectCN, r.callerX509IssuerOU, r.callerX509SANNameCN,
    r.callerX509SANDNS, r.callerX509SANURI],
  `,"callerX509SubjectCN":${j(r.callerX509SubjectCN)},"callerX509IssuerOU":${j(r.callerX509IssuerOU)}`
    + `,"callerX509SANNameCN":${j(r.callerX509SANNameCN)},"callerX509SANDNS":${j(r.callerX509SANDNS)}`
    + `,"callerX509SANURI":${j(r.callerX509SANURI)},"listenerId":${j(r.listenerId)},"listenerType":${j(r.listenerType)}`
    + ',"failureReason":');
}

/** A failure reason's JSON bytes: a handful of distinct reasons, so cached (bounded). */
const failures = new Map<string | undefined, Uint8Array>();
/** Longer reasons (none of Trellis's own) are encoded each time rather than kept. */
const FAILURE_CACHED_MAX = 256;

function failureOf(v: string | undefined): Uint8Array {
  if (v === '-') return DASH;
  if (v !== undefined && v.length > FAILURE_CACHED_MAX) return utf8(j(v));
  let b = failures.get(v);
  if (b === undefined) {
    if (failures.size >= CACHE_MAX) failures.clear();
    failures.set(v, (b = utf8(j(v))));
  }
  return b;
}

// The constant names between the numbers (`,"responseCode":` ends the client run).
const GRPC = utf8(',"grpcResponseCode":');
/** The gRPC code of a request that is not gRPC (most), with the name after it: one copy, not three. */
const NO_GRPC = utf8(',"grpcResponseCode":"-","bytesReceived":');
const RECEIVED = utf8(',"bytesReceived":');
const SENT = utf8(',"bytesSent":');
const DURATION = utf8(',"duration":');
const TO_TARGET = utf8(',"requestToTargetDuration":');
const FROM_TARGET = utf8(',"responseFromTargetDuration":');
const REQUEST_ID = utf8(',"requestId":');
const EXPLANATION = utf8(',"authExplanation":');
/** The constant bytes of every line, with the seven numbers at their longest and `}\n`. */
const FIXED = GRPC.length + RECEIVED.length + SENT.length + DURATION.length + TO_TARGET.length + FROM_TARGET.length
  + REQUEST_ID.length + 7 * NUMBER_BOUND + 2;

/** Most bytes a string value unique to the request takes. */
function bound(v: string | undefined): number {
  return v === undefined ? DASH.length : stringBound(v.length);
}

/**
 * Writes the record's line (its '\n' included) at `lb.end`, in the chunk `lb.room` makes
 * for it, and returns its length in bytes. The line is not committed: the caller commits it
 * (`lb.commit(n)`), or leaves it to be overwritten (a record dropped by the backlog cap, whose
 * size is only known once encoded). Exactly the contract's fields in ACCESS_LOG_FIELDS order,
 * `authExplanation` last when present.
 */
export function encodeRecord(r: AccessLogRecord, lb: LineBuffer): number {
  const head = headOf(r.startTime);
  const route = routeOf(r);
  const target = targetOf(r);
  const client = clientOf(r);
  const auth = authOf(r);
  const listener = listenerOf(r);
  const failure = failureOf(r.failureReason);
  const expl = r.authExplanation;
  // One bound for the whole line, so one `room` call: cached pieces at their length, the
  // unique strings as if every unit were escaped, numbers at their longest.
  const max = head.length + route.length + target.length + client.length + auth.length + listener.length + failure.length + FIXED
    + bound(r.sourceIpPort) + bound(r.requestPath) + bound(r.requestId) + (expl === undefined ? 0 : EXPLANATION.length + bound(expl));
  const buf = lb.room(max);
  const start = lb.end;
  // Pieces are copied with `set` inline: `put` (json-bytes.ts) was not inlined in a function
  // this large, and the call cost ~5% of the line (bench/access-log/serialize.ts).
  buf.set(head, start);
  let p = start + head.length;
  buf.set(route, p);
  p += route.length;
  p = putString(buf, p, r.sourceIpPort);
  buf.set(target, p);
  p += target.length;
  p = putString(buf, p, r.requestPath);
  buf.set(client, p);
  p += client.length;
  p = putNumber(buf, p, r.responseCode);
  if (r.grpcResponseCode === '-') {
    buf.set(NO_GRPC, p);
    p += NO_GRPC.length;
  } else {
    buf.set(GRPC, p);
    p += GRPC.length;
    p = putNumber(buf, p, r.grpcResponseCode);
    buf.set(RECEIVED, p);
    p += RECEIVED.length;
  }
  p = putNumber(buf, p, r.bytesReceived);
  buf.set(SENT, p);
  p += SENT.length;
  p = putNumber(buf, p, r.bytesSent);
  buf.set(DURATION, p);
  p += DURATION.length;
  p = putNumber(buf, p, r.duration);
  buf.set(TO_TARGET, p);
  p += TO_TARGET.length;
  p = putNumber(buf, p, r.requestToTargetDuration);
  buf.set(FROM_TARGET, p);
  p += FROM_TARGET.length;
  p = putNumber(buf, p, r.responseFromTargetDuration);
  buf.set(REQUEST_ID, p);
  p += REQUEST_ID.length;
  p = putString(buf, p, r.requestId);
  buf.set(auth, p);
  p += auth.length;
  buf.set(listener, p);
  p += listener.length;
  buf.set(failure, p);
  p += failure.length;
  if (expl !== undefined) {
    buf.set(EXPLANATION, p);
    p += EXPLANATION.length;
    p = putString(buf, p, expl);
  }
  buf[p++] = 0x7d; // }
  buf[p++] = 0x0a; // \n
  return p - start;
}
