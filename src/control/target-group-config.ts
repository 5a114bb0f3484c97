/**
 * Target-group configuration: AWS's defaults and the cross-field rules the model cannot
 * express. Pure functions; the handlers in target-groups.ts store what `fillCreateConfig`
 * returns and answer it unchanged from Create/Get/Update.
 *
 * Choices (LATTICE.md §2.4, §2.5; API-REFERENCE.md TargetGroupConfig / HealthCheckConfig):
 * - Stored and returned config is the *filled* config, as the AWS CLI examples show it:
 *   IP / INSTANCE → port, protocol, protocolVersion, vpcIdentifier, healthCheck
 *   (+ ipAddressType for IP only); ALB → the same without healthCheck; LAMBDA →
 *   `{ lambdaEventStructureVersion }` (V1 unless given).
 * - healthCheck.protocol defaults to the group's protocol for HTTP/HTTPS groups (the CLI
 *   reference shows `HTTPS` filled for an HTTPS group although the API doc says "default
 *   HTTP") and to HTTP for TCP groups. healthCheck.port stays unset ("the traffic port").
 * - healthCheck.enabled defaults to true for HTTP1 groups, false for HTTP2/GRPC and TCP
 *   groups. A TCP group that enables health checks at creation must name the check's
 *   protocol and protocolVersion (UG), since its own protocol cannot be probed.
 * - 0 for interval/timeout/thresholds and '' for path mean "the default" (the API's minimum
 *   is 0 and '' matches the path pattern); a healthCheck port of 0 is outside 1–65535 and is
 *   refused. The timeout must be less than the interval, checked on the effective values.
 * - matcher.httpCode: comma-separated items, each a code or a `low-high` range, every code
 *   in 200–499 (ELB's wording: "200,202" or "200-299"; mixing both is accepted).
 * - ipAddressType is a property of IP groups. IPV4 given for INSTANCE/ALB is accepted and
 *   not echoed (CloudFormation's schema defaults it to IPV4 for every type); IPV6 for them is
 *   a ValidationException.
 * - HTTP2/GRPC protocol versions need INSTANCE or IP targets (UG) and an HTTP(S) protocol.
 * Every violation found is reported at once, each named by its path (`config.port`).
 */
import type * as T from '../model/index.js';
import { assertValid, fieldError, type FieldError } from '../model/index.js';

/** The health check as stored: every default filled, `port` only when given. */
export interface FilledHealthCheck {
  readonly enabled: boolean;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly protocolVersion: T.HealthCheckProtocolVersion;
  readonly port?: number;
  readonly path: string;
  readonly healthCheckIntervalSeconds: number;
  readonly healthCheckTimeoutSeconds: number;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  readonly matcher: { readonly httpCode: string };
}

/** The config as stored and returned; which members are set depends on the type (above). */
export interface FilledConfig {
  readonly port?: number;
  readonly protocol?: T.TargetGroupProtocol;
  readonly protocolVersion?: T.TargetGroupProtocolVersion;
  readonly ipAddressType?: T.IpAddressType;
  readonly vpcIdentifier?: string;
  readonly healthCheck?: FilledHealthCheck;
  readonly lambdaEventStructureVersion?: T.LambdaEventStructureVersion;
}

/** AWS's health-check numbers (LATTICE.md §2.5) and their real ranges. */
const NUMERIC = {
  healthCheckIntervalSeconds: { def: 30, min: 5, max: 300 },
  healthCheckTimeoutSeconds: { def: 5, min: 1, max: 120 },
  healthyThresholdCount: { def: 5, min: 2, max: 10 },
  unhealthyThresholdCount: { def: 2, min: 2, max: 10 },
} as const;

export const DEFAULT_HTTP_CODE = '200';
export const DEFAULT_HEALTH_CHECK_PATH = '/';

/** ALB and LAMBDA targets are not health-checked by Lattice (their status is UNAVAILABLE). */
export function supportsHealthCheck(type: T.TargetGroupType): boolean {
  return type === 'IP' || type === 'INSTANCE';
}

/** Whether the group's targets are probed: a health check exists and is enabled. */
export function healthChecked(type: T.TargetGroupType, config: FilledConfig): boolean {
  return supportsHealthCheck(type) && config.healthCheck?.enabled === true;
}

/**
 * Checks a matcher's httpCode: comma-separated codes or `low-high` ranges, codes 200–499.
 * Returns the reason it is not valid, or undefined.
 */
export function httpCodeProblem(code: string): string | undefined {
  if (code === '') return 'Member must name at least one HTTP code';
  for (const item of code.split(',')) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(item);
    if (!m) return `'${item}' is neither an HTTP code nor a range such as 200-299`;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 200 || lo > 499 || hi < 200 || hi > 499) return 'HTTP codes must be between 200 and 499';
    if (hi < lo) return `The range '${item}' ends before it starts`;
  }
  return undefined;
}

const not = (name: string, type: string): FieldError => ({ name, message: `Member is not supported for target groups of type ${type}` });
const required = (name: string, why = 'Member must not be null'): FieldError => ({ name, message: why });

/**
 * The health check that results from `given` over `base` (the stored one on update, none on
 * create) for a group of this protocol and version. Problems are pushed onto `errors`, named
 * under `path` (`config.healthCheck` on create, `healthCheck` on update).
 */
export function fillHealthCheck(
  given: T.HealthCheckConfig | undefined, base: FilledHealthCheck | undefined,
  group: { readonly protocol: T.TargetGroupProtocol; readonly protocolVersion: T.TargetGroupProtocolVersion },
  path: string, errors: FieldError[],
): FilledHealthCheck {
  const g = given ?? {};
  const enabledDefault = group.protocolVersion === 'HTTP1' && group.protocol !== 'TCP';
  const enabled = g.enabled ?? base?.enabled ?? enabledDefault;

  if (!base && group.protocol === 'TCP' && enabled) {
    if (g.protocol === undefined) errors.push(required(`${path}.protocol`, 'Member must be set when health checks are enabled for a TCP target group'));
    if (g.protocolVersion === undefined) errors.push(required(`${path}.protocolVersion`, 'Member must be set when health checks are enabled for a TCP target group'));
  }
  let protocol: 'HTTP' | 'HTTPS' = base?.protocol ?? (group.protocol === 'HTTPS' ? 'HTTPS' : 'HTTP');
  if (g.protocol === 'TCP') errors.push({ name: `${path}.protocol`, message: 'Member must satisfy enum value set: [HTTP, HTTPS]' });
  else if (g.protocol !== undefined) protocol = g.protocol;

  const numbers = {} as { -readonly [K in keyof typeof NUMERIC]: number };
  const before = errors.length;
  for (const key of Object.keys(NUMERIC) as (keyof typeof NUMERIC)[]) {
    const { def, min, max } = NUMERIC[key];
    const v = g[key];
    // 0 is the API's minimum and means "reset to AWS's default".
    if (v === undefined) numbers[key] = base?.[key] ?? def;
    else if (v === 0) numbers[key] = def;
    else {
      if (v < min || v > max) errors.push({ name: `${path}.${key}`, message: `Member must have value between ${min} and ${max}` });
      numbers[key] = v;
    }
  }
  // Compared only when each is in range, so one bad value is reported once.
  const inRange = !errors.slice(before).some((e) => e.name.endsWith('IntervalSeconds') || e.name.endsWith('TimeoutSeconds'));
  if (inRange && numbers.healthCheckTimeoutSeconds >= numbers.healthCheckIntervalSeconds) {
    errors.push({ name: `${path}.healthCheckTimeoutSeconds`, message: 'The health check timeout must be less than the health check interval' });
  }

  const port = g.port ?? base?.port;
  if (g.port !== undefined && (g.port < 1 || g.port > 65535)) errors.push({ name: `${path}.port`, message: 'Member must have value between 1 and 65535' });

  const httpCode = g.matcher?.httpCode ?? base?.matcher.httpCode ?? DEFAULT_HTTP_CODE;
  const codeProblem = g.matcher?.httpCode === undefined ? undefined : httpCodeProblem(g.matcher.httpCode);
  if (codeProblem) errors.push({ name: `${path}.matcher.httpCode`, message: codeProblem });

  const checkPath = g.path === undefined ? base?.path ?? DEFAULT_HEALTH_CHECK_PATH : g.path === '' ? DEFAULT_HEALTH_CHECK_PATH : g.path;
  const filled: FilledHealthCheck = {
    enabled, protocol, protocolVersion: g.protocolVersion ?? base?.protocolVersion ?? 'HTTP1',
    path: checkPath, ...numbers, matcher: { httpCode },
  };
  return port === undefined ? filled : { ...filled, port };
}

/**
 * The config a new target group of this type gets from `config`, with AWS's defaults. Throws
 * a ValidationException naming every offending field.
 */
export function fillCreateConfig(type: T.TargetGroupType, config: T.TargetGroupConfig | undefined): FilledConfig {
  const errors: FieldError[] = [];
  if (type === 'LAMBDA') {
    const c = config ?? {};
    for (const k of ['port', 'protocol', 'protocolVersion', 'vpcIdentifier', 'ipAddressType', 'healthCheck'] as const) {
      if (c[k] !== undefined) errors.push(not(`config.${k}`, type));
    }
    assertValid(errors);
    return { lambdaEventStructureVersion: c.lambdaEventStructureVersion ?? 'V1' };
  }
  if (!config) throw fieldError('config', `Member must not be null for target groups of type ${type}`);
  if (config.lambdaEventStructureVersion !== undefined) errors.push(not('config.lambdaEventStructureVersion', type));
  if (config.vpcIdentifier === undefined) errors.push(required('config.vpcIdentifier'));
  if (config.protocol === undefined) errors.push(required('config.protocol'));
  const protocol = config.protocol ?? 'HTTP';
  const protocolVersion = config.protocolVersion ?? 'HTTP1';

  let port = config.port;
  if (port === undefined) {
    if (protocol === 'TCP') errors.push(required('config.port', 'Member must be set for TCP target groups'));
    port = protocol === 'HTTPS' ? 443 : 80;
  }
  if (protocolVersion !== 'HTTP1') {
    if (protocol === 'TCP') errors.push({ name: 'config.protocolVersion', message: `${protocolVersion} is not supported with protocol TCP` });
    else if (type === 'ALB') errors.push({ name: 'config.protocolVersion', message: `${protocolVersion} is supported only for target groups of type IP or INSTANCE` });
  }
  if (type !== 'IP' && config.ipAddressType === 'IPV6') errors.push({ name: 'config.ipAddressType', message: 'Member is supported only for target groups of type IP' });

  let healthCheck: FilledHealthCheck | undefined;
  if (supportsHealthCheck(type)) healthCheck = fillHealthCheck(config.healthCheck, undefined, { protocol, protocolVersion }, 'config.healthCheck', errors);
  else if (config.healthCheck !== undefined) errors.push(not('config.healthCheck', type));
  assertValid(errors);

  return {
    ...(healthCheck ? { healthCheck } : {}),
    ...(type === 'IP' ? { ipAddressType: config.ipAddressType ?? 'IPV4' } : {}),
    port, protocol, protocolVersion, vpcIdentifier: config.vpcIdentifier!,
  };
}

/**
 * The config after UpdateTargetGroup: `healthCheck` merged over the stored one by the same
 * rules as on create. Throws a ValidationException for ALB and LAMBDA groups.
 */
export function fillUpdatedConfig(type: T.TargetGroupType, current: FilledConfig, healthCheck: T.HealthCheckConfig): FilledConfig {
  if (!supportsHealthCheck(type)) assertValid([not('healthCheck', type)]);
  const errors: FieldError[] = [];
  const group = { protocol: current.protocol ?? 'HTTP', protocolVersion: current.protocolVersion ?? 'HTTP1' } as const;
  const filled = fillHealthCheck(healthCheck, current.healthCheck, group, 'healthCheck', errors);
  assertValid(errors);
  return { ...current, healthCheck: filled };
}
