#!/usr/bin/env node
// `npm test`: type-check, check the generated contract and coverage page are current, then run every test
// file (`*.test.ts` beside the code, and test/) with node's test runner through tsx.
// Extra arguments narrow the run: `npm test -- test/acceptance/services.test.ts`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const only = process.argv.slice(2);
if (only.length === 0) {
  run('npx', ['tsc', '--noEmit', '-p', '.']);
  run('node', ['scripts/gen-model.mjs', '--check']);
  run('node', ['scripts/gen-cfn-schemas.mjs', '--check']);
  run('node', ['--import', 'tsx', 'scripts/gen-coverage.ts', '--check']);
}
const files = only.length ? only : [...find(join(root, 'src')), ...find(join(root, 'test'))].sort();
run('node', ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files]);
