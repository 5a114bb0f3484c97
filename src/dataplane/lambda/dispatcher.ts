import { Readable } from 'node:stream';
import type { LambdaTargetEntry, TargetEntry } from '../../config/index.js';
import type { Principal } from '../../iam/index.js';
import { headerList, type DispatchHandler, type DispatchOptions, type UpstreamDispatcher } from '../http1/index.js';
import { buildV1Event, buildV2Event, type LambdaRequest } from './events.js';
import { HttpInvoker } from './http-invoker.js';
import type { InvokeResult, LambdaInvoker } from './invoker.js';
import { LAMBDA_PAYLOAD_LIMIT, mapLambdaResponse } from './response.js';
import { WorkerPool } from './worker-pool.js';

/**
 * The request path's side of a LAMBDA target group. The exchange is handed to a Dispatcher
 * exactly as for an HTTP target (`ex.forward(dispatcher, opts)`), so metrics, the access-log
 * record and client disconnects work unchanged; this dispatcher reads the request body (up
 * to 6 MB), builds the V1 or V2 event, invokes the function and plays its mapped answer to
 * the exchange through the same handler calls undici makes (onHeaders/onData/onComplete).
 *
 * Failures are answered locally, named in the access log's `failureReason`:
 *
 * | case | status | failureReason |
 * | --- | --- | --- |
 * | request body over 6 MB | 413 | `LambdaRequestTooLarge` |
 * | the target's function is not registered with Trellis | 502 | `LambdaFunctionNotFound` |
 * | the handler threw / the endpoint failed | 502 | `LambdaInvocationError` |
 * | the function timed out | 502 | `LambdaTimeout` |
 * | response over 6 MB | 502 | `LambdaResponseTooLarge` |
 * | response not JSON / not a valid response object | 502 | `LambdaInvalidResponse` |
 *
 * 413 for the oversized request: the client's fault, not the function's (LATTICE.md §4 lets
 * it be 413 or 400).
 */

/** What the dispatcher needs of the exchange (the gateway's Exchange has it all). */
export interface LambdaExchange extends DispatchHandler {
  readonly done: boolean;
  readonly vpc: { readonly vpcArn: string } | undefined;
  readonly network: { readonly arn: string } | undefined;
  readonly service: { readonly arn: string; readonly region: string } | undefined;
  readonly targetGroup: { readonly arn: string } | undefined;
  /** The caller as the auth step left it (V2's requestContext.identity). */
  readonly principal?: Principal | undefined;
  ensureRequestId(): string;
  reply(status: number, failureReason: string, body: string): void;
}

function isLambdaExchange(h: DispatchHandler): h is LambdaExchange {
  return 'reply' in h && 'ensureRequestId' in h;
}

type Clock = () => number;
/** Microseconds since the epoch, finer than Date.now where the platform allows. */
const microsNow: Clock = () => (performance.timeOrigin + performance.now()) * 1000;

/** One function (one record): its invoker and event version. */
class LambdaFunctionDispatcher implements UpstreamDispatcher {
  constructor(private readonly entry: LambdaTargetEntry, private readonly invoker: LambdaInvoker, private readonly clock: Clock) {}

  dispatch(opts: DispatchOptions, handler: DispatchHandler): boolean {
    if (!isLambdaExchange(handler)) throw new TypeError('a Lambda target is dispatched from the gateway only');
    void this.run(opts, handler);
    return true;
  }

  close(): Promise<void> {
    return this.invoker.close();
  }

  destroy(): Promise<void> {
    return this.invoker.close();
  }

  private async run(opts: DispatchOptions, ex: LambdaExchange): Promise<void> {
    let aborted = false;
    ex.onConnect?.(() => { aborted = true; });
    const body = opts.body instanceof Readable ? await readLimited(opts.body, LAMBDA_PAYLOAD_LIMIT) : EMPTY;
    if (aborted || ex.done) return;
    if (body === undefined) return ex.reply(413, 'LambdaRequestTooLarge', 'Request Entity Too Large: the request body is over 6 MB, the Lambda limit');
    ex.onBodySent?.(body.length, body.length);
    const req: LambdaRequest = {
      method: opts.method, path: opts.path, headers: headerList(opts), body,
    };
    const requestId = ex.ensureRequestId();
    const event = this.entry.eventVersion === 'V2'
      ? buildV2Event(req, {
        serviceNetworkArn: ex.network?.arn ?? '', serviceArn: ex.service?.arn ?? '', targetGroupArn: ex.targetGroup?.arn ?? '',
        ...(ex.vpc === undefined ? {} : { sourceVpcArn: ex.vpc.vpcArn }), region: ex.service?.region ?? '', timeEpochMicros: this.clock(),
        ...(ex.principal === undefined ? {} : { principal: ex.principal }),
      })
      : buildV1Event(req);
    let result: InvokeResult;
    try {
      result = await this.invoker.invoke({ event, requestId });
    } catch (err) {
      result = { ok: false, kind: 'error', message: err instanceof Error ? err.message : String(err) };
    }
    if (aborted || ex.done) return;
    if (!result.ok) {
      if (result.kind === 'timeout') return ex.reply(502, 'LambdaTimeout', `Bad Gateway: ${result.message}`);
      if (result.kind === 'too-large') return ex.reply(502, 'LambdaResponseTooLarge', `Bad Gateway: ${result.message}`);
      return ex.reply(502, 'LambdaInvocationError', `Bad Gateway: ${result.message}`);
    }
    const mapped = mapLambdaResponse(result.payload);
    if (!mapped.ok) return ex.reply(502, mapped.reason, `Bad Gateway: ${mapped.detail}`);
    if (ex.onHeaders?.(mapped.statusCode, [...mapped.headers], noop, '') === false) return;
    if (mapped.body.length > 0) ex.onData?.(mapped.body);
    ex.onComplete?.([]);
  }
}

const EMPTY = Buffer.alloc(0);
const noop = (): void => {};

/** The whole body, or undefined once it passes `limit` bytes (the rest is drained unread). */
function readLimited(stream: Readable, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    stream.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) { over = true; chunks.length = 0; resolve(undefined); return; }
      chunks.push(c);
    });
    stream.on('end', () => { if (!over) resolve(Buffer.concat(chunks, size)); });
    stream.on('error', () => { if (!over) resolve(EMPTY); });
  });
}

/** A target whose function is not known: every request gets the reason. */
class UnresolvedDispatcher implements UpstreamDispatcher {
  constructor(private readonly reason: string) {}

  dispatch(_opts: DispatchOptions, handler: DispatchHandler): boolean {
    if (!isLambdaExchange(handler)) throw new TypeError('a Lambda target is dispatched from the gateway only');
    handler.reply(502, 'LambdaFunctionNotFound', `Bad Gateway: ${this.reason}`);
    return true;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  destroy(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The data plane's Lambda functions, one dispatcher (and worker pool or endpoint pool) per
 * distinct function record, made on first use and kept until `close`: a snapshot that
 * changes a record's handler makes a new one (the old one idles, unref'd).
 */
export class LambdaInvokers {
  private readonly byKey = new Map<string, UpstreamDispatcher>();

  constructor(private readonly clock: Clock = microsNow, private readonly poolSize = 2) {}

  /** The dispatcher for a LAMBDA group's target. */
  dispatcherFor(target: TargetEntry): UpstreamDispatcher {
    const l = target.lambda;
    const key = l === undefined ? `!${target.unresolved ?? target.id}` : `${l.functionArn}\0${l.handler ?? ''}\0${l.url ?? ''}\0${l.eventVersion}\0${l.timeoutMs}`;
    let d: UpstreamDispatcher | undefined = this.byKey.get(key);
    if (d === undefined) {
      d = l === undefined
        ? new UnresolvedDispatcher(target.unresolved ?? `function ${target.id} is not registered with Trellis`)
        : new LambdaFunctionDispatcher(l, this.invokerFor(l), this.clock);
      this.byKey.set(key, d);
    }
    return d;
  }

  async close(): Promise<void> {
    const all = [...this.byKey.values()];
    this.byKey.clear();
    await Promise.all(all.map((d) => (d instanceof LambdaFunctionDispatcher ? d.close() : undefined)));
  }

  private invokerFor(l: LambdaTargetEntry): LambdaInvoker {
    if (l.url !== undefined) return new HttpInvoker({ url: l.url, functionArn: l.functionArn, timeoutMs: l.timeoutMs });
    const handler = l.handler ?? '';
    const hash = handler.lastIndexOf('#');
    const file = hash < 0 ? handler : handler.slice(0, hash);
    const exportName = hash < 0 ? 'handler' : handler.slice(hash + 1);
    return new WorkerPool({ file, exportName, functionArn: l.functionArn, timeoutMs: l.timeoutMs, size: this.poolSize });
  }
}

/** The target a LAMBDA group sends to: its one function (Lattice allows one per group). */
export function lambdaTargetOf(tg: { readonly targets: readonly TargetEntry[] }): TargetEntry | undefined {
  return tg.targets[0];
}

