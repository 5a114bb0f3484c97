import type {
  CompiledHeaderMatch, CompiledMatch, ListenerEntry, RoutingSnapshot, RuleEntry, ServiceEntry, ServiceNetworkEntry, VpcEntry,
} from '../../config/index.js';

/**
 * The router: pure functions from (snapshot, gateway VPC, Host, port, method, path, headers)
 * to the service, listener and rule of a request (LATTICE.md §2.1–2.3). Nothing here
 * allocates on the matching path except a lower-cased copy of the path or of a header value
 * when a case-insensitive condition needs it.
 *
 * Why no route:
 * - `UnknownVpc`: the gateway's VPC is not in the snapshot (proxy user name names no VPC);
 * - `UnassociatedVpc`: the VPC has no service-network association — on AWS its DNS would
 *   not even resolve Lattice names; the gateway answers 404 "Non Existent Service";
 * - `NonExistentService`: the Host names no service of the VPC's network (404, as AWS);
 * - `NoListener`: the service has no HTTP/HTTPS listener on that port — AWS resets the TCP
 *   connection, and so do the gateways.
 */
export type NoRouteReason = 'UnknownVpc' | 'UnassociatedVpc' | 'NonExistentService' | 'NoListener';

/**
 * The host name of a Host header or URL authority: lower case, without the port and without
 * a trailing dot (an absolute DNS name names the same service). Allocates only when the
 * header is not already in that form.
 */
export function hostName(host: string): string {
  let end = host.length;
  if (host.charCodeAt(0) === 0x5b /* [ */) {
    const close = host.indexOf(']');
    end = close < 0 ? end : close + 1;
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0) end = colon;
  }
  if (end > 0 && host.charCodeAt(end - 1) === 0x2e /* . */) end--;
  const name = end === host.length ? host : host.slice(0, end);
  return isLowerCase(name) ? name : name.toLowerCase();
}

/** The port named in a Host header or authority, or -1 when it names none (or a bad one). */
export function hostPort(host: string): number {
  const from = host.charCodeAt(0) === 0x5b ? host.indexOf(']') + 1 : 0;
  const colon = host.indexOf(':', from);
  if (colon < 0 || colon === host.length - 1) return -1;
  let port = 0;
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    port = port * 10 + c;
    if (port > 65535) return -1;
  }
  return port === 0 ? -1 : port;
}

function isLowerCase(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return false;
  }
  return true;
}

/** The VPC's network, or why there is none. */
export function networkOf(snapshot: RoutingSnapshot, vpc: VpcEntry | undefined): ServiceNetworkEntry | NoRouteReason {
  if (vpc === undefined) return 'UnknownVpc';
  const assoc = vpc.association;
  if (assoc === undefined) return 'UnassociatedVpc';
  return snapshot.serviceNetworks.get(assoc.serviceNetworkId) ?? 'UnassociatedVpc';
}

/**
 * The listener of `service` on `port` that the plaintext gateways can serve. HTTPS listeners
 * are served too (the gateways are plaintext locally; `x-forwarded-proto` says `https`);
 * TLS_PASSTHROUGH listeners cannot be, since they route on the SNI of a TLS handshake.
 */
export function listenerOn(service: ServiceEntry, port: number): ListenerEntry | undefined {
  const l = service.listeners.get(port);
  return l === undefined || l.protocol === 'TLS_PASSTHROUGH' ? undefined : l;
}

/**
 * The first rule of the listener whose match holds, in ascending priority, the default rule
 * last (the snapshot keeps them in that order). `path` is without the query string;
 * `headers` is a flat [name, value, …] list of the request's headers after spoofable ones
 * were stripped, in the client's letter case.
 */
export function matchRule(listener: ListenerEntry, method: string, path: string, headers: readonly string[]): RuleEntry | undefined {
  const rules = listener.rules;
  let lowerPath: string | undefined;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const m = rule.match;
    if (m === undefined) return rule;
    if (m.method !== undefined && m.method !== method) continue;
    const p = m.path;
    if (p !== undefined) {
      let subject = path;
      if (!p.caseSensitive) subject = lowerPath ??= path.toLowerCase();
      if (p.kind === 'exact' ? subject !== p.value : !subject.startsWith(p.value)) continue;
    }
    if (m.headers.length > 0 && !headersMatch(m, headers)) continue;
    return rule;
  }
  return undefined;
}

function headersMatch(m: CompiledMatch, headers: readonly string[]): boolean {
  for (let i = 0; i < m.headers.length; i++) {
    if (!oneHeaderMatches(m.headers[i]!, headers)) return false;
  }
  return true;
}

/** True when any value of the named header (repeated headers: any one) satisfies the match. */
export function oneHeaderMatches(hm: CompiledHeaderMatch, headers: readonly string[]): boolean {
  const name = hm.name;
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i]!;
    if (n.length !== name.length || (n !== name && n.toLowerCase() !== name)) continue;
    const raw = headers[i + 1]!;
    const v = hm.caseSensitive ? raw : raw.toLowerCase();
    if (hm.kind === 'exact' ? v === hm.value : hm.kind === 'prefix' ? v.startsWith(hm.value) : v.includes(hm.value)) return true;
  }
  return false;
}
