import type { Command } from 'commander';
import { resolve } from 'node:path';
import { LocalCertificateAuthority } from './certificates.js';
import { defaultOptions } from './start.js';

/**
 * `trellis ca`: prints the path of the local CA's certificate (PEM), so that
 * `curl --cacert "$(trellis ca)" …` and `NODE_EXTRA_CA_CERTS="$(trellis ca)"` trust the
 * certificates Trellis's HTTPS listeners present. `trellis up` creates the CA on first start;
 * this command creates it too when it is absent (same files), so it works before `up`.
 *
 * Wiring (one line in main.ts): `registerCaCommand(program);`
 */
export function registerCaCommand(program: Command): void {
  program.command('ca')
    .description('print the path of the local CA certificate (for curl --cacert, NODE_EXTRA_CA_CERTS, browsers)')
    .option('--data-dir <dir>', 'where state is kept', process.env.TRELLIS_DATA_DIR ?? defaultOptions.dataDir)
    .option('--pem', 'print the certificate itself rather than its path')
    .action((o: { dataDir: string; pem?: boolean }) => {
      if (o.dataDir === ':memory:') throw new Error('a data dir of :memory: keeps its CA in a temporary directory; give --data-dir');
      const ca = LocalCertificateAuthority.open(resolve(o.dataDir));
      process.stdout.write(o.pem ? ca.certPem : `${ca.certPath}\n`);
    });
}
