import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALL, eventLines, harness, removeDir, statusOf, tpl } from './harness.js';

describe('stack engine: persistence', () => {
  it('shows the same stacks, resources, events and change sets after a restart', async () => {
    const h = await harness();
    const body = tpl({ Resources: { A: { Type: 'Test::Thing' } }, Outputs: { Out: { Value: { Ref: 'A' }, Export: { Name: 'persisted' } } } });
    const { StackId } = await h.engine.createStack(CALL, { StackName: 'kept', TemplateBody: body, Tags: [{ Key: 'team', Value: 'net' }] });
    assert.equal(await statusOf(h.engine, 'kept'), 'CREATE_COMPLETE');
    await h.engine.createChangeSet(CALL, { StackName: 'kept', ChangeSetName: 'later', UsePreviousTemplate: true, Tags: [{ Key: 'team', Value: 'lattice' }] });
    const stacks = await h.engine.describeStacks(CALL, {});
    const events = await h.engine.describeStackEvents(CALL, { StackName: 'kept' });
    const resources = await h.engine.describeStackResources(CALL, { StackName: 'kept' });
    const changeSet = await h.engine.describeChangeSet(CALL, { ChangeSetName: 'later', StackName: 'kept' });
    await h.close();

    const r = await h.restart();
    assert.deepEqual(await r.engine.describeStacks(CALL, {}), stacks);
    assert.deepEqual(await r.engine.describeStackEvents(CALL, { StackName: StackId }), events);
    assert.deepEqual(await r.engine.describeStackResources(CALL, { StackName: 'kept' }), resources);
    assert.deepEqual(await r.engine.describeChangeSet(CALL, { ChangeSetName: 'later', StackName: 'kept' }), changeSet);
    assert.equal((await r.engine.getTemplate(CALL, { StackName: 'kept' })).TemplateBody, body);
    assert.deepEqual((await r.engine.listExports(CALL)).map((e) => e.Name), ['persisted']);
    // And it goes on from there: the change set executes, the stack deletes.
    await r.engine.executeChangeSet(CALL, { ChangeSetName: 'later', StackName: 'kept' });
    assert.equal(await statusOf(r.engine, 'kept'), 'UPDATE_COMPLETE');
    await r.engine.deleteStack(CALL, { StackName: 'kept' });
    await r.engine.idle();
    assert.equal((await r.engine.describeStacks(CALL, { StackName: StackId }))[0]!.StackStatus, 'DELETE_COMPLETE');
    await r.close();
    removeDir(h.dir);
  });

  it('settles an operation cut short by a restart as failed, with the reason on the stack and the resource', async () => {
    const h = await harness();
    await h.engine.createStack(CALL, { StackName: 'cut', TemplateBody: tpl({ Resources: { Done: { Type: 'Test::Thing' }, Hung: { Type: 'Test::Gate', DependsOn: ['Done'] } } }) });
    await h.world.gateWaiting(1);
    // A second process on the same file: what a restart after a crash finds.
    const r = await h.restart();
    const [stack] = await r.engine.describeStacks(CALL, { StackName: 'cut' });
    assert.equal(stack!.StackStatus, 'CREATE_FAILED');
    assert.equal(stack!.StackStatusReason, 'Trellis restarted during the operation');
    const lines = await eventLines(r.engine, 'cut');
    assert.ok(lines.includes('Hung CREATE_FAILED Trellis restarted during the operation'), lines.join('\n'));
    assert.equal(lines.at(-1), 'cut CREATE_FAILED Trellis restarted during the operation');
    // The first process is gone for good; its hung call ends without writing anything.
    await h.close();
    h.world.openGates();
    await h.engine.idle();
    // From CREATE_FAILED the stack can be deleted, which deletes what was created.
    const done = (await r.engine.describeStackResources(CALL, { StackName: 'cut', LogicalResourceId: 'Done' }))[0]!;
    assert.ok(r.world.things.has(done.PhysicalResourceId!));
    await r.engine.deleteStack(CALL, { StackName: 'cut' });
    await r.engine.idle();
    assert.ok(!r.world.things.has(done.PhysicalResourceId!));
    await r.close();
    removeDir(h.dir);
  });
});
