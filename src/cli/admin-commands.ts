import type { Command } from 'commander';
import { tailLogs } from '../dataplane/index.js';
import { defaultOptions } from './start.js';
import { call, endpointFlag } from './trellis-client.js';
import { table } from './table.js';


interface VpcView { vpcId: string; cidrBlock?: string; source: string; createdAt: string; endpoint?: string }

/**
 * The commands that inspect or feed a running Trellis: VPCs and their gateway addresses,
 * instances and load balancers that targets resolve through, snapshot status, access logs.
 */
export function registerAdminCommands(program: Command): void {
  const vpc = program.command('vpc').description('the VPCs Trellis knows, and their gateways');
  vpc.command('list')
    .description('list known VPCs (registered on first use, by CloudFormation, or with `vpc create`)')
    .option(...endpointFlag).option('--json', 'print JSON')
    .action(async (o: { endpoint: string; json?: boolean }) => {
      const { items } = await call<{ items: VpcView[] }>(o.endpoint, 'GET', '/_trellis/vpcs');
      if (o.json) { process.stdout.write(`${JSON.stringify(items, null, 2)}\n`); return; }
      process.stdout.write(table(['VPC', 'CIDR', 'GATEWAY', 'SOURCE', 'SEEN'], items.map((v) => [v.vpcId, v.cidrBlock ?? '-', v.endpoint ?? '-', v.source, v.createdAt])));
    });
  vpc.command('create <vpcId>')
    .description('register a VPC with its CIDR (clients of the VPC are presented with an address in it)')
    .option(...endpointFlag).option('--cidr <cidr>', 'the VPC CIDR block, e.g. 10.0.0.0/16')
    .action(async (vpcId: string, o: { endpoint: string; cidr?: string }) => {
      const v = await call<VpcView>(o.endpoint, 'POST', '/_trellis/vpcs', { vpcId, cidrBlock: o.cidr });
      process.stdout.write(`${v.vpcId} ${v.cidrBlock ?? ''}\n`);
    });
  vpc.command('endpoint <vpcId>')
    .description("how a client inside the VPC reaches Lattice: the proxy gateway and the VPC's own address")
    .option(...endpointFlag)
    .action(async (vpcId: string, o: { endpoint: string }) => {
      const { proxy, items } = await call<{ proxy?: string; items: VpcView[] }>(o.endpoint, 'GET', '/_trellis/vpcs');
      const v = items.find((i) => i.vpcId === vpcId);
      if (!v) throw new Error(`Trellis does not know ${vpcId}`);
      if (!proxy) throw new Error('the data plane is not running (trellis up --no-data-plane?)');
      process.stdout.write(`proxy     http://${vpcId}@${proxy}   (curl -x http://${vpcId}@${proxy} http://<service dns name>/)\n`);
      process.stdout.write(v.endpoint ? `address   http://${v.endpoint}   (Host: <service dns name>; listener port 80)\n` : 'address   - (the VPC has no service-network association)\n');
    });

  program.command('instance')
    .description('register an EC2 instance with its private IP, for INSTANCE targets')
    .argument('<instanceId>')
    .requiredOption('--ip <address>', 'where traffic for the instance goes (a loopback address locally)')
    .option('--vpc <vpcId>', 'the VPC the instance is in')
    .option(...endpointFlag)
    .action(async (instanceId: string, o: { ip: string; vpc?: string; endpoint: string }) => {
      await call(o.endpoint, 'POST', '/_trellis/instances', { instanceId, privateIpAddress: o.ip, vpcId: o.vpc });
      process.stdout.write(`${instanceId} → ${o.ip}\n`);
    });

  program.command('load-balancer')
    .description('register an Application Load Balancer by ARN with its address, for ALB targets')
    .argument('<arn>')
    .requiredOption('--ip <address>', 'where traffic for the load balancer goes (a loopback address locally)')
    .option('--vpc <vpcId>', 'the VPC the load balancer is in')
    .option(...endpointFlag)
    .action(async (arn: string, o: { ip: string; vpc?: string; endpoint: string }) => {
      await call(o.endpoint, 'POST', '/_trellis/load-balancers', { arn, address: o.ip, vpcId: o.vpc });
      process.stdout.write(`${arn} → ${o.ip}\n`);
    });

  program.command('status')
    .description('the routing snapshot: its revision, and every resource that could not be compiled and why')
    .option(...endpointFlag)
    .action(async (o: { endpoint: string }) => {
      const s = await call<{ revision: number; dataPlane?: { revision: number; problems: { kind: string; id: string; reason: string }[] } }>(o.endpoint, 'GET', '/_trellis/status');
      process.stdout.write(`store revision ${s.revision}\n`);
      if (!s.dataPlane) { process.stdout.write('data plane not running\n'); return; }
      process.stdout.write(`routing snapshot revision ${s.dataPlane.revision}, ${s.dataPlane.problems.length} problem(s)\n`);
      if (s.dataPlane.problems.length) process.stdout.write(table(['KIND', 'ID', 'REASON'], s.dataPlane.problems.map((p) => [p.kind, p.id, p.reason])));
    });

  const logs = program.command('logs').description('access logs');
  logs.command('tail')
    .description('print access-log records (the files standing for S3, CloudWatch Logs and Firehose)')
    .option('--data-dir <dir>', 'Trellis state', process.env.TRELLIS_DATA_DIR ?? defaultOptions.dataDir)
    .option('-f, --follow', 'keep printing new records')
    .option('-n, --lines <n>', 'start with the last N lines of each file', (v) => Number(v))
    .option('--destination <arn>', 'only this destination')
    .action(async (o: { dataDir: string; follow?: boolean; lines?: number; destination?: string }) => {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      for await (const line of tailLogs(o.dataDir, {
        follow: !!o.follow, signal: stop.signal,
        ...(o.lines !== undefined ? { lines: o.lines } : {}), ...(o.destination ? { destinationArn: o.destination } : {}),
      })) process.stdout.write(`${line.line}\n`);
    });
}
