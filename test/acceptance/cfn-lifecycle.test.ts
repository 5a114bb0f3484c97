import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStackEventsCommand, DescribeStackResourcesCommand,
  DescribeStacksCommand, UpdateStackCommand, type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { ListServiceNetworksCommand, ListServicesCommand, ListTargetGroupsCommand } from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, TEST_CREDENTIALS, type TestTrellis } from '../support/trellis.js';

/**
 * The stack lifecycle issue 4 names, through the CloudFormation API as a user drives it:
 * update with replacement, rollback after a failing resource with the reason in the events,
 * and an unsupported type failing the stack loudly — never a silent CREATE_COMPLETE.
 */
describe('stack lifecycle through the CloudFormation API', () => {
  let t: TestTrellis;
  let cfn: CloudFormationClient;
  before(async () => {
    t = await bootTrellis();
    cfn = new CloudFormationClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => { cfn.destroy(); await t.close(); });

  const status = async (name: string) => (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
  const settled = (name: string) => eventually(async () => {
    const s = await status(name);
    return !s.StackStatus!.endsWith('_IN_PROGRESS') && s;
  }, 15_000);
  const events = async (name: string): Promise<StackEvent[]> => (await cfn.send(new DescribeStackEventsCommand({ StackName: name }))).StackEvents!;

  const tg = (name: string) => `Resources:
  Group:
    Type: AWS::VpcLattice::TargetGroup
    Properties:
      Name: ${name}
      Type: IP
      Config:
        Port: 8080
        Protocol: HTTP
        VpcIdentifier: vpc-0aaaaaaaaaaaaaaa1
Outputs:
  GroupId:
    Value: !GetAtt Group.Id
`;

  it('replaces a resource when a create-only property changes, and deletes the old one', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'replace-me', TemplateBody: tg('first-group') }));
    const created = await settled('replace-me');
    assert.equal(created.StackStatus, 'CREATE_COMPLETE');
    const firstId = created.Outputs!.find((o) => o.OutputKey === 'GroupId')!.OutputValue!;

    await cfn.send(new UpdateStackCommand({ StackName: 'replace-me', TemplateBody: tg('second-group') }));
    const updated = await settled('replace-me');
    assert.equal(updated.StackStatus, 'UPDATE_COMPLETE');
    const secondId = updated.Outputs!.find((o) => o.OutputKey === 'GroupId')!.OutputValue!;
    assert.notEqual(secondId, firstId, 'a new physical resource');
    const groups = (await t.lattice.send(new ListTargetGroupsCommand({}))).items!.map((g) => g.name);
    assert.ok(groups.includes('second-group'));
    assert.ok(!groups.includes('first-group'), 'the replaced group is deleted in cleanup');
    const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: 'replace-me' }))).StackResources!;
    assert.equal(resources[0]!.PhysicalResourceId?.endsWith(secondId), true);
  });

  it('rolls back after a failing resource, with the reason in the events, leaving nothing behind', async () => {
    const body = `Resources:
  Net:
    Type: AWS::VpcLattice::ServiceNetwork
    Properties:
      Name: rollback-net
  Broken:
    Type: AWS::VpcLattice::Service
    DependsOn: Net
    Properties:
      Name: Not_A_Valid_Name
`;
    await cfn.send(new CreateStackCommand({ StackName: 'rolls-back', TemplateBody: body }));
    const s = await settled('rolls-back');
    assert.equal(s.StackStatus, 'ROLLBACK_COMPLETE');
    const failed = (await events('rolls-back')).find((e) => e.LogicalResourceId === 'Broken' && e.ResourceStatus === 'CREATE_FAILED');
    assert.ok(failed, 'the failing resource has a CREATE_FAILED event');
    assert.match(failed.ResourceStatusReason!, /ValidationException|name/i);
    assert.ok((await events('rolls-back')).some((e) => e.LogicalResourceId === 'Net' && e.ResourceStatus === 'DELETE_COMPLETE'));
    const nets = (await t.lattice.send(new ListServiceNetworksCommand({}))).items!.map((n) => n.name);
    assert.ok(!nets.includes('rollback-net'), 'what was created is rolled back');
    await cfn.send(new DeleteStackCommand({ StackName: 'rolls-back' }));
  });

  it('fails the stack on a resource type Trellis does not support, naming it', async () => {
    const body = `Resources:
  Svc:
    Type: AWS::VpcLattice::Service
    Properties:
      Name: never-kept
  Queue:
    Type: AWS::SQS::Queue
    DependsOn: Svc
`;
    // Rejected up front or failed during creation: either way never CREATE_COMPLETE.
    const started = await cfn.send(new CreateStackCommand({ StackName: 'unsupported', TemplateBody: body })).then(() => true, (e: Error) => {
      assert.match(e.message, /AWS::SQS::Queue/);
      return false;
    });
    if (started) {
      const s = await settled('unsupported');
      assert.equal(s.StackStatus, 'ROLLBACK_COMPLETE');
      const reason = (await events('unsupported')).find((e) => e.LogicalResourceId === 'Queue' && e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason;
      assert.match(reason ?? '', /does not support resource type AWS::SQS::Queue/);
    }
    const services = (await t.lattice.send(new ListServicesCommand({}))).items!.map((x) => x.name);
    assert.ok(!services.includes('never-kept'));
  });
});
