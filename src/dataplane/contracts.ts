import type { AccessLogDestination, TargetEntry } from '../config/index.js';

/**
 * The contracts between the parts of the data plane: the request path (gateways, router,
 * balancer, upstream) produces records and outcomes; the access-log writer, the metrics
 * registry and the health checker consume or answer them. Each part is built and tested on
 * its own against these types.
 */

/** One access-log record, with Lattice's field names (LATTICE.md §5.1). Missing values are '-'. */
export interface AccessLogRecord {
  startTime: string;
  serviceNetworkArn: string;
  serviceArn: string;
  targetGroupArn: string;
  sourceVpcArn: string;
  sourceVpcId: string;
  destinationVpcId: string;
  sourceIpPort: string;
  targetIpPort: string;
  hostHeader: string;
  serverNameIndication: string;
  sslCipher: string;
  tlsVersion: string;
  requestMethod: string;
  requestPath: string;
  protocol: string;
  userAgent: string;
  responseCode: number;
  grpcResponseCode: number | '-';
  bytesReceived: number;
  bytesSent: number;
  duration: number;
  requestToTargetDuration: number;
  responseFromTargetDuration: number;
  requestId: string;
  resolvedUser: string;
  authDeniedReason: string;
  callerPrincipal: string;
  callerPrincipalOrgID: string;
  callerPrincipalTags: string;
  callerX509SubjectCN: string;
  callerX509IssuerOU: string;
  callerX509SANNameCN: string;
  callerX509SANDNS: string;
  callerX509SANURI: string;
  listenerId: string;
  listenerType: string;
  /** Why Trellis answered itself or the exchange failed; '-' for a normal proxied response. */
  failureReason: string;
  /**
   * Trellis's own addition, present only on requests refused by auth: the decision with each
   * layer's verdict and every statement's trace (what `trellis auth explain` prints). Written
   * after `failureReason`; absent from every other record, so their shape is Lattice's.
   */
  authExplanation?: string;
}

/**
 * Where records go. `write` must not block or throw on the request path: it buffers, and
 * the writer flushes in the background.
 */
export interface AccessLogSink {
  write(record: AccessLogRecord, destinations: readonly AccessLogDestination[]): void;
  close(): Promise<void>;
}

/** The outcome of one request, for the metrics named after Lattice's CloudWatch metrics. */
export interface RequestOutcome {
  readonly serviceId: string;
  readonly targetGroupId?: string;
  readonly responseCode: number;
  /** Set when Trellis answered itself (400, 403, 404, 429, 500, 502, 504). */
  readonly latticeCode?: number;
  readonly durationMs: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly timedOut: boolean;
}

export interface RequestMetrics {
  requestStarted(serviceId: string, targetGroupId?: string): void;
  requestFinished(outcome: RequestOutcome): void;
}

export type TargetStatus = 'DRAINING' | 'UNAVAILABLE' | 'HEALTHY' | 'UNHEALTHY' | 'INITIAL' | 'UNUSED';

/**
 * What the health checker knows. The balancer routes to targets that are not UNHEALTHY
 * (INITIAL and UNAVAILABLE are routable, as on Lattice) and fails open when none is.
 */
export interface TargetHealthSource {
  status(targetGroupId: string, target: TargetEntry): TargetStatus;
}
