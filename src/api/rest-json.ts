import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AwsError, assertValid, checkShape, internalError, isObject, shapes, validationError, type OperationDef, type Scope,
} from '../model/index.js';
import { handlerFor, type ControlPlane } from '../control/index.js';
import { Router } from './router.js';
import { readBody, sendError, sendJson } from './http-io.js';
import { authenticate, authorize, latticeResource, type ApiAuth } from './authenticate.js';

const router = new Router();
/** The SigV4 signing name of the VPC Lattice control plane. */
const SIGNING_NAMES: readonly string[] = ['vpc-lattice'];

/** Builds an operation's input from path parameters, query string and JSON body, by the model. */
export function buildInput(op: OperationDef, params: Readonly<Record<string, string>>, query: URLSearchParams, body: Record<string, unknown>): Record<string, unknown> {
  if (!op.input) return {};
  const shape = shapes[op.input]!;
  const input: Record<string, unknown> = {};
  for (const [member, def] of Object.entries(shape.members ?? {})) {
    const wire = def.locationName ?? member;
    if (def.location === 'uri') {
      if (params[wire] !== undefined) input[member] = params[wire];
    } else if (def.location === 'querystring') {
      const values = query.getAll(wire);
      if (values.length === 0) continue;
      const type = shapes[def.shape]!.type;
      input[member] = type === 'list' ? values
        : type === 'integer' || type === 'long' ? (/^-?\d+$/.test(values[0]!) ? Number(values[0]) : values[0])
          : type === 'boolean' ? (values[0] === 'true' ? true : values[0] === 'false' ? false : values[0])
            : values[0];
    } else if (def.location === 'header') {
      continue; // the model has no header-bound members
    } else if (body[member] !== undefined) {
      input[member] = body[member];
    }
  }
  return input;
}

export interface RestJsonContext {
  readonly cp: ControlPlane;
  readonly scope: Scope;
  readonly requestId: string;
  /** The SigV4 and authorize steps; absent, every call acts as the account's admin. */
  readonly auth?: ApiAuth;
}

/**
 * The REST-JSON protocol of the VPC Lattice API: route → read → parse → validate → invoke →
 * serialise. Every failure is an AwsError on the wire; nothing else escapes.
 */
export async function serveRestJson(req: IncomingMessage, res: ServerResponse, ctx: RestJsonContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = router.match(req.method ?? 'GET', url.pathname);
  if (route.kind !== 'match') {
    // Drain the body so the connection stays usable, then answer as AWS does for a path
    // or method the model does not have.
    const drained = await readBody(req).catch(() => undefined);
    if (ctx.auth) {
      try { authenticate(ctx.auth, req, drained ?? Buffer.alloc(0), ctx.scope, SIGNING_NAMES, 'rest-json'); } catch (err) {
        if (err instanceof AwsError) { sendError(res, ctx.requestId, err); return; }
        throw err;
      }
    }
    const message = route.kind === 'wrong-method'
      ? `The method ${req.method} is not allowed on ${url.pathname}.`
      : `No operation matches ${req.method} ${url.pathname}.`;
    sendError(res, ctx.requestId, validationError(message, 'unknownOperation'));
    return;
  }
  const { op, params } = route;
  try {
    const raw = await readBody(req);
    const caller = ctx.auth ? authenticate(ctx.auth, req, raw, ctx.scope, SIGNING_NAMES, 'rest-json') : { scope: ctx.scope };
    // IAM names BatchUpdateRule's permission vpc-lattice:UpdateRule (LATTICE.md §9).
    const action = `vpc-lattice:${op.name === 'BatchUpdateRule' ? 'UpdateRule' : op.name}`;
    if (ctx.auth) await authorize(ctx.auth, caller, action, latticeResource(op.name, params, caller.scope), 'rest-json');
    let body: Record<string, unknown> = {};
    if (raw.length > 0) {
      let parsed: unknown;
      try { parsed = JSON.parse(raw.toString('utf8')); } catch {
        throw validationError('The request body could not be parsed as JSON.', 'cannotParse');
      }
      if (!isObject(parsed)) throw validationError('The request body must be a JSON object.', 'cannotParse');
      body = parsed;
    }
    const input = buildInput(op, params, url.searchParams, body);
    if (op.input) assertValid(checkShape(op.input, input));
    const handler = handlerFor(op.name);
    if (!handler) throw new AwsError('InternalServerException', `${op.name} is not implemented by Trellis yet.`, {}, 501);
    const output = await handler(ctx.cp, { scope: caller.scope, requestId: ctx.requestId }, input as never);
    sendJson(res, ctx.requestId, op.successCode, op.successCode === 204 ? undefined : output);
  } catch (err) {
    if (err instanceof AwsError) sendError(res, ctx.requestId, err);
    else {
      console.error(`[${ctx.requestId}] ${op.name} failed:`, err);
      sendError(res, ctx.requestId, internalError(ctx.requestId));
    }
  }
}
