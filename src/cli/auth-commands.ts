import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ExplainResult } from '../dataplane/index.js';
import { defaultOptions } from './start.js';

function header(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf(':');
  if (i <= 0) throw new InvalidArgumentError('a header is name:value');
  return { ...previous, [value.slice(0, i).trim().toLowerCase()]: value.slice(i + 1).trim() };
}

/**
 * `trellis auth explain`: asks a running Trellis why a request would be allowed or denied
 * by the data plane — the decision, each layer (identity, network, service) with its
 * verdict, and every statement of every policy with why it did or did not apply. The same
 * decision the gateway makes (and logs, for a denied request, as `authExplanation`).
 */
export function registerAuthCommands(program: Command): void {
  const auth = program.command('auth').description('data-plane auth: why a request is allowed or denied');
  auth.command('explain')
    .description('explain the auth decision for a request from a VPC to a service')
    .requiredOption('--vpc <vpcId>', 'the VPC the request comes from')
    .option('--method <method>', 'HTTP method', 'GET')
    .option('--path <path>', 'path, with ?query if any', '/')
    .option('--header <name:value>', 'a request header (repeatable); host names the service if --service is not given', header)
    .option('--service <service>', 'the service: name, id, ARN or DNS name')
    .option('--principal <arn>', 'the caller: a user, role, assumed-role or root ARN')
    .option('--anonymous', 'an unsigned caller (the default)')
    .option('--port <port>', 'the listener port', (v) => Number(v))
    .option('--json', 'print JSON')
    .option('--endpoint <url>', 'the Trellis API', process.env.TRELLIS_ENDPOINT ?? `http://127.0.0.1:${process.env.TRELLIS_PORT ?? defaultOptions.port}`)
    .action(async (o: {
      vpc: string; method: string; path: string; header?: Record<string, string>; service?: string; principal?: string;
      anonymous?: boolean; port?: number; json?: boolean; endpoint: string;
    }) => {
      if (o.principal !== undefined && o.anonymous) throw new InvalidArgumentError('--principal and --anonymous exclude each other');
      const body = {
        vpcId: o.vpc, method: o.method.toUpperCase(), path: o.path.startsWith('/') ? o.path : `/${o.path}`, headers: o.header ?? {},
        ...(o.service !== undefined ? { service: o.service } : {}),
        ...(o.principal !== undefined ? { principal: o.principal } : {}),
        ...(o.port !== undefined ? { port: o.port } : {}),
      };
      const res = await fetch(`${o.endpoint}/_trellis/auth/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        .catch((err: unknown) => { throw new Error(`cannot reach Trellis at ${o.endpoint} (${err instanceof Error ? err.message : String(err)}); is \`trellis up\` running?`); });
      const text = await res.text();
      if (!res.ok) {
        let message = text;
        try { message = (JSON.parse(text) as { message?: string }).message ?? text; } catch { /* plain text */ }
        throw new Error(`${res.status} ${message}`);
      }
      if (o.json) { process.stdout.write(`${text}\n`); return; }
      const e = JSON.parse(text) as ExplainResult;
      process.stdout.write(`${e.principal} → ${e.action} on ${e.resource}\n${e.text}\n`);
    });
}
