import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { defaultOptions } from './start.js';
import { deleteStack, deploy } from './cfn-deploy.js';
import { validateFiles } from './cfn-validate.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * A CloudFormation client for a Trellis endpoint. Credentials come from the environment
 * when set (as the aws CLI's would); otherwise a fixed local key, since Trellis without
 * --enforce-iam only reads the region of a signature.
 */
export function cfnClient(endpoint: string, region: string): CloudFormationClient {
  const env = process.env;
  // The SDK warns on Node 20 about its own future releases; Trellis supports Node 20, and a
  // deploy's output is no place for that notice.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const credentials = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
    : { accessKeyId: 'AKIATRELLISLOCAL0000', secretAccessKey: 'trellis-local' };
  return new CloudFormationClient({ endpoint, region, credentials, maxAttempts: 3 });
}

function endpointOf(o: { endpoint?: string }): string {
  return o.endpoint ?? process.env.TRELLIS_ENDPOINT ?? `http://127.0.0.1:${process.env.TRELLIS_PORT ?? defaultOptions.port}`;
}

function regionOf(o: { region?: string }): string {
  return o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? process.env.TRELLIS_REGION ?? defaultOptions.region;
}

/** An SDK failure as one line: `ValidationError: Template format error: …`. */
function explain(err: unknown, endpoint: string): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED' || /ECONNREFUSED|fetch failed/.test(err.message)) return `cannot reach Trellis at ${endpoint}; is \`trellis up\` running?`;
    return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  }
  return String(err);
}

async function run(endpoint: string, body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (err) {
    process.stderr.write(`trellis: ${explain(err, endpoint)}\n`);
    process.exitCode = 1;
  }
}

/** `trellis deploy`, `trellis delete-stack`, `trellis validate`. */
export function registerCfnCommands(program: Command): void {
  program.command('deploy')
    .description('create or update a CloudFormation stack through a change set, showing its events live')
    .requiredOption('--stack-name <name>', 'the stack to create or update')
    .requiredOption('--template-file <file>', 'the template (YAML or JSON)')
    .option('--parameter-overrides <Key=Value...>', 'template parameters to set (others keep their previous value)', collect, [])
    .option('--capabilities <capability...>', 'CAPABILITY_IAM, CAPABILITY_NAMED_IAM, CAPABILITY_AUTO_EXPAND', collect, [])
    .option('--tags <Key=Value...>', 'stack tags', collect, [])
    .option('--no-execute-changeset', 'create the change set, print it, and stop')
    .option('--fail-on-empty-changeset', 'exit 1 when there is nothing to change (default: exit 0)')
    .option('--endpoint <url>', 'the Trellis API (default $TRELLIS_ENDPOINT or http://127.0.0.1:4590)')
    .option('--region <region>', 'the region to deploy to')
    .action(async (o: {
      stackName: string; templateFile: string; parameterOverrides: string[]; capabilities: string[]; tags: string[];
      executeChangeset: boolean; failOnEmptyChangeset?: boolean; endpoint?: string; region?: string;
    }) => {
      const endpoint = endpointOf(o);
      await run(endpoint, async () => {
        const templateBody = readFileSync(o.templateFile, 'utf8');
        const client = cfnClient(endpoint, regionOf(o));
        try {
          return await deploy(client, {
            stackName: o.stackName, templateBody, parameterOverrides: o.parameterOverrides,
            capabilities: o.capabilities.flatMap(splitWords), tags: o.tags,
            execute: o.executeChangeset, failOnEmptyChangeset: o.failOnEmptyChangeset === true,
          }, process.stdout, process.stderr);
        } finally {
          client.destroy();
        }
      });
    });

  program.command('delete-stack')
    .description('delete a CloudFormation stack and show its events until it is gone')
    .requiredOption('--stack-name <name>', 'the stack to delete')
    .option('--no-wait', 'return once the deletion has started')
    .option('--endpoint <url>', 'the Trellis API (default $TRELLIS_ENDPOINT or http://127.0.0.1:4590)')
    .option('--region <region>', 'the region of the stack')
    .action(async (o: { stackName: string; wait: boolean; endpoint?: string; region?: string }) => {
      const endpoint = endpointOf(o);
      await run(endpoint, async () => {
        const client = cfnClient(endpoint, regionOf(o));
        try {
          return await deleteStack(client, { stackName: o.stackName, wait: o.wait }, process.stdout);
        } finally {
          client.destroy();
        }
      });
    });

  program.command('validate')
    .description('check templates against the resource schemas, offline: file:line for every finding')
    .argument('<file...>', 'templates (YAML or JSON)')
    .action(async (files: string[]) => {
      await run('', async () => validateFiles(files, process.stdout));
    });
}

/** `--capabilities A B` arrives as one value per word; `"A B"` in one argument is split too. */
function splitWords(value: string): string[] {
  return value.split(/\s+/).filter(Boolean);
}
