import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resourceSchema, supportedResourceTypes } from '../template/schema.js';
import { providerFor, providers, unsupportedTypeReason } from './index.js';

describe('provider registry', () => {
  it('has a provider for every AWS::VpcLattice type of the schemas, and the EC2, ELB and IAM ones', () => {
    const lattice = supportedResourceTypes().filter((t) => t.startsWith('AWS::VpcLattice::'));
    assert.equal(lattice.length, 14);
    for (const t of [...lattice, 'AWS::EC2::VPC', 'AWS::EC2::SecurityGroup', 'AWS::EC2::Instance',
      'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::IAM::Role', 'AWS::IAM::OIDCProvider', 'AWS::Lambda::Function', 'AWS::Lambda::Permission']) {
      assert.equal(providerFor(t)?.type, t, t);
    }
    assert.equal(providers.size, 22);
  });

  it('has no provider for a type Trellis does not support', () => {
    assert.equal(providerFor('AWS::ECS::Cluster'), undefined);
    assert.equal(unsupportedTypeReason('AWS::ECS::Cluster'), 'Trellis does not support resource type AWS::ECS::Cluster');
  });

  it('replaces on the schema createOnlyProperties', () => {
    for (const p of providers.values()) {
      assert.deepEqual(p.replacementPaths, resourceSchema(p.type)?.createOnlyProperties, p.type);
    }
    assert.ok(providerFor('AWS::VpcLattice::TargetGroup')!.replacementPaths.includes('/properties/Config/Port'));
    assert.ok(!providerFor('AWS::VpcLattice::TargetGroup')!.replacementPaths.includes('/properties/Config/HealthCheck'));
  });
});
