import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALL, eventLines, harness, rejection, removeDir, statusOf, tpl, type Harness } from './harness.js';

describe('stack engine: CreateStack', () => {
  let h: Harness;
  before(async () => { h = await harness(); });
  after(async () => { await h.close(); removeDir(h.dir); });

  it('answers at once with a StackId, then creates in dependency order with the values of what was created', async () => {
    const body = tpl({
      Description: 'ordering',
      Parameters: { Suffix: { Type: 'String', Default: 'x' } },
      Resources: {
        B: { Type: 'Test::Thing', Properties: { Parent: { Ref: 'A' }, ParentArn: { 'Fn::GetAtt': ['A', 'Arn'] }, Label: { 'Fn::Sub': '${AWS::StackName}-${Suffix}' } } },
        A: { Type: 'Test::Thing', Properties: { Name: 'a' } },
      },
      Outputs: { BId: { Value: { Ref: 'B' }, Description: 'the b' } },
    });
    const { StackId } = await h.engine.createStack(CALL, { StackName: 'order', TemplateBody: body });
    assert.match(StackId, /^arn:aws:cloudformation:us-east-1:111122223333:stack\/order\/[0-9a-f-]{36}$/);
    const first = await h.engine.describeStacks(CALL, { StackName: 'order' });
    assert.equal(first[0]!.StackStatus, 'CREATE_IN_PROGRESS');
    assert.equal(await statusOf(h.engine, 'order'), 'CREATE_COMPLETE');
    assert.deepEqual(h.world.log.filter((l) => l.endsWith(' A') || l.endsWith(' B')), ['create A', 'create B']);
    const resources = await h.engine.describeStackResources(CALL, { StackName: 'order' });
    const a = resources.find((r) => r.LogicalResourceId === 'A')!;
    const b = resources.find((r) => r.LogicalResourceId === 'B')!;
    assert.deepEqual(h.world.things.get(b.PhysicalResourceId!), { Parent: a.PhysicalResourceId, ParentArn: `arn:test:${a.PhysicalResourceId}`, Label: 'order-x' });
    const [stack] = await h.engine.describeStacks(CALL, { StackName: StackId });
    assert.deepEqual(stack!.Outputs, [{ OutputKey: 'BId', OutputValue: b.PhysicalResourceId, Description: 'the b' }]);
    assert.equal(stack!.Description, 'ordering');
    assert.deepEqual(stack!.Parameters, [{ ParameterKey: 'Suffix', ParameterValue: 'x' }]);
    assert.deepEqual(await eventLines(h.engine, 'order'), [
      'order CREATE_IN_PROGRESS User Initiated',
      'A CREATE_IN_PROGRESS', 'A CREATE_COMPLETE',
      'B CREATE_IN_PROGRESS', 'B CREATE_COMPLETE',
      'order CREATE_COMPLETE',
    ]);
    const events = await h.engine.describeStackEvents(CALL, { StackName: 'order' });
    assert.equal(events[0]!.ResourceStatus, 'CREATE_COMPLETE', 'newest first');
    assert.equal(events[0]!.ResourceType, 'AWS::CloudFormation::Stack');
    assert.equal(events[0]!.PhysicalResourceId, StackId);
    assert.ok(events.find((e) => e.LogicalResourceId === 'B' && e.ResourceStatus === 'CREATE_IN_PROGRESS')!.ResourceProperties!.includes(a.PhysicalResourceId!));
    assert.equal((await h.engine.getTemplate(CALL, { StackName: 'order' })).TemplateBody, body);
  });

  it('creates independent resources in parallel', async () => {
    const body = tpl({ Resources: { G1: { Type: 'Test::Gate' }, G2: { Type: 'Test::Gate' }, G3: { Type: 'Test::Gate' }, After: { Type: 'Test::Thing', DependsOn: ['G1', 'G2', 'G3'] } } });
    await h.engine.createStack(CALL, { StackName: 'parallel', TemplateBody: body });
    // Three creates waiting together: a sequential engine would never get past the first.
    await h.world.gateWaiting(3);
    assert.ok(!h.world.log.includes('create After'));
    h.world.openGates();
    assert.equal(await statusOf(h.engine, 'parallel'), 'CREATE_COMPLETE');
    assert.equal(h.world.log.at(-1), 'create After');
  });

  it('refuses a name a live stack holds, with AlreadyExistsException', async () => {
    await h.engine.createStack(CALL, { StackName: 'taken', TemplateBody: tpl({ Resources: { A: { Type: 'Test::Thing' } } }) });
    const e = await rejection(h.engine.createStack(CALL, { StackName: 'taken', TemplateBody: tpl({ Resources: { A: { Type: 'Test::Thing' } } }) }));
    assert.equal(e.name, 'AlreadyExistsException');
    assert.equal(e.message, 'Stack [taken] already exists');
    assert.equal(e.status, 400);
  });

  it('asks for CAPABILITY_IAM, and CAPABILITY_NAMED_IAM for named IAM resources', async () => {
    const unnamed = tpl({ Resources: { R: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } } } });
    const named = tpl({ Resources: { R: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'r' } } } });
    const e1 = await rejection(h.engine.createStack(CALL, { StackName: 'iam1', TemplateBody: unnamed }));
    assert.equal(e1.name, 'InsufficientCapabilitiesException');
    assert.equal(e1.message, 'Requires capabilities : [CAPABILITY_IAM]');
    const e2 = await rejection(h.engine.createStack(CALL, { StackName: 'iam2', TemplateBody: named, Capabilities: ['CAPABILITY_IAM'] }));
    assert.equal(e2.message, 'Requires capabilities : [CAPABILITY_NAMED_IAM]');
    await h.engine.createStack(CALL, { StackName: 'iam3', TemplateBody: named, Capabilities: ['CAPABILITY_NAMED_IAM'] });
    await h.engine.createStack(CALL, { StackName: 'iam4', TemplateBody: unnamed, Capabilities: ['CAPABILITY_IAM'] });
    assert.equal(await statusOf(h.engine, 'iam3'), 'CREATE_COMPLETE');
    const summary = await h.engine.getTemplateSummary(CALL, { TemplateBody: named });
    assert.deepEqual(summary.Capabilities, ['CAPABILITY_NAMED_IAM']);
    assert.equal(summary.CapabilitiesReason, 'The following resource(s) require capabilities: [AWS::IAM::Role]');
  });

  it('refuses bad templates and parameters with ValidationError', async () => {
    const bad = await rejection(h.engine.createStack(CALL, { StackName: 'bad', TemplateBody: '{"Resources": ' }));
    assert.equal(bad.name, 'ValidationError');
    assert.match(bad.message, /^Template format error/);
    const missing = await rejection(h.engine.createStack(CALL, { StackName: 'bad', TemplateBody: tpl({ Parameters: { P: { Type: 'String' } }, Resources: { A: { Type: 'Test::Thing' } } }) }));
    assert.equal(missing.message, 'Parameters: [P] must have values');
    const cycle = await rejection(h.engine.createStack(CALL, { StackName: 'bad', TemplateBody: tpl({ Resources: { A: { Type: 'Test::Thing', DependsOn: ['B'] }, B: { Type: 'Test::Thing', DependsOn: ['A'] } } }) }));
    assert.match(cycle.message, /^Circular dependency between resources: \[/);
    const name = await rejection(h.engine.createStack(CALL, { StackName: '1bad', TemplateBody: tpl({ Resources: { A: { Type: 'Test::Thing' } } }) }));
    assert.equal(name.name, 'ValidationError');
    assert.equal((await h.engine.describeStacks(CALL, {})).some((s) => s.StackName === 'bad'), false);
  });

  it('fails a resource with the provider\'s reason, cancels the others and rolls back in reverse order', async () => {
    const before = h.world.things.size;
    const body = tpl({ Resources: {
      Base: { Type: 'Test::Thing' },
      Child: { Type: 'Test::Thing', Properties: { Parent: { Ref: 'Base' } } },
      Slow: { Type: 'Test::Gate', DependsOn: ['Child'] },
      Broken: { Type: 'Test::Thing', DependsOn: ['Child'], Properties: { Fail: 'Invalid port 70000' } },
      Never: { Type: 'Test::Thing', DependsOn: ['Broken'] },
    } });
    await h.engine.createStack(CALL, { StackName: 'rollback', TemplateBody: body });
    await h.world.gateWaiting(1);
    // Let Broken fail while Slow is in flight, then let Slow finish.
    for (let i = 0; i < 50 && !(await eventLines(h.engine, 'rollback')).some((l) => l.startsWith('Broken CREATE_FAILED')); i++) await new Promise((r) => setImmediate(r));
    h.world.openGates();
    assert.equal(await statusOf(h.engine, 'rollback'), 'ROLLBACK_COMPLETE');
    const lines = await eventLines(h.engine, 'rollback');
    assert.ok(lines.includes('Broken CREATE_FAILED Invalid port 70000'), lines.join('\n'));
    assert.ok(lines.includes('Slow CREATE_FAILED Resource creation cancelled'), lines.join('\n'));
    assert.ok(lines.includes('rollback ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [Broken]. Rollback requested by user.'), lines.join('\n'));
    assert.ok(!lines.some((l) => l.startsWith('Never')), 'a resource never started has no events');
    const deletes = h.world.log.filter((l) => l.startsWith('delete ') && ['Base', 'Child', 'Slow'].includes(l.slice(7)));
    assert.ok(deletes.indexOf('delete Child') < deletes.indexOf('delete Base'), deletes.join());
    assert.ok(deletes.indexOf('delete Slow') < deletes.indexOf('delete Child'), deletes.join());
    assert.equal(lines.at(-1), 'rollback ROLLBACK_COMPLETE');
    assert.equal(h.world.things.size, before, 'nothing left behind');
  });

  it('fails loudly on a resource type no provider serves', async () => {
    await h.engine.createStack(CALL, { StackName: 'unsupported', TemplateBody: tpl({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }) });
    assert.equal(await statusOf(h.engine, 'unsupported'), 'ROLLBACK_COMPLETE');
    assert.ok((await eventLines(h.engine, 'unsupported')).includes('Q CREATE_FAILED Trellis does not support resource type AWS::SQS::Queue'));
  });

  it('keeps CREATE_FAILED with OnFailure DO_NOTHING, and deletes with OnFailure DELETE', async () => {
    const body = tpl({ Resources: { Ok: { Type: 'Test::Thing' }, Bad: { Type: 'Test::Thing', DependsOn: ['Ok'], Properties: { Fail: 'nope' } } } });
    await h.engine.createStack(CALL, { StackName: 'keep', TemplateBody: body, OnFailure: 'DO_NOTHING' });
    assert.equal(await statusOf(h.engine, 'keep'), 'CREATE_FAILED');
    const [kept] = await h.engine.describeStacks(CALL, { StackName: 'keep' });
    assert.equal(kept!.StackStatusReason, 'The following resource(s) failed to create: [Bad].');
    assert.equal(kept!.DisableRollback, true);
    const ok = (await h.engine.describeStackResources(CALL, { StackName: 'keep', LogicalResourceId: 'Ok' }))[0]!;
    assert.ok(h.world.things.has(ok.PhysicalResourceId!));

    const { StackId } = await h.engine.createStack(CALL, { StackName: 'gone', TemplateBody: body, OnFailure: 'DELETE' });
    await h.engine.idle();
    const [gone] = await h.engine.describeStacks(CALL, { StackName: StackId });
    assert.equal(gone!.StackStatus, 'DELETE_COMPLETE');
  });

  it('refuses an import of an export nobody has', async () => {
    const e = await rejection(h.engine.createStack(CALL, { StackName: 'importer', TemplateBody: tpl({ Resources: { A: { Type: 'Test::Thing', Properties: { V: { 'Fn::ImportValue': 'nothing-here' } } } } }) }));
    assert.equal(e.name, 'ValidationError');
    assert.equal(e.message, 'No export named nothing-here found.');
  });
});
