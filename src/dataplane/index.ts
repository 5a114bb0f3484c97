export type * from './contracts.js';
export { HealthChecker, healthView, matches as matchesHttpCode } from './health/health-checker.js';
export type { HealthCheckerOptions, HealthReasonCode, HealthTransition, TargetHealthReport, TargetHealthViewLike } from './health/health-checker.js';
export { realScheduler, ManualScheduler } from './health/scheduler.js';
export type { Scheduler, TimerHandle } from './health/scheduler.js';
export { httpProber, HEALTH_CHECK_USER_AGENT } from './health/probe.js';
export type { Prober, ProbeRequest } from './health/probe.js';
export { FileAccessLogSink } from './access-log/file-sink.js';
export type { FileAccessLogSinkOptions, AccessLogSinkStats } from './access-log/file-sink.js';
export { ACCESS_LOG_FIELDS, recordFor, serializeRecord, startTimeOf } from './access-log/record.js';
export { destinationPrefix, parseDestination } from './access-log/destinations.js';
export { tailLogs, listLogFiles } from './access-log/tail.js';
export type { TailLine, TailOptions } from './access-log/tail.js';
export { MetricsRegistry, PROMETHEUS_CONTENT_TYPE, METRIC_PREFIX, REQUEST_TIME_BUCKETS_MS } from './metrics/metrics-registry.js';
export { DataPlane, EMPTY_SNAPSHOT, type DataPlaneOptions, type GatewayAddress, type VpcGatewayOptions } from './data-plane.js';
export type { CertificateProvider, TlsKeyPair } from './gateway/tls.js';
export { SmoothWeighted, Balancer } from './balancer/balancer.js';
export { matchRule, hostName, hostPort, networkOf, listenerOn, type NoRouteReason } from './router/router.js';
export { changedEntries, diffEntries, entryId, vpcIdOf, type EntryChange, type IdOf } from './snapshot-diff.js';
export {
  explainRequest, principalFromArn, authorizeExchange, decide, identityHeaders,
  type DataPlaneAuthOptions, type IdentityPolicies, type IdentityPolicyProvider, type ExplainRequest, type ExplainResult, type ExplainLayer,
} from './auth/index.js';
export { RemoteHealth, changedHealth, fullHealth, groupHealth, isHealthMessage, transitionHealth } from './health/remote-health.js';
export type { GroupHealth, HealthMessage, TargetHealthTuple } from './health/remote-health.js';
export { exportedRequests, isMetricsExport, type MetricsExport, type SeriesExport } from './metrics/metrics-export.js';
