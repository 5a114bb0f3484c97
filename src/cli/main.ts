import { Command, InvalidArgumentError } from 'commander';
import { defaultOptions, startTrellis, trellisVersion } from './start.js';
import { banner } from './banner.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerCfnCommands } from './cfn-commands.js';
import { registerCaCommand } from './ca-command.js';
import { registerAuthCommands } from './auth-commands.js';
import { registerFunctionCommands } from './function-commands.js';
import { registerCertCommands } from './cert-commands.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

/** A boolean environment variable: 1/true/yes/on (any case) are true. */
function envFlag(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

/** `--workers` / TRELLIS_WORKERS: 1 (one process, the default) to 64. */
function workerCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('--workers is a whole number from 1 to 64');
  return n;
}

function millis(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a delay is a whole number of milliseconds, 0 or more');
  return n;
}

const program = new Command('trellis')
  .description('Amazon VPC Lattice, self-hosted')
  .version(trellisVersion());

program.command('up')
  .description('run Trellis: the AWS API, state in SQLite, the data plane (in N processes with --workers N)')
  .option('--port <port>', 'API port (0 picks a free one)', port, Number(process.env.TRELLIS_PORT ?? defaultOptions.port))
  .option('--host <host>', 'address to listen on', process.env.TRELLIS_HOST ?? defaultOptions.host)
  .option('--data-dir <dir>', 'where state is kept', process.env.TRELLIS_DATA_DIR ?? defaultOptions.dataDir)
  .option('--region <region>', 'region of requests that do not sign one', process.env.TRELLIS_REGION ?? defaultOptions.region)
  .option('--account <id>', 'the account id of the local user', process.env.TRELLIS_ACCOUNT ?? defaultOptions.account)
  .option('--gateway-port <port>', 'the VPC gateway (HTTP proxy) port (0 picks a free one)', port, Number(process.env.TRELLIS_GATEWAY_PORT ?? defaultOptions.gatewayPort))
  .option('--no-data-plane', 'serve the API only')
  .option('--enforce-iam', 'require SigV4-signed, policy-allowed AWS API calls (the bootstrap key in <data-dir>/credentials is the admin)', envFlag(process.env.TRELLIS_ENFORCE_IAM))
  .option('--settle-delay-ms <ms>', 'how long creates stay CREATE_IN_PROGRESS', (v) => Number(v), Number(process.env.TRELLIS_SETTLE_DELAY_MS ?? 100))
  .option('--deregistration-delay-ms <ms>', 'how long deregistered targets stay DRAINING', millis, Number(process.env.TRELLIS_DEREGISTRATION_DELAY_MS ?? 60_000))
  .option('--workers <n>', 'data-plane worker processes: 2 or more run the request path in that many processes (one core each); 1 runs it in this one', workerCount, Number(process.env.TRELLIS_WORKERS ?? 1))
  .action(async (o: { port: number; host: string; dataDir: string; region: string; account: string; settleDelayMs: number; deregistrationDelayMs: number; gatewayPort: number; dataPlane: boolean; enforceIam: boolean; workers: number }) => {
    if (!/^\d{12}$/.test(o.account)) throw new InvalidArgumentError('an account id is 12 digits');
    millis(String(o.deregistrationDelayMs)); // TRELLIS_DEREGISTRATION_DELAY_MS is checked here
    workerCount(String(o.workers)); // and TRELLIS_WORKERS
    const control = { settleDelayMs: o.settleDelayMs, deregistrationDelayMs: o.deregistrationDelayMs };
    const t = await startTrellis({ ...o, gatewayPort: o.dataPlane ? o.gatewayPort : null, control });
    process.stdout.write(banner(t, o.dataDir));
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`\n${signal}: stopping Trellis\n`);
      void t.close().then(() => process.exit(0));
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

registerAdminCommands(program);
registerCfnCommands(program);
registerCaCommand(program);
registerAuthCommands(program);
registerFunctionCommands(program);
registerCertCommands(program);

// A command that fails (Trellis unreachable, an unknown VPC, a 400 from /_trellis) says why
// in one line and exits 1, rather than with a stack trace.
await program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`trellis: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
