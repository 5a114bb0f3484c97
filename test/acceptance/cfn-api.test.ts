import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudFormationClient, CreateChangeSetCommand, CreateStackCommand, DeleteChangeSetCommand, DeleteStackCommand,
  DescribeChangeSetCommand, DescribeStackEventsCommand, DescribeStackResourceCommand, DescribeStackResourcesCommand,
  DescribeStacksCommand, ExecuteChangeSetCommand, GetTemplateCommand, GetTemplateSummaryCommand, ListChangeSetsCommand,
  ListExportsCommand, ListImportsCommand, ListStackResourcesCommand, ListStacksCommand, UpdateStackCommand,
  ValidateTemplateCommand, waitUntilStackCreateComplete, waitUntilStackDeleteComplete, waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { GetServiceNetworkCommand, ListServiceNetworksCommand } from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, rejects, TEST_CREDENTIALS, type TestTrellis } from '../support/trellis.js';

/**
 * The CloudFormation API of Trellis at the wire, over the real stack engine and providers:
 * every action through @aws-sdk/client-cloudformation (its waiters included), and status,
 * content type and XML bodies of successes and errors through raw HTTP, as the Query
 * protocol puts them (form-encoded POST to `/`, `<{Action}Response>` / `<ErrorResponse>`).
 */

const NET_TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Description: "cfn-api <test> & friends"
Parameters:
  NetName:
    Type: String
    Default: api-net
  Secret:
    Type: String
    NoEcho: true
    Default: hush
Resources:
  Net:
    Type: AWS::VpcLattice::ServiceNetwork
    Properties:
      Name: !Ref NetName
      AuthType: NONE
      Tags:
        - Key: Owner
          Value: kuba
Outputs:
  NetArn:
    Description: the network
    Value: !GetAtt Net.Arn
    Export:
      Name: !Sub "\${AWS::StackName}-net"
`;

const IMPORTER_TEMPLATE = `Resources:
  Svc:
    Type: AWS::VpcLattice::Service
    Properties:
      Name: api-svc
  Assoc:
    Type: AWS::VpcLattice::ServiceNetworkServiceAssociation
    Properties:
      ServiceIdentifier: !Ref Svc
      ServiceNetworkIdentifier: !ImportValue api-exp-net
`;

const ROLE_TEMPLATE = `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: api-role
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: ec2.amazonaws.com }
            Action: sts:AssumeRole
`;

interface Raw { readonly status: number; readonly type: string | null; readonly requestId: string | null; readonly text: string }

describe('the CloudFormation API at the wire', () => {
  let t: TestTrellis;
  let cfn: CloudFormationClient;
  let stackId: string;
  const waiter = () => ({ client: cfn, maxWaitTime: 20, minDelay: 1, maxDelay: 1 });

  /** A Query call as a form-encoded POST, unsigned: the service is told by its Version. */
  const query = async (action: string, params: Record<string, string> = {}): Promise<Raw> => {
    const res = await fetch(`${t.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({ Action: action, Version: '2010-05-15', ...params }).toString(),
    });
    return { status: res.status, type: res.headers.get('content-type'), requestId: res.headers.get('x-amzn-requestid'), text: await res.text() };
  };
  const errorOf = (r: Raw, code: string): void => {
    assert.equal(r.type, 'text/xml');
    assert.match(r.text, new RegExp(`^<ErrorResponse xmlns="http://cloudformation\\.amazonaws\\.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>[^<]+</Message></Error><RequestId>${r.requestId}</RequestId></ErrorResponse>$`));
  };

  before(async () => {
    t = await bootTrellis();
    cfn = new CloudFormationClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    cfn.destroy();
    await t.close();
  });

  it('creates a stack from a form-encoded CreateStack, and the Lattice resource exists', async () => {
    const r = await query('CreateStack', {
      StackName: 'api-net', TemplateBody: NET_TEMPLATE,
      'Parameters.member.1.ParameterKey': 'NetName', 'Parameters.member.1.ParameterValue': 'api-net-1',
      'Tags.member.1.Key': 'Project', 'Tags.member.1.Value': 'blogpost',
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.type, 'text/xml');
    const m = /^<CreateStackResponse xmlns="http:\/\/cloudformation\.amazonaws\.com\/doc\/2010-05-15\/"><CreateStackResult><StackId>(arn:aws:cloudformation:us-east-1:111122223333:stack\/api-net\/[0-9a-f-]{36})<\/StackId><\/CreateStackResult><ResponseMetadata><RequestId>([^<]+)<\/RequestId><\/ResponseMetadata><\/CreateStackResponse>$/.exec(r.text);
    assert.ok(m, r.text);
    assert.equal(m[2], r.requestId);
    stackId = m[1]!;
    await waitUntilStackCreateComplete(waiter(), { StackName: 'api-net' });

    const [stack] = (await cfn.send(new DescribeStacksCommand({ StackName: 'api-net' }))).Stacks!;
    assert.equal(stack!.StackId, stackId);
    assert.equal(stack!.StackStatus, 'CREATE_COMPLETE');
    assert.equal(stack!.Description, 'cfn-api <test> & friends');
    assert.deepEqual(stack!.Parameters?.map((p) => [p.ParameterKey, p.ParameterValue]).sort(), [['NetName', 'api-net-1'], ['Secret', '****']]);
    assert.deepEqual(stack!.Tags, [{ Key: 'Project', Value: 'blogpost' }]);
    const out = stack!.Outputs!.find((o) => o.OutputKey === 'NetArn')!;
    assert.equal(out.ExportName, 'api-net-net');
    assert.match(out.OutputValue!, /^arn:aws:vpc-lattice:us-east-1:111122223333:servicenetwork\/sn-[0-9a-f]{17}$/);
    const net = await t.lattice.send(new GetServiceNetworkCommand({ serviceNetworkIdentifier: out.OutputValue! }));
    assert.equal(net.name, 'api-net-1');
  });

  it('answers errors as <ErrorResponse> with the status AWS gives', async () => {
    const missing = await query('DescribeStacks', { StackName: 'no-such-stack' });
    assert.equal(missing.status, 400);
    errorOf(missing, 'ValidationError');
    assert.match(missing.text, /<Message>Stack with id no-such-stack does not exist<\/Message>/);

    const again = await query('CreateStack', { StackName: 'api-net', TemplateBody: NET_TEMPLATE });
    assert.equal(again.status, 400);
    errorOf(again, 'AlreadyExistsException');

    const unknown = await query('DescribeStackDriftDetectionStatus', { StackDriftDetectionId: 'x' });
    assert.equal(unknown.status, 400);
    errorOf(unknown, 'InvalidAction');

    const noName = await query('CreateStack', { TemplateBody: NET_TEMPLATE });
    assert.equal(noName.status, 400);
    errorOf(noName, 'ValidationError');
    assert.match(noName.text, /Value null at &apos;stackName&apos; failed to satisfy constraint: Member must not be null/);

    const noCaps = await query('CreateStack', { StackName: 'api-role', TemplateBody: ROLE_TEMPLATE });
    assert.equal(noCaps.status, 400);
    errorOf(noCaps, 'InsufficientCapabilitiesException');
    assert.match(noCaps.text, /CAPABILITY_NAMED_IAM/);

    const noChangeSet = await query('DescribeChangeSet', { ChangeSetName: 'nope', StackName: 'api-net' });
    assert.equal(noChangeSet.status, 404);
    errorOf(noChangeSet, 'ChangeSetNotFound');

    const badTemplate = await query('ValidateTemplate', { TemplateBody: 'Resources: [' });
    assert.equal(badTemplate.status, 400);
    errorOf(badTemplate, 'ValidationError');
    assert.match(badTemplate.text, /Template format error/);
  });

  it('describes events, resources and templates', async () => {
    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'api-net' }))).StackEvents!;
    assert.equal(events[0]!.LogicalResourceId, 'api-net');
    assert.equal(events[0]!.ResourceStatus, 'CREATE_COMPLETE', 'newest first');
    assert.ok(events.some((e) => e.LogicalResourceId === 'Net' && e.ResourceStatus === 'CREATE_IN_PROGRESS'));
    assert.ok(events.every((e) => e.StackId === stackId && e.Timestamp instanceof Date && e.EventId));

    const detail = (await cfn.send(new DescribeStackResourceCommand({ StackName: 'api-net', LogicalResourceId: 'Net' }))).StackResourceDetail!;
    assert.equal(detail.ResourceType, 'AWS::VpcLattice::ServiceNetwork');
    assert.equal(detail.ResourceStatus, 'CREATE_COMPLETE');
    assert.ok(detail.LastUpdatedTimestamp instanceof Date);
    const physical = detail.PhysicalResourceId!;
    const byPhysical = (await cfn.send(new DescribeStackResourcesCommand({ PhysicalResourceId: physical }))).StackResources!;
    assert.deepEqual(byPhysical.map((r) => [r.StackName, r.LogicalResourceId]), [['api-net', 'Net']]);
    assert.ok(byPhysical[0]!.Timestamp instanceof Date, 'StackResource names its time Timestamp');
    assert.equal(byPhysical[0]!.StackId, stackId);
    const summaries = (await cfn.send(new ListStackResourcesCommand({ StackName: 'api-net' }))).StackResourceSummaries!;
    assert.deepEqual(summaries.map((s) => [s.LogicalResourceId, s.PhysicalResourceId, s.ResourceStatus]), [['Net', physical, 'CREATE_COMPLETE']]);
    const wrong = await rejects(cfn.send(new DescribeStackResourceCommand({ StackName: 'api-net', LogicalResourceId: 'Nope' })));
    assert.equal(wrong.name, 'ValidationError');

    assert.equal((await cfn.send(new GetTemplateCommand({ StackName: 'api-net' }))).TemplateBody, NET_TEMPLATE);
    const summary = await cfn.send(new GetTemplateSummaryCommand({ TemplateBody: ROLE_TEMPLATE }));
    assert.deepEqual(summary.ResourceTypes, ['AWS::IAM::Role']);
    assert.deepEqual(summary.Capabilities, ['CAPABILITY_NAMED_IAM']);
    const fromStack = await cfn.send(new GetTemplateSummaryCommand({ StackName: 'api-net' }));
    assert.deepEqual(fromStack.Parameters!.map((p) => [p.ParameterKey, p.NoEcho]).sort(), [['NetName', false], ['Secret', true]]);
    const valid = await cfn.send(new ValidateTemplateCommand({ TemplateBody: NET_TEMPLATE }));
    assert.equal(valid.Description, 'cfn-api <test> & friends');
    assert.deepEqual(valid.Parameters!.map((p) => p.ParameterKey).sort(), ['NetName', 'Secret']);

    const listed = (await cfn.send(new ListStacksCommand({ StackStatusFilter: ['CREATE_COMPLETE'] }))).StackSummaries!;
    assert.deepEqual(listed.map((s) => [s.StackName, s.TemplateDescription]), [['api-net', 'cfn-api <test> & friends']]);
  });

  it('exports and imports across stacks, and keeps an imported export', async () => {
    const { StackId: exporter } = await cfn.send(new CreateStackCommand({
      StackName: 'api-exp', TemplateBody: NET_TEMPLATE, Parameters: [{ ParameterKey: 'NetName', ParameterValue: 'api-exp-net' }],
    }));
    await waitUntilStackCreateComplete(waiter(), { StackName: 'api-exp' });
    const { StackId: importer } = await cfn.send(new CreateStackCommand({ StackName: 'api-importer', TemplateBody: IMPORTER_TEMPLATE }));
    await waitUntilStackCreateComplete(waiter(), { StackName: 'api-importer' });
    const exports = (await cfn.send(new ListExportsCommand({}))).Exports!;
    assert.deepEqual(exports.map((e) => [e.Name, e.ExportingStackId]).sort(), [['api-exp-net', exporter], ['api-net-net', stackId]]);
    assert.deepEqual((await cfn.send(new ListImportsCommand({ ExportName: 'api-exp-net' }))).Imports, ['api-importer']);
    const none = await query('ListImports', { ExportName: 'api-net-net' });
    assert.equal(none.status, 400);
    errorOf(none, 'ValidationError');

    // The exporter cannot be deleted while its export is imported; once the importer is gone, it can.
    await cfn.send(new DeleteStackCommand({ StackName: 'api-exp' }));
    const [still] = (await cfn.send(new DescribeStacksCommand({ StackName: exporter }))).Stacks!;
    assert.equal(still!.StackStatus, 'DELETE_FAILED');
    assert.match(still!.StackStatusReason ?? '', /api-exp-net/);
    await cfn.send(new DeleteStackCommand({ StackName: importer }));
    await waitUntilStackDeleteComplete(waiter(), { StackName: importer });
    await cfn.send(new DeleteStackCommand({ StackName: exporter }));
    await waitUntilStackDeleteComplete(waiter(), { StackName: exporter });
  });

  it('runs change sets: create, describe, list, execute, delete', async () => {
    const created = await cfn.send(new CreateChangeSetCommand({
      StackName: 'api-net', ChangeSetName: 'rename', ChangeSetType: 'UPDATE', UsePreviousTemplate: true,
      Parameters: [{ ParameterKey: 'NetName', ParameterValue: 'api-net-2' }, { ParameterKey: 'Secret', UsePreviousValue: true }],
      Description: 'rename the network',
    }));
    assert.match(created.Id!, /^arn:aws:cloudformation:us-east-1:111122223333:changeSet\/rename\//);
    assert.equal(created.StackId, stackId);
    const cs = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id! }));
    assert.equal(cs.Status, 'CREATE_COMPLETE');
    assert.equal(cs.ExecutionStatus, 'AVAILABLE');
    assert.equal(cs.Description, 'rename the network');
    const [change] = cs.Changes!;
    assert.equal(change!.Type, 'Resource');
    assert.equal(change!.ResourceChange!.Action, 'Modify');
    assert.equal(change!.ResourceChange!.LogicalResourceId, 'Net');
    assert.equal(change!.ResourceChange!.Replacement, 'True', 'a service network name is create-only');

    const listed = (await cfn.send(new ListChangeSetsCommand({ StackName: 'api-net' }))).Summaries!;
    assert.ok(listed.some((s) => s.ChangeSetName === 'rename' && s.ExecutionStatus === 'AVAILABLE'));

    const raw = await query('ExecuteChangeSet', { ChangeSetName: 'rename', StackName: 'api-net' });
    assert.equal(raw.status, 200, raw.text);
    assert.match(raw.text, /^<ExecuteChangeSetResponse xmlns="[^"]+"><ExecuteChangeSetResult><\/ExecuteChangeSetResult><ResponseMetadata>/);
    await waitUntilStackUpdateComplete(waiter(), { StackName: 'api-net' });
    const names = (await t.lattice.send(new ListServiceNetworksCommand({}))).items!.map((n) => n.name);
    assert.deepEqual(names, ['api-net-2'], 'replaced: the new network exists, the old one is gone');

    const empty = await cfn.send(new CreateChangeSetCommand({ StackName: 'api-net', ChangeSetName: 'same', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'NetName', UsePreviousValue: true }, { ParameterKey: 'Secret', UsePreviousValue: true }] }));
    const emptyCs = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: 'same', StackName: 'api-net' }));
    assert.equal(emptyCs.Status, 'FAILED');
    assert.match(emptyCs.StatusReason!, /The submitted information didn't contain changes/);
    const notExecutable = await query('ExecuteChangeSet', { ChangeSetName: empty.Id! });
    assert.equal(notExecutable.status, 400);
    errorOf(notExecutable, 'InvalidChangeSetStatus');
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: empty.Id! }));
    const gone = await rejects(cfn.send(new DescribeChangeSetCommand({ ChangeSetName: empty.Id! })));
    assert.equal(gone.name, 'ChangeSetNotFoundException');
    assert.equal(gone.$metadata.httpStatusCode, 404);
  });

  it('updates in place and deletes, with the SDK waiters', async () => {
    const update = await rejects(cfn.send(new UpdateStackCommand({ StackName: 'api-net', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'NetName', UsePreviousValue: true }, { ParameterKey: 'Secret', UsePreviousValue: true }] })));
    assert.equal(update.name, 'ValidationError');
    assert.match(update.message, /No updates are to be performed/);

    const tagged = NET_TEMPLATE.replace('Value: kuba', 'Value: someone-else');
    await cfn.send(new UpdateStackCommand({ StackName: 'api-net', TemplateBody: tagged, Parameters: [{ ParameterKey: 'NetName', UsePreviousValue: true }, { ParameterKey: 'Secret', UsePreviousValue: true }] }));
    await waitUntilStackUpdateComplete(waiter(), { StackName: 'api-net' });
    const [stack] = (await cfn.send(new DescribeStacksCommand({ StackName: 'api-net' }))).Stacks!;
    assert.equal(stack!.StackStatus, 'UPDATE_COMPLETE');
    assert.ok(stack!.LastUpdatedTime instanceof Date);

    const r = await query('DeleteStack', { StackName: 'api-net' });
    assert.equal(r.status, 200);
    assert.match(r.text, /^<DeleteStackResponse xmlns="[^"]+"><ResponseMetadata><RequestId>[^<]+<\/RequestId><\/ResponseMetadata><\/DeleteStackResponse>$/);
    await waitUntilStackDeleteComplete(waiter(), { StackName: 'api-net' });
    assert.deepEqual((await t.lattice.send(new ListServiceNetworksCommand({}))).items, []);
    const [deleted] = (await cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks!;
    assert.equal(deleted!.StackStatus, 'DELETE_COMPLETE');
    assert.ok(deleted!.DeletionTime instanceof Date);
    assert.deepEqual((await cfn.send(new ListExportsCommand({}))).Exports, []);
  });
});
