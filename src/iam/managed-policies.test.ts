import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conditionKeys } from './policy/context-keys.js';
import { compilePolicy, evaluatePolicy } from './policy/evaluate.js';
import { alice } from './policy/test-support.js';
import { MANAGED_POLICIES, managedPolicy } from './managed-policies.js';

const can = (name: string, action: string, resource = '*', keys: [string, string[]][] = []) => {
  const p = managedPolicy(`arn:aws:iam::aws:policy/${name}`);
  assert.ok(p, name);
  return evaluatePolicy(compilePolicy('identity', p.arn, p.document), { principal: alice, action, resource, keys: conditionKeys(keys) }).effect === 'Allow';
};

describe('AWS managed policies', () => {
  it('has the Lattice ones and the broad ones, under arn:aws:iam::aws:policy/', () => {
    assert.deepEqual([...MANAGED_POLICIES.keys()].sort(), [
      'arn:aws:iam::aws:policy/AdministratorAccess', 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'arn:aws:iam::aws:policy/VPCLatticeFullAccess', 'arn:aws:iam::aws:policy/VPCLatticeReadOnlyAccess',
      'arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess',
    ]);
    for (const p of MANAGED_POLICIES.values()) {
      assert.equal(p.arn, `arn:aws:iam::aws:policy/${p.name}`);
      assert.deepEqual(JSON.parse(p.text).Version, '2012-10-17');
    }
    assert.equal(managedPolicy('arn:aws:iam::aws:policy/Nope'), undefined);
  });

  const svc = 'arn:aws:vpc-lattice:us-west-2:111122223333:service/svc-0123456789abcdef0';
  const rows: readonly [string, string, boolean, string?, [string, string[]][]?][] = [
    ['VPCLatticeFullAccess', 'vpc-lattice:CreateService', true],
    ['VPCLatticeFullAccess', 'vpc-lattice:PutAuthPolicy', true],
    ['VPCLatticeFullAccess', 'ec2:DescribeVpcs', true],
    ['VPCLatticeFullAccess', 'logs:CreateLogDelivery', true],
    ['VPCLatticeFullAccess', 'vpc-lattice-svcs:Invoke', false],
    ['VPCLatticeFullAccess', 'iam:CreateServiceLinkedRole', true, 'arn:aws:iam::111122223333:role/aws-service-role/vpc-lattice.amazonaws.com/AWSServiceRoleForVpcLattice', [['iam:AWSServiceName', ['vpc-lattice.amazonaws.com']]]],
    ['VPCLatticeFullAccess', 'iam:CreateServiceLinkedRole', false, 'arn:aws:iam::111122223333:role/aws-service-role/vpc-lattice.amazonaws.com/AWSServiceRoleForVpcLattice', [['iam:AWSServiceName', ['ec2.amazonaws.com']]]],
    ['VPCLatticeFullAccess', 'iam:CreateRole', false],
    ['VPCLatticeReadOnlyAccess', 'vpc-lattice:GetService', true],
    ['VPCLatticeReadOnlyAccess', 'vpc-lattice:ListServiceNetworks', true],
    ['VPCLatticeReadOnlyAccess', 'vpc-lattice:CreateService', false],
    ['VPCLatticeReadOnlyAccess', 'vpc-lattice:DeleteAuthPolicy', false],
    ['VPCLatticeServicesInvokeAccess', 'vpc-lattice-svcs:Invoke', true, `${svc}/rates`],
    ['VPCLatticeServicesInvokeAccess', 'vpc-lattice-svcs:Connect', true, svc],
    ['VPCLatticeServicesInvokeAccess', 'vpc-lattice:GetService', false],
    ['AdministratorAccess', 'iam:CreateUser', true],
    ['ReadOnlyAccess', 'iam:GetRole', true],
    ['ReadOnlyAccess', 'iam:CreateRole', false],
  ];
  for (const [name, action, expected, resource, keys] of rows) {
    it(`${name} ${expected ? 'allows' : 'does not allow'} ${action}`, () => assert.equal(can(name, action, resource, keys), expected));
  }
});
