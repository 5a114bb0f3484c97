import { BlockList, isIPv6 } from 'node:net';
import type { IngressRule, VpcAssociationEntry, VpcEntry } from '../../config/index.js';

/**
 * Where a local client sits inside its VPC, and whether the association's security groups
 * admit it (LATTICE.md §3.5).
 *
 * Every local client is on loopback, so its real address says nothing about the VPC. A
 * client that reaches a VPC's gateway is therefore *presented* as a host of that VPC: the
 * first address AWS assigns to an instance in the VPC's CIDR (the network address + 4, e.g.
 * 10.0.0.4 for 10.0.0.0/16). That address is what security-group rules are checked against,
 * what `x-forwarded-for` carries and what the access log's `sourceIpPort` shows, so the
 * walkthrough's rule "TCP 80 from the VPC's own CIDR" admits the VPC's clients, as on AWS,
 * and a rule for another CIDR does not. A VPC whose CIDR Trellis does not know presents the
 * client's real (loopback) address.
 */
export function presentedAddress(vpc: VpcEntry, realAddress: string): string {
  return vpc.cidrBlock === undefined ? unmapped(realAddress) : firstInstanceAddress(vpc.cidrBlock) ?? unmapped(realAddress);
}

const firstAddressCache = new Map<string, string | undefined>();

/** The network address + 4 of an IPv4 CIDR (AWS reserves the first four). */
export function firstInstanceAddress(cidr: string): string | undefined {
  if (firstAddressCache.has(cidr)) return firstAddressCache.get(cidr);
  let out: string | undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (m) {
    const bits = Number(m[5]);
    const ip = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    const host = ((ip & mask) >>> 0) + (bits <= 29 ? 4 : 0);
    out = `${host >>> 24}.${(host >>> 16) & 255}.${(host >>> 8) & 255}.${host & 255}`;
  }
  firstAddressCache.set(cidr, out);
  return out;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: dual-stack sockets report IPv4 clients mapped. */
export function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

interface Block { readonly list: BlockList; readonly type: 'ipv4' | 'ipv6' }
const blocks = new WeakMap<IngressRule, Block | null>();

/** The rule's CIDR as a BlockList, with its family: an IPv6 rule never admits IPv4 (as on AWS). */
function blockOf(rule: IngressRule): Block | null {
  let b = blocks.get(rule);
  if (b !== undefined) return b;
  b = null;
  const slash = rule.cidr.indexOf('/');
  const addr = slash < 0 ? rule.cidr : rule.cidr.slice(0, slash);
  const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
  const prefix = slash < 0 ? (type === 'ipv6' ? 128 : 32) : Number(rule.cidr.slice(slash + 1));
  try {
    const list = new BlockList();
    list.addSubnet(addr, prefix, type);
    b = { list, type };
  } catch {
    b = null; // a malformed CIDR admits nothing
  }
  blocks.set(rule, b);
  return b;
}

/**
 * True when the association admits TCP traffic from `source` to the listener `port`: no
 * security groups → everything; otherwise at least one group admits it, and a group whose
 * rules Trellis does not know admits everything (its real rules are unknown).
 */
export function admits(assoc: VpcAssociationEntry, source: string, port: number): boolean {
  const groups = assoc.securityGroups;
  if (groups.length === 0) return true;
  const type = isIPv6(source) ? 'ipv6' : 'ipv4';
  for (const g of groups) {
    if (g.ingress === undefined) return true;
    for (const r of g.ingress) {
      if (r.protocol !== 'tcp' && r.protocol !== '-1' && r.protocol !== '6') continue;
      if (r.protocol !== '-1' && (port < r.fromPort || port > r.toPort)) continue;
      const b = blockOf(r);
      if (b !== null && b.type === type && b.list.check(source, type)) return true;
    }
  }
  return false;
}

const decisions = new WeakMap<VpcAssociationEntry, Map<number, boolean>>();

/**
 * `admits` with the decision cached per (association, port) when the presented address is
 * fixed by the VPC's CIDR (the usual case): the request path then does one map lookup.
 */
export function admitsCached(vpc: VpcEntry, assoc: VpcAssociationEntry, source: string, port: number): boolean {
  if (assoc.securityGroups.length === 0) return true;
  if (vpc.cidrBlock === undefined) return admits(assoc, source, port);
  let byPort = decisions.get(assoc);
  if (byPort === undefined) decisions.set(assoc, (byPort = new Map()));
  let d = byPort.get(port);
  if (d === undefined) byPort.set(port, (d = admits(assoc, source, port)));
  return d;
}
