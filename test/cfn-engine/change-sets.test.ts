import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALL, eventLines, harness, rejection, removeDir, statusOf, tpl, type Harness } from './harness.js';

const v1 = tpl({
  Parameters: { Secret: { Type: 'String', NoEcho: true, Default: 'hunter2' } },
  Resources: {
    A: { Type: 'Test::Thing', Properties: { Name: 'a', Size: 1 } },
    B: { Type: 'Test::Thing', Properties: { Name: 'b' } },
    C: { Type: 'Test::Thing', Properties: { On: { Ref: 'B' } } },
    D: { Type: 'Test::Thing' },
  },
});
const v2 = tpl({
  Parameters: { Secret: { Type: 'String', NoEcho: true, Default: 'hunter2' } },
  Resources: {
    A: { Type: 'Test::Thing', Properties: { Name: 'a', Size: 2 } },
    B: { Type: 'Test::Thing', Properties: { Name: 'b2' } },
    C: { Type: 'Test::Thing', Properties: { On: { Ref: 'B' } } },
    E: { Type: 'Test::Thing' },
  },
});

describe('stack engine: change sets', () => {
  let h: Harness;
  before(async () => { h = await harness(); });
  after(async () => { await h.close(); removeDir(h.dir); });

  it('CREATE: the stack waits in REVIEW_IN_PROGRESS, the change set lists additions, executing creates it', async () => {
    const { Id, StackId } = await h.engine.createChangeSet(CALL, { StackName: 'cs', ChangeSetName: 'first', ChangeSetType: 'CREATE', TemplateBody: v1, Description: 'initial' });
    assert.match(Id, /^arn:aws:cloudformation:us-east-1:111122223333:changeSet\/first\/[0-9a-f-]{36}$/);
    const [stack] = await h.engine.describeStacks(CALL, { StackName: 'cs' });
    assert.equal(stack!.StackStatus, 'REVIEW_IN_PROGRESS');
    assert.equal(stack!.StackId, StackId);
    const cs = await h.engine.describeChangeSet(CALL, { ChangeSetName: 'first', StackName: 'cs' });
    assert.equal(cs.Status, 'CREATE_COMPLETE');
    assert.equal(cs.ExecutionStatus, 'AVAILABLE');
    assert.equal(cs.Description, 'initial');
    assert.deepEqual(cs.Parameters, [{ ParameterKey: 'Secret', ParameterValue: '****' }]);
    assert.deepEqual(cs.Changes.map((c) => `${c.Action} ${c.LogicalResourceId}`), ['Add A', 'Add B', 'Add C', 'Add D']);
    assert.equal((await h.engine.getTemplate(CALL, { StackName: 'cs', ChangeSetName: 'first' })).TemplateBody, v1);
    await h.engine.executeChangeSet(CALL, { ChangeSetName: Id });
    assert.equal(await statusOf(h.engine, 'cs'), 'CREATE_COMPLETE');
    assert.equal((await h.engine.describeChangeSet(CALL, { ChangeSetName: Id })).ExecutionStatus, 'EXECUTE_COMPLETE');
    const lines = await eventLines(h.engine, 'cs');
    assert.deepEqual(lines.slice(0, 2), ['cs REVIEW_IN_PROGRESS User Initiated', 'cs CREATE_IN_PROGRESS User Initiated']);
    assert.equal((await h.engine.describeStacks(CALL, { StackName: 'cs' }))[0]!.ChangeSetId, Id);
    const again = await rejection(h.engine.executeChangeSet(CALL, { ChangeSetName: Id }));
    assert.equal(again.name, 'InvalidChangeSetStatus');
  });

  it('UPDATE: Modify with Replacement True / False / Conditional, Add and Remove; executing applies them', async () => {
    const { Id } = await h.engine.createChangeSet(CALL, { StackName: 'cs', ChangeSetName: 'second', TemplateBody: v2 });
    const cs = await h.engine.describeChangeSet(CALL, { ChangeSetName: 'second', StackName: 'cs' });
    assert.equal(cs.Status, 'CREATE_COMPLETE');
    const shown = cs.Changes.map((c) => `${c.Action} ${c.LogicalResourceId}${c.Replacement ? ` ${c.Replacement}` : ''}`).sort();
    assert.deepEqual(shown, ['Add E', 'Modify A False', 'Modify B True', 'Modify C Conditional', 'Remove D']);
    assert.ok(cs.Changes.find((c) => c.LogicalResourceId === 'A')!.PhysicalResourceId);
    assert.equal(await statusOf(h.engine, 'cs'), 'CREATE_COMPLETE', 'a change set changes nothing by itself');
    assert.deepEqual((await h.engine.listChangeSets(CALL, { StackName: 'cs' })).map((c) => c.ChangeSetName).sort(), ['first', 'second']);
    await h.engine.executeChangeSet(CALL, { ChangeSetName: 'second', StackName: 'cs' });
    assert.equal(await statusOf(h.engine, 'cs'), 'UPDATE_COMPLETE');
    assert.equal((await h.engine.describeChangeSet(CALL, { ChangeSetName: Id })).ExecutionStatus, 'EXECUTE_COMPLETE');
    assert.deepEqual((await h.engine.describeStackResources(CALL, { StackName: 'cs' })).map((r) => r.LogicalResourceId).sort(), ['A', 'B', 'C', 'E']);
    assert.deepEqual((await h.engine.listChangeSets(CALL, { StackName: 'cs' })).map((c) => c.ChangeSetName), ['second'], 'executing drops the other change sets');
  });

  it('an empty change set FAILS with the text `aws cloudformation deploy` looks for', async () => {
    await h.engine.createChangeSet(CALL, { StackName: 'cs', ChangeSetName: 'empty', TemplateBody: v2, Parameters: [{ ParameterKey: 'Secret', UsePreviousValue: true }] });
    const cs = await h.engine.describeChangeSet(CALL, { ChangeSetName: 'empty', StackName: 'cs' });
    assert.equal(cs.Status, 'FAILED');
    assert.equal(cs.StatusReason, "The submitted information didn't contain changes. Submit different information to create a change set.");
    assert.equal(cs.ExecutionStatus, 'UNAVAILABLE');
    assert.deepEqual(cs.Changes, []);
    const e = await rejection(h.engine.executeChangeSet(CALL, { ChangeSetName: 'empty', StackName: 'cs' }));
    assert.equal(e.name, 'InvalidChangeSetStatus');
    assert.equal(e.status, 400);
    await h.engine.deleteChangeSet(CALL, { ChangeSetName: 'empty', StackName: 'cs' });
    const gone = await rejection(h.engine.describeChangeSet(CALL, { ChangeSetName: 'empty', StackName: 'cs' }));
    assert.equal(gone.name, 'ChangeSetNotFound');
    assert.equal(gone.status, 404);
    assert.equal(gone.message, 'ChangeSet [empty] does not exist');
  });

  it('refuses change sets that cannot be', async () => {
    const exists = await rejection(h.engine.createChangeSet(CALL, { StackName: 'cs', ChangeSetName: 'x', ChangeSetType: 'CREATE', TemplateBody: v1 }));
    assert.equal(exists.name, 'AlreadyExistsException');
    const missing = await rejection(h.engine.createChangeSet(CALL, { StackName: 'nostack', ChangeSetName: 'x', TemplateBody: v1 }));
    assert.equal(missing.message, 'Stack [nostack] does not exist');
    const caps = await rejection(h.engine.createChangeSet(CALL, { StackName: 'iam', ChangeSetName: 'x', ChangeSetType: 'CREATE', TemplateBody: tpl({ Resources: { R: { Type: 'AWS::IAM::Role' } } }) }));
    assert.equal(caps.name, 'InsufficientCapabilitiesException');
    const name = await rejection(h.engine.createChangeSet(CALL, { StackName: 'cs', ChangeSetName: 'bad_name', TemplateBody: v1 }));
    assert.equal(name.name, 'ValidationError');
  });

  it('a deleted REVIEW_IN_PROGRESS stack goes without touching anything', async () => {
    await h.engine.createChangeSet(CALL, { StackName: 'review', ChangeSetName: 'c1', ChangeSetType: 'CREATE', TemplateBody: v1 });
    const before = h.world.log.length;
    await h.engine.deleteStack(CALL, { StackName: 'review' });
    await h.engine.idle();
    assert.equal(h.world.log.length, before);
    const e = await rejection(h.engine.describeStacks(CALL, { StackName: 'review' }));
    assert.equal(e.message, 'Stack with id review does not exist');
  });
});
