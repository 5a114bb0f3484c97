import { resolve } from 'node:path';
import type { Command } from 'commander';
import { call, endpointFlag } from './trellis-client.js';
import { table } from './table.js';


interface FunctionView { functionArn: string; functionName: string; handler?: string; url?: string; timeout: number }

/** A handler given relative to the shell's directory, stored absolute (`file.mjs#export` kept). */
export function absoluteHandler(spec: string, cwd = process.cwd()): string {
  const hash = spec.lastIndexOf('#');
  const file = hash < 0 ? spec : spec.slice(0, hash);
  return resolve(cwd, file) + (hash < 0 ? '' : spec.slice(hash));
}

/**
 * `trellis function register <arn> --handler file.mjs[#export] | --url http://127.0.0.1:port`
 * and `trellis function list`: the records LAMBDA targets resolve through.
 */
export function registerFunctionCommands(program: Command): void {
  const fn = program.command('function').description('Lambda functions that LAMBDA targets invoke, run locally');
  fn.command('register <functionArn>')
    .description('map a Lambda function ARN to a local handler module or a Lambda Invoke API endpoint')
    .option('--handler <file>', 'a JavaScript module exporting handler(event, context); file.mjs#name picks another export')
    .option('--url <url>', 'an endpoint speaking POST /2015-03-31/functions/<name>/invocations')
    .option('--timeout <seconds>', 'the function timeout (default 3)', (v) => Number(v))
    .option(...endpointFlag)
    .action(async (functionArn: string, o: { handler?: string; url?: string; timeout?: number; endpoint: string }) => {
      if ((o.handler === undefined) === (o.url === undefined)) throw new Error('give exactly one of --handler and --url');
      const body = { functionArn, ...(o.handler ? { handler: absoluteHandler(o.handler) } : {}), ...(o.url ? { url: o.url } : {}), ...(o.timeout === undefined ? {} : { timeout: o.timeout }) };
      const f = await call<FunctionView>(o.endpoint, 'POST', '/_trellis/functions', body);
      process.stdout.write(`${f.functionArn} → ${f.handler ?? f.url}\n`);
    });
  fn.command('list')
    .description('list registered functions')
    .option('--json', 'print JSON').option(...endpointFlag)
    .action(async (o: { endpoint: string; json?: boolean }) => {
      const { items } = await call<{ items: FunctionView[] }>(o.endpoint, 'GET', '/_trellis/functions');
      if (o.json) { process.stdout.write(`${JSON.stringify(items, null, 2)}\n`); return; }
      process.stdout.write(table(['FUNCTION', 'RUNS', 'TIMEOUT'], items.map((f) => [f.functionArn, f.handler ?? f.url ?? '-', `${f.timeout}s`])));
    });
}
