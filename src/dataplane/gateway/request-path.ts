import type { ListenerEntry, RoutingSnapshot, ServiceEntry, ServiceNetworkEntry, TargetGroupEntry, VpcEntry } from '../../config/index.js';
import type { DataPlaneAuthOptions } from '../auth/contracts.js';
import { authorizeExchange } from '../auth/gate.js';
import type { Balancer } from '../balancer/balancer.js';
import { RouteHeaders, type DispatchOptions } from '../http1/index.js';
import { LambdaInvokers, lambdaTargetOf } from '../lambda/index.js';
import { hostName, listenerOn, matchRule, networkOf } from '../router/router.js';
import type { UpstreamPools } from '../upstream/pools.js';
import type { Exchange } from './exchange.js';
import { isEncrypted, requestBody } from './downstream.js';
import { MAX_HEADER_BYTES, MAX_HEADER_COUNT } from './headers.js';
import { protocolVerdict } from './protocol-versions.js';
import { admitsCached, presentedAddress } from './source.js';

/**
 * The filter chain of a request once a gateway has said which VPC it comes from, which
 * host, port and path it asks for (ARCHITECTURE.md, CONVENTIONS.md #5). Each filter either
 * passes or answers locally, naming its reason (the access log's `failureReason`):
 *
 * | step | answer | failureReason |
 * | --- | --- | --- |
 * | the VPC is not known (proxy user name) | 403 | `UnknownVpc` |
 * | the VPC has no service-network association | 404 Non Existent Service | `UnassociatedVpc` |
 * | security groups of the association do not admit the client | 403 | `SecurityGroupDenied` |
 * | over 100 request headers or 60 KB of them | 400 | `ClientProtocolError` |
 * | Host names no service of the VPC's network | 404 Non Existent Service | `NonExistentService` |
 * | no HTTP/HTTPS listener on the port | TCP reset, as AWS | `NoListener` |
 * | bad signature, or the auth policies / identity policies do not allow (auth/) | 403 | `ClientAccessDenied` |
 * | fixed-response action | its status, empty body | `-` (configured, not a failure) |
 * | every target-group weight is 0 / the group is missing | 500 | `NoTargetGroup` |
 * | LAMBDA target group: invoked by lambda/ (413/502 failures listed there) | | `Lambda*` |
 * | no resolved target in the group | 500 | `TargetConnectionError` |
 * | upstream failures | see upstream/errors.ts | `Target*` |
 *
 * The chain reads only the snapshot held by reference (swapped atomically by `setSnapshot`)
 * and awaits nothing but the upstream exchange itself — and, once per caller until the data
 * plane has cached them, that caller's identity policies.
 */
export class RequestPath {
  snapshot: RoutingSnapshot;
  /** The Lambda functions of LAMBDA target groups (closed by the data plane). */
  readonly lambda = new LambdaInvokers();

  constructor(
    snapshot: RoutingSnapshot, readonly balancer: Balancer, readonly pools: UpstreamPools,
    readonly auth: DataPlaneAuthOptions = {}, private readonly now: () => number = Date.now,
  ) {
    this.snapshot = snapshot;
  }

  /** `ex` carries vpcId, host, path (origin-form), listenerPort and the scanned headers. */
  route(ex: Exchange, authority: string): void {
    const snap = this.snapshot;
    const vpc = snap.vpcs.get(ex.vpcId);
    const net = networkOf(snap, vpc);
    if (vpc !== undefined) {
      ex.vpc = vpc;
      ex.sourceAddress = presentedAddress(vpc, ex.sourceAddress);
    }
    if (typeof net === 'string') {
      if (net === 'UnknownVpc') return ex.reply(403, net, `Forbidden: ${ex.vpcId || 'the proxy user name'} is not a VPC known to Trellis`);
      return ex.reply(404, net, 'Non Existent Service');
    }
    ex.network = net;
    const svc = net.servicesByHost.get(hostName(authority));
    ex.service = svc;
    if (!admitsCached(vpc!, vpc!.association!, ex.sourceAddress, ex.listenerPort)) {
      return ex.reply(403, 'SecurityGroupDenied', `Forbidden: the security groups of ${vpc!.association!.id} do not admit ${ex.sourceAddress} on TCP ${ex.listenerPort}`);
    }
    if (ex.headerCount > MAX_HEADER_COUNT || ex.headerBytes > MAX_HEADER_BYTES) {
      return ex.reply(400, 'ClientProtocolError', 'Bad Request: request headers over 100 or over 60 KB');
    }
    if (svc === undefined) return ex.reply(404, 'NonExistentService', 'Non Existent Service');
    const listener = listenerOn(svc, ex.listenerPort);
    if (listener === undefined) return ex.reset('NoListener');
    // An HTTPS listener only takes TLS (tls.ts): plaintext sent to it is dropped, as on AWS.
    if (listener.protocol === 'HTTPS' && !isEncrypted(ex.req)) return ex.reset('PlaintextToHttpsListener');
    ex.listener = listener;

    const allowed = authorizeExchange(ex, vpc!, net, svc, this.auth, this.now());
    if (allowed === true) return this.forward(ex, snap, vpc!, net, svc, listener);
    if (allowed !== false) void allowed.then((ok) => { if (ok) this.forward(ex, snap, vpc!, net, svc, listener); });
  }

  /** Rule matching onwards, once the request may reach the service. */
  private forward(ex: Exchange, snap: RoutingSnapshot, vpc: VpcEntry, net: ServiceNetworkEntry, svc: ServiceEntry, listener: ListenerEntry): void {
    const q = ex.path.indexOf('?');
    const rule = matchRule(listener, ex.req.method!, q < 0 ? ex.path : ex.path.slice(0, q), ex.headers);
    if (rule === undefined) return ex.reply(404, 'NoRule', 'Not Found');
    const action = rule.action;
    if (action.type === 'fixed-response') return ex.fixedResponse(action.statusCode);

    const weighted = this.balancer.pickGroup(rule, action.targetGroups);
    const tg = weighted === undefined ? undefined : snap.targetGroups.get(weighted.targetGroupId);
    if (tg === undefined) return ex.reply(500, 'NoTargetGroup', 'Internal Server Error: no target group to forward to');
    ex.targetGroup = tg;
    // LATTICE.md §2.6: which client versions a group's protocolVersion takes (protocol-versions.ts).
    const pv = protocolVerdict(ex.req.httpVersion, ex.req.method!, ex.headers, tg.protocolVersion);
    if (typeof pv !== 'string') return ex.reply(pv.status, pv.failureReason, pv.message, ex.req.httpVersion === '2.0' ? ['grpc-status', String(pv.grpcStatus)] : undefined);
    const isLambda = tg.type === 'LAMBDA';
    const target = isLambda ? lambdaTargetOf(tg) : this.balancer.pickTarget(tg);
    if (target === undefined) return ex.reply(500, 'TargetConnectionError', 'Internal Server Error: no target');
    if (!isLambda) ex.target = target;

    const h = ex.headers;
    h.push(
      'x-forwarded-for', ex.forwardedFor === undefined ? ex.sourceAddress : `${ex.forwardedFor}, ${ex.sourceAddress}`,
      'x-amzn-requestid', ex.ensureRequestId(),
    );
    if (ex.identity !== undefined && ex.identity.length !== 0) h.push(...ex.identity);
    const timeout = svc.idleTimeoutSeconds * 1000;
    const opts: DispatchOptions = {
      path: ex.path, method: ex.req.method!, headers: h, routeHeaders: routeHeadersOf(vpc, net, svc, listener, tg),
      body: ex.hasBody ? requestBody(ex.req) : null, headersTimeout: timeout, bodyTimeout: timeout,
    };
    ex.forward(isLambda ? this.lambda.dispatcherFor(target) : this.pools.poolFor(tg, target), opts);
  }
}

/** A route's constant headers, with what they were built from (compared by identity). */
interface RouteEntry {
  readonly vpc: VpcEntry;
  readonly net: ServiceNetworkEntry;
  readonly svc: ServiceEntry;
  readonly listener: ListenerEntry;
  readonly headers: RouteHeaders;
}

/** Routes remembered per target group: a group reached from more VPCs or services than this rebuilds. */
const ROUTES_PER_GROUP = 8;
const routeHeaderCache = new WeakMap<TargetGroupEntry, RouteEntry[]>();

/**
 * The Lattice headers whose values depend only on the route (LATTICE.md §2.9): the
 * forwarded port and proto, the source VPC, `x-amzn-lattice-network` and
 * `x-amzn-lattice-target`. Snapshot entries are immutable, so they are built once per route
 * (VPC, network, service, listener, group) instead of once per request, and kept
 * beside the group's entry (dropped with the snapshot that held it).
 */
function routeHeadersOf(vpc: VpcEntry, net: ServiceNetworkEntry, svc: ServiceEntry, listener: ListenerEntry, tg: TargetGroupEntry): RouteHeaders {
  let routes = routeHeaderCache.get(tg);
  if (routes === undefined) routeHeaderCache.set(tg, (routes = []));
  for (const r of routes) {
    if (r.vpc === vpc && r.net === net && r.svc === svc && r.listener === listener) return r.headers;
  }
  const headers = new RouteHeaders([
    // The listener was found by the request's port (listenerOn), so its port is that port.
    'x-forwarded-port', String(listener.port),
    'x-forwarded-proto', listener.protocol === 'HTTPS' ? 'https' : 'http',
    'x-amzn-source-vpc', vpc.vpcId,
    'x-amzn-lattice-network', `SourceVpcArn=${vpc.vpcArn}`,
    'x-amzn-lattice-target', `ServiceArn=${svc.arn};ServiceNetworkArn=${net.arn};TargetGroupArn=${tg.arn}`,
  ]);
  if (routes.length === ROUTES_PER_GROUP) routes.shift();
  routes.push({ vpc, net, svc, listener, headers });
  return headers;
}
