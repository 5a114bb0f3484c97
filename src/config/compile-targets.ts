import { isIP } from 'node:net';
import type { ResourceRecord } from '../store/index.js';
import type { CompileContext } from './context.js';
import { field, Fields, isObject, Malformed, reasonOf } from './narrow.js';
import type { HealthCheckEntry, TargetEntry, TargetGroupEntry } from './snapshot.js';

/**
 * Target groups: their routing config, health check and resolved targets.
 *
 * - A health check is compiled only when the group's type supports one (IP, INSTANCE; never
 *   ALB or LAMBDA) and `config.healthCheck.enabled` is true; seconds become ms and the
 *   matcher ("200", "200,202", "200-299") becomes inclusive ranges. Absent numbers (or 0,
 *   which the API uses for "reset") take AWS's defaults (LATTICE.md §2.5).
 * - Targets are resolved to the address traffic goes to: IP → the id; INSTANCE → the
 *   instance record's `privateIpAddress`; ALB → the `loadbalancer` record (id = the ALB ARN)
 *   and its `address`, with the target's own port; LAMBDA → the `lambdafunction` record
 *   (id = the unqualified function ARN; a qualified target ARN falls back to it) as a
 *   `lambda` descriptor with the group's event version (V1 by default), no address. A target that cannot be resolved stays in the list with `unresolved` set, so
 *   ListTargets and the health checker can say why; the balancer skips it.
 * - A target whose entry carries `deregisteredAt` is draining: it gets no new requests, so
 *   it is left out of `targets`; it is resolved the same way into `draining` (absent when
 *   empty), so the data plane knows which upstreams still have requests to finish and ends
 *   them when the control plane removes the entry at the end of the drain.
 * - The port is the target's own, else the group's; LAMBDA targets have none (0).
 */

/**
 * A compiled group whose `unused` is still settable: it is true until the compiler has
 * every route and clears it for the groups they forward to (see compile.ts `markUsed`).
 */
export type TargetGroupDraft = Omit<TargetGroupEntry, 'unused'> & { unused: boolean };

const TYPES = ['IP', 'INSTANCE', 'LAMBDA', 'ALB'] as const;
const HEALTH_DEFAULTS = { interval: 30, timeout: 5, healthy: 5, unhealthy: 2 } as const;

/** Every target group that compiles, by id; the others become problems. */
export function compileTargetGroups(ctx: CompileContext): Map<string, TargetGroupDraft> {
  const out = new Map<string, TargetGroupDraft>();
  const ids = new Set<string>();
  for (const rec of ctx.all('targetgroup')) {
    if (ids.has(rec.id)) {
      // Named with its place: the first group of that id is in the snapshot.
      ctx.problem('targetgroup', `${rec.account}/${rec.region}/${rec.id}`, 'an earlier target group record has the same id');
      continue;
    }
    ids.add(rec.id);
    try {
      out.set(rec.id, compileTargetGroup(ctx, rec));
    } catch (err) {
      ctx.problem('targetgroup', rec.id, reasonOf(err));
    }
  }
  return out;
}

/** One target group (its `unused` still true); throws when it cannot be compiled. */
export function compileTargetGroup(ctx: CompileContext, rec: ResourceRecord): TargetGroupDraft {
  const f = Fields.of(rec.doc, '');
  const type = f.oneOf('type', TYPES);
  const config = f.optChild('config') ?? Fields.of({}, 'config');
  const protocol = config.optOneOf('protocol', ['HTTP', 'HTTPS', 'TCP']);
  const protocolVersion = config.optOneOf('protocolVersion', ['HTTP1', 'HTTP2', 'GRPC']);
  const port = config.optInt('port', 1, 65535);
  const lambdaEventStructureVersion = config.optOneOf('lambdaEventStructureVersion', ['V1', 'V2']);
  const hc = config.optChild('healthCheck');
  const healthCheck = (type === 'IP' || type === 'INSTANCE') && hc?.optBool('enabled') === true ? compileHealthCheck(ctx, hc) : undefined;

  const draining: TargetEntry[] = [];
  const targets = compileTargets(ctx, rec, f, type, port, draining);
  // Built field by field rather than with conditional spreads: 20,000 groups per rebuild.
  const entry: Mutable<TargetGroupDraft> = { id: rec.id, arn: f.str('arn'), type } as Mutable<TargetGroupDraft>;
  if (protocol) entry.protocol = protocol;
  if (protocolVersion) entry.protocolVersion = protocolVersion;
  if (port !== undefined) entry.port = port;
  if (healthCheck) entry.healthCheck = healthCheck;
  if (lambdaEventStructureVersion) entry.lambdaEventStructureVersion = lambdaEventStructureVersion;
  entry.targets = targets;
  if (draining.length > 0) entry.draining = draining;
  entry.unused = true;
  return entry;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The group's routable targets; draining ones go to `draining` instead. The hot loop of a
 * rebuild (one pass per target), so it reads the entries directly instead of through
 * `Fields`, and tells duplicates apart without building a key string per target.
 */
function compileTargets(
  ctx: CompileContext, rec: ResourceRecord, f: Fields, type: TargetGroupDraft['type'], groupPort: number | undefined, draining: TargetEntry[],
): TargetEntry[] {
  const targets: TargetEntry[] = [];
  const list = f.obj['targets'];
  if (list === undefined || list === null) return targets;
  if (!Array.isArray(list)) throw new Malformed('targets', 'an array');
  const firstPort = new Map<string, number>();
  let otherPorts: Set<string> | undefined;
  for (let i = 0; i < list.length; i++) {
    const t: unknown = list[i];
    if (!isObject(t)) throw new Malformed(`targets[${i}]`, 'an object');
    const id = t['id'];
    const p = t['port'];
    const portOk = p === undefined || p === null || (typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535);
    const port = type === 'LAMBDA' ? 0 : p === undefined || p === null ? groupPort : (p as number);
    // Draining targets take no new requests: they are not routed, only named. One that
    // could not be routed anyway is left out rather than failing the group.
    if (t['deregisteredAt'] !== undefined && t['deregisteredAt'] !== null) {
      if (typeof id === 'string' && portOk) draining.push(resolveTarget(ctx, rec, type, id, port));
      continue;
    }
    if (typeof id !== 'string') throw new Malformed(`targets[${i}].id`, 'a string');
    if (!portOk && type !== 'LAMBDA') throw new Malformed(`targets[${i}].port`, 'an integer in 1–65535');
    // The same id and port registered twice is one target (a store never holds that).
    const seen = firstPort.get(id);
    if (seen === undefined) firstPort.set(id, port ?? -1);
    else if (seen === (port ?? -1)) continue;
    else {
      const key = `${id}\0${port ?? ''}`;
      otherPorts ??= new Set();
      if (otherPorts.has(key)) continue;
      otherPorts.add(key);
    }
    targets.push(resolveTarget(ctx, rec, type, id, port));
  }
  return targets;
}

function resolveTarget(ctx: CompileContext, group: ResourceRecord, type: TargetGroupDraft['type'], id: string, port: number | undefined): TargetEntry {
  if (type === 'LAMBDA') return resolveLambda(ctx, group, id);
  if (port === undefined) return { id, port: 0, unresolved: `target ${id} has no port and its target group none either` };
  switch (type) {
    case 'IP':
      return isIP(id) === 0 ? { id, port, unresolved: `${id} is not an IP address` } : { id, port, address: id };
    case 'INSTANCE': {
      const inst = ctx.get('instance', group, id);
      if (!inst) return { id, port, unresolved: `instance ${id} is not known to Trellis: register it with its private IP address (trellis instance)` };
      return withAddress(id, port, field(inst.doc, 'privateIpAddress'), 'instance');
    }
    case 'ALB': {
      const lb = ctx.get('loadbalancer', group, id);
      if (!lb) return { id, port, unresolved: `load balancer ${id} is not known to Trellis` };
      return withAddress(id, port, field(lb.doc, 'address'), 'load balancer');
    }
  }
}

/** Lambda's default function timeout, when a record names none. */
const LAMBDA_DEFAULT_TIMEOUT_S = 3;

function resolveLambda(ctx: CompileContext, group: ResourceRecord, id: string): TargetEntry {
  const fn = ctx.get('lambdafunction', group, id) ?? ctx.get('lambdafunction', group, unqualifiedFunctionArn(id));
  if (!fn) return { id, port: 0, unresolved: `function ${id} is not registered with Trellis: trellis function register ${id} --handler <file.mjs>` };
  const handler = field(fn.doc, 'handler');
  const url = field(fn.doc, 'url');
  const timeout = field(fn.doc, 'timeout');
  const version = field(field(group.doc, 'config'), 'lambdaEventStructureVersion');
  if (typeof handler !== 'string' && typeof url !== 'string') return { id, port: 0, unresolved: `function ${id} has neither a handler nor a URL` };
  return {
    id, port: 0,
    lambda: {
      functionArn: id,
      ...(typeof handler === 'string' ? { handler } : {}),
      ...(typeof url === 'string' && typeof handler !== 'string' ? { url } : {}),
      eventVersion: version === 'V2' ? 'V2' : 'V1',
      timeoutMs: (typeof timeout === 'number' && timeout > 0 ? timeout : LAMBDA_DEFAULT_TIMEOUT_S) * 1000,
    },
  };
}

/** `arn:…:function:name:alias` → `arn:…:function:name` (records are kept by the unqualified ARN). */
export function unqualifiedFunctionArn(arn: string): string {
  const m = /^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+):[^:]+$/.exec(arn);
  return m ? m[1]! : arn;
}

function withAddress(id: string, port: number, value: unknown, what: string): TargetEntry {
  if (typeof value !== 'string') return { id, port, unresolved: `${what} ${id} has no address` };
  if (isIP(value) === 0) return { id, port, unresolved: `${what} ${id} has address ${value}, which is not an IP address` };
  return { id, port, address: value };
}

/** 0 is the API's "reset to default", so it is read as absent. */
function seconds(hc: Fields, key: string, min: number, max: number, def: number): number {
  const v = hc.optInt(key, 0, max);
  if (v === undefined || v === 0) return def;
  if (v < min) throw new Malformed(`${hc.at}.${key}`, `an integer in ${min}–${max}`);
  return v;
}

function compileHealthCheck(ctx: CompileContext, hc: Fields): HealthCheckEntry {
  const port = hc.optInt('port', 1, 65535);
  const path = hc.optStr('path');
  const httpCode = hc.optChild('matcher')?.optStr('httpCode') ?? '200';
  return {
    protocol: hc.optOneOf('protocol', ['HTTP', 'HTTPS']) ?? 'HTTP',
    protocolVersion: hc.optOneOf('protocolVersion', ['HTTP1', 'HTTP2']) ?? 'HTTP1',
    ...(port !== undefined ? { port } : {}),
    path: path || '/',
    intervalMs: seconds(hc, 'healthCheckIntervalSeconds', 5, 300, HEALTH_DEFAULTS.interval) * 1000,
    timeoutMs: seconds(hc, 'healthCheckTimeoutSeconds', 1, 120, HEALTH_DEFAULTS.timeout) * 1000,
    healthyThreshold: seconds(hc, 'healthyThresholdCount', 2, 10, HEALTH_DEFAULTS.healthy),
    unhealthyThreshold: seconds(hc, 'unhealthyThresholdCount', 2, 10, HEALTH_DEFAULTS.unhealthy),
    matcher: matcherOf(ctx, hc, httpCode),
  };
}

/** Parsed once per distinct code in a compile, and shared by the groups that use it. */
function matcherOf(ctx: CompileContext, hc: Fields, httpCode: string): readonly (readonly [number, number])[] {
  let ranges = ctx.matchers.get(httpCode);
  if (!ranges) {
    try {
      ranges = parseHttpCodes(httpCode);
    } catch (err) {
      throw err instanceof Malformed ? new Malformed(`${hc.at}.matcher.httpCode`, err.expected) : err;
    }
    ctx.matchers.set(httpCode, ranges);
  }
  return ranges;
}

/**
 * `matcher.httpCode` as inclusive ranges, ascending: "200,202" → [[200,200],[202,202]],
 * "200-299" → [[200,299]]. Throws `Malformed` for anything the control plane would refuse.
 */
export function parseHttpCodes(code: string, at = 'httpCode'): readonly (readonly [number, number])[] {
  const ranges: [number, number][] = [];
  for (const item of code.split(',')) {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(item);
    if (!m) throw new Malformed(at, `a list of HTTP codes or ranges such as 200,202 or 200-299 (got '${code}')`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Malformed(at, `a list of ranges that end after they start (got '${item}')`);
    ranges.push([lo, hi]);
  }
  return ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}
