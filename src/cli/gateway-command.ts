import { InvalidArgumentError, type Command } from 'commander';
import { defaultOptions } from './start.js';
import { isGatewayWorker, runGatewayWorker, startGatewayPrimary } from './gateway.js';

/**
 * `trellis gateway --workers N`: Trellis with its data plane in N worker processes (see
 * gateway.ts for the design and its limits). `trellis up` stays the single-process default.
 * Cluster workers run this same command line again; they serve the gateways only.
 *
 * Wiring (one line in main.ts): `registerGatewayCommand(program);`
 */
export function registerGatewayCommand(program: Command): void {
  program.command('gateway')
    .description('run Trellis with the data plane in N worker processes (experimental; `up` runs one process)')
    .option('--workers <n>', 'data-plane worker processes', positive, 2)
    .option('--port <port>', 'API port', port, Number(process.env.TRELLIS_PORT ?? defaultOptions.port))
    .option('--host <host>', 'address to listen on', process.env.TRELLIS_HOST ?? defaultOptions.host)
    .option('--data-dir <dir>', 'where state is kept (shared with the workers)', process.env.TRELLIS_DATA_DIR ?? defaultOptions.dataDir)
    .option('--region <region>', 'region of requests that do not sign one', process.env.TRELLIS_REGION ?? defaultOptions.region)
    .option('--account <id>', 'the account id of the local user', process.env.TRELLIS_ACCOUNT ?? defaultOptions.account)
    .option('--gateway-port <port>', 'the proxy gateway port', port, Number(process.env.TRELLIS_GATEWAY_PORT ?? defaultOptions.gatewayPort))
    .option('--vpc-port <vpc=port...>', 'a fixed port for a VPC\'s gateway address (repeatable)')
    .action(async (o: { workers: number; port: number; host: string; dataDir: string; region: string; account: string; gatewayPort: number; vpcPort?: string[] }) => {
      if (isGatewayWorker()) return runGatewayWorker();
      const vpcPorts = new Map<string, number>();
      for (const pair of o.vpcPort ?? []) {
        const [vpc, p] = pair.split('=');
        if (!vpc || !p) throw new InvalidArgumentError(`--vpc-port takes vpc-id=port, got ${pair}`);
        vpcPorts.set(vpc, port(p));
      }
      const g = await startGatewayPrimary({ ...o, vpcPorts });
      await g.workersOnline;
      process.stdout.write(`Trellis API on ${g.trellis.url}; data plane in ${o.workers} workers, proxy gateway on ${o.host}:${o.gatewayPort}\n`);
      const stop = (): void => void g.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('--workers is a whole number from 1 to 64');
  return n;
}
