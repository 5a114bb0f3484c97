import { execFile } from 'node:child_process';
import { TEST_CREDENTIALS } from './trellis.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  readonly json: any;
}

/** Runs the real `aws` CLI against a Trellis endpoint, as a user would. */
export function aws(endpoint: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('aws', ['--endpoint-url', endpoint, '--output', 'json', ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
        AWS_MAX_ATTEMPTS: '1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
      timeout: 30_000,
    }, (err, stdout, stderr) => {
      let json: unknown;
      try { json = stdout.trim() ? JSON.parse(stdout) : undefined; } catch { json = undefined; }
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, json });
    });
  });
}
