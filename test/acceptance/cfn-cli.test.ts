import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { bootTrellis, type TestTrellis } from '../support/trellis.js';
import { cfnClient } from '../../src/cli/cfn-commands.js';
import { deleteStack, deploy, type DeployOptions } from '../../src/cli/cfn-deploy.js';

/**
 * `trellis deploy`, `trellis delete-stack` and `trellis validate`: the flows in-process
 * against a real Trellis (output captured), and the command itself once per exit path.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = join(ROOT, 'examples/walkthrough');

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function trellis(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile('node', [join(ROOT, 'bin/trellis.mjs'), ...args], { timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      ok({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('trellis deploy, delete-stack and validate', () => {
  let t: TestTrellis;
  let client: CloudFormationClient;
  let tmp: string;
  const ec2 = readFileSync(join(EXAMPLE, 'ec2-formation.yaml'), 'utf8');
  const options = (o: Partial<DeployOptions> & Pick<DeployOptions, 'stackName' | 'templateBody'>): DeployOptions => ({
    parameterOverrides: [], capabilities: [], tags: [], execute: true, failOnEmptyChangeset: false, pollMs: 20, ...o,
  });
  const run = async (o: DeployOptions) => {
    const out = new Capture();
    const err = new Capture();
    const code = await deploy(client, o, out, err);
    return { code, out: out.text, err: err.text };
  };

  before(async () => {
    t = await bootTrellis();
    client = cfnClient(t.url, 'us-east-1');
    tmp = mkdtempSync(join(tmpdir(), 'trellis-cfn-cli-'));
  });
  after(async () => {
    client.destroy();
    await t.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('deploys with a change set and prints every event: elapsed, resource, status, type, id', async () => {
    const r = await run(options({ stackName: 'cli-ec2', templateBody: ec2, parameterOverrides: ['InstancePrivateIp=127.0.0.9'], tags: ['Owner=kuba'] }));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^Creating stack cli-ec2\n/);
    assert.match(r.out, /^ {2}\+ VPC +AWS::EC2::VPC$/m, 'the plan, before it runs');
    assert.match(r.out, /^ +\+0\.\d\ds {2}cli-ec2 +CREATE_IN_PROGRESS +AWS::CloudFormation::Stack +User Initiated$/m);
    assert.match(r.out, /^ +\+\d+\.\d\ds {2}VPC +CREATE_COMPLETE +AWS::EC2::VPC +vpc-[0-9a-f]{17}$/m);
    assert.match(r.out, /^ +\+\d+\.\d\ds {2}Instance +CREATE_COMPLETE +AWS::EC2::Instance +i-[0-9a-f]{17}$/m);
    assert.match(r.out, /^✔ cli-ec2 CREATE_COMPLETE in \d+\.\d\ds$/m);
    assert.match(r.out, /^ {2}InstanceId = i-[0-9a-f]{17} {2}\(export ec2-instanceid\)$/m);
    const [stack] = (await client.send(new DescribeStacksCommand({ StackName: 'cli-ec2' }))).Stacks!;
    assert.deepEqual(stack!.Tags, [{ Key: 'Owner', Value: 'kuba' }]);
    assert.equal(stack!.Parameters!.find((p) => p.ParameterKey === 'InstancePrivateIp')!.ParameterValue, '127.0.0.9');
  });

  it('re-deploys without changes: exit 0, or 1 with --fail-on-empty-changeset; keeps previous parameter values', async () => {
    const same = await run(options({ stackName: 'cli-ec2', templateBody: ec2 }));
    assert.equal(same.code, 0, same.out + same.err);
    assert.match(same.out, /No changes to deploy\. Stack cli-ec2 is up to date/);
    const strict = await run(options({ stackName: 'cli-ec2', templateBody: ec2, failOnEmptyChangeset: true }));
    assert.equal(strict.code, 1);
    const unknown = await run(options({ stackName: 'cli-ec2', templateBody: ec2, parameterOverrides: ['Nope=1'] }));
    assert.match(unknown.err, /the template has no parameter Nope/);
  });

  it('stops after the change set with --no-execute-changeset', async () => {
    const r = await run(options({ stackName: 'cli-planned', templateBody: ec2, execute: false }));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /describe-change-set --change-set-name arn:aws:cloudformation:us-east-1:111122223333:changeSet\/trellis-deploy-\d+\//);
    const [stack] = (await client.send(new DescribeStacksCommand({ StackName: 'cli-planned' }))).Stacks!;
    assert.equal(stack!.StackStatus, 'REVIEW_IN_PROGRESS');
  });

  it('exits 1 and shows the reason when a resource fails', async () => {
    const template = 'Resources:\n  Net:\n    Type: AWS::VpcLattice::ServiceNetwork\n    Properties:\n      Name: cli-net\n  Queue:\n    Type: AWS::SQS::Queue\n    DependsOn: Net\n';
    const r = await run(options({ stackName: 'cli-bad', templateBody: template }));
    assert.equal(r.code, 1);
    assert.match(r.out, /Queue +CREATE_FAILED +AWS::SQS::Queue +Trellis does not support resource type AWS::SQS::Queue/);
    assert.match(r.out, /^✘ cli-bad ROLLBACK_COMPLETE in \d+\.\d\ds — Queue: Trellis does not support resource type AWS::SQS::Queue$/m);
  });

  it('deletes a stack, showing its events; a missing stack is nothing to delete', async () => {
    const out = new Capture();
    assert.equal(await deleteStack(client, { stackName: 'cli-ec2', wait: true, pollMs: 20 }, out), 0, out.text);
    assert.match(out.text, /Instance +DELETE_COMPLETE +AWS::EC2::Instance/);
    assert.match(out.text, /^✔ cli-ec2 DELETE_COMPLETE in /m);
    const none = new Capture();
    assert.equal(await deleteStack(client, { stackName: 'cli-ec2', wait: true }, none), 0);
    assert.match(none.text, /Stack cli-ec2 does not exist; nothing to delete/);
  });

  it('the command: validate gives file:line and exit 2 for a typo; deploy exits 1 with one line', async () => {
    const typo = join(tmp, 'typo.yaml');
    writeFileSync(typo, readFileSync(join(EXAMPLE, 'lattice-formation.yaml'), 'utf8').replace('      Name: awesome-service\n', '      Nmae: awesome-service\n'));
    const bad = await trellis(['validate', typo, join(EXAMPLE, 'lattice-formation.yaml')]);
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stdout, new RegExp(`^${typo.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:152: error \\[unknown-property\\] .*Nmae`, 'm'));

    const denied = await trellis(['deploy', '--stack-name', 'cli-ecs', '--template-file', join(EXAMPLE, 'ecs-formation.yaml'), '--endpoint', t.url]);
    assert.equal(denied.code, 1, denied.stdout + denied.stderr);
    assert.equal(denied.stderr, 'trellis: InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_NAMED_IAM]\n');
  });
});
