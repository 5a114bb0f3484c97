import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudFormationClient, CreateChangeSetCommand, CreateStackCommand, DeleteChangeSetCommand, DeleteStackCommand,
  DescribeChangeSetCommand, DescribeStackEventsCommand, DescribeStackResourceCommand, DescribeStackResourcesCommand,
  DescribeStacksCommand, ExecuteChangeSetCommand, GetTemplateCommand, GetTemplateSummaryCommand, ListChangeSetsCommand,
  ListExportsCommand, ListImportsCommand, ListStackResourcesCommand, ListStacksCommand, UpdateStackCommand,
  ValidateTemplateCommand, paginateDescribeStackEvents, waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { randomUUID } from 'node:crypto';
import { scopeFor, signedScope } from '../../scope.js';
import { isQueryRequest, serveQuery } from '../protocol.js';
import { cloudFormationService } from './service.js';
import { MemoryStackEngine } from './memory-engine.js';

/**
 * The CloudFormation Query protocol at the wire, over the in-memory engine: every action
 * through the SDK, and statuses, headers and XML bodies through raw HTTP. The server here
 * dispatches as server.ts does (test/acceptance/cfn-api.test.ts runs the real one).
 */

const DEFAULTS = { partition: 'aws', region: 'us-east-1', account: '111122223333' } as const;

/** An HTTP server that speaks only the Query protocol, dispatched as server.ts dispatches. */
async function queryServer(engine: MemoryStackEngine, pageSize?: number): Promise<{ server: Server; url: string }> {
  const services = [cloudFormationService(engine, pageSize ? { pageSize } : {})];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const signed = signedScope(req, url);
    if (!isQueryRequest(req, url, signed.service)) { res.writeHead(404).end(); return; }
    void serveQuery(req, res, { services, scope: scopeFor(DEFAULTS, signed), requestId: randomUUID(), signingName: signed.service });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const CREDENTIALS = { accessKeyId: 'AKIATRELLISTEST00001', secretAccessKey: 'secret' };
const TEMPLATE = JSON.stringify({
  Description: 'web <tier> & "friends"\r\nsecond line',
  Parameters: { Env: { Type: 'String', Default: 'dev' }, Secret: { Type: 'String', Default: 's3cr3t', NoEcho: true } },
  Resources: { Vpc: { Type: 'AWS::EC2::VPC' }, Net: { Type: 'AWS::VpcLattice::ServiceNetwork' } },
  Outputs: { VpcOut: { Value: { Ref: 'Env' }, Export: { Name: 'web-env' } } },
});
const IAM_TEMPLATE = JSON.stringify({ Resources: { Role: { Type: 'AWS::IAM::Role' } } });

interface Raw { readonly status: number; readonly headers: Headers; readonly text: string }

describe('CloudFormation Query protocol (in-memory engine)', () => {
  let server: Server;
  let url: string;
  let cfn: CloudFormationClient;

  const raw = async (form: Record<string, string>, headers: Record<string, string> = {}): Promise<Raw> => {
    const res = await fetch(`${url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
      body: new URLSearchParams({ Version: '2010-05-15', ...form }).toString(),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  before(async () => {
    ({ server, url } = await queryServer(new MemoryStackEngine()));
    cfn = new CloudFormationClient({ endpoint: url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    cfn.destroy();
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  });

  it('answers CreateStack with the XML document AWS sends', async () => {
    const r = await raw({ Action: 'CreateStack', StackName: 'raw-stack', TemplateBody: TEMPLATE, 'Tags.member.1.Key': 'Owner', 'Tags.member.1.Value': 'kuba' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/xml');
    const rid = r.headers.get('x-amzn-requestid');
    assert.ok(rid);
    assert.match(r.text, new RegExp('^<CreateStackResponse xmlns="http://cloudformation\\.amazonaws\\.com/doc/2010-05-15/"><CreateStackResult>'
      + '<StackId>arn:aws:cloudformation:us-east-1:111122223333:stack/raw-stack/[0-9a-f-]{36}</StackId></CreateStackResult>'
      + `<ResponseMetadata><RequestId>${rid}</RequestId></ResponseMetadata></CreateStackResponse>$`));
  });

  it('answers DeleteStack without a Result element', async () => {
    const r = await raw({ Action: 'DeleteStack', StackName: 'raw-stack' });
    assert.equal(r.status, 200);
    assert.match(r.text, /^<DeleteStackResponse xmlns="[^"]+"><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DeleteStackResponse>$/);
  });

  it('answers errors with ErrorResponse, the code and the status of the service', async () => {
    const missing = await raw({ Action: 'DescribeStacks', StackName: 'nope' });
    assert.equal(missing.status, 400);
    assert.match(missing.text, /^<ErrorResponse xmlns="http:\/\/cloudformation\.amazonaws\.com\/doc\/2010-05-15\/"><Error><Type>Sender<\/Type><Code>ValidationError<\/Code><Message>Stack with id nope does not exist<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);

    const unknown = await raw({ Action: 'DescribeStackDrift' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /<Code>InvalidAction<\/Code><Message>Could not find operation DescribeStackDrift for version 2010-05-15<\/Message>/);

    const invalid = await raw({ Action: 'DescribeStackEvents' });
    assert.equal(invalid.status, 400);
    assert.match(invalid.text, /<Code>ValidationError<\/Code><Message>1 validation error detected: Value null at &apos;stackName&apos; failed to satisfy constraint: Member must not be null<\/Message>/);

    const noChangeSet = await raw({ Action: 'DescribeChangeSet', ChangeSetName: 'arn:aws:cloudformation:us-east-1:111122223333:changeSet/x/y' });
    assert.equal(noChangeSet.status, 404);
    assert.match(noChangeSet.text, /<Type>Sender<\/Type><Code>ChangeSetNotFound<\/Code>/);

    const badCaps = await raw({ Action: 'CreateStack', StackName: 'caps', TemplateBody: TEMPLATE, 'Capabilities.member.1': 'CAPABILITY_EVERYTHING' });
    assert.equal(badCaps.status, 400);
    assert.match(badCaps.text, /Value &apos;\[CAPABILITY_EVERYTHING\]&apos; at &apos;capabilities&apos; failed to satisfy constraint/);

    const both = await raw({ Action: 'CreateStack', StackName: 'both', TemplateBody: TEMPLATE, DisableRollback: 'true', OnFailure: 'DELETE' });
    assert.equal(both.status, 400);
    assert.match(both.text, /You cannot specify both DisableRollback and OnFailure\./);

    const url = await raw({ Action: 'ValidateTemplate', TemplateURL: 'https://s3.amazonaws.com/b/t.yaml' });
    assert.equal(url.status, 400);
    assert.match(url.text, /TemplateURL is not supported by Trellis/);
  });

  it('picks the service by the SigV4 scope, else by Version; other requests are not Query', async () => {
    const signed = await raw({ Action: 'ListStacks', Version: '' }, {
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIATRELLISTEST00001/20240101/us-east-1/cloudformation/aws4_request, SignedHeaders=host, Signature=00',
    });
    assert.equal(signed.status, 200);
    assert.match(signed.text, /^<ListStacksResponse /);
    const otherService = await raw({ Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.equal(otherService.status, 400);
    assert.match(otherService.text, /<Code>InvalidAction<\/Code>/);
    const lattice = await fetch(`${url}/servicenetworks`);
    assert.equal(lattice.status, 404, 'a REST-JSON request is not taken for a Query one');
    const json = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(json.status, 404);
  });

  it('serves every stack action through the SDK', async () => {
    const { StackId } = await cfn.send(new CreateStackCommand({
      StackName: 'web', TemplateBody: TEMPLATE, Parameters: [{ ParameterKey: 'Env', ParameterValue: 'prod' }],
      Tags: [{ Key: 'Owner', Value: 'kuba' }],
    }));
    assert.match(StackId!, /^arn:aws:cloudformation:us-east-1:111122223333:stack\/web\//);
    await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 5, minDelay: 1 }, { StackName: 'web' });

    const [stack] = (await cfn.send(new DescribeStacksCommand({ StackName: 'web' }))).Stacks!;
    assert.equal(stack!.StackStatus, 'CREATE_COMPLETE');
    assert.equal(stack!.Description, 'web <tier> & "friends"\r\nsecond line');
    assert.ok(stack!.CreationTime instanceof Date);
    assert.deepEqual(stack!.Parameters, [{ ParameterKey: 'Env', ParameterValue: 'prod' }, { ParameterKey: 'Secret', ParameterValue: '****' }]);
    assert.deepEqual(stack!.Outputs, [{ OutputKey: 'VpcOut', OutputValue: 'prod', ExportName: 'web-env' }]);
    assert.deepEqual(stack!.Tags, [{ Key: 'Owner', Value: 'kuba' }]);
    assert.deepEqual(stack!.Capabilities, []);

    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'web' }))).StackEvents!;
    assert.equal(events[0]!.ResourceStatus, 'CREATE_COMPLETE');
    assert.equal(events[0]!.LogicalResourceId, 'web');
    assert.ok(events.every((e) => e.Timestamp instanceof Date && e.EventId));

    const detail = (await cfn.send(new DescribeStackResourceCommand({ StackName: 'web', LogicalResourceId: 'Vpc' }))).StackResourceDetail!;
    assert.equal(detail.PhysicalResourceId, 'web-Vpc-physical');
    assert.ok(detail.LastUpdatedTimestamp instanceof Date);
    const byPhysical = (await cfn.send(new DescribeStackResourcesCommand({ PhysicalResourceId: 'web-Vpc-physical' }))).StackResources!;
    assert.deepEqual(byPhysical.map((r) => r.LogicalResourceId), ['Vpc', 'Net']);
    const listed = (await cfn.send(new ListStackResourcesCommand({ StackName: 'web' }))).StackResourceSummaries!;
    assert.deepEqual(listed.map((r) => [r.LogicalResourceId, r.ResourceType, r.ResourceStatus]), [['Vpc', 'AWS::EC2::VPC', 'CREATE_COMPLETE'], ['Net', 'AWS::VpcLattice::ServiceNetwork', 'CREATE_COMPLETE']]);
    const noSuch = await cfn.send(new DescribeStackResourceCommand({ StackName: 'web', LogicalResourceId: 'Nope' })).catch((e: unknown) => e);
    assert.match(String(noSuch), /Resource Nope does not exist for stack web/);

    const body = (await cfn.send(new GetTemplateCommand({ StackName: 'web' }))).TemplateBody;
    assert.equal(body, TEMPLATE, 'the template survives the XML round trip byte for byte');
    const summary = await cfn.send(new GetTemplateSummaryCommand({ StackName: 'web' }));
    assert.deepEqual(summary.ResourceTypes, ['AWS::EC2::VPC', 'AWS::VpcLattice::ServiceNetwork']);
    assert.deepEqual(summary.Parameters!.map((p) => [p.ParameterKey, p.ParameterType, p.DefaultValue, p.NoEcho]), [['Env', 'String', 'dev', false], ['Secret', 'String', 's3cr3t', true]]);
    const validated = await cfn.send(new ValidateTemplateCommand({ TemplateBody: IAM_TEMPLATE }));
    assert.deepEqual(validated.Capabilities, ['CAPABILITY_IAM']);
    assert.match(validated.CapabilitiesReason!, /AWS::IAM::Role/);

    const exports = (await cfn.send(new ListExportsCommand({}))).Exports!;
    assert.deepEqual(exports, [{ ExportingStackId: StackId, Name: 'web-env', Value: 'prod' }]);
    const imports = await cfn.send(new ListImportsCommand({ ExportName: 'web-env' })).catch((e: unknown) => e);
    assert.match(String(imports), /Export 'web-env' is not imported by any stack\./);

    const summaries = (await cfn.send(new ListStacksCommand({ StackStatusFilter: ['CREATE_COMPLETE'] }))).StackSummaries!;
    assert.ok(summaries.some((s) => s.StackName === 'web' && s.TemplateDescription?.startsWith('web <tier>')));

    await cfn.send(new UpdateStackCommand({ StackName: 'web', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'Env', ParameterValue: 'stage' }] }));
    const [updated] = (await cfn.send(new DescribeStacksCommand({ StackName: StackId }))).Stacks!;
    assert.equal(updated!.StackStatus, 'UPDATE_COMPLETE');
    assert.ok(updated!.LastUpdatedTime instanceof Date);
    const noUpdate = await cfn.send(new UpdateStackCommand({ StackName: 'web', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'Env', UsePreviousValue: true }] })).catch((e: unknown) => e);
    assert.match(String(noUpdate), /No updates are to be performed/);

    await cfn.send(new DeleteStackCommand({ StackName: 'web' }));
    const gone = await cfn.send(new DescribeStacksCommand({ StackName: 'web' })).catch((e: { name?: string; message?: string }) => e);
    assert.equal((gone as { name?: string }).name, 'ValidationError');
    const [deleted] = (await cfn.send(new DescribeStacksCommand({ StackName: StackId }))).Stacks!;
    assert.equal(deleted!.StackStatus, 'DELETE_COMPLETE');
    assert.ok(deleted!.DeletionTime instanceof Date);
  });

  it('serves change sets as `aws cloudformation deploy` uses them', async () => {
    const created = await cfn.send(new CreateChangeSetCommand({
      StackName: 'cs', ChangeSetName: 'first', ChangeSetType: 'CREATE', TemplateBody: IAM_TEMPLATE, Capabilities: ['CAPABILITY_NAMED_IAM'], Parameters: [], Tags: [],
    }));
    assert.match(created.Id!, /:changeSet\/first\//);
    const cs = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id! }));
    assert.equal(cs.Status, 'CREATE_COMPLETE');
    assert.equal(cs.ExecutionStatus, 'AVAILABLE');
    assert.deepEqual(cs.Changes, [{ Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'Role', ResourceType: 'AWS::IAM::Role', Scope: [], Details: [] } }]);
    const byName = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: 'first', StackName: 'cs' }));
    assert.equal(byName.ChangeSetId, created.Id);
    const nameWithoutStack = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: 'first' })).catch((e: unknown) => e);
    assert.match(String(nameWithoutStack), /StackName must be specified/);

    const list = (await cfn.send(new ListChangeSetsCommand({ StackName: 'cs' }))).Summaries!;
    assert.deepEqual(list.map((s) => [s.ChangeSetName, s.Status]), [['first', 'CREATE_COMPLETE']]);
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id!, StackName: 'cs' }));
    await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 5, minDelay: 1 }, { StackName: 'cs' });

    const again = await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id! })).catch((e: { name?: string; $metadata?: { httpStatusCode?: number } }) => e);
    assert.equal((again as { name?: string }).name, 'InvalidChangeSetStatusException');

    const empty = await cfn.send(new CreateChangeSetCommand({ StackName: 'cs', ChangeSetName: 'same', ChangeSetType: 'UPDATE', TemplateBody: IAM_TEMPLATE, Capabilities: ['CAPABILITY_IAM'] }));
    const emptyCs = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: empty.Id! }));
    assert.equal(emptyCs.Status, 'FAILED');
    assert.match(emptyCs.StatusReason!, /The submitted information didn't contain changes/);
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: 'same', StackName: 'cs' }));
    const afterDelete = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: empty.Id! })).catch((e: { name?: string; $metadata?: { httpStatusCode?: number } }) => e);
    assert.equal((afterDelete as { name?: string }).name, 'ChangeSetNotFoundException');
    assert.equal((afterDelete as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 404);

    const noCaps = await cfn.send(new CreateChangeSetCommand({ StackName: 'cs', ChangeSetName: 'nocaps', TemplateBody: IAM_TEMPLATE })).catch((e: unknown) => e);
    assert.equal((noCaps as { name?: string }).name, 'InsufficientCapabilitiesException');
  });

  it('pages with NextToken, and the SDK paginator follows it', async () => {
    const { server: small, url: smallUrl } = await queryServer(new MemoryStackEngine(), 2);
    const client = new CloudFormationClient({ endpoint: smallUrl, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      await client.send(new CreateStackCommand({ StackName: 'paged', TemplateBody: TEMPLATE }));
      const first = await client.send(new DescribeStackEventsCommand({ StackName: 'paged' }));
      assert.equal(first.StackEvents!.length, 2);
      assert.ok(first.NextToken);
      const all: string[] = [];
      for await (const page of paginateDescribeStackEvents({ client }, { StackName: 'paged' })) all.push(...page.StackEvents!.map((e) => e.EventId!));
      assert.equal(all.length, 4);
      assert.equal(new Set(all).size, 4);
      const bad = await client.send(new DescribeStackEventsCommand({ StackName: 'paged', NextToken: 'bogus' })).catch((e: unknown) => e);
      assert.match(String(bad), /Invalid NextToken/);
    } finally {
      client.destroy();
      small.closeAllConnections();
      await new Promise<void>((ok) => small.close(() => ok()));
    }
  });
});
