import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { VpcAssociationEntry, VpcEntry } from '../../config/index.js';
import { admits, admitsCached, firstInstanceAddress, presentedAddress } from './source.js';

const vpc = (cidr?: string): VpcEntry => ({ vpcId: 'vpc-1', vpcArn: 'arn', account: '1', region: 'r', ...(cidr ? { cidrBlock: cidr } : {}) });
const assoc = (groups: VpcAssociationEntry['securityGroups']): VpcAssociationEntry => ({ id: 'snva-1', arn: 'a', serviceNetworkId: 'sn', securityGroups: groups });

describe('source: where a local client sits in its VPC', () => {
  const cases: readonly [string, string | undefined][] = [
    ['10.0.0.0/16', '10.0.0.4'], ['10.0.7.9/16', '10.0.0.4'], ['172.31.16.0/20', '172.31.16.4'], ['192.168.1.0/28', '192.168.1.4'], ['nonsense', undefined],
  ];
  for (const [cidr, addr] of cases) it(`${cidr} → ${addr}`, () => assert.equal(firstInstanceAddress(cidr), addr));
  it('presents the real address when the CIDR is unknown, unmapping IPv4-mapped IPv6', () => {
    assert.equal(presentedAddress(vpc('10.0.0.0/16'), '127.0.0.1'), '10.0.0.4');
    assert.equal(presentedAddress(vpc(), '::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(presentedAddress(vpc(), '::1'), '::1');
  });
});

describe('source: security groups of the association', () => {
  const rule = (protocol: string, fromPort: number, toPort: number, cidr: string) => ({ protocol, fromPort, toPort, cidr });
  const cases: readonly [string, VpcAssociationEntry, string, number, boolean][] = [
    ['no groups admit all', assoc([]), '10.0.0.4', 80, true],
    ['own CIDR on 80', assoc([{ id: 'sg', ingress: [rule('tcp', 80, 80, '10.0.0.0/16')] }]), '10.0.0.4', 80, true],
    ['own CIDR, other port', assoc([{ id: 'sg', ingress: [rule('tcp', 80, 80, '10.0.0.0/16')] }]), '10.0.0.4', 8080, false],
    ['port range', assoc([{ id: 'sg', ingress: [rule('tcp', 8000, 9000, '10.0.0.0/8')] }]), '10.0.0.4', 8080, true],
    ['other CIDR', assoc([{ id: 'sg', ingress: [rule('tcp', 80, 80, '192.168.0.0/16')] }]), '10.0.0.4', 80, false],
    ['udp does not admit tcp', assoc([{ id: 'sg', ingress: [rule('udp', 80, 80, '0.0.0.0/0')] }]), '10.0.0.4', 80, false],
    ['all traffic (-1) ignores ports', assoc([{ id: 'sg', ingress: [rule('-1', 0, 0, '0.0.0.0/0')] }]), '10.0.0.4', 443, true],
    ['any group admitting suffices', assoc([{ id: 'a', ingress: [] }, { id: 'b', ingress: [rule('tcp', 0, 65535, '10.0.0.4/32')] }]), '10.0.0.4', 80, true],
    ['a group with unknown rules admits', assoc([{ id: 'a', ingress: [] }, { id: 'unknown' }]), '10.0.0.4', 80, true],
    ['a group with no rules admits nothing', assoc([{ id: 'a', ingress: [] }]), '10.0.0.4', 80, false],
    ['IPv6 rule for an IPv6 source', assoc([{ id: 'a', ingress: [rule('tcp', 80, 80, '::/0')] }]), '::1', 80, true],
    ['IPv6 rule does not admit IPv4', assoc([{ id: 'a', ingress: [rule('tcp', 80, 80, '::/0')] }]), '10.0.0.4', 80, false],
    ['malformed CIDR admits nothing', assoc([{ id: 'a', ingress: [rule('tcp', 80, 80, 'bogus/99')] }]), '10.0.0.4', 80, false],
  ];
  for (const [name, a, src, port, ok] of cases) {
    it(name, () => {
      assert.equal(admits(a, src, port), ok);
      assert.equal(admitsCached(vpc('10.0.0.0/16'), a, src, port), ok);
      assert.equal(admitsCached(vpc('10.0.0.0/16'), a, src, port), ok, 'cached');
    });
  }
});
