import { isIP } from 'node:net';
import { validationError, fieldError, type AwsError } from '../model/index.js';
import type * as T from '../model/index.js';

/**
 * The rules of resource configurations that the model cannot express: port ranges, CIDR
 * ranges, which definition each type takes, and domain names. Pure functions, so
 * resource-configurations.ts stays about records and this file about values.
 */

/** A cross-field violation, named by the member that breaks the rule. */
export function invalid(field: string, message: string): AwsError {
  return validationError(message, 'fieldValidationFailed', [{ name: field, message }]);
}

// ---- port ranges --------------------------------------------------------------------------

export interface PortRange { readonly from: number; readonly to: number }

/**
 * Parses `portRanges`: each entry `n` or `a-b` with 1 ≤ a ≤ b ≤ 65535 (the model's pattern
 * admits `0`, `99999` and `9-3`; AWS does not). Exact repeats are refused too.
 */
export function parsePortRanges(ranges: readonly string[], field = 'portRanges'): PortRange[] {
  if (ranges.length === 0) throw fieldError(field, 'Member must have length greater than or equal to 1');
  const out: PortRange[] = [];
  const seen = new Set<string>();
  ranges.forEach((text, i) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
    const from = m ? Number(m[1]) : NaN;
    const to = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || from < 1 || to > 65535 || from > to) {
      throw invalid(`${field}[${i}]`, `Invalid port range ${text}: expected a port or a range a-b with 1 <= a <= b <= 65535`);
    }
    const key = `${from}-${to}`;
    if (seen.has(key)) throw invalid(`${field}[${i}]`, `Duplicate port range ${text}`);
    seen.add(key);
    out.push({ from, to });
  });
  return out;
}

// ---- IP addresses and CIDR ranges ---------------------------------------------------------

export interface Cidr { readonly family: 4 | 6; readonly network: bigint; readonly prefix: number }

/** An IPv4 or IPv6 address as a number, or undefined (zone ids such as `%eth0` are refused). */
export function parseIp(ip: string): { family: 4 | 6; value: bigint } | undefined {
  const family = isIP(ip);
  if (family === 4) return { family, value: ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  if (family !== 6 || ip.includes('%')) return undefined;
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const groups = (s: string): string[] => {
    if (s === '') return [];
    const parts = s.split(':');
    const last = parts[parts.length - 1]!;
    if (last.includes('.')) {
      // An embedded IPv4 address (`::ffff:10.0.0.1`) stands for the last two groups.
      const v4 = parseIp(last)!.value;
      parts.splice(parts.length - 1, 1, (v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16));
    }
    return parts;
  };
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return { family, value: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** Parses `a.b.c.d/n` or `x::/n`. Host bits must be zero, as EC2 requires of a CIDR block. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  const width = ip.family === 4 ? 32 : 128;
  if (prefix > width) return undefined;
  const hostMask = (1n << BigInt(width - prefix)) - 1n;
  if ((ip.value & hostMask) !== 0n) return undefined;
  return { family: ip.family, network: ip.value, prefix };
}

export function cidrContains(c: Cidr, ip: { family: 4 | 6; value: bigint }): boolean {
  if (c.family !== ip.family) return false;
  const width = c.family === 4 ? 32 : 128;
  return (ip.value >> BigInt(width - c.prefix)) === (c.network >> BigInt(width - c.prefix));
}

/** Two CIDR blocks overlap exactly when one contains the other's network address. */
function overlaps(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, { family: b.family, value: b.network }) || cidrContains(b, { family: a.family, value: a.network });
}

/** The ranges the CreateResourceConfiguration docs name as unusable. */
const RESERVED = ['169.254.0.0/16', '100.64.0.0/10', '224.0.0.0/4', 'fe80::/10', 'ff00::/8'].map((c) => [c, parseCidr(c)!] as const);

/**
 * `cidrResource.cidrRanges`: each a CIDR block with a prefix length, none overlapping a
 * reserved range. `0.0.0.0/0` or `::/0` ("your entire network") must be the only range.
 */
export function checkCidrRanges(ranges: readonly string[], field: string): void {
  const parsed = ranges.map((text, i) => {
    const c = parseCidr(text);
    if (!c) throw invalid(`${field}[${i}]`, `Invalid CIDR range ${text}: expected an IPv4 or IPv6 network with a prefix length, host bits zero`);
    return c;
  });
  parsed.forEach((c, i) => {
    if (c.prefix === 0) {
      if (parsed.length > 1) throw invalid(`${field}[${i}]`, `${ranges[i]} must be the only range when it is given`);
      return;
    }
    const clash = RESERVED.find(([, r]) => overlaps(r, c));
    if (clash) throw invalid(`${field}[${i}]`, `${ranges[i]} overlaps the reserved range ${clash[0]}`);
  });
}

// ---- definitions --------------------------------------------------------------------------

type DefinitionKind = keyof T.ResourceConfigurationDefinition;

/** Which definition each type takes: a domain or an address for one resource, an ARN, a network. */
const DEFINITIONS: Readonly<Record<T.ResourceConfigurationType, readonly DefinitionKind[]>> = {
  SINGLE: ['dnsResource', 'ipResource'],
  CHILD: ['dnsResource', 'ipResource'],
  ARN: ['arnResource'],
  CIDR: ['cidrResource'],
  GROUP: [],
};

/** The gateway facts a definition must agree with. */
export interface GatewayFacts {
  readonly ipAddressType: T.ResourceGatewayIpAddressType;
  /** The gateway VPC's IPv4 CIDR block when Trellis knows it. */
  readonly vpcCidr?: string;
}

/**
 * Checks a definition against its type and its gateway: the right kind for the type, its
 * own required members, and an address family the gateway's network interfaces can reach
 * (IPV4 gateways reach IPv4 resources, IPV6 gateways IPv6 ones, DUALSTACK both).
 */
export function checkDefinition(type: T.ResourceConfigurationType, def: T.ResourceConfigurationDefinition | undefined, gateway: GatewayFacts | undefined): void {
  const field = 'resourceConfigurationDefinition';
  const allowed = DEFINITIONS[type];
  if (allowed.length === 0) {
    if (def) throw invalid(field, `A resource configuration of type ${type} has no resourceConfigurationDefinition.`);
    return;
  }
  if (!def) throw fieldError(field, 'Member must not be null');
  const kind = (Object.keys(def) as DefinitionKind[]).find((k) => def[k] !== undefined && def[k] !== null);
  if (!kind || !allowed.includes(kind)) {
    throw invalid(kind ? `${field}.${kind}` : field, `A resource configuration of type ${type} takes ${allowed.join(' or ')}.`);
  }
  let family: 4 | 6 | undefined;
  if (kind === 'dnsResource') {
    const dns = def.dnsResource!;
    if (!dns.domainName) throw fieldError(`${field}.dnsResource.domainName`, 'Member must not be null');
    if (!isDomainName(dns.domainName)) throw invalid(`${field}.dnsResource.domainName`, `${dns.domainName} is not a valid domain name`);
    if (!dns.ipAddressType) throw fieldError(`${field}.dnsResource.ipAddressType`, 'Member must not be null');
    if (dns.ipAddressType === 'DUALSTACK') throw invalid(`${field}.dnsResource.ipAddressType`, 'Dualstack is currently not supported.');
    family = dns.ipAddressType === 'IPV4' ? 4 : 6;
  } else if (kind === 'ipResource') {
    const address = def.ipResource!.ipAddress;
    if (!address) throw fieldError(`${field}.ipResource.ipAddress`, 'Member must not be null');
    const ip = parseIp(address);
    if (!ip) throw invalid(`${field}.ipResource.ipAddress`, `${address} is not an IPv4 or IPv6 address`);
    family = ip.family;
    // "For IPv4 and IPv6, only IP addresses in the VPC are supported."
    const vpc = gateway?.vpcCidr ? parseCidr(gateway.vpcCidr) : undefined;
    if (vpc && vpc.family === ip.family && !cidrContains(vpc, ip)) {
      throw invalid(`${field}.ipResource.ipAddress`, `${address} is not in the resource gateway's VPC (${gateway!.vpcCidr})`);
    }
  } else if (kind === 'arnResource') {
    if (!def.arnResource!.arn) throw fieldError(`${field}.arnResource.arn`, 'Member must not be null');
  } else {
    const ranges = def.cidrResource!.cidrRanges;
    if (!ranges || ranges.length === 0) throw fieldError(`${field}.cidrResource.cidrRanges`, 'Member must not be null');
    checkCidrRanges(ranges, `${field}.cidrResource.cidrRanges`);
  }
  if (family && gateway && gateway.ipAddressType !== 'DUALSTACK' && gateway.ipAddressType !== `IPV${family}`) {
    throw invalid(field, `A resource gateway of ipAddressType ${gateway.ipAddressType} cannot reach an IPv${family} resource.`);
  }
}

// ---- domain names -------------------------------------------------------------------------

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** A fully qualified DNS name of at least two labels, without a trailing dot or wildcard. */
export function isDomainName(name: string): boolean {
  if (name.length > 253) return false;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]!);
}

/** Whether `name` is `domain` or one of its subdomains (DNS names compare case-insensitively). */
export function isWithinDomain(name: string, domain: string): boolean {
  const n = name.toLowerCase();
  const d = domain.toLowerCase();
  return n === d || n.endsWith(`.${d}`);
}
