import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError, type Scope } from '../../model/index.js';
import type { Principal } from '../../iam/index.js';
import { readBody } from '../http-io.js';
import { authenticate, authorize, queryResource, type ApiAuth } from '../authenticate.js';
import type { QueryService, WireError } from './service.js';
import { errorDocument, responseDocument } from './xml.js';

/** The signing names whose requests are Query protocol even when not form-encoded. */
export const QUERY_SIGNING_NAMES: ReadonlySet<string> = new Set(['cloudformation', 'iam', 'sts']);

/**
 * Whether a request speaks the Query protocol: a form-encoded POST to `/` (no REST-JSON
 * operation of VPC Lattice has that shape), or one signed for a Query service. Decided on
 * the headers alone, before the body is read.
 */
export function isQueryRequest(req: IncomingMessage, url: URL, signingName: string | undefined): boolean {
  if (signingName !== undefined && QUERY_SIGNING_NAMES.has(signingName)) return true;
  const type = req.headers['content-type'] ?? '';
  return req.method === 'POST' && url.pathname === '/' && /^application\/x-www-form-urlencoded\b/i.test(type);
}

export interface QueryContext {
  readonly services: readonly QueryService[];
  readonly scope: Scope;
  readonly requestId: string;
  /** The service the request was signed for, if it was signed. */
  readonly signingName: string | undefined;
  /** The access key id the request was signed with, if it was signed. */
  readonly accessKeyId?: string | undefined;
  /** The verified caller, once SigV4 verification runs before the Query layer. */
  readonly principal?: Principal | undefined;
  /** The SigV4 and authorize steps; absent, every call acts as the account's admin. */
  readonly auth?: ApiAuth;
}

/**
 * The Query protocol: read the form (body and URL query string) → pick the service →
 * pick the action → decode and validate → invoke → `<{Action}Response>` XML. Every failure
 * is an `<ErrorResponse>` with the service's code and status; nothing else escapes.
 */
export async function serveQuery(req: IncomingMessage, res: ServerResponse, ctx: QueryContext): Promise<void> {
  let service: QueryService | undefined;
  try {
    const { params, raw } = await readParams(req);
    const actionName = params.get('Action');
    const version = params.get('Version');
    service = pickService(ctx, version);
    // Verified for the service the request is for: the one its scope names, else its Version's.
    const expected = service ?? ctx.services.find((s) => s.version === version);
    const caller = ctx.auth
      ? authenticate(ctx.auth, req, raw, ctx.scope, expected ? [expected.signingName] : ctx.services.map((s) => s.signingName), 'query', unsignedAllowed(expected, actionName))
      : undefined;
    if (actionName === undefined || actionName === '') throw new AwsError('MissingAction', 'The request must contain the parameter Action.', {}, 400);
    if (!service) {
      const named = ctx.signingName ?? (version ? `version ${version}` : 'an unnamed service');
      throw new AwsError('InvalidAction', `Could not find operation ${actionName} for ${named}: Trellis does not serve that Query API.`, {}, 400);
    }
    const action = Object.hasOwn(service.actions, actionName) ? service.actions[actionName] : undefined;
    if (!action) throw new AwsError('InvalidAction', `Could not find operation ${actionName} for version ${service.version}`, {}, 400);
    if (caller && ctx.auth) await authorize(ctx.auth, caller, `${service.signingName}:${actionName}`, queryResource(service.signingName, params, caller.scope), 'query', exemptFromPolicy(service, actionName));
    const accessKeyId = caller?.accessKeyId ?? ctx.accessKeyId;
    const principal = caller?.principal ?? ctx.principal;
    const result = await action.invoke({
      scope: caller?.scope ?? ctx.scope, requestId: ctx.requestId,
      ...(accessKeyId !== undefined ? { accessKeyId } : {}),
      ...(principal !== undefined ? { principal } : {}),
    }, params);
    send(res, ctx.requestId, 200, responseDocument(actionName, service.xmlNamespace, ctx.requestId, result));
  } catch (err) {
    const wire = toWire(err, service, ctx.requestId);
    const ns = service?.xmlNamespace ?? ctx.services[0]?.xmlNamespace ?? '';
    send(res, ctx.requestId, wire.status, errorDocument(ns, ctx.requestId, wire.status >= 500 ? 'Receiver' : 'Sender', wire.code, wire.message));
  }
}

/** The request's parameters: the URL query string, then the form body (the body wins). */
async function readParams(req: IncomingMessage): Promise<{ params: Map<string, string>; raw: Buffer }> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const params = new Map<string, string>();
  for (const [k, v] of url.searchParams) if (!params.has(k)) params.set(k, v);
  const raw = await readBody(req).catch((err: unknown) => {
    throw err instanceof AwsError ? new AwsError('ValidationError', err.message, {}, 400) : err;
  });
  if (raw.length > 0) for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) params.set(k, v);
  return { params, raw };
}

/** STS's federation calls are made without credentials, on AWS as here. */
function unsignedAllowed(service: QueryService | undefined, action: string | undefined): boolean {
  return service?.signingName === 'sts' && (action === 'AssumeRoleWithWebIdentity' || action === 'AssumeRoleWithSAML');
}

/** Calls that need no identity-policy permission: asking who one is, and federation (its trust policy decides). */
function exemptFromPolicy(service: QueryService, action: string): boolean {
  return service.signingName === 'sts' && (action === 'GetCallerIdentity' || unsignedAllowed(service, action));
}

/** The signing name decides; unsigned requests are told apart by their `Version`. */
function pickService(ctx: QueryContext, version: string | undefined): QueryService | undefined {
  if (ctx.signingName !== undefined) return ctx.services.find((s) => s.signingName === ctx.signingName);
  return ctx.services.find((s) => s.version === version);
}

function toWire(err: unknown, service: QueryService | undefined, requestId: string): WireError & { readonly message: string } {
  if (err instanceof AwsError) {
    const mapped = service?.errors[err.type];
    return { code: mapped?.code ?? err.type, status: mapped?.status ?? err.status, message: err.message };
  }
  console.error(`[${requestId}] Query action failed:`, err);
  return { code: 'InternalFailure', status: 500, message: `An internal error occurred. Request id: ${requestId}` };
}

function send(res: ServerResponse, requestId: string, status: number, xml: string): void {
  res.writeHead(status, {
    'x-amzn-RequestId': requestId,
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(xml),
  });
  res.end(xml);
}
