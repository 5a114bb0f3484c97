import { readFileSync } from 'node:fs';
import { formatFinding, lintTemplate } from '../cfn/index.js';

type Out = NodeJS.WritableStream;

/**
 * `trellis validate FILE…`: parses each template and checks it against the resource schemas
 * offline, as cfn-lint does, printing `file:line: severity [rule] path: message` per finding.
 * Exit code 2 when any file has an error (cfn-lint's code for errors), 0 otherwise; warnings
 * are printed but do not fail.
 */
export function validateFiles(files: readonly string[], out: Out): number {
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      out.write(`${file}: cannot read: ${e instanceof Error ? e.message : String(e)}\n`);
      errors++;
      continue;
    }
    for (const f of lintTemplate(text, file)) {
      out.write(`${formatFinding(f, file)}\n`);
      if (f.severity === 'error') errors++;
      else warnings++;
    }
  }
  const files_ = `${files.length} template${files.length === 1 ? '' : 's'}`;
  out.write(errors + warnings === 0 ? `${files_}: no problems\n` : `${files_}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  return errors > 0 ? 2 : 0;
}
