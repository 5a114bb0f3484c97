import { Pool } from 'undici';
import type { InvokeRequest, InvokeResult, LambdaInvoker } from './invoker.js';
import { parseFunctionArn } from './invoker.js';
import { LAMBDA_PAYLOAD_LIMIT } from './response.js';

/**
 * A function served by an HTTP endpoint that speaks the Lambda Invoke API
 * (`POST /2015-03-31/functions/<name>/invocations`, RequestResponse): a Lambda emulator, or
 * a test server. The name in the path is the function's name from its ARN and the ARN's
 * qualifier goes in `?Qualifier=`, as the AWS SDKs send them. A 200 without
 * `X-Amz-Function-Error` carries the payload; a function error (that header), any other
 * status, a payload over 6 MB or no answer within the timeout fail the invocation.
 */
export interface HttpInvokerOptions {
  /** `http://host:port` (a base path is kept). */
  readonly url: string;
  readonly functionArn: string;
  readonly timeoutMs: number;
}

export class HttpInvoker implements LambdaInvoker {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(private readonly opts: HttpInvokerOptions) {
    const u = new URL(opts.url);
    this.pool = new Pool(u.origin, { connections: 16 });
    const fn = parseFunctionArn(opts.functionArn);
    const name = fn?.name ?? opts.functionArn;
    const base = u.pathname.replace(/\/+$/, '');
    this.path = `${base}/2015-03-31/functions/${encodeURIComponent(name)}/invocations${fn?.qualifier ? `?Qualifier=${encodeURIComponent(fn.qualifier)}` : ''}`;
  }

  async invoke(req: InvokeRequest): Promise<InvokeResult> {
    try {
      const res = await this.pool.request({
        method: 'POST', path: this.path,
        headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse', 'x-amz-request-id': req.requestId },
        body: JSON.stringify(req.event),
        headersTimeout: this.opts.timeoutMs, bodyTimeout: this.opts.timeoutMs,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of res.body) {
        const chunk = c as Buffer;
        size += chunk.length;
        // Past the limit the answer is a 502 whatever follows: read no more of it.
        if (size > LAMBDA_PAYLOAD_LIMIT) {
          res.body.destroy();
          return { ok: false, kind: 'too-large', message: 'the function response is over 6 MB' };
        }
        chunks.push(chunk);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const fnError = res.headers['x-amz-function-error'];
      if (res.statusCode !== 200) return { ok: false, kind: 'error', message: `the Invoke endpoint answered ${res.statusCode}: ${text.slice(0, 200)}` };
      if (fnError !== undefined) return { ok: false, kind: 'error', message: `function error (${String(fnError)}): ${text.slice(0, 200)}` };
      return { ok: true, payload: text };
    } catch (err) {
      const e = err as { name?: unknown; code?: unknown; message?: unknown };
      const timedOut = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT';
      return timedOut
        ? { ok: false, kind: 'timeout', message: `the function timed out after ${this.opts.timeoutMs} ms` }
        : { ok: false, kind: 'error', message: `the Invoke endpoint failed: ${String(e.message ?? err)}` };
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
