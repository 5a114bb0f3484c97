import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStackEventsCommand, DescribeStackResourcesCommand,
  DescribeStacksCommand, UpdateStackCommand, type Stack,
} from '@aws-sdk/client-cloudformation';
import { SignatureV4 } from '@smithy/signature-v4';
import { lintTemplate } from '../../src/cfn/index.js';
import { bootTrellis, eventually, TEST_CREDENTIALS, type TestTrellis } from '../support/trellis.js';
import { Sha256, type Keys } from '../support/sha256.js';
import { viaProxy, type Reply } from './dataplane-support.js';

/**
 * AWS::Lambda::Function with inline code, deployed through the CloudFormation API with a
 * LAMBDA target group that registers `!GetAtt Fn.Arn`, a service, listener and associations:
 * the handler (CommonJS, as CloudFormation writes inline Node.js code) answers through the
 * gateway, with the caller's identity in the V2 event; an update of the code changes the
 * answer; deleting the stack removes the function record and its code. Code Trellis cannot
 * run (S3, a Python runtime) fails the stack with the reason.
 */

const VPC = 'vpc-0cf1a2b3c4d5e6f70';
const ACCOUNT = '111122223333';

const template = (message: string) => `
Parameters:
  VpcId: { Type: String }
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Role: arn:aws:iam::${ACCOUNT}:role/lambda-role
      Timeout: 5
      Code:
        ZipFile: |
          // CommonJS, as inline code is: exports and module exist only in a CommonJS module.
          exports.handler = async (event, context) => ({
            statusCode: 200,
            isBase64Encoded: false,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              message: '${message}', kind: typeof module, path: event.path,
              identity: event.requestContext.identity, fn: context.invokedFunctionArn,
            }),
          });
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: vpc-lattice.amazonaws.com
      SourceArn: !GetAtt Group.Arn
  Group:
    Type: AWS::VpcLattice::TargetGroup
    Properties:
      Name: cfn-lambda-tg
      Type: LAMBDA
      Config: { LambdaEventStructureVersion: V2 }
      Targets: [{ Id: !GetAtt Fn.Arn }]
  Network:
    Type: AWS::VpcLattice::ServiceNetwork
    Properties: { Name: cfn-lambda-net, AuthType: NONE }
  Service:
    Type: AWS::VpcLattice::Service
    Properties: { Name: cfn-lambda-svc, AuthType: NONE }
  Listener:
    Type: AWS::VpcLattice::Listener
    Properties:
      Name: http
      Port: 80
      Protocol: HTTP
      ServiceIdentifier: !Ref Service
      DefaultAction:
        Forward:
          TargetGroups: [{ TargetGroupIdentifier: !Ref Group, Weight: 100 }]
  ServiceAssociation:
    Type: AWS::VpcLattice::ServiceNetworkServiceAssociation
    Properties: { ServiceIdentifier: !Ref Service, ServiceNetworkIdentifier: !Ref Network }
  VpcAssociation:
    Type: AWS::VpcLattice::ServiceNetworkVpcAssociation
    Properties: { ServiceNetworkIdentifier: !Ref Network, VpcIdentifier: !Ref VpcId }
Outputs:
  FunctionName: { Value: !Ref Fn }
  FunctionArn: { Value: !GetAtt Fn.Arn }
  Host: { Value: !GetAtt Service.DnsEntry.DomainName }
`;

/** Headers of a data-plane request signed as the SDK signs (vpc-lattice-svcs, UNSIGNED-PAYLOAD). */
async function signedHeaders(keys: Keys, host: string, path: string): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials: keys, region: 'us-east-1', service: 'vpc-lattice-svcs', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const out = await signer.sign({
    method: 'GET', protocol: 'http:', hostname: host, path, query: {}, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  }, { signingDate: new Date() });
  return out.headers;
}

interface Answer { message: string; kind: string; path: string; identity: Record<string, unknown>; fn: string }

describe('AWS::Lambda::Function (inline code) through CloudFormation and the gateway', () => {
  let t: TestTrellis;
  let cfn: CloudFormationClient;
  let host = '';
  let fnName = '';
  let fnArn = '';

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    cfn = new CloudFormationClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    assert.equal((await t.wire('POST', '/_trellis/vpcs', { vpcId: VPC, cidrBlock: '10.78.0.0/16' })).status, 200);
  });
  after(async () => { cfn.destroy(); await t.close(); });

  const settled = (name: string) => eventually(async () => {
    const s = (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
    return !s.StackStatus!.endsWith('_IN_PROGRESS') && s;
  }, 15_000);
  const output = (s: Stack, key: string) => s.Outputs!.find((o) => o.OutputKey === key)!.OutputValue!;
  const get = (path: string, headers: Record<string, string> = {}): Promise<Reply> =>
    viaProxy(Number(t.gateway!.split(':')[1]), VPC, `http://${host}${path}`, { headers });
  const answer = (r: Reply): Answer => JSON.parse(r.body) as Answer;
  const params = [{ ParameterKey: 'VpcId', ParameterValue: VPC }];

  it('deploys: Ref is the function name, GetAtt Arn its ARN; the handler answers through the gateway', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'fn-stack', TemplateBody: template('first'), Parameters: params }));
    const s = await settled('fn-stack');
    assert.equal(s.StackStatus, 'CREATE_COMPLETE', s.StackStatusReason);
    fnName = output(s, 'FunctionName');
    fnArn = output(s, 'FunctionArn');
    host = output(s, 'Host');
    assert.match(fnName, /^fn-stack-Fn-[A-Z0-9]{12}$/, 'a generated name: stack, logical id, random part');
    assert.equal(fnArn, `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${fnName}`);

    const fns = (await t.wire('GET', '/_trellis/functions')).json.items as { functionArn: string; handler: string; timeout: number }[];
    assert.equal(fns.length, 1);
    assert.equal(fns[0]!.functionArn, fnArn);
    assert.equal(fns[0]!.timeout, 5);
    // The code is index.js beside a CommonJS package.json, under the data dir.
    const file = fns[0]!.handler.slice(0, fns[0]!.handler.lastIndexOf('#'));
    assert.ok(file.startsWith(join(t.dataDir, 'functions', ACCOUNT, 'us-east-1', fnName)), file);
    assert.ok(file.endsWith('/index.js'));
    assert.deepEqual(JSON.parse(readFileSync(join(file, '..', 'package.json'), 'utf8')), { type: 'commonjs' });

    const r = await eventually(async () => { const x = await get('/hello?x=1'); return x.status === 200 && x; }, 10_000);
    const a = answer(r);
    assert.equal(a.message, 'first');
    assert.equal(a.kind, 'object', 'run as CommonJS');
    assert.equal(a.path, '/hello?x=1');
    assert.equal(a.fn, fnArn);
    assert.deepEqual(a.identity, { sourceVpcArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/${VPC}` }, 'an unsigned caller: the source VPC only');

    const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: 'fn-stack' }))).StackResources!;
    const perm = resources.find((x) => x.LogicalResourceId === 'Permission')!;
    assert.equal(perm.ResourceStatus, 'CREATE_COMPLETE');
    assert.ok(perm.PhysicalResourceId);
  });

  it('gives a signed caller its identity in the V2 event (type AWS_IAM, principal)', async () => {
    const r = await get('/signed', await signedHeaders(t.bootstrap, host, '/signed'));
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(answer(r).identity, {
      sourceVpcArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/${VPC}`, type: 'AWS_IAM', principal: `arn:aws:iam::${ACCOUNT}:root`,
    });
  });

  it('updates the code in place: the new answer, same function', async () => {
    await cfn.send(new UpdateStackCommand({ StackName: 'fn-stack', TemplateBody: template('second'), Parameters: params }));
    const s = await settled('fn-stack');
    assert.equal(s.StackStatus, 'UPDATE_COMPLETE', s.StackStatusReason);
    assert.equal(output(s, 'FunctionName'), fnName, 'updated in place, not replaced');
    const r = await eventually(async () => { const x = await get('/again'); return x.status === 200 && answer(x).message === 'second' && x; }, 10_000);
    assert.equal(answer(r).fn, fnArn);
  });

  it('validates as a template: the Lambda types have schemas (unknown properties and attributes are flagged)', () => {
    assert.deepEqual(lintTemplate(template('x')).filter((f) => f.severity === 'error'), []);
    const bad = lintTemplate(template('x').replace('Timeout: 5', 'Timout: 5').replace('!GetAtt Fn.Arn }]', '!GetAtt Fn.Arnn }]'));
    assert.ok(bad.some((f) => f.rule === 'unknown-property' && f.logicalId === 'Fn'), JSON.stringify(bad));
    assert.ok(bad.some((f) => f.rule === 'bad-getatt' && /Arnn/.test(f.message)), JSON.stringify(bad));
  });

  it('deletes: the function record and its code are gone', async () => {
    const dir = join(t.dataDir, 'functions', ACCOUNT, 'us-east-1', fnName);
    assert.ok(existsSync(dir));
    await cfn.send(new DeleteStackCommand({ StackName: 'fn-stack' }));
    await eventually(async () => {
      const s = (await cfn.send(new DescribeStacksCommand({ StackName: 'fn-stack' })).catch(() => undefined))?.Stacks?.[0];
      return (s === undefined || s.StackStatus === 'DELETE_COMPLETE') && true;
    }, 15_000);
    assert.deepEqual((await t.wire('GET', '/_trellis/functions')).json.items, []);
    assert.equal(existsSync(dir), false);
  });

  it('fails the stack with the reason for code Trellis cannot run (S3, a non-Node.js runtime), and for a missing function', async () => {
    const cases: [string, string, RegExp][] = [
      ['s3-code', template('x').replace(/ZipFile: \|[\s\S]*?\n {2}Permission:/, 'S3Bucket: my-bucket\n        S3Key: fn.zip\n  Permission:'),
        /Code\.S3Bucket: Trellis runs only inline ZipFile code; register other functions with `trellis function register`/],
      ['py-code', template('x').replace('nodejs20.x', 'python3.12'), /Runtime python3\.12: Trellis runs inline code of the Node\.js runtimes/],
      ['bad-handler', template('x').replace('index.handler', 'app.handler'), /Handler app\.handler: inline code is the file index\.js/],
    ];
    for (const [name, body, reason] of cases) {
      await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: body, Parameters: params }));
      const s = await settled(name);
      assert.equal(s.StackStatus, 'ROLLBACK_COMPLETE', name);
      const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: name }))).StackEvents!;
      const failed = events.find((e) => e.LogicalResourceId === 'Fn' && e.ResourceStatus === 'CREATE_FAILED');
      assert.match(failed?.ResourceStatusReason ?? '', reason, name);
    }
    const orphan = `Resources:
  Permission:
    Type: AWS::Lambda::Permission
    Properties: { FunctionName: nowhere, Action: lambda:InvokeFunction, Principal: vpc-lattice.amazonaws.com }
`;
    await cfn.send(new CreateStackCommand({ StackName: 'orphan-permission', TemplateBody: orphan }));
    assert.equal((await settled('orphan-permission')).StackStatus, 'ROLLBACK_COMPLETE');
    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'orphan-permission' }))).StackEvents!;
    assert.match(events.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason ?? '', new RegExp(`Function not found: arn:aws:lambda:us-east-1:${ACCOUNT}:function:nowhere`));
    assert.deepEqual((await t.wire('GET', '/_trellis/functions')).json.items, [], 'nothing left behind');
  });
});
