import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../control/index.js';
import type { ProviderContext } from '../contracts.js';
import { generateName, latticeNameRule } from './names.js';

function ctx(stackName: string, logicalId: string, token = 'tok-1'): ProviderContext {
  return {
    cp: {} as ControlPlane, call: { scope: { partition: 'aws', region: 'us-east-1', account: '111122223333' }, requestId: 'r' },
    stackName, stackId: `arn:aws:cloudformation:us-east-1:111122223333:stack/${stackName}/1`, logicalId, clientRequestToken: token,
  };
}

const SERVICE_NAME = /^(?!svc-)(?![-])(?!.*[-]$)(?!.*[-]{2})[a-z0-9-]+$/;

describe('generated names', () => {
  it('reads the maximum and the reserved prefixes from the model', () => {
    assert.deepEqual(latticeNameRule('ServiceName'), { maxLength: 40, lattice: true, forbiddenPrefixes: ['svc-'] });
    assert.deepEqual(latticeNameRule('TargetGroupName').maxLength, 128);
    assert.deepEqual(latticeNameRule('ServiceNetworkName').forbiddenPrefixes, []);
  });

  it('cuts stack name and logical id as CloudFormation does (latticestack-serviceonelatt-…)', () => {
    const name = generateName(ctx('LatticeStack', 'ServiceOneLatticeService'), latticeNameRule('ServiceName'));
    assert.match(name, /^latticestack-serviceonelatt-[a-z]{12}$/);
    assert.equal(name.length, 40);
  });

  it('keeps short names whole and lower-cases them', () => {
    assert.match(generateName(ctx('lattice-itself', 'EC2TargetGroup'), latticeNameRule('TargetGroupName')), /^lattice-itself-ec2targetgroup-[a-z]{12}$/);
  });

  it('is the same for a retry of the same operation, and differs by resource and by operation', () => {
    const rule = latticeNameRule('ServiceName');
    const a = generateName(ctx('s', 'Svc', 't1'), rule);
    assert.equal(generateName(ctx('s', 'Svc', 't1'), rule), a);
    assert.notEqual(generateName(ctx('s', 'Svc2', 't1'), rule), a);
    assert.notEqual(generateName(ctx('s', 'Svc', 't2'), rule), a);
  });

  it('fits the Lattice name pattern whatever the stack is called', () => {
    const rule = latticeNameRule('ServiceName');
    for (const stack of ['svc-stack', 'My--Stack-', 'x', 'A'.repeat(120), 'svc-svc-a']) {
      const name = generateName(ctx(stack, 'Service'), rule);
      assert.match(name, SERVICE_NAME, `${stack} → ${name}`);
      assert.ok(name.length <= 40);
    }
  });

  it('keeps the case of non-Lattice names (IAM roles)', () => {
    assert.match(generateName(ctx('lattice-ec2', 'OIDCRole'), { maxLength: 64, lattice: false }), /^lattice-ec2-OIDCRole-[A-Z0-9]{12}$/);
  });
});
