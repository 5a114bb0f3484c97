import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALL, eventLines, harness, rejection, removeDir, statusOf, tpl, type Harness } from './harness.js';

const exporter = (value: string, name = 'net-vpc') => tpl({
  Resources: { Vpc: { Type: 'Test::Thing', Properties: { Cidr: value } } },
  Outputs: { VpcId: { Value: { Ref: 'Vpc' }, Export: { Name: name } }, Cidr: { Value: value, Export: { Name: `${name}-cidr` } } },
});
const importer = tpl({ Resources: { Tg: { Type: 'Test::Thing', Properties: { Vpc: { 'Fn::ImportValue': 'net-vpc' } } } } });

describe('stack engine: exports and imports', () => {
  let h: Harness;
  before(async () => { h = await harness(); });
  after(async () => { await h.close(); removeDir(h.dir); });

  it('passes exported values to importing stacks and lists both sides', async () => {
    const { StackId } = await h.engine.createStack(CALL, { StackName: 'net', TemplateBody: exporter('10.0.0.0/16') });
    assert.equal(await statusOf(h.engine, 'net'), 'CREATE_COMPLETE');
    await h.engine.createStack(CALL, { StackName: 'app', TemplateBody: importer });
    assert.equal(await statusOf(h.engine, 'app'), 'CREATE_COMPLETE');
    const vpc = (await h.engine.describeStackResources(CALL, { StackName: 'net' }))[0]!.PhysicalResourceId;
    const tg = (await h.engine.describeStackResources(CALL, { StackName: 'app' }))[0]!.PhysicalResourceId!;
    assert.equal(h.world.things.get(tg)!.Vpc, vpc);
    const exports = await h.engine.listExports(CALL);
    assert.deepEqual(exports.map((e) => [e.Name, e.Value, e.ExportingStackId]), [['net-vpc', vpc, StackId], ['net-vpc-cidr', '10.0.0.0/16', StackId]]);
    assert.deepEqual(await h.engine.listImports(CALL, { ExportName: 'net-vpc' }), ['app']);
    const e = await rejection(h.engine.listImports(CALL, { ExportName: 'net-vpc-cidr' }));
    assert.equal(e.name, 'ValidationError');
    assert.equal(e.message, "Export 'net-vpc-cidr' is not imported by any stack.");
  });

  it('refuses to delete a stack whose export is imported', async () => {
    await h.engine.deleteStack(CALL, { StackName: 'net' });
    assert.equal(await statusOf(h.engine, 'net'), 'DELETE_FAILED');
    const [stack] = await h.engine.describeStacks(CALL, { StackName: 'net' });
    assert.equal(stack!.StackStatusReason, 'Export net-vpc cannot be deleted as it is in use by app');
    assert.equal((await h.engine.describeStackResources(CALL, { StackName: 'net' }))[0]!.ResourceStatus, 'CREATE_COMPLETE', 'nothing was deleted');
  });

  it('refuses to change or remove an imported export, rolling the update back', async () => {
    // net is DELETE_FAILED now: recreate the situation on a fresh pair.
    await h.engine.createStack(CALL, { StackName: 'net2', TemplateBody: exporter('10.1.0.0/16', 'n2') });
    assert.equal(await statusOf(h.engine, 'net2'), 'CREATE_COMPLETE');
    await h.engine.createStack(CALL, { StackName: 'app2', TemplateBody: tpl({ Resources: { T: { Type: 'Test::Thing', Properties: { C: { 'Fn::ImportValue': 'n2-cidr' } } } } }) });
    assert.equal(await statusOf(h.engine, 'app2'), 'CREATE_COMPLETE');
    await h.engine.updateStack(CALL, { StackName: 'net2', TemplateBody: exporter('10.2.0.0/16', 'n2') });
    assert.equal(await statusOf(h.engine, 'net2'), 'UPDATE_ROLLBACK_COMPLETE');
    assert.ok((await eventLines(h.engine, 'net2')).includes('net2 UPDATE_ROLLBACK_IN_PROGRESS Cannot update export n2-cidr as it is in use by app2'));
    const vpc = (await h.engine.describeStackResources(CALL, { StackName: 'net2' }))[0]!.PhysicalResourceId!;
    assert.equal(h.world.things.get(vpc)!.Cidr, '10.1.0.0/16', 'the resource change was undone');
    assert.equal((await h.engine.listExports(CALL)).find((e) => e.Name === 'n2-cidr')!.Value, '10.1.0.0/16');

    const noCidr = tpl({ Resources: { Vpc: { Type: 'Test::Thing', Properties: { Cidr: '10.1.0.0/16' } } }, Outputs: { VpcId: { Value: { Ref: 'Vpc' }, Export: { Name: 'n2' } } } });
    await h.engine.updateStack(CALL, { StackName: 'net2', TemplateBody: noCidr });
    assert.equal(await statusOf(h.engine, 'net2'), 'UPDATE_ROLLBACK_COMPLETE');
    assert.ok((await eventLines(h.engine, 'net2')).includes('net2 UPDATE_ROLLBACK_IN_PROGRESS Cannot delete export n2-cidr as it is in use by app2'));

    // Once the importer is gone, the exporter may change and go.
    await h.engine.deleteStack(CALL, { StackName: 'app2' });
    await h.engine.idle();
    await h.engine.updateStack(CALL, { StackName: 'net2', TemplateBody: noCidr });
    assert.equal(await statusOf(h.engine, 'net2'), 'UPDATE_COMPLETE');
    await h.engine.deleteStack(CALL, { StackName: 'net2' });
    await h.engine.idle();
    assert.ok(!(await h.engine.listExports(CALL)).some((e) => e.Name.startsWith('n2')));
  });

  it('refuses an update that imports an export nobody has', async () => {
    const e = await rejection(h.engine.updateStack(CALL, { StackName: 'app', TemplateBody: tpl({ Resources: { Tg: { Type: 'Test::Thing', Properties: { Vpc: { 'Fn::ImportValue': 'no-such-export' } } } } }) }));
    assert.equal(e.name, 'ValidationError');
    assert.equal(e.message, 'No export named no-such-export found.');
  });

  it('keeps export names unique in the region', async () => {
    await h.engine.createStack(CALL, { StackName: 'dup', TemplateBody: exporter('10.9.0.0/16') });
    assert.equal(await statusOf(h.engine, 'dup'), 'ROLLBACK_COMPLETE');
    const [stack] = await h.engine.describeStacks(CALL, { StackName: 'dup' });
    assert.equal(stack!.Outputs.length, 0);
    assert.ok((await eventLines(h.engine, 'dup')).includes('dup ROLLBACK_IN_PROGRESS Export with name net-vpc is already exported by stack net. Rollback requested by user.'));
    assert.equal((await h.engine.listExports(CALL)).filter((e) => e.Name === 'net-vpc').length, 1);
  });
});
