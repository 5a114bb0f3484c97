import type { RoutingSnapshot, ServiceEntry, ServiceNetworkEntry } from '../../config/index.js';
import { formatLatticeAuth, type LatticeAuthResult, type Principal } from '../../iam/index.js';
import { notFound, validationError } from '../../model/index.js';
import { hostName, networkOf } from '../router/router.js';
import type { ExplainLayer, ExplainRequest, ExplainResult, IdentityPolicies } from './contracts.js';
import { decide, subjectOf } from './decide.js';
import { enforced } from './policies.js';

/**
 * "Why?" — the auth decision of a described request, against the snapshot the data plane
 * routes by, with every layer's verdict and every statement's trace: what `trellis auth
 * explain` prints and `POST /_trellis/auth/explain` answers. The same decision function as
 * the request path (decide.ts), so the explanation cannot disagree with the traffic.
 */

/** The VPC's network and the named service in it; AwsErrors name what is missing. */
export function resolveTarget(snap: RoutingSnapshot, req: ExplainRequest): { net: ServiceNetworkEntry; svc: ServiceEntry } {
  const vpc = snap.vpcs.get(req.vpcId);
  const net = networkOf(snap, vpc);
  if (net === 'UnknownVpc') throw notFound('VPC', req.vpcId, `${req.vpcId} is not a VPC known to Trellis.`);
  if (typeof net === 'string') throw notFound('SERVICE_NETWORK_VPC_ASSOCIATION', req.vpcId, `${req.vpcId} has no service-network association.`);
  const wanted = req.service ?? headerOf(req.headers, 'host');
  if (wanted === undefined) throw validationError('Name the service (--service) or give a host header.', 'fieldValidationFailed', [{ name: 'service', message: 'Member is required' }]);
  const byHost = net.servicesByHost.get(hostName(wanted));
  if (byHost) return { net, svc: byHost };
  for (const s of net.servicesByHost.values()) {
    if (s.id === wanted || s.arn === wanted || s.name === wanted) return { net, svc: s };
  }
  throw notFound('SERVICE', wanted, `No service ${wanted} is associated with the network of ${req.vpcId}.`);
}

/** Explains `req` as `principal` with the caller's identity policies (undefined: layer skipped). */
export function explainRequest(
  snap: RoutingSnapshot, req: ExplainRequest, principal: Principal, identity: IdentityPolicies, now: number,
): ExplainResult {
  const { net, svc } = resolveTarget(snap, req);
  const vpc = snap.vpcs.get(req.vpcId)!;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  if (headers.host === undefined) headers.host = svc.hostNames[0] ?? svc.name;
  const port = req.port ?? (svc.listeners.size === 1 ? [...svc.listeners.keys()][0]! : 80);
  const result = decide({
    vpc, net, svc, principal, method: req.method.toUpperCase(), target: req.path, headers, port, now, explain: true,
  }, enforced(net, svc) && principal.type !== 'Anonymous' ? identity : undefined);
  const { action, resource } = subjectOf(svc, req.path);
  return {
    decision: result.allowed ? 'ALLOW' : 'DENY',
    ...(result.authDeniedReason ? { authDeniedReason: result.authDeniedReason } : {}),
    ...(result.message ? { message: result.message } : {}),
    principal: principal.arn,
    action,
    resource,
    serviceArn: svc.arn,
    serviceNetworkArn: net.arn,
    layers: layersOf(result),
    text: formatLatticeAuth(result),
  };
}

function layersOf(result: LatticeAuthResult): ExplainLayer[] {
  return result.layers.map((l) => ({
    layer: l.layer,
    outcome: l.outcome,
    why: l.why,
    ...(l.decision?.statement ? { decidingStatement: l.decision.statement } : {}),
    policies: (l.traces ?? []).map((t) => ({
      source: t.verdict.source,
      verdict: t.verdict.effect,
      statements: t.statements.map((s) => ({ ...s })),
    })),
  }));
}

function headerOf(headers: Readonly<Record<string, string>> | undefined, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}
