import { resolve } from 'node:path';
import type { RunningTrellis } from './start.js';

/** The one screen `trellis up` prints: what listens where, and how to talk to it. */
export function banner(t: RunningTrellis, dataDir: string): string {
  const where = dataDir === ':memory:' ? 'in memory (nothing is kept)' : resolve(dataDir);
  return [
    `Trellis ${t.version}: Amazon VPC Lattice, self-hosted`,
    '',
    `  AWS API      ${t.url}   (vpc-lattice)`,
    `  health       ${t.url}/_trellis/health`,
    `  state        ${where}`,
    `  account      ${t.scope.account}   region ${t.scope.region}`,
    '',
    `  try:  aws --endpoint-url ${t.url} vpc-lattice list-service-networks`,
    `  listening on port ${t.port}`,
    '',
  ].join('\n');
}
