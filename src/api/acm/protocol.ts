import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError, isObject, type Scope } from '../../model/index.js';
import type { ControlPlane } from '../../control/index.js';
import { readBody } from '../http-io.js';
import { authenticate, authorize, type ApiAuth } from '../authenticate.js';
import { ACM_ACTIONS } from './actions.js';

/**
 * AWS Certificate Manager's API subset over AWS's JSON 1.1 protocol: `POST /` with
 * `X-Amz-Target: CertificateManager.<Action>` and a JSON body, SigV4 signing name `acm`.
 * Answers are `application/x-amz-json-1.1`; errors carry their type twice, as `__type` in the
 * body and in `x-amzn-ErrorType`, with every client error at 400 (JSON 1.1 has no per-error
 * statuses). Recognised by the target header alone, so it shares the API endpoint with
 * VPC Lattice's REST-JSON and the Query services.
 */

const TARGET_PREFIX = 'CertificateManager.';
/** The SigV4 signing name of ACM. */
const SIGNING_NAMES: readonly string[] = ['acm'];
const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** Whether a request is an ACM call: its `X-Amz-Target` names CertificateManager. */
export function isAcmRequest(req: IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(TARGET_PREFIX);
}

export interface AcmContext {
  readonly cp: ControlPlane;
  readonly scope: Scope;
  readonly requestId: string;
  /** The SigV4 and authorize steps; absent, every call acts as the account's admin. */
  readonly auth?: ApiAuth;
}

/** Serves one ACM call: read → SigV4 → action → parse → authorize → invoke → JSON. */
export async function serveAcm(req: IncomingMessage, res: ServerResponse, ctx: AcmContext): Promise<void> {
  try {
    const raw = await readBody(req).catch((err: unknown) => {
      throw err instanceof AwsError ? new AwsError('ValidationException', err.message, {}, 400) : err;
    });
    const caller = ctx.auth ? authenticate(ctx.auth, req, raw, ctx.scope, SIGNING_NAMES, 'json') : undefined;
    const name = String(req.headers['x-amz-target']).slice(TARGET_PREFIX.length);
    const action = req.method === 'POST' && Object.hasOwn(ACM_ACTIONS, name) ? ACM_ACTIONS[name] : undefined;
    if (!action) throw new AwsError('UnknownOperationException', `Operation ${name} is not supported by Trellis's ACM API.`, {}, 400);
    const body = parseBody(raw);
    const scope = caller?.scope ?? ctx.scope;
    if (caller && ctx.auth) {
      const arn = body['CertificateArn'];
      await authorize(ctx.auth, caller, `acm:${name}`, typeof arn === 'string' ? arn : '*', 'json');
    }
    const out = await action({ cp: ctx.cp, scope, body });
    send(res, ctx.requestId, 200, out, undefined);
  } catch (err) {
    if (err instanceof AwsError) {
      send(res, ctx.requestId, err.status, { __type: err.type, message: err.message }, err.type);
      return;
    }
    console.error(`[${ctx.requestId}] ACM action failed:`, err);
    send(res, ctx.requestId, 500, { __type: 'InternalFailure', message: `An internal error occurred. Request id: ${ctx.requestId}` }, 'InternalFailure');
  }
}

/** The JSON body; empty counts as `{}`. Anything but an object is a SerializationException. */
function parseBody(raw: Buffer): Readonly<Record<string, unknown>> {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.', {}, 400);
  }
  if (!isObject(parsed)) throw new AwsError('SerializationException', 'The request body must be a JSON object.', {}, 400);
  return parsed;
}

function send(res: ServerResponse, requestId: string, status: number, body: unknown, errorType: string | undefined): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'x-amzn-RequestId': requestId,
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
  };
  if (errorType !== undefined) headers['x-amzn-ErrorType'] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}
