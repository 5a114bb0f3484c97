import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CloudFormationClient, CreateChangeSetCommand, CreateStackCommand, DeleteStackCommand, DescribeChangeSetCommand,
  DescribeStacksCommand, ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { bootTrellis, eventually, TEST_CREDENTIALS, type TestTrellis } from '../support/trellis.js';

/**
 * The plan-diff corpus: each folder of test/golden/cfn-plan holds a template before, a
 * template after and the changes CloudFormation should plan between them (`expected.json`,
 * as DescribeChangeSet reports them: action, replacement, scope). The plan is then executed,
 * so every expected plan is also shown to run. `UPDATE_GOLDEN=1` rewrites the expectations,
 * to be reviewed in the diff.
 */
const CORPUS = resolve(import.meta.dirname, '../golden/cfn-plan');

describe('plan-diff corpus: template before / after / expected changes', () => {
  let t: TestTrellis;
  let cfn: CloudFormationClient;
  before(async () => {
    t = await bootTrellis();
    cfn = new CloudFormationClient({ endpoint: t.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => { cfn.destroy(); await t.close(); });

  const stackStatus = async (name: string) => (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!.StackStatus!;
  const settle = (name: string) => eventually(async () => {
    const s = await stackStatus(name);
    return !s.endsWith('_IN_PROGRESS') && s;
  }, 15_000);

  for (const name of readdirSync(CORPUS).sort()) {
    it(name, async () => {
      const dir = join(CORPUS, name);
      const stack = `plan-${name}`;
      await cfn.send(new CreateStackCommand({ StackName: stack, TemplateBody: readFileSync(join(dir, 'before.yaml'), 'utf8') }));
      assert.equal(await settle(stack), 'CREATE_COMPLETE');

      await cfn.send(new CreateChangeSetCommand({
        StackName: stack, ChangeSetName: 'next', ChangeSetType: 'UPDATE', TemplateBody: readFileSync(join(dir, 'after.yaml'), 'utf8'),
      }));
      const cs = await eventually(async () => {
        const d = await cfn.send(new DescribeChangeSetCommand({ StackName: stack, ChangeSetName: 'next' }));
        return !/PENDING|IN_PROGRESS/.test(d.Status!) && d;
      });
      const plan = {
        Status: cs.Status,
        ...(cs.Status === 'FAILED' ? { StatusReason: cs.StatusReason } : {}),
        Changes: (cs.Changes ?? []).map((c) => ({
          Action: c.ResourceChange!.Action, LogicalResourceId: c.ResourceChange!.LogicalResourceId,
          ResourceType: c.ResourceChange!.ResourceType,
          ...(c.ResourceChange!.Replacement ? { Replacement: c.ResourceChange!.Replacement } : {}),
          Scope: [...(c.ResourceChange!.Scope ?? [])].sort(),
        })).sort((a, b) => a.LogicalResourceId!.localeCompare(b.LogicalResourceId!)),
      };
      const file = join(dir, 'expected.json');
      if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
      assert.deepEqual(plan, JSON.parse(readFileSync(file, 'utf8')));

      if (plan.Status === 'CREATE_COMPLETE') {
        await cfn.send(new ExecuteChangeSetCommand({ StackName: stack, ChangeSetName: 'next' }));
        assert.equal(await settle(stack), 'UPDATE_COMPLETE');
      }
      await cfn.send(new DeleteStackCommand({ StackName: stack }));
    });
  }
});
