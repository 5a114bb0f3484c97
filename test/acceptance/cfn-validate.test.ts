import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatFinding, formatPath, lintTemplate, type Finding } from '../../src/cfn/index.js';

/**
 * `trellis validate` against cfn-lint, the linter the walkthrough's Makefile runs. On the
 * walkthrough's template and a corpus of broken ones, every error cfn-lint reports (E-level)
 * is reported by Trellis too, on the same resource (or output) and the same line; templates
 * cfn-lint finds clean Trellis finds clean. cfn-lint runs once, over every file.
 * Corpus: src/cfn/template/testdata/lint/ — `clean-*.yaml` must be clean, every other file
 * must hold at least one error.
 */
const TESTDATA = resolve(import.meta.dirname, '../../src/cfn/template/testdata');
const FILES = [
  join(TESTDATA, 'lattice-formation.yaml'),
  join(TESTDATA, 'short-forms.yaml'),
  ...readdirSync(join(TESTDATA, 'lint')).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(TESTDATA, 'lint', f)),
];

interface LintMatch { readonly file: string; readonly rule: string; readonly line: number; readonly path: readonly (string | number)[]; readonly message: string }

/** cfn-lint's E-level matches per file; undefined when cfn-lint is not installed. */
function runCfnLint(files: readonly string[]): Map<string, LintMatch[]> | undefined {
  const r = spawnSync('cfn-lint', ['--format', 'json', ...files], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.error) return undefined;
  const parsed: unknown = JSON.parse(r.stdout || '[]');
  assert.ok(Array.isArray(parsed), `cfn-lint printed no JSON list: ${r.stderr}`);
  const byFile = new Map<string, LintMatch[]>(files.map((f) => [f, []]));
  for (const m of parsed as readonly Record<string, unknown>[]) {
    const rule = (m['Rule'] as { Id: string }).Id;
    if (!rule.startsWith('E')) continue;
    const location = m['Location'] as { Start: { LineNumber: number }; Path: (string | number)[] };
    const file = resolve(String(m['Filename']));
    byFile.get(file)?.push({ file, rule, line: location.Start.LineNumber, path: location.Path, message: String(m['Message']) });
  }
  return byFile;
}

/** The resource or output a finding is about: `Resources.Listener`, `Outputs.Domain`. */
const owner = (path: readonly (string | number)[]) => path.slice(0, 2).join('.');

describe('trellis validate agrees with cfn-lint', () => {
  let lint: Map<string, LintMatch[]> | undefined;
  const trellis = new Map<string, Finding[]>();

  before(() => {
    lint = runCfnLint(FILES);
    for (const f of FILES) trellis.set(f, lintTemplate(readFileSync(f, 'utf8'), f));
  });

  for (const file of FILES) {
    const name = file.slice(TESTDATA.length + 1);
    it(name, (t) => {
      if (!lint) { t.skip('cfn-lint is not installed'); return; }
      const theirs = lint.get(file)!;
      const ours = trellis.get(file)!.filter((f) => f.severity === 'error');
      const shown = () => `cfn-lint:\n${theirs.map((m) => `  ${m.line} ${m.rule} ${formatPath(m.path)}: ${m.message}`).join('\n')}\ntrellis:\n${ours.map((f) => `  ${formatFinding(f, name)}`).join('\n')}`;
      const clean = name === 'lattice-formation.yaml' || name === 'short-forms.yaml' || name.startsWith('lint/clean-');
      if (clean) {
        assert.deepEqual([theirs.length, ours.length], [0, 0], shown());
        return;
      }
      assert.ok(theirs.length > 0, `the corpus file should be one cfn-lint flags\n${shown()}`);
      for (const m of theirs) {
        const same = ours.find((f) => owner(f.path) === owner(m.path) && f.line === m.line);
        assert.ok(same, `cfn-lint's ${m.rule} at line ${m.line} (${formatPath(m.path)}) has no Trellis error on the same resource and line\n${shown()}`);
      }
    });
  }
});
