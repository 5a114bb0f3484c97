import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import {
  ListServiceNetworksCommand, ListServicesCommand, ListTargetGroupsCommand,
} from '@aws-sdk/client-vpc-lattice';
import { bootTrellis, eventually, type TestTrellis } from '../support/trellis.js';
import { aws, type CliResult } from '../support/aws-cli.js';
import { viaProxy } from './dataplane-support.js';
import { startBackend, type Backend } from '../../examples/walkthrough/backends.mjs';

/**
 * The walkthrough's three stacks deployed with `aws cloudformation deploy`, unchanged but
 * for the endpoint, as `make build` in examples/walkthrough runs it; then the post's
 * check (curl alternating text/html and application/json through the gateway), re-deploys
 * (no changes, parameter overrides, --no-execute-changeset) and `make clean`'s deletes,
 * after which no Lattice resource is left.
 *
 * The backends listen on port 80, the target port lattice-formation.yaml names, on loopback
 * addresses of their own (the stacks take the addresses as parameters). Binding port 80
 * needs root on Linux; without it the traffic check is skipped, and says so.
 */

const DIR = resolve(import.meta.dirname, '../../examples/walkthrough');
const HTML_IP = '127.0.0.61';
const JSON_IP = '127.0.0.62';

describe('aws cloudformation deploy of the walkthrough', () => {
  let t: TestTrellis;
  let html: Backend | undefined;
  let json: Backend | undefined;
  let backendsSkipped: string | undefined;
  const timings: string[] = [];

  const cfn = async (...args: string[]): Promise<CliResult> => {
    const started = Date.now();
    const r = await aws(t.url, ['cloudformation', ...args]);
    if (args[0] === 'deploy') timings.push(`${args[2]} ${args.includes('--parameter-overrides') ? '(overrides) ' : ''}${((Date.now() - started) / 1000).toFixed(2)}s exit ${r.code}`);
    return r;
  };
  const ok = (r: CliResult) => { assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`); return r; };
  /**
   * `aws cloudformation deploy` names its change set `awscli-cloudformation-package-deploy-<epoch
   * seconds>`, and an empty (FAILED) change set stays, as on AWS: two deploys of one stack in
   * the same second collide (AlreadyExistsException) on AWS too. So a deploy of a stack waits,
   * if it must, for the next second after the previous deploy of that stack.
   */
  const lastDeploy = new Map<string, number>();
  const deploy = async (stack: string, file: string, ...extra: string[]) => {
    const last = lastDeploy.get(stack);
    if (last !== undefined && Math.floor(Date.now() / 1000) <= Math.floor(last / 1000)) {
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
    }
    try {
      return await cfn('deploy', '--stack-name', stack, '--template-file', resolve(DIR, file), '--region', 'us-east-1', ...extra);
    } finally {
      lastDeploy.set(stack, Date.now());
    }
  };

  before(async () => {
    t = await bootTrellis({ dataPlane: true });
    try {
      html = await startBackend({ kind: 'html', host: HTML_IP, port: 80 });
      json = await startBackend({ kind: 'json', host: JSON_IP, port: 80 });
    } catch (e) {
      backendsSkipped = `cannot listen on port 80 (${e instanceof Error ? e.message : String(e)}): run as root to check traffic`;
      await html?.stop();
      html = undefined;
    }
  });
  after(async () => {
    await html?.stop();
    await json?.stop();
    await t.close();
    // How long each `aws cloudformation deploy` took, CLI start-up (about 1 s) included.
    process.stdout.write(`# aws cloudformation deploy timings: ${timings.join('; ')}\n`);
  });

  it('deploys the EC2 and ECS stacks; the ECS one needs CAPABILITY_NAMED_IAM, as on AWS', async () => {
    const ec2 = ok(await deploy('lattice-ec2', 'ec2-formation.yaml', '--capabilities', 'CAPABILITY_NAMED_IAM', '--parameter-overrides', `InstancePrivateIp=${HTML_IP}`));
    assert.match(ec2.stdout, /Successfully created\/updated stack - lattice-ec2/);

    const noCaps = await deploy('lattice-ecs', 'ecs-formation.yaml', '--parameter-overrides', `LoadBalancerAddress=${JSON_IP}`);
    assert.equal(noCaps.code, 255);
    assert.match(noCaps.stderr, /InsufficientCapabilitiesException.*CAPABILITY_NAMED_IAM/s);
    ok(await deploy('lattice-ecs', 'ecs-formation.yaml', '--capabilities', 'CAPABILITY_NAMED_IAM', '--parameter-overrides', `LoadBalancerAddress=${JSON_IP}`));

    const exports = ok(await cfn('list-exports')).json.Exports as { Name: string; Value: string }[];
    assert.deepEqual(exports.map((e) => e.Name).sort(), ['ec2-instanceid', 'ec2-vpc', 'ec2-vpc-cidr', 'ecs-alb-arn', 'ecs-vpc', 'ecs-vpc-cidr']);
    assert.equal(exports.find((e) => e.Name === 'ec2-vpc-cidr')!.Value, '10.0.0.0/16');
    assert.match(exports.find((e) => e.Name === 'ecs-alb-arn')!.Value, /^arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer\/app\/lattice-ecs-alb\/[0-9a-f]{16}$/);
  });

  it('deploys lattice-formation.yaml byte for byte, importing those exports', async () => {
    const r = ok(await deploy('lattice-itself', 'lattice-formation.yaml', '--capabilities', 'CAPABILITY_NAMED_IAM'));
    assert.match(r.stdout, /Successfully created\/updated stack - lattice-itself/);
    const events = ok(await cfn('describe-stack-events', '--stack-name', 'lattice-itself')).json.StackEvents as { LogicalResourceId: string; ResourceStatus: string }[];
    assert.deepEqual(events[0], { ...events[0], LogicalResourceId: 'lattice-itself', ResourceStatus: 'CREATE_COMPLETE' });
    const completed = events.filter((e) => e.ResourceStatus === 'CREATE_COMPLETE').map((e) => e.LogicalResourceId).sort();
    assert.deepEqual(completed, ['EC2GeneralSecurityGroup', 'EC2TargetGroup', 'EC2VpcAssocination', 'ECSGeneralSecurityGroup', 'ECSTargetGroup',
      'ECSVpcAssocination', 'GeneralListener', 'LatticeServiceNetwork', 'Service', 'ServiceNetworkAssocination', 'lattice-itself']);
    const imports = ok(await cfn('list-imports', '--export-name', 'ec2-vpc')).json.Imports;
    assert.deepEqual(imports, ['lattice-itself']);
  });

  it('alternates text/html and application/json through the proxy gateway, as the post shows', async (c) => {
    if (backendsSkipped) { c.skip(backendsSkipped); return; }
    const [svc] = (await t.lattice.send(new ListServicesCommand({}))).items!;
    const dns = svc!.dnsEntry!.domainName!;
    const ec2Vpc = (ok(await cfn('list-exports')).json.Exports as { Name: string; Value: string }[]).find((e) => e.Name === 'ec2-vpc')!.Value;
    const port = Number(t.gateway!.split(':')[1]);
    const types = await eventually(async () => {
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await viaProxy(port, ec2Vpc, `http://${dns}/`);
        if (r.status !== 200) return undefined;
        seen.push(String(r.headers['content-type']));
      }
      return seen;
    }, 10_000, 50);
    assert.equal(new Set(types).size, 2, types.join(', '));
    assert.deepEqual([...new Set(types)].sort(), ['application/json', 'text/html']);
    for (let i = 1; i < types.length; i++) assert.notEqual(types[i], types[i - 1], `10/10 weights alternate: ${types.join(', ')}`);
    assert.ok(html!.requests.some((r) => r.url === '/' && r.headers['user-agent'] !== undefined));
  });

  it('re-deploys: no changes (255, or 0 with --no-fail-on-empty-changeset), overrides, --no-execute-changeset', async () => {
    const same = await deploy('lattice-itself', 'lattice-formation.yaml', '--capabilities', 'CAPABILITY_NAMED_IAM');
    assert.equal(same.code, 255);
    assert.match(same.stderr + same.stdout, /No changes to deploy\. Stack lattice-itself is up to date/);
    const sameOk = ok(await deploy('lattice-itself', 'lattice-formation.yaml', '--capabilities', 'CAPABILITY_NAMED_IAM', '--no-fail-on-empty-changeset'));
    assert.match(sameOk.stdout, /No changes to deploy/);

    // make ecs-fastapi: new parameter values; the others keep theirs (UsePreviousValue).
    ok(await deploy('lattice-ecs', 'ecs-formation.yaml', '--capabilities', 'CAPABILITY_NAMED_IAM', '--parameter-overrides',
      'ContainerImage=123441.dkr.ecr.us-east-1.amazonaws.com/fastapi-repository:latest', 'HCPath=/healtz'));
    const [ecs] = ok(await cfn('describe-stacks', '--stack-name', 'lattice-ecs')).json.Stacks;
    assert.equal(ecs.StackStatus, 'UPDATE_COMPLETE');
    const params = Object.fromEntries((ecs.Parameters as { ParameterKey: string; ParameterValue: string }[]).map((p) => [p.ParameterKey, p.ParameterValue]));
    assert.equal(params.HCPath, '/healtz');
    assert.equal(params.LoadBalancerAddress, JSON_IP, 'kept from the first deploy');
    assert.equal((ecs.Outputs as { OutputKey: string; OutputValue: string }[]).find((o) => o.OutputKey === 'HealthCheckPath')!.OutputValue, '/healtz');

    const planned = ok(await deploy('lattice-ecs', 'ecs-formation.yaml', '--capabilities', 'CAPABILITY_NAMED_IAM', '--no-execute-changeset', '--parameter-overrides', 'HCPath=/ready'));
    assert.match(planned.stdout, /Changeset created successfully/);
    const [unchanged] = ok(await cfn('describe-stacks', '--stack-name', 'lattice-ecs')).json.Stacks;
    assert.equal(unchanged.StackStatus, 'UPDATE_COMPLETE');
    assert.ok((unchanged.Parameters as { ParameterKey: string; ParameterValue: string }[]).some((p) => p.ParameterKey === 'HCPath' && p.ParameterValue === '/healtz'));
    const sets = ok(await cfn('list-change-sets', '--stack-name', 'lattice-ecs')).json.Summaries as { ExecutionStatus: string; Status: string }[];
    assert.ok(sets.some((s) => s.Status === 'CREATE_COMPLETE' && s.ExecutionStatus === 'AVAILABLE'));
  });

  it('make clean: deletes the stacks, Lattice first, and leaves no Lattice resource behind', async () => {
    ok(await cfn('delete-stack', '--stack-name', 'lattice-itself', '--region', 'us-east-1'));
    ok(await cfn('wait', 'stack-delete-complete', '--stack-name', 'lattice-itself', '--region', 'us-east-1'));
    ok(await cfn('delete-stack', '--stack-name', 'lattice-ec2', '--region', 'us-east-1'));
    ok(await cfn('delete-stack', '--stack-name', 'lattice-ecs', '--region', 'us-east-1'));
    const stacks = await eventually(async () => {
      const s = ok(await cfn('list-stacks')).json.StackSummaries as { StackName: string; StackStatus: string }[];
      return s.every((x) => x.StackStatus === 'DELETE_COMPLETE') ? s : undefined;
    });
    assert.deepEqual(stacks.map((s) => s.StackName).sort(), ['lattice-ec2', 'lattice-ecs', 'lattice-itself']);
    assert.deepEqual((await t.lattice.send(new ListServiceNetworksCommand({}))).items, []);
    assert.deepEqual((await t.lattice.send(new ListServicesCommand({}))).items, []);
    assert.deepEqual((await t.lattice.send(new ListTargetGroupsCommand({}))).items, []);
    assert.deepEqual(ok(await cfn('list-exports')).json.Exports, []);
  });
});
