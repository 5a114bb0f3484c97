// Deploys the walkthrough's three stacks (examples/walkthrough) through the
// CloudFormation API and times each from CreateStack to CREATE_COMPLETE, then deletes them;
// several rounds. Issue 4's target: the three stacks end to end in ≤ 1 s.
//   node --import tsx bench/cfn/deploy.ts [--rounds 5]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { startTrellis } from '../../src/cli/start.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 5);
const dir = new URL('../../examples/walkthrough/', import.meta.url);
const stacks = [
  ['lattice-ec2', 'ec2-formation.yaml'], ['lattice-ecs', 'ecs-formation.yaml'], ['lattice-itself', 'lattice-formation.yaml'],
] as const;
const dataDir = mkdtempSync(join(tmpdir(), 'trellis-bench-cfn-'));
const t = await startTrellis({ port: 0, host: '127.0.0.1', dataDir, region: 'us-east-1', account: '111122223333', gatewayPort: null });
const cfn = new CloudFormationClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIABENCH', secretAccessKey: 'x' } });

async function until(name: string, done: (s: string) => boolean): Promise<string> {
  for (;;) {
    const s = (await cfn.send(new DescribeStacksCommand({ StackName: name })).catch(() => undefined))?.Stacks?.[0]?.StackStatus ?? 'GONE';
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const totals: number[] = [];
for (let round = 0; round < rounds; round++) {
  const t0 = performance.now();
  const each: string[] = [];
  for (const [name, file] of stacks) {
    const s0 = performance.now();
    await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: readFileSync(new URL(file, dir), 'utf8'), Capabilities: ['CAPABILITY_NAMED_IAM'] }));
    const status = await until(name, (s) => !s.endsWith('_IN_PROGRESS'));
    if (status !== 'CREATE_COMPLETE') throw new Error(`${name}: ${status}`);
    each.push(`${name} ${(performance.now() - s0).toFixed(0)} ms`);
  }
  const total = performance.now() - t0;
  totals.push(total);
  console.log(`round ${round + 1}: ${total.toFixed(0)} ms (${each.join(', ')})`);
  for (const [name] of [...stacks].reverse()) {
    await cfn.send(new DeleteStackCommand({ StackName: name }));
    await until(name, (s) => s === 'DELETE_COMPLETE' || s === 'GONE');
  }
}
totals.sort((a, b) => a - b);
console.log(`${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, node ${process.version}`);
console.log(`three stacks end to end: median ${totals[Math.floor(totals.length / 2)]!.toFixed(0)} ms, best ${totals[0]!.toFixed(0)} ms, worst ${totals[totals.length - 1]!.toFixed(0)} ms (target ≤ 1000 ms)`);
cfn.destroy();
await t.close();
rmSync(dataDir, { recursive: true, force: true });
