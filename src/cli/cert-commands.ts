import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { endpointFlag } from './trellis-client.js';
import { table } from './table.js';

/**
 * `trellis cert import|list|delete`: the ACM-like certificate store from the shell. The
 * commands speak the same ACM API the SDK and `aws acm` use (JSON 1.1, `X-Amz-Target:
 * CertificateManager.*`) rather than a private endpoint, so what they do is what a script
 * would do. They send unsigned requests: with `--enforce-iam`, use `aws acm` with a key.
 */
export function registerCertCommands(program: Command): void {
  const cert = program.command('cert').description('certificates that services name by certificateArn (an ACM-like store)');
  cert.command('import')
    .description('import a PEM certificate and its private key; prints the certificate ARN')
    .requiredOption('--certificate <file>', 'the certificate, PEM')
    .requiredOption('--private-key <file>', 'its private key, PEM (unencrypted)')
    .option('--chain <file>', 'the intermediate certificates, PEM')
    .option('--arn <arn>', 're-import over this certificate ARN (replaced in place)')
    .option(...endpointFlag)
    .action(async (o: { certificate: string; privateKey: string; chain?: string; arn?: string; endpoint: string }) => {
      const blob = (file: string) => readFileSync(file).toString('base64');
      const out = await acm<{ CertificateArn: string }>(o.endpoint, 'ImportCertificate', {
        Certificate: blob(o.certificate), PrivateKey: blob(o.privateKey),
        ...(o.chain ? { CertificateChain: blob(o.chain) } : {}),
        ...(o.arn ? { CertificateArn: o.arn } : {}),
      });
      process.stdout.write(`${out.CertificateArn}\n`);
    });
  cert.command('list')
    .description('list imported certificates (every key type and status)')
    .option('--json', 'print JSON').option(...endpointFlag)
    .action(async (o: { endpoint: string; json?: boolean }) => {
      const items: Summary[] = [];
      let token: string | undefined;
      do {
        const page = await acm<{ CertificateSummaryList: Summary[]; NextToken?: string }>(o.endpoint, 'ListCertificates', {
          Includes: { keyTypes: ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1'] },
          ...(token ? { NextToken: token } : {}),
        });
        items.push(...page.CertificateSummaryList);
        token = page.NextToken;
      } while (token);
      if (o.json) { process.stdout.write(`${JSON.stringify(items, null, 2)}\n`); return; }
      process.stdout.write(table(['ARN', 'DOMAIN', 'KEY', 'STATUS', 'IN USE', 'EXPIRES'], items.map((c) => [
        c.CertificateArn, c.DomainName, c.KeyAlgorithm, c.Status, c.InUse ? 'yes' : 'no', new Date(c.NotAfter * 1000).toISOString().slice(0, 10),
      ])));
    });
  cert.command('delete <certificateArn>')
    .description('delete an imported certificate (refused while a service names it)')
    .option(...endpointFlag)
    .action(async (arn: string, o: { endpoint: string }) => {
      await acm(o.endpoint, 'DeleteCertificate', { CertificateArn: arn });
      process.stdout.write(`deleted ${arn}\n`);
    });
}

interface Summary {
  readonly CertificateArn: string;
  readonly DomainName: string;
  readonly KeyAlgorithm: string;
  readonly Status: string;
  readonly InUse: boolean;
  readonly NotAfter: number;
}

/** One ACM call; an ACM error becomes one readable line (`ResourceInUseException: …`). */
async function acm<T>(endpoint: string, action: string, body: unknown): Promise<T> {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `CertificateManager.${action}` },
    body: JSON.stringify(body),
  }).catch((err: unknown) => {
    throw new Error(`cannot reach Trellis at ${endpoint} (${err instanceof Error ? err.message : String(err)}); is \`trellis up\` running?`);
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      const e = JSON.parse(text) as { __type?: string; message?: string };
      message = `${e.__type ?? res.status}: ${e.message ?? text}`;
    } catch { /* plain text */ }
    throw new Error(message);
  }
  return JSON.parse(text) as T;
}
