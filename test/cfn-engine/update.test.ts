import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALL, eventLines, harness, rejection, removeDir, statusOf, tpl, type Harness } from './harness.js';

function physical(h: Harness, stack: string, id: string): Promise<string> {
  return h.engine.describeStackResources(CALL, { StackName: stack, LogicalResourceId: id }).then((r) => r[0]!.PhysicalResourceId!);
}

describe('stack engine: UpdateStack and DeleteStack', () => {
  let h: Harness;
  before(async () => { h = await harness(); });
  after(async () => { await h.close(); removeDir(h.dir); });

  const v1 = {
    Parameters: { Size: { Type: 'String', Default: '1' } },
    Resources: {
      Keep: { Type: 'Test::Thing', Properties: { Name: 'keep' } },
      Tune: { Type: 'Test::Thing', Properties: { Name: 'tune', Size: { Ref: 'Size' } } },
      Swap: { Type: 'Test::Thing', Properties: { Name: 'swap-1' } },
      User: { Type: 'Test::Thing', Properties: { Target: { Ref: 'Swap' } } },
      Drop: { Type: 'Test::Thing', Properties: { Name: 'drop' } },
    },
  };

  it('updates in place, replaces on a create-only change, adds and removes, and leaves the rest alone', async () => {
    await h.engine.createStack(CALL, { StackName: 'up', TemplateBody: tpl(v1) });
    assert.equal(await statusOf(h.engine, 'up'), 'CREATE_COMPLETE');
    const tune = await physical(h, 'up', 'Tune');
    const swapOld = await physical(h, 'up', 'Swap');
    const drop = await physical(h, 'up', 'Drop');
    const keep = await physical(h, 'up', 'Keep');
    const v2 = { ...v1, Resources: { Keep: v1.Resources.Keep, Tune: v1.Resources.Tune, Swap: { Type: 'Test::Thing', Properties: { Name: 'swap-2' } }, User: v1.Resources.User, Added: { Type: 'Test::Thing' } } };
    const eventsBefore = (await eventLines(h.engine, 'up')).length;
    await h.engine.updateStack(CALL, { StackName: 'up', TemplateBody: tpl(v2), Parameters: [{ ParameterKey: 'Size', ParameterValue: '2' }] });
    assert.equal(await statusOf(h.engine, 'up'), 'UPDATE_COMPLETE');
    const lines = (await eventLines(h.engine, 'up')).slice(eventsBefore);
    assert.equal(lines[0], 'up UPDATE_IN_PROGRESS User Initiated');
    assert.ok(!lines.some((l) => l.startsWith('Keep ')), 'an unchanged resource has no events');
    assert.equal(await physical(h, 'up', 'Tune'), tune, 'in place keeps the physical id');
    assert.equal(h.world.things.get(tune)!.Size, '2');
    const swapNew = await physical(h, 'up', 'Swap');
    assert.notEqual(swapNew, swapOld);
    assert.ok(lines.includes('Swap UPDATE_IN_PROGRESS Requested update requires the creation of a new physical resource; hence creating one.'));
    assert.equal(h.world.things.get(await physical(h, 'up', 'User'))!.Target, swapNew, 'a dependent follows the replacement');
    const cleanupAt = lines.indexOf('up UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    assert.ok(cleanupAt > 0 && lines.indexOf('Swap DELETE_COMPLETE') > cleanupAt && lines.indexOf('Drop DELETE_COMPLETE') > cleanupAt, lines.join('\n'));
    assert.equal(lines.at(-1), 'up UPDATE_COMPLETE');
    assert.ok(!h.world.things.has(swapOld) && !h.world.things.has(drop) && h.world.things.has(keep));
    const ids = (await h.engine.describeStackResources(CALL, { StackName: 'up' })).map((r) => r.LogicalResourceId).sort();
    assert.deepEqual(ids, ['Added', 'Keep', 'Swap', 'Tune', 'User']);
    const [stack] = await h.engine.describeStacks(CALL, { StackName: 'up' });
    assert.ok(stack!.LastUpdatedTime);
    assert.deepEqual(stack!.Parameters, [{ ParameterKey: 'Size', ParameterValue: '2' }]);
  });

  it('says "No updates are to be performed." when nothing changes', async () => {
    const body = (await h.engine.getTemplate(CALL, { StackName: 'up' })).TemplateBody;
    const e = await rejection(h.engine.updateStack(CALL, { StackName: 'up', TemplateBody: body, Parameters: [{ ParameterKey: 'Size', UsePreviousValue: true }] }));
    assert.equal(e.name, 'ValidationError');
    assert.equal(e.message, 'No updates are to be performed.');
    const e2 = await rejection(h.engine.updateStack(CALL, { StackName: 'up', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'Size', UsePreviousValue: true }] }));
    assert.equal(e2.message, 'No updates are to be performed.');
  });

  it('keeps Retain resources: UpdateReplacePolicy on replacement, DeletionPolicy on removal', async () => {
    const t1 = { Resources: {
      Old: { Type: 'Test::Thing', Properties: { Name: 'n1' }, UpdateReplacePolicy: 'Retain' },
      Gone: { Type: 'Test::Thing', DeletionPolicy: 'Retain' },
    } };
    await h.engine.createStack(CALL, { StackName: 'retain', TemplateBody: tpl(t1) });
    assert.equal(await statusOf(h.engine, 'retain'), 'CREATE_COMPLETE');
    const old = await physical(h, 'retain', 'Old');
    const gone = await physical(h, 'retain', 'Gone');
    await h.engine.updateStack(CALL, { StackName: 'retain', TemplateBody: tpl({ Resources: { Old: { ...t1.Resources.Old, Properties: { Name: 'n2' } } } }) });
    assert.equal(await statusOf(h.engine, 'retain'), 'UPDATE_COMPLETE');
    const lines = await eventLines(h.engine, 'retain');
    assert.ok(lines.includes('Old DELETE_SKIPPED') && lines.includes('Gone DELETE_SKIPPED'), lines.join('\n'));
    assert.ok(h.world.things.has(old) && h.world.things.has(gone));
  });

  it('rolls back a failed update to the last good state', async () => {
    const t1 = { Resources: {
      A: { Type: 'Test::Thing', Properties: { Name: 'a', Size: 1 } },
      B: { Type: 'Test::Thing', Properties: { Name: 'b1' } },
    } };
    await h.engine.createStack(CALL, { StackName: 'urb', TemplateBody: tpl(t1) });
    assert.equal(await statusOf(h.engine, 'urb'), 'CREATE_COMPLETE');
    const a = await physical(h, 'urb', 'A');
    const b = await physical(h, 'urb', 'B');
    const count = h.world.things.size;
    const t2 = { Resources: {
      A: { Type: 'Test::Thing', Properties: { Name: 'a', Size: 2 } },
      B: { Type: 'Test::Thing', Properties: { Name: 'b2' } },
      New: { Type: 'Test::Thing', DependsOn: ['A', 'B'] },
      Bad: { Type: 'Test::Thing', DependsOn: ['New'], Properties: { Name: 'x', Fail: 'Quota exceeded' } },
    } };
    await h.engine.updateStack(CALL, { StackName: 'urb', TemplateBody: tpl(t2) });
    assert.equal(await statusOf(h.engine, 'urb'), 'UPDATE_ROLLBACK_COMPLETE');
    const lines = await eventLines(h.engine, 'urb');
    assert.ok(lines.includes('Bad CREATE_FAILED Quota exceeded'), lines.join('\n'));
    assert.ok(lines.includes('urb UPDATE_ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [Bad].'), lines.join('\n'));
    assert.ok(lines.indexOf('urb UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS') < lines.indexOf('New DELETE_COMPLETE'), lines.join('\n'));
    assert.equal(h.world.things.get(a)!.Size, 1, 'the in-place change is undone');
    assert.equal(await physical(h, 'urb', 'B'), b, 'the replaced resource is the old one again');
    assert.equal(h.world.things.size, count, 'the new resources are gone');
    assert.equal((await h.engine.getTemplate(CALL, { StackName: 'urb' })).TemplateBody, tpl(t1));
    // The stack can be updated again from UPDATE_ROLLBACK_COMPLETE.
    await h.engine.updateStack(CALL, { StackName: 'urb', TemplateBody: tpl({ Resources: { A: t1.Resources.A, B: t1.Resources.B, C: { Type: 'Test::Thing' } } }) });
    assert.equal(await statusOf(h.engine, 'urb'), 'UPDATE_COMPLETE');
  });

  it('refuses updates of stacks that do not exist or are not in a stable state', async () => {
    const e = await rejection(h.engine.updateStack(CALL, { StackName: 'nope', TemplateBody: tpl({ Resources: { A: { Type: 'Test::Thing' } } }) }));
    assert.equal(e.message, 'Stack [nope] does not exist');
    await h.engine.createStack(CALL, { StackName: 'rb', TemplateBody: tpl({ Resources: { A: { Type: 'Test::Thing', Properties: { Fail: 'x' } } } }) });
    assert.equal(await statusOf(h.engine, 'rb'), 'ROLLBACK_COMPLETE');
    const e2 = await rejection(h.engine.updateStack(CALL, { StackName: 'rb', TemplateBody: tpl({ Resources: { A: { Type: 'Test::Thing' } } }) }));
    assert.match(e2.message, /^Stack:arn:aws:cloudformation:.*:stack\/rb\/.* is in ROLLBACK_COMPLETE state and can not be updated\.$/);
    const e3 = await rejection(h.engine.updateStack(CALL, { StackName: 'up', TemplateBody: tpl({ Resources: { Keep: { Type: 'Test::Gate' } } }) }));
    assert.match(e3.message, /^Update of resource type is not permitted/);
  });

  it('deletes in reverse order, keeps Retain resources, and shows the deleted stack by id only', async () => {
    const body = tpl({ Resources: {
      Root: { Type: 'Test::Thing' },
      Leaf: { Type: 'Test::Thing', Properties: { P: { Ref: 'Root' } } },
      Kept: { Type: 'Test::Thing', DeletionPolicy: 'Retain' },
    } });
    const { StackId } = await h.engine.createStack(CALL, { StackName: 'del', TemplateBody: body });
    assert.equal(await statusOf(h.engine, 'del'), 'CREATE_COMPLETE');
    const kept = await physical(h, 'del', 'Kept');
    await h.engine.deleteStack(CALL, { StackName: 'del' });
    await h.engine.idle();
    const lines = await eventLines(h.engine, StackId);
    assert.ok(lines.indexOf('Leaf DELETE_COMPLETE') < lines.indexOf('Root DELETE_IN_PROGRESS'), lines.join('\n'));
    assert.ok(lines.includes('Kept DELETE_SKIPPED'));
    assert.equal(lines.at(-1), 'del DELETE_COMPLETE');
    assert.ok(h.world.things.has(kept));
    const e = await rejection(h.engine.describeStacks(CALL, { StackName: 'del' }));
    assert.equal(e.name, 'ValidationError');
    assert.equal(e.message, 'Stack with id del does not exist');
    assert.equal((await h.engine.describeStacks(CALL, { StackName: StackId }))[0]!.StackStatus, 'DELETE_COMPLETE');
    assert.ok((await h.engine.listStacks(CALL, { StackStatusFilter: ['DELETE_COMPLETE'] })).some((s) => s.StackId === StackId));
    assert.ok(!(await h.engine.describeStacks(CALL, {})).some((s) => s.StackId === StackId));
    // The name is free again; deleting what is not there is a no-op.
    await h.engine.deleteStack(CALL, { StackName: 'del' });
    await h.engine.createStack(CALL, { StackName: 'del', TemplateBody: body });
    assert.equal(await statusOf(h.engine, 'del'), 'CREATE_COMPLETE');
  });

  it('ends DELETE_FAILED with the reason when a resource will not go', async () => {
    await h.engine.createStack(CALL, { StackName: 'stuck', TemplateBody: tpl({ Resources: { A: { Type: 'Test::Thing', Properties: { FailDelete: 'Service has listeners' } }, B: { Type: 'Test::Thing' } } }) });
    assert.equal(await statusOf(h.engine, 'stuck'), 'CREATE_COMPLETE');
    await h.engine.deleteStack(CALL, { StackName: 'stuck' });
    assert.equal(await statusOf(h.engine, 'stuck'), 'DELETE_FAILED');
    const lines = await eventLines(h.engine, 'stuck');
    assert.ok(lines.includes('A DELETE_FAILED Service has listeners'), lines.join('\n'));
    assert.ok(lines.includes('B DELETE_COMPLETE'));
    assert.equal(lines.at(-1), 'stuck DELETE_FAILED The following resource(s) failed to delete: [A]. ');
    // RetainResources lets the stack go, leaving the stuck resource.
    await h.engine.deleteStack(CALL, { StackName: 'stuck', RetainResources: ['A'] });
    await h.engine.idle();
    assert.ok((await eventLines(h.engine, (await h.engine.listStacks(CALL, {})).find((s) => s.StackName === 'stuck')!.StackId)).includes('A DELETE_SKIPPED'));
  });
});

describe('stack engine: DeleteStack during a create, NoEcho', () => {
  let h: Harness;
  before(async () => { h = await harness(); });
  after(async () => { await h.close(); removeDir(h.dir); });

  it('lets a running create finish, then deletes the stack', async () => {
    const { StackId } = await h.engine.createStack(CALL, { StackName: 'hurry', TemplateBody: tpl({ Resources: { G: { Type: 'Test::Gate' } } }) });
    await h.world.gateWaiting(1);
    await h.engine.deleteStack(CALL, { StackName: 'hurry' });
    h.world.openGates();
    await h.engine.idle();
    const [stack] = await h.engine.describeStacks(CALL, { StackName: StackId });
    assert.equal(stack!.StackStatus, 'DELETE_COMPLETE');
    assert.equal(h.world.things.size, 0);
    const lines = await eventLines(h.engine, StackId);
    assert.ok(lines.indexOf('hurry CREATE_COMPLETE') < lines.indexOf('hurry DELETE_IN_PROGRESS User Initiated'), lines.join('\n'));
  });

  it('never shows a NoEcho value, in parameters or in events', async () => {
    await h.engine.createStack(CALL, { StackName: 'secret', TemplateBody: tpl({ Parameters: { Pw: { Type: 'String', NoEcho: true } }, Resources: { A: { Type: 'Test::Thing', Properties: { Password: { Ref: 'Pw' } } } } }), Parameters: [{ ParameterKey: 'Pw', ParameterValue: 's3cr3t!' }] });
    assert.equal(await statusOf(h.engine, 'secret'), 'CREATE_COMPLETE');
    const [stack] = await h.engine.describeStacks(CALL, { StackName: 'secret' });
    assert.deepEqual(stack!.Parameters, [{ ParameterKey: 'Pw', ParameterValue: '****' }]);
    const events = await h.engine.describeStackEvents(CALL, { StackName: 'secret' });
    assert.ok(events.some((e) => e.ResourceProperties?.includes('****')));
    assert.ok(!JSON.stringify(events).includes('s3cr3t!'));
    const thing = [...h.world.things.values()].find((t) => t.Password !== undefined)!;
    assert.equal(thing.Password, 's3cr3t!', 'the provider gets the real value');
    // UsePreviousValue keeps the real value through an update.
    await h.engine.updateStack(CALL, { StackName: 'secret', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'Pw', UsePreviousValue: true }], Tags: [{ Key: 'a', Value: 'b' }] });
    assert.equal(await statusOf(h.engine, 'secret'), 'UPDATE_COMPLETE');
    assert.equal(thing.Password, 's3cr3t!');
  });
});
