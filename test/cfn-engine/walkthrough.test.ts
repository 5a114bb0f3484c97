import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { providerFor } from '../../src/cfn/providers/index.js';
import { templateLayer } from '../../src/cfn/engine/index.js';
import { CALL, eventLines, harness, removeDir, statusOf } from './harness.js';

const dir = join(import.meta.dirname, '../../examples/walkthrough');
const read = (f: string) => readFileSync(join(dir, f), 'utf8');
const LATTICE_KINDS = ['servicenetwork', 'service', 'listener', 'rule', 'targetgroup', 'servicenetworkserviceassociation', 'servicenetworkvpcassociation'] as const;

describe('stack engine with the real template layer and providers: the walkthrough', () => {
  it('deploys the EC2, ECS and Lattice stacks, then deletes them leaving no Lattice resource', async () => {
    const h = await harness({ layer: templateLayer, providerFor });
    const caps = ['CAPABILITY_NAMED_IAM'] as const;
    const started = Date.now();
    for (const [name, file] of [['ec2', 'ec2-formation.yaml'], ['ecs', 'ecs-formation.yaml'], ['lattice', 'lattice-formation.yaml']] as const) {
      await h.engine.createStack(CALL, { StackName: name, TemplateBody: read(file), Capabilities: [...caps] });
      const status = await statusOf(h.engine, name);
      assert.equal(status, 'CREATE_COMPLETE', (await eventLines(h.engine, name)).join('\n'));
    }
    const elapsed = Date.now() - started;
    // Not an assertion on time (bench/ measures it); printed so a slow run shows.
    console.log(`walkthrough: three stacks created in ${elapsed} ms`);
    const place = { account: CALL.scope.account, region: CALL.scope.region };
    assert.equal((await h.store.list('service', place)).length, 1);
    assert.equal((await h.store.list('targetgroup', place)).length, 2);
    assert.deepEqual((await h.engine.listImports(CALL, { ExportName: 'ec2-vpc' })), ['lattice']);
    // An update through the real providers: the listener's Name is create-only (replacement),
    // the service's tags are not (in place).
    const listenerBefore = (await h.engine.describeStackResources(CALL, { StackName: 'lattice', LogicalResourceId: 'GeneralListener' }))[0]!.PhysicalResourceId;
    // A new listener on the same port conflicts with the old one, which goes only in the
    // cleanup phase: Lattice refuses, and the update rolls back (as on AWS).
    const clash = read('lattice-formation.yaml').replace('Name: ec2-80', 'Name: ec2-80-v2');
    await h.engine.updateStack(CALL, { StackName: 'lattice', TemplateBody: clash });
    assert.equal(await statusOf(h.engine, 'lattice'), 'UPDATE_ROLLBACK_COMPLETE');
    assert.ok((await eventLines(h.engine, 'lattice')).some((l) => l.startsWith('GeneralListener UPDATE_FAILED') && l.includes('already exists')));
    const updated = read('lattice-formation.yaml').replace('Name: ec2-80\n      Port: 80', 'Name: ec2-8080\n      Port: 8080').replace('Value: blogpost', 'Value: blogpost-v2');
    await h.engine.updateStack(CALL, { StackName: 'lattice', TemplateBody: updated });
    assert.equal(await statusOf(h.engine, 'lattice'), 'UPDATE_COMPLETE', (await eventLines(h.engine, 'lattice')).join('\n'));
    const listenerAfter = (await h.engine.describeStackResources(CALL, { StackName: 'lattice', LogicalResourceId: 'GeneralListener' }))[0]!.PhysicalResourceId;
    assert.notEqual(listenerAfter, listenerBefore);
    const listeners = await h.store.list<{ name: string }>('listener', place);
    assert.deepEqual(listeners.map((l) => l.doc.name), ['ec2-8080']);

    for (const name of ['lattice', 'ecs', 'ec2']) {
      await h.engine.deleteStack(CALL, { StackName: name });
      await h.engine.idle();
      const gone = (await h.engine.listStacks(CALL, {})).find((s) => s.StackName === name);
      assert.equal(gone!.StackStatus, 'DELETE_COMPLETE', (await eventLines(h.engine, gone!.StackId)).join('\n'));
    }
    for (const kind of LATTICE_KINDS) assert.equal((await h.store.list(kind, place)).length, 0, kind);
    await h.close();
    removeDir(h.dir);
  });

  it('deploys as `aws cloudformation deploy` does: a CREATE change set, then an empty one', async () => {
    const h = await harness({ layer: templateLayer, providerFor });
    const body = read('ec2-formation.yaml');
    await h.engine.createChangeSet(CALL, { StackName: 'ec2', ChangeSetName: 'awscli-cloudformation-package-deploy-1', ChangeSetType: 'CREATE', TemplateBody: body, Parameters: [{ ParameterKey: 'InstancePrivateIp', ParameterValue: '127.0.0.2' }] });
    const cs = await h.engine.describeChangeSet(CALL, { StackName: 'ec2', ChangeSetName: 'awscli-cloudformation-package-deploy-1' });
    assert.equal(cs.Status, 'CREATE_COMPLETE');
    assert.deepEqual(cs.Changes.map((c) => c.LogicalResourceId), ['VPC', 'InstanceSecurityGroup', 'Instance']);
    await h.engine.executeChangeSet(CALL, { StackName: 'ec2', ChangeSetName: 'awscli-cloudformation-package-deploy-1' });
    assert.equal(await statusOf(h.engine, 'ec2'), 'CREATE_COMPLETE', (await eventLines(h.engine, 'ec2')).join('\n'));
    const [stack] = await h.engine.describeStacks(CALL, { StackName: 'ec2' });
    assert.deepEqual(stack!.Outputs.map((o) => o.ExportName).sort(), ['ec2-instanceid', 'ec2-vpc', 'ec2-vpc-cidr']);
    assert.equal(stack!.Outputs.find((o) => o.OutputKey === 'VpcCidr')!.OutputValue, '10.0.0.0/16');
    // Re-deploying the same template (deploy passes UsePreviousValue for what is not overridden).
    await h.engine.createChangeSet(CALL, { StackName: 'ec2', ChangeSetName: 'awscli-cloudformation-package-deploy-2', ChangeSetType: 'UPDATE', TemplateBody: body, Parameters: [{ ParameterKey: 'InstancePrivateIp', UsePreviousValue: true }] });
    const again = await h.engine.describeChangeSet(CALL, { StackName: 'ec2', ChangeSetName: 'awscli-cloudformation-package-deploy-2' });
    assert.equal(again.Status, 'FAILED');
    assert.equal(again.StatusReason, "The submitted information didn't contain changes. Submit different information to create a change set.");
    await h.engine.deleteStack(CALL, { StackName: 'ec2' });
    await h.engine.idle();
    await h.close();
    removeDir(h.dir);
  });
});
