import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * The import boundaries of ARCHITECTURE.md: arrows point down the table, never up, and a
 * folder is entered only through its index.ts.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  model: [],
  store: ['model'],
  control: ['model', 'store'],
  iam: ['model', 'store'],
  config: ['model', 'store', 'iam'],
  dataplane: ['model', 'config', 'iam'],
  cfn: ['model', 'control'],
  api: ['model', 'control', 'iam', 'cfn'],
  console: ['api'],
  cli: ['model', 'store', 'control', 'api', 'iam', 'config', 'dataplane', 'cfn', 'console'],
};


function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function violations(src: string): string[] {
  const found: string[] = [];
  for (const file of files(src)) {
    const folder = relative(src, file).split(sep)[0]!;
    const allowed = MAY_IMPORT[folder];
    if (!allowed) { found.push(`${relative(src, file)}: folder ${folder} is not in ARCHITECTURE.md's table`); continue; }
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) continue;
      const target = relative(src, resolve(dirname(file), spec));
      if (target.startsWith('..')) { found.push(`${relative(src, file)} imports ${spec}, outside src/`); continue; }
      const targetFolder = target.split(sep)[0]!;
      if (targetFolder === folder) continue;
      if (!allowed.includes(targetFolder)) found.push(`${relative(src, file)} imports ${targetFolder}/ (${folder}/ may import: ${allowed.join(', ') || 'nothing of ours'})`);
      else if (target !== join(targetFolder, 'index.js')) found.push(`${relative(src, file)} imports ${spec}: enter ${targetFolder}/ through its index.ts`);
    }
  }
  return found;
}

describe('architecture', () => {
  it('keeps the import boundaries of ARCHITECTURE.md', () => {
    assert.deepEqual(violations(resolve(import.meta.dirname, '../src')), []);
  });

  it('catches an upward import and a reach past index.ts', () => {
    const root = mkdtempSync(join(tmpdir(), 'trellis-arch-'));
    try {
      for (const d of ['model', 'control', 'store']) mkdirSync(join(root, d));
      writeFileSync(join(root, 'model', 'bad.ts'), "import { handlers } from '../control/index.js';\n");
      writeFileSync(join(root, 'control', 'deep.ts'), "import type { Store } from '../store/store.js';\n");
      writeFileSync(join(root, 'control', 'fine.ts'), "import type { Store } from '../store/index.js';\n");
      const found = violations(root);
      assert.equal(found.length, 2, found.join('\n'));
      assert.match(found.join('\n'), /model\/bad\.ts imports control\//);
      assert.match(found.join('\n'), /through its index\.ts/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
