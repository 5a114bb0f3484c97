import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetAccessLogSubscriptionCommand, GetAuthPolicyCommand, GetDomainVerificationCommand, GetListenerCommand, GetResourceConfigurationCommand,
  GetResourceGatewayCommand, GetResourcePolicyCommand, GetRuleCommand, GetServiceCommand, GetServiceNetworkCommand,
  GetServiceNetworkResourceAssociationCommand, GetServiceNetworkServiceAssociationCommand, GetServiceNetworkVpcAssociationCommand,
  GetTargetGroupCommand, ListServicesCommand, ListTagsForResourceCommand, ListTargetsCommand,
} from '@aws-sdk/client-vpc-lattice';
import { providerFor, ProviderError, type ProvidedResource, type Properties, type ProviderContext, type ResourceProvider } from '../../src/cfn/index.js';
import { resourceSchema } from '../../src/cfn/template/schema.js';
import { bootTrellis, rejects, type TestTrellis } from '../support/trellis.js';

/*
 * The resource providers driven as the stack engine drives them (create, update with the
 * previous properties, delete), against a booted Trellis, and checked from the outside with
 * the SDK: what CloudFormation would have created is really there, ACTIVE, and as declared.
 */

const PLACE = { account: '111122223333', region: 'us-east-1' };
const ACCOUNT = PLACE.account;
const TAGS = [{ Key: 'Owner', Value: 'kuba' }, { Key: 'Project', Value: 'blogpost' }];
const SUBNETS = ['subnet-0a1b2c3d4e5f60001'];

/** Attributes a provider leaves out on purpose (documented in ec2.ts: no public addresses). */
const OMITTED: Readonly<Record<string, readonly string[]>> = { 'AWS::EC2::Instance': ['PublicIp', 'PublicDnsName'] };

let t: TestTrellis;
let op = 0;

function ctxFor(logicalId: string, opts: { stackName?: string; token?: string } = {}): ProviderContext {
  const stackName = opts.stackName ?? 'lattice-itself';
  return {
    cp: t.cp!, call: { scope: t.scope, requestId: `req-${++op}` }, stackName,
    stackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${stackName}/00000000-0000-0000-0000-000000000001`,
    logicalId, clientRequestToken: opts.token ?? `token-${op}`,
  };
}

function provider(type: string): ResourceProvider {
  const p = providerFor(type);
  assert.ok(p, `no provider for ${type}`);
  return p;
}

/** Creates through the provider and checks that it answers every attribute the schema lists. */
async function create(type: string, logicalId: string, props: Properties, opts: { stackName?: string; token?: string } = {}): Promise<ProvidedResource> {
  const res = await provider(type).create(ctxFor(logicalId, opts), props);
  const missing = (resourceSchema(type)?.attributes ?? []).filter((a) => !(a in res.attributes) && !(OMITTED[type] ?? []).includes(a));
  assert.deepEqual(missing, [], `${type} attributes`);
  return res;
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const e = await rejects(p);
  assert.ok(e instanceof ProviderError, `expected a ProviderError, got ${String(e)}`);
  return e;
}

const str = (v: unknown) => { assert.equal(typeof v, 'string'); return v as string; };

describe('CloudFormation resource providers', () => {
  before(async () => { t = await bootTrellis(); });
  after(async () => { await t.close(); });

  describe('the walkthrough shapes', () => {
    const ids: Record<string, ProvidedResource> = {};

    it('creates VPCs, security groups, an instance and a load balancer as records Lattice reads', async () => {
      ids.ec2Vpc = await create('AWS::EC2::VPC', 'VPC', { CidrBlock: '10.192.0.0/16', Tags: TAGS }, { stackName: 'lattice-ec2' });
      ids.ecsVpc = await create('AWS::EC2::VPC', 'VPC', { CidrBlock: '10.193.0.0/16' }, { stackName: 'lattice-ecs' });
      const vpcId = ids.ec2Vpc!.physicalId;
      assert.match(vpcId, /^vpc-[0-9a-f]{17}$/);
      assert.equal(ids.ec2Vpc!.attributes.CidrBlock, '10.192.0.0/16');
      const vpc = await t.store.get('vpc', PLACE, vpcId);
      assert.equal(vpc?.doc.cidrBlock, '10.192.0.0/16');
      assert.equal(vpc?.doc.source, 'explicit');
      // EC2's default group comes with the VPC.
      const dflt = await t.store.get('securitygroup', PLACE, str(ids.ec2Vpc!.attributes.DefaultSecurityGroup));
      assert.equal(dflt?.doc.vpcId, vpcId);

      ids.sg = await create('AWS::EC2::SecurityGroup', 'EC2GeneralSecurityGroup', {
        GroupDescription: 'lattice-ecs-too-open-security-group', VpcId: vpcId, Tags: TAGS,
        SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: '80', CidrIp: '10.192.0.0/16' }],
      });
      assert.match(ids.sg!.physicalId, /^sg-[0-9a-f]{17}$/);
      assert.equal(ids.sg!.attributes.GroupId, ids.sg!.physicalId);
      assert.equal(ids.sg!.attributes.VpcId, vpcId);
      const sg = await t.store.get('securitygroup', PLACE, ids.sg!.physicalId);
      // The rules in the format the snapshot compiler reads (config/compile-vpcs.ts).
      assert.deepEqual(sg?.doc.ingress, [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIp: '10.192.0.0/16' }]);
      assert.deepEqual(sg?.doc.egress, [{ ipProtocol: '-1', cidrIp: '0.0.0.0/0' }]);

      ids.instance = await create('AWS::EC2::Instance', 'Instance', {
        ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro', SubnetId: 'subnet-0a1b2c3d4e5f60001',
        SecurityGroupIds: [ids.sg!.physicalId], PrivateIpAddress: '127.0.0.2',
      }, { stackName: 'lattice-ec2' });
      assert.match(ids.instance!.physicalId, /^i-[0-9a-f]{17}$/);
      assert.equal(ids.instance!.attributes.PrivateIp, '127.0.0.2');
      assert.equal(ids.instance!.attributes.VpcId, vpcId);
      const inst = await t.store.get('instance', PLACE, ids.instance!.physicalId);
      assert.equal(inst?.doc.privateIpAddress, '127.0.0.2');
      assert.equal(inst?.doc.vpcId, vpcId);

      ids.alb = await create('AWS::ElasticLoadBalancingV2::LoadBalancer', 'ALB', {
        Scheme: 'internal', Subnets: SUBNETS,
        Tags: [{ Key: 'trellis:address', Value: '127.0.0.3' }, { Key: 'trellis:vpc', Value: ids.ecsVpc!.physicalId }],
      }, { stackName: 'lattice-ecs' });
      assert.match(ids.alb!.physicalId, /^arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer\/app\/lattice-ecs-ALB-[A-Z0-9]{12}\/[0-9a-f]{16}$/);
      assert.match(str(ids.alb!.attributes.DNSName), /^internal-lattice-ecs-alb-[a-z0-9]{12}-\d{10}\.us-east-1\.elb\.amazonaws\.com$/);
      const lb = await t.store.get('loadbalancer', PLACE, ids.alb!.physicalId);
      assert.equal(lb?.doc.address, '127.0.0.3');
      assert.equal(lb?.doc.vpcId, ids.ecsVpc!.physicalId);
    });

    it('creates the Lattice stack: network, service, target groups with targets, listener, associations', async () => {
      ids.sn = await create('AWS::VpcLattice::ServiceNetwork', 'LatticeServiceNetwork', { AuthType: 'NONE', Name: 'awesome-service-network', Tags: TAGS });
      ids.svc = await create('AWS::VpcLattice::Service', 'Service', { AuthType: 'NONE', Name: 'awesome-service', Tags: TAGS });
      const svc = await t.lattice.send(new GetServiceCommand({ serviceIdentifier: ids.svc!.physicalId }));
      assert.equal(svc.status, 'ACTIVE');
      assert.equal(ids.svc!.physicalId, svc.arn);
      assert.equal(ids.svc!.attributes['DnsEntry.DomainName'], svc.dnsEntry?.domainName);
      assert.equal(ids.svc!.attributes.Status, 'ACTIVE');

      // One token for the whole stack operation, as CloudFormation sends it: each target
      // group must still be its own (the per-resource token).
      const token = 'one-token-for-the-stack-operation';
      ids.ec2Tg = await create('AWS::VpcLattice::TargetGroup', 'EC2TargetGroup', {
        Name: 'ec2-lattice-tg', Type: 'INSTANCE', Tags: TAGS,
        Config: { HealthCheck: { Enabled: true, Path: '/', Port: 80, Protocol: 'HTTP', Matcher: { HttpCode: '200' } }, Port: 80, Protocol: 'HTTP', ProtocolVersion: 'HTTP1', VpcIdentifier: ids.ec2Vpc!.physicalId },
        Targets: [{ Id: ids.instance!.physicalId, Port: 80 }],
      }, { token });
      ids.ecsTg = await create('AWS::VpcLattice::TargetGroup', 'ECSTargetGroup', {
        Name: 'ecs-lattice-tg', Type: 'ALB', Tags: TAGS,
        Config: { Port: 80, Protocol: 'HTTP', ProtocolVersion: 'HTTP1', VpcIdentifier: ids.ecsVpc!.physicalId },
        Targets: [{ Id: ids.alb!.physicalId, Port: 80 }],
      }, { token });
      assert.notEqual(ids.ec2Tg!.physicalId, ids.ecsTg!.physicalId);
      const ec2Tg = await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: ids.ec2Tg!.physicalId }));
      assert.equal(ec2Tg.status, 'ACTIVE');
      assert.equal(ec2Tg.config?.healthCheck?.matcher?.httpCode, '200');
      const targets = await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: ids.ecsTg!.physicalId }));
      assert.deepEqual(targets.items?.map((i) => [i.id, i.port]), [[ids.alb!.physicalId, 80]]);

      ids.listener = await create('AWS::VpcLattice::Listener', 'GeneralListener', {
        Name: 'ec2-80', Port: 80, Protocol: 'HTTP', ServiceIdentifier: ids.svc!.physicalId, Tags: TAGS,
        DefaultAction: { Forward: { TargetGroups: [{ TargetGroupIdentifier: ids.ec2Tg!.physicalId, Weight: 10 }, { TargetGroupIdentifier: ids.ecsTg!.physicalId, Weight: 10 }] } },
      });
      const listener = await t.lattice.send(new GetListenerCommand({ serviceIdentifier: ids.svc!.physicalId, listenerIdentifier: ids.listener!.physicalId }));
      assert.deepEqual(listener.defaultAction?.forward?.targetGroups?.map((g) => g.weight), [10, 10]);
      assert.equal(ids.listener!.attributes.ServiceId, svc.id);

      ids.snsa = await create('AWS::VpcLattice::ServiceNetworkServiceAssociation', 'ServiceNetworkAssocination', {
        ServiceIdentifier: ids.svc!.physicalId, ServiceNetworkIdentifier: ids.sn!.physicalId, Tags: TAGS,
      });
      const snsa = await t.lattice.send(new GetServiceNetworkServiceAssociationCommand({ serviceNetworkServiceAssociationIdentifier: ids.snsa!.physicalId }));
      assert.equal(snsa.status, 'ACTIVE');
      assert.equal(ids.snsa!.attributes.ServiceNetworkName, 'awesome-service-network');

      ids.snva = await create('AWS::VpcLattice::ServiceNetworkVpcAssociation', 'EC2VpcAssocination', {
        SecurityGroupIds: [ids.sg!.physicalId], ServiceNetworkIdentifier: ids.sn!.physicalId, VpcIdentifier: ids.ec2Vpc!.physicalId, Tags: TAGS,
      });
      const snva = await t.lattice.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: ids.snva!.physicalId }));
      assert.equal(snva.status, 'ACTIVE');
      assert.deepEqual(snva.securityGroupIds, [ids.sg!.physicalId]);
      assert.equal(ids.snva!.attributes.VpcId, ids.ec2Vpc!.physicalId);
    });

    it('fails deletes that AWS refuses, with the reason, and deletes in dependency order', async () => {
      const inUse = await failure(provider('AWS::VpcLattice::ServiceNetwork').delete(ctxFor('LatticeServiceNetwork'), ids.sn!.physicalId, {}));
      assert.equal(inUse.code, 'ResourceConflict');
      assert.match(inUse.message, /^Resource handler returned message: ".*has .*associated\. \(Service: VpcLattice, Status Code: 409, Request ID: req-\d+\)" \(RequestToken: token-\d+, HandlerErrorCode: ResourceConflict\)$/);
      const sgInUse = await failure(provider('AWS::EC2::SecurityGroup').delete(ctxFor('EC2GeneralSecurityGroup'), ids.sg!.physicalId, {}));
      assert.match(sgInUse.message, /has a dependent object.*\(Service: Ec2, Status Code: 400/);
      const vpcInUse = await failure(provider('AWS::EC2::VPC').delete(ctxFor('VPC'), ids.ec2Vpc!.physicalId, {}));
      assert.match(vpcInUse.message, /The vpc 'vpc-[0-9a-f]+' has dependencies and cannot be deleted/);

      const order: [string, string][] = [
        ['AWS::VpcLattice::ServiceNetworkVpcAssociation', 'snva'], ['AWS::VpcLattice::ServiceNetworkServiceAssociation', 'snsa'],
        ['AWS::VpcLattice::Listener', 'listener'], ['AWS::VpcLattice::TargetGroup', 'ec2Tg'], ['AWS::VpcLattice::TargetGroup', 'ecsTg'],
        ['AWS::VpcLattice::Service', 'svc'], ['AWS::VpcLattice::ServiceNetwork', 'sn'], ['AWS::EC2::SecurityGroup', 'sg'],
        ['AWS::EC2::Instance', 'instance'], ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'alb'], ['AWS::EC2::VPC', 'ec2Vpc'], ['AWS::EC2::VPC', 'ecsVpc'],
      ];
      for (const [type, key] of order) await provider(type).delete(ctxFor(key), ids[key]!.physicalId, {});
      const services = await t.lattice.send(new ListServicesCommand({}));
      assert.equal(services.items?.some((s) => s.arn === ids.svc!.physicalId), false);
      assert.equal((await rejects(t.lattice.send(new GetServiceNetworkCommand({ serviceNetworkIdentifier: ids.sn!.physicalId })))).name, 'ResourceNotFoundException');
      assert.equal(await t.store.get('vpc', PLACE, ids.ec2Vpc!.physicalId), undefined);
      assert.equal(await t.store.get('securitygroup', PLACE, str(ids.ec2Vpc!.attributes.DefaultSecurityGroup)), undefined);
      assert.equal(await t.store.get('loadbalancer', PLACE, ids.alb!.physicalId), undefined);
      // CloudFormation treats a resource that is already gone as deleted.
      for (const [type, key] of order) await provider(type).delete(ctxFor(key), ids[key]!.physicalId, {});
    });
  });

  describe('names, idempotency and failures', () => {
    it('generates a name from stack and logical id when Name is omitted', async () => {
      const res = await create('AWS::VpcLattice::Service', 'ServiceOneLatticeService', {}, { stackName: 'LatticeStack' });
      const svc = await t.lattice.send(new GetServiceCommand({ serviceIdentifier: res.physicalId }));
      assert.match(svc.name!, /^latticestack-serviceonelatt-[a-z]{12}$/);
      await provider('AWS::VpcLattice::Service').delete(ctxFor('ServiceOneLatticeService'), res.physicalId, {});
    });

    it('answers the same resource for a retry of the same create in the same operation', async () => {
      const props = { Type: 'IP', Config: { Port: 8080, Protocol: 'HTTP', VpcIdentifier: 'vpc-0a0000000000000a1' } };
      const ctx = ctxFor('RetriedGroup', { token: 'retry-token' });
      const first = await provider('AWS::VpcLattice::TargetGroup').create(ctx, props);
      const again = await provider('AWS::VpcLattice::TargetGroup').create(ctx, props);
      assert.equal(again.physicalId, first.physicalId);
      await provider('AWS::VpcLattice::TargetGroup').delete(ctx, first.physicalId, props);
    });

    it('fails with CloudFormation wording: AlreadyExists, a refused target, a property of the wrong type', async () => {
      const first = await create('AWS::VpcLattice::Service', 'Svc', { Name: 'taken-name' });
      const dup = await failure(provider('AWS::VpcLattice::Service').create(ctxFor('Svc2'), { Name: 'taken-name' }));
      assert.equal(dup.code, 'AlreadyExists');
      assert.match(dup.message, /Service with name taken-name already exists\. \(Service: VpcLattice, Status Code: 409, .*HandlerErrorCode: AlreadyExists\)$/);
      await provider('AWS::VpcLattice::Service').delete(ctxFor('Svc'), first.physicalId, {});

      const bad = await failure(provider('AWS::VpcLattice::TargetGroup').create(ctxFor('BadTargets'), {
        Type: 'INSTANCE', Config: { Port: 80, Protocol: 'HTTP', VpcIdentifier: 'vpc-0a0000000000000a1' }, Targets: [{ Id: '10.0.0.1' }],
      }));
      assert.match(bad.message, /Failed to register targets: 10\.0\.0\.1:80: InvalidParameterException \(The target ID 10\.0\.0\.1 is not a valid instance ID\.\)/);

      const typed = await failure(provider('AWS::VpcLattice::Listener').create(ctxFor('L'), { ServiceIdentifier: 'svc-0123456789abcdef0', Protocol: 'HTTP', Port: 'eighty', DefaultAction: { FixedResponse: { StatusCode: 404 } } }));
      assert.match(typed.message, /^Properties validation failed for resource L with message: #\/Port: expected type: Integer, found: String$/);

      const model = await failure(provider('AWS::VpcLattice::ServiceNetwork').create(ctxFor('N'), { Name: 'Not_Valid' }));
      assert.equal(model.code, 'InvalidRequest');
      assert.match(model.message, /Value at 'name' failed to satisfy constraint.*Status Code: 400/);
    });
  });

  describe('updates', () => {
    it('updates a service in place (auth type, tags) and keeps its identity', async () => {
      const p = provider('AWS::VpcLattice::Service');
      const v1 = { Name: 'updated-svc', AuthType: 'NONE', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] };
      const res = await p.create(ctxFor('Svc'), v1);
      const v2 = { Name: 'updated-svc', AuthType: 'AWS_IAM', Tags: [{ Key: 'a', Value: '9' }, { Key: 'c', Value: '3' }] };
      const upd = await p.update(ctxFor('Svc'), res.physicalId, v2, v1);
      assert.equal(upd.physicalId, res.physicalId);
      const svc = await t.lattice.send(new GetServiceCommand({ serviceIdentifier: res.physicalId }));
      assert.equal(svc.authType, 'AWS_IAM');
      const tags = await t.lattice.send(new ListTagsForResourceCommand({ resourceArn: res.physicalId }));
      assert.deepEqual(tags.tags, { a: '9', c: '3' });
      await p.delete(ctxFor('Svc'), res.physicalId, v2);
    });

    it('manages target group targets by set difference and updates the health check', async () => {
      const p = provider('AWS::VpcLattice::TargetGroup');
      const config = { Port: 8080, Protocol: 'HTTP', VpcIdentifier: 'vpc-0a0000000000000a1' };
      const v1 = { Type: 'IP', Config: config, Targets: [{ Id: '10.0.0.1' }, { Id: '10.0.0.2' }, { Id: '10.0.0.2', Port: 9090 }] };
      const res = await p.create(ctxFor('Ips'), v1);
      const v2 = {
        Type: 'IP', Config: { ...config, HealthCheck: { Path: '/healthz', HealthCheckIntervalSeconds: 10 } },
        Targets: [{ Id: '10.0.0.2' }, { Id: '10.0.0.3', Port: '8081' }],
      };
      await p.update(ctxFor('Ips'), res.physicalId, v2, v1);
      const listed = await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: res.physicalId }));
      assert.deepEqual(listed.items?.map((i) => `${i.id}:${i.port}`).sort(), ['10.0.0.2:8080', '10.0.0.3:8081']);
      const tg = await t.lattice.send(new GetTargetGroupCommand({ targetGroupIdentifier: res.physicalId }));
      assert.equal(tg.config?.healthCheck?.path, '/healthz');
      assert.equal(tg.config?.healthCheck?.healthCheckIntervalSeconds, 10);

      const v3 = { Type: 'IP', Config: v2.Config };
      await p.update(ctxFor('Ips'), res.physicalId, v3, v2);
      assert.deepEqual((await t.lattice.send(new ListTargetsCommand({ targetGroupIdentifier: res.physicalId }))).items, []);
      await p.delete(ctxFor('Ips'), res.physicalId, v3);
    });

    it('updates a listener default action and a rule, and derives the rule service from the listener ARN', async () => {
      const svc = await create('AWS::VpcLattice::Service', 'S', { Name: 'routing-svc' });
      const tgProps = { Type: 'IP', Config: { Port: 80, Protocol: 'HTTP', VpcIdentifier: 'vpc-0a0000000000000a1' } };
      const tg = await create('AWS::VpcLattice::TargetGroup', 'T', tgProps);
      const lp = provider('AWS::VpcLattice::Listener');
      const l1 = { ServiceIdentifier: svc.physicalId, Protocol: 'HTTP', DefaultAction: { FixedResponse: { StatusCode: 404 } } };
      const listener = await create('AWS::VpcLattice::Listener', 'L', l1);
      const l2 = { ...l1, DefaultAction: { Forward: { TargetGroups: [{ TargetGroupIdentifier: tg.physicalId }] } } };
      await lp.update(ctxFor('L'), listener.physicalId, l2, l1);
      const got = await t.lattice.send(new GetListenerCommand({ serviceIdentifier: svc.physicalId, listenerIdentifier: listener.physicalId }));
      assert.equal(got.defaultAction?.forward?.targetGroups?.[0]?.targetGroupIdentifier, str(tg.attributes.Id));
      assert.equal(got.port, 80);

      const rp = provider('AWS::VpcLattice::Rule');
      const r1 = {
        ListenerIdentifier: listener.physicalId, Priority: 10,
        Match: { HttpMatch: { PathMatch: { Match: { Prefix: '/api' } }, HeaderMatches: [{ Name: 'x-env', Match: { Exact: 'dev' } }] } },
        Action: { Forward: { TargetGroups: [{ TargetGroupIdentifier: tg.physicalId, Weight: 5 }] } },
      };
      const rule = await create('AWS::VpcLattice::Rule', 'R', r1);
      const r2 = { ...r1, Priority: '20' };
      await rp.update(ctxFor('R'), rule.physicalId, r2, r1);
      const gotRule = await t.lattice.send(new GetRuleCommand({ serviceIdentifier: svc.physicalId, listenerIdentifier: listener.physicalId, ruleIdentifier: rule.physicalId }));
      assert.equal(gotRule.priority, 20);
      assert.equal(gotRule.match?.httpMatch?.headerMatches?.[0]?.match?.exact, 'dev');

      await rp.delete(ctxFor('R'), rule.physicalId, r2);
      await lp.delete(ctxFor('L'), listener.physicalId, l2);
      await provider('AWS::VpcLattice::TargetGroup').delete(ctxFor('T'), tg.physicalId, tgProps);
      await provider('AWS::VpcLattice::Service').delete(ctxFor('S'), svc.physicalId, {});
      assert.equal((await rejects(t.lattice.send(new GetRuleCommand({ serviceIdentifier: svc.physicalId, listenerIdentifier: listener.physicalId, ruleIdentifier: rule.physicalId })))).name, 'ResourceNotFoundException');
    });

    it('updates the security groups of a VPC association, and refuses what the API cannot change in place', async () => {
      const vpc = await create('AWS::EC2::VPC', 'V', { CidrBlock: '10.50.0.0/16' });
      const sg1 = await create('AWS::EC2::SecurityGroup', 'G1', { GroupDescription: 'one', VpcId: vpc.physicalId });
      const sg2 = await create('AWS::EC2::SecurityGroup', 'G2', { GroupDescription: 'two', VpcId: vpc.physicalId });
      const snProps = { Name: 'assoc-net', SharingConfig: { enabled: false } };
      const sn = await create('AWS::VpcLattice::ServiceNetwork', 'N', snProps);
      const a1 = { ServiceNetworkIdentifier: sn.physicalId, VpcIdentifier: vpc.physicalId, SecurityGroupIds: [sg1.physicalId] };
      const assoc = await create('AWS::VpcLattice::ServiceNetworkVpcAssociation', 'A', a1);
      const a2 = { ...a1, SecurityGroupIds: [sg2.physicalId] };
      await provider('AWS::VpcLattice::ServiceNetworkVpcAssociation').update(ctxFor('A'), assoc.physicalId, a2, a1);
      const got = await t.lattice.send(new GetServiceNetworkVpcAssociationCommand({ serviceNetworkVpcAssociationIdentifier: assoc.physicalId }));
      assert.equal(got.status, 'ACTIVE');
      assert.deepEqual(got.securityGroupIds, [sg2.physicalId]);

      const sharing = await failure(provider('AWS::VpcLattice::ServiceNetwork').update(ctxFor('N'), sn.physicalId, { ...snProps, SharingConfig: { enabled: true } }, snProps));
      assert.equal(sharing.code, 'NotUpdatable');
      assert.match(sharing.message, /SharingConfig cannot be changed in place/);

      await provider('AWS::VpcLattice::ServiceNetworkVpcAssociation').delete(ctxFor('A'), assoc.physicalId, a2);
      await provider('AWS::VpcLattice::ServiceNetwork').delete(ctxFor('N'), sn.physicalId, snProps);
      for (const g of [sg1, sg2]) await provider('AWS::EC2::SecurityGroup').delete(ctxFor('G'), g.physicalId, {});
      await provider('AWS::EC2::VPC').delete(ctxFor('V'), vpc.physicalId, {});
    });
  });

  describe('policies and access logs', () => {
    it('puts, updates and deletes an auth policy; a second one on the same resource already exists', async () => {
      const svc = await create('AWS::VpcLattice::Service', 'S', { Name: 'policed-svc', AuthType: 'AWS_IAM' });
      const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'vpc-lattice-svcs:Invoke', Resource: '*' }] };
      const p1 = { ResourceIdentifier: svc.physicalId, Policy: policy };
      const ap = await create('AWS::VpcLattice::AuthPolicy', 'P', p1);
      assert.equal(ap.physicalId, svc.physicalId);
      assert.equal(ap.attributes.State, 'Active');
      const got = await t.lattice.send(new GetAuthPolicyCommand({ resourceIdentifier: svc.physicalId }));
      assert.deepEqual(JSON.parse(got.policy!), policy);
      assert.equal(got.policy, JSON.stringify(policy), 'sent as compact JSON');

      const dup = await failure(provider('AWS::VpcLattice::AuthPolicy').create(ctxFor('P2'), p1));
      assert.equal(dup.code, 'AlreadyExists');

      const p2 = { ...p1, Policy: { ...policy, Statement: [{ ...policy.Statement[0], Effect: 'Deny' }] } };
      await provider('AWS::VpcLattice::AuthPolicy').update(ctxFor('P'), ap.physicalId, p2, p1);
      assert.match((await t.lattice.send(new GetAuthPolicyCommand({ resourceIdentifier: svc.physicalId }))).policy!, /"Effect":"Deny"/);
      await provider('AWS::VpcLattice::AuthPolicy').delete(ctxFor('P'), ap.physicalId, p2);
      assert.equal((await rejects(t.lattice.send(new GetAuthPolicyCommand({ resourceIdentifier: svc.physicalId })))).name, 'ResourceNotFoundException');
      await provider('AWS::VpcLattice::Service').delete(ctxFor('S'), svc.physicalId, {});
      // The service (and so its policy) is gone: deleting again is done.
      await provider('AWS::VpcLattice::AuthPolicy').delete(ctxFor('P'), ap.physicalId, p2);
    });

    it('puts a resource policy (Ref = ResourceArn) and an access-log subscription, updates and deletes them', async () => {
      const sn = await create('AWS::VpcLattice::ServiceNetwork', 'N', { Name: 'shared-net' });
      const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'vpc-lattice:CreateServiceNetworkVpcAssociation', Resource: sn.physicalId }] };
      const rp = await create('AWS::VpcLattice::ResourcePolicy', 'RP', { ResourceArn: sn.physicalId, Policy: JSON.stringify(policy) });
      assert.equal(rp.physicalId, sn.physicalId);
      assert.deepEqual(JSON.parse((await t.lattice.send(new GetResourcePolicyCommand({ resourceArn: sn.physicalId }))).policy!), policy);
      await provider('AWS::VpcLattice::ResourcePolicy').delete(ctxFor('RP'), rp.physicalId, {});
      assert.equal((await rejects(t.lattice.send(new GetResourcePolicyCommand({ resourceArn: sn.physicalId })))).name, 'ResourceNotFoundException');

      const logs = (g: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${g}`;
      const s1 = { ResourceIdentifier: str(sn.attributes.Id), DestinationArn: logs('/lattice/a'), Tags: TAGS };
      const sub = await create('AWS::VpcLattice::AccessLogSubscription', 'Logs', s1);
      assert.equal(sub.attributes.ResourceArn, sn.physicalId);
      const s2 = { ...s1, DestinationArn: logs('/lattice/b') };
      await provider('AWS::VpcLattice::AccessLogSubscription').update(ctxFor('Logs'), sub.physicalId, s2, s1);
      assert.equal((await t.lattice.send(new GetAccessLogSubscriptionCommand({ accessLogSubscriptionIdentifier: sub.physicalId }))).destinationArn, logs('/lattice/b'));
      await provider('AWS::VpcLattice::AccessLogSubscription').delete(ctxFor('Logs'), sub.physicalId, s2);
      assert.equal((await rejects(t.lattice.send(new GetAccessLogSubscriptionCommand({ accessLogSubscriptionIdentifier: sub.physicalId })))).name, 'ResourceNotFoundException');
      await provider('AWS::VpcLattice::ServiceNetwork').delete(ctxFor('N'), sn.physicalId, {});
    });
  });

  describe('VPC resources', () => {
    it('creates a resource gateway, configuration, association and domain verification, updates and deletes them', async () => {
      const gwProps = { Name: 'gw-one', VpcIdentifier: 'vpc-0a1b2c3d4e5f60718', SubnetIds: SUBNETS };
      const gw = await create('AWS::VpcLattice::ResourceGateway', 'Gw', gwProps);
      assert.equal((await t.lattice.send(new GetResourceGatewayCommand({ resourceGatewayIdentifier: gw.physicalId }))).status, 'ACTIVE');

      const dv = await create('AWS::VpcLattice::DomainVerification', 'Dv', { DomainName: 'db.example.com' });
      assert.equal(dv.attributes.Status, 'PENDING');
      assert.equal(typeof dv.attributes['TxtMethodConfig.value'], 'string');
      assert.equal((await t.lattice.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: dv.physicalId }))).domainName, 'db.example.com');

      const c1 = {
        Name: 'rc-db', ResourceConfigurationType: 'SINGLE', ResourceGatewayId: gw.attributes.Id, PortRanges: ['5432'], ProtocolType: 'TCP',
        ResourceConfigurationDefinition: { IpResource: '10.1.2.3' },
      };
      const rc = await create('AWS::VpcLattice::ResourceConfiguration', 'Rc', c1);
      const c2 = { ...c1, PortRanges: ['5432', '6432'], ResourceConfigurationDefinition: { DnsResource: { DomainName: 'db.internal', IpAddressType: 'IPV4' } } };
      await provider('AWS::VpcLattice::ResourceConfiguration').update(ctxFor('Rc'), rc.physicalId, c2, c1);
      const got = await t.lattice.send(new GetResourceConfigurationCommand({ resourceConfigurationIdentifier: rc.physicalId }));
      assert.deepEqual(got.portRanges, ['5432', '6432']);
      assert.deepEqual(got.resourceConfigurationDefinition, { dnsResource: { domainName: 'db.internal', ipAddressType: 'IPV4' } });
      const iam = await failure(provider('AWS::VpcLattice::ResourceConfiguration').create(ctxFor('Rc2'), { ...c1, Name: 'rc-iam', ResourceConfigurationAuthType: 'AWS_IAM' }));
      assert.match(iam.message, /ResourceConfigurationAuthType AWS_IAM is not supported by Trellis/);

      const sn = await create('AWS::VpcLattice::ServiceNetwork', 'N', { Name: 'resource-net' });
      const snra = await create('AWS::VpcLattice::ServiceNetworkResourceAssociation', 'Ra', { ResourceConfigurationId: rc.attributes.Id, ServiceNetworkId: sn.attributes.Id });
      assert.equal((await t.lattice.send(new GetServiceNetworkResourceAssociationCommand({ serviceNetworkResourceAssociationIdentifier: snra.physicalId }))).status, 'ACTIVE');

      await provider('AWS::VpcLattice::ServiceNetworkResourceAssociation').delete(ctxFor('Ra'), snra.physicalId, {});
      await provider('AWS::VpcLattice::ServiceNetwork').delete(ctxFor('N'), sn.physicalId, {});
      await provider('AWS::VpcLattice::ResourceConfiguration').delete(ctxFor('Rc'), rc.physicalId, c2);
      await provider('AWS::VpcLattice::DomainVerification').delete(ctxFor('Dv'), dv.physicalId, {});
      await provider('AWS::VpcLattice::ResourceGateway').delete(ctxFor('Gw'), gw.physicalId, gwProps);
      assert.equal((await rejects(t.lattice.send(new GetResourceGatewayCommand({ resourceGatewayIdentifier: gw.physicalId })))).name, 'ResourceNotFoundException');
      assert.equal((await rejects(t.lattice.send(new GetResourceConfigurationCommand({ resourceConfigurationIdentifier: rc.physicalId })))).name, 'ResourceNotFoundException');
    });
  });

  describe('EC2, ELB and IAM records', () => {
    it('updates a VPC and a security group in place', async () => {
      const vpc = await create('AWS::EC2::VPC', 'V', { CidrBlock: '10.60.0.0/16' });
      await provider('AWS::EC2::VPC').update(ctxFor('V'), vpc.physicalId, { CidrBlock: '10.60.0.0/16', EnableDnsHostnames: true, Tags: TAGS }, { CidrBlock: '10.60.0.0/16' });
      const rec = await t.store.get('vpc', PLACE, vpc.physicalId);
      assert.equal(rec?.doc.enableDnsHostnames, true);
      assert.deepEqual(rec?.doc.tags, { Owner: 'kuba', Project: 'blogpost' });

      const g1 = { GroupDescription: 'web', VpcId: vpc.physicalId, SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '10.60.0.0/16' }] };
      const sg = await create('AWS::EC2::SecurityGroup', 'G', g1);
      const g2 = { ...g1, SecurityGroupIngress: [{ IpProtocol: '-1', SourceSecurityGroupId: sg.physicalId }], SecurityGroupEgress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv6: '::/0' }] };
      await provider('AWS::EC2::SecurityGroup').update(ctxFor('G'), sg.physicalId, g2, g1);
      const group = await t.store.get('securitygroup', PLACE, sg.physicalId);
      assert.deepEqual(group?.doc.ingress, [{ ipProtocol: '-1', sourceSecurityGroupId: sg.physicalId }]);
      assert.deepEqual(group?.doc.egress, [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '::/0' }]);

      const prefix = await failure(provider('AWS::EC2::SecurityGroup').create(ctxFor('P'), { ...g1, SecurityGroupIngress: [{ IpProtocol: 'tcp', SourcePrefixListId: 'pl-12345678' }] }));
      assert.match(prefix.message, /SourcePrefixListId is not supported by Trellis/);
      const noVpc = await failure(provider('AWS::EC2::SecurityGroup').create(ctxFor('P'), { GroupDescription: 'x' }));
      assert.match(noVpc.message, /VpcId is required: Trellis has no default VPC/);
      const badCidr = await failure(provider('AWS::EC2::VPC').create(ctxFor('V2'), { CidrBlock: '10.0.0.0/33' }));
      assert.match(badCidr.message, /not a valid CIDR block/);

      await provider('AWS::EC2::SecurityGroup').delete(ctxFor('G'), sg.physicalId, g2);
      await provider('AWS::EC2::VPC').delete(ctxFor('V'), vpc.physicalId, {});
    });

    it('places an instance by the trellis:vpc tag, refuses one it cannot place, and a load balancer without an address', async () => {
      const vpc = await create('AWS::EC2::VPC', 'V', { CidrBlock: '10.70.0.0/16' });
      const i1 = { ImageId: 'ami-0123456789abcdef0', Tags: [{ Key: 'trellis:vpc', Value: vpc.physicalId }] };
      const inst = await provider('AWS::EC2::Instance').create(ctxFor('I'), i1);
      assert.equal(inst.attributes.VpcId, vpc.physicalId);
      assert.ok(!('PrivateIp' in inst.attributes), 'no address given: none');
      const i2 = { ...i1, PrivateIpAddress: '127.0.0.9' };
      await provider('AWS::EC2::Instance').update(ctxFor('I'), inst.physicalId, i2, i1);
      assert.equal((await t.store.get('instance', PLACE, inst.physicalId))?.doc.privateIpAddress, '127.0.0.9');

      const lost = await failure(provider('AWS::EC2::Instance').create(ctxFor('Lost'), { ImageId: 'ami-0123456789abcdef0', SubnetId: 'subnet-0a1b2c3d4e5f60001' }));
      assert.match(lost.message, /Trellis cannot tell the VPC of instance Lost/);
      const noAddress = await failure(provider('AWS::ElasticLoadBalancingV2::LoadBalancer').create(ctxFor('Alb'), { Name: 'no-address' }));
      assert.match(noAddress.message, /add the tag trellis:address/);
      const network = await failure(provider('AWS::ElasticLoadBalancingV2::LoadBalancer').create(ctxFor('Nlb'), { Type: 'network' }));
      assert.match(network.message, /type network are not supported/);

      await provider('AWS::EC2::Instance').delete(ctxFor('I'), inst.physicalId, i2);
      await provider('AWS::EC2::VPC').delete(ctxFor('V'), vpc.physicalId, {});
    });

    it('stores IAM roles and OIDC providers with their ARNs', async () => {
      const oidc = { Url: 'https://token.actions.githubusercontent.com', ThumbprintList: ['f879abce0008e4eb126e0097e46620f5aaae26ad'], ClientIdList: ['sts.amazonaws.com'] };
      const provider1 = await create('AWS::IAM::OIDCProvider', 'GitHubOIDC', oidc, { stackName: 'lattice-ecs' });
      assert.equal(provider1.physicalId, `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`);
      const dupProvider = await failure(provider('AWS::IAM::OIDCProvider').create(ctxFor('Again'), oidc));
      assert.equal(dupProvider.code, 'AlreadyExists');
      await provider('AWS::IAM::OIDCProvider').update(ctxFor('GitHubOIDC'), provider1.physicalId, { ...oidc, ClientIdList: ['sts.amazonaws.com', 'other'] }, oidc);

      const trust = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Federated: provider1.physicalId }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } } }],
      };
      const r1 = { RoleName: 'lattice-ecs-GitHub-to-fastapi-role', AssumeRolePolicyDocument: trust, ManagedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser'] };
      const role = await create('AWS::IAM::Role', 'OIDCRole', r1);
      assert.equal(role.physicalId, 'lattice-ecs-GitHub-to-fastapi-role');
      assert.equal(role.attributes.Arn, `arn:aws:iam::${ACCOUNT}:role/lattice-ecs-GitHub-to-fastapi-role`);
      assert.match(str(role.attributes.RoleId), /^AROA[A-Z2-7]{17}$/);
      const dupRole = await failure(provider('AWS::IAM::Role').create(ctxFor('Other'), { ...r1, RoleName: 'LATTICE-ECS-github-to-fastapi-role' }));
      assert.match(dupRole.message, /already exists\. \(Service: Iam, Status Code: 409/);
      const generated = await create('AWS::IAM::Role', 'TaskRole', { AssumeRolePolicyDocument: JSON.stringify(trust), Path: '/service/' }, { stackName: 'lattice-ecs' });
      assert.match(generated.physicalId, /^lattice-ecs-TaskRole-[A-Z0-9]{12}$/);
      assert.equal(generated.attributes.Arn, `arn:aws:iam::${ACCOUNT}:role/service/${generated.physicalId}`);

      await provider('AWS::IAM::Role').update(ctxFor('OIDCRole'), role.physicalId, { ...r1, MaxSessionDuration: 7200 }, r1);
      for (const r of [role, generated]) await provider('AWS::IAM::Role').delete(ctxFor('R'), r.physicalId, {});
      await provider('AWS::IAM::OIDCProvider').delete(ctxFor('GitHubOIDC'), provider1.physicalId, oidc);
      // Gone: the same role name and provider URL can be created again.
      const again = await create('AWS::IAM::Role', 'OIDCRole', r1);
      await provider('AWS::IAM::Role').delete(ctxFor('OIDCRole'), again.physicalId, r1);
    });
  });
});
