import { isIPv4, isIPv6 } from 'node:net';

/**
 * IPv4/IPv6 addresses and CIDR blocks for `IpAddress` / `NotIpAddress`. Addresses become
 * 16-byte arrays (IPv4 as its IPv4-mapped IPv6 form, so `10.0.0.0/8` also matches
 * `::ffff:10.1.2.3`, which is how a dual-stack socket reports an IPv4 client).
 */

export interface Cidr {
  readonly bytes: Uint8Array;
  /** Prefix length in the 128-bit space (an IPv4 /8 is /104 here). */
  readonly bits: number;
}

/** An address as 16 bytes, or undefined when the text is not an address. */
export function parseIp(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return v4(text);
  const zone = text.indexOf('%');
  const addr = zone < 0 ? text : text.slice(0, zone);
  if (!isIPv6(addr)) return undefined;
  return v6(addr);
}

/** `a.b.c.d/n`, `x::y/n`, or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const four = isIPv4(addr);
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  const width = four ? 32 : 128;
  let bits = width;
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > width) return undefined;
    bits = Number(b);
  }
  return { bytes, bits: four ? bits + 96 : bits };
}

/** Whether the address lies in the block. */
export function inCidr(ip: Uint8Array, cidr: Cidr): boolean {
  const full = cidr.bits >> 3;
  for (let i = 0; i < full; i++) if (ip[i] !== cidr.bytes[i]) return false;
  const rest = cidr.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip[full]! & mask) === (cidr.bytes[full]! & mask);
}

function v4(text: string): Uint8Array {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) out[12 + i] = Number(parts[i]);
  return out;
}

function v6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let head = text;
  let tail = '';
  const dbl = text.indexOf('::');
  if (dbl >= 0) {
    head = text.slice(0, dbl);
    tail = text.slice(dbl + 2);
  }
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        // An embedded IPv4 tail (`::ffff:1.2.3.4`) is two 16-bit groups.
        const b = g.split('.').map(Number);
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >> 8;
    out[2 * i + 1] = all[i]! & 0xff;
  }
  return out;
}
