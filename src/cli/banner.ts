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
    ...(t.gateway ? [
      `  VPC gateway  http://${t.gateway}   (HTTP proxy; user name = the caller's VPC id)`,
      `  data plane   ${t.workers > 1 ? `${t.workers} worker processes (the request path; this process runs the API and the health checks)` : 'in this process (--workers N to use N cores)'}`,
      `  metrics      ${t.url}/_trellis/metrics`,
    ] : ['  data plane   off']),
    `  state        ${where}`,
    `  account      ${t.scope.account}   region ${t.scope.region}`,
    `  IAM          ${t.enforceIam ? 'enforced: every API call must be signed by a known key' : 'not enforced (any credentials act as the account admin; --enforce-iam to enforce)'}`,
    `  admin key    ${t.bootstrap.accessKeyId}   secret ${t.bootstrap.secretAccessKey}`,
    ...(t.bootstrap.file ? [`               in ${t.bootstrap.file} (profile trellis)`] : []),
    '',
    `  try:  ${t.bootstrap.file ? `AWS_SHARED_CREDENTIALS_FILE=${t.bootstrap.file} AWS_PROFILE=trellis ` : ''}aws --endpoint-url ${t.url} vpc-lattice list-service-networks`,
    ...(t.gateway ? [`        curl -x http://vpc-0123456789abcdef0@${t.gateway} http://<service dns name>/`] : []),
    `  listening on port ${t.port}`,
    '',
  ].join('\n');
}
