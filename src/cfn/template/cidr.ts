/**
 * `Fn::Cidr [ipBlock, count, cidrBits]`: `count` consecutive subnets of the block, each with
 * `cidrBits` host bits (so a /16 with cidrBits 8 gives /24s), IPv4 and IPv6. Returns the
 * subnets, or the reason there are none.
 */
export function cidrSubnets(ipBlock: string, count: number, cidrBits: number): string[] | string {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(ipBlock.trim());
  if (!m) return `Fn::Cidr: '${ipBlock}' is not a CIDR block`;
  const v6 = m[1]!.includes(':');
  const width = v6 ? 128 : 32;
  const address = v6 ? parseIpv6(m[1]!) : parseIpv4(m[1]!);
  const prefix = Number(m[2]);
  if (address === undefined || prefix > width) return `Fn::Cidr: '${ipBlock}' is not a CIDR block`;
  if (!Number.isInteger(count) || count < 1 || count > 256) return 'Fn::Cidr: the count must be an integer from 1 to 256';
  const newPrefix = width - cidrBits;
  if (!Number.isInteger(cidrBits) || cidrBits < 1 || newPrefix < prefix) {
    return `Fn::Cidr: cidrBits ${cidrBits} does not fit in ${ipBlock} (subnets would be /${newPrefix})`;
  }
  if (BigInt(count) > 1n << BigInt(newPrefix - prefix)) return `Fn::Cidr: ${ipBlock} holds fewer than ${count} subnets of /${newPrefix}`;
  const hostBits = BigInt(width - prefix);
  const network = (address >> hostBits) << hostBits;
  const step = 1n << BigInt(cidrBits);
  const out: string[] = [];
  for (let i = 0n; i < BigInt(count); i++) {
    const a = network + i * step;
    out.push(`${v6 ? formatIpv6(a) : formatIpv4(a)}/${newPrefix}`);
  }
  return out;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function formatIpv4(a: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((a >> s) & 255n)).join('.');
}

function parseIpv6(s: string): bigint | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string | undefined) => (h ? h.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of 2+ zero groups as `::`. */
function formatIpv6(a: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((a >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
