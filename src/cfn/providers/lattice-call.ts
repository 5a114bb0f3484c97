import { createHash } from 'node:crypto';
import { handlers } from '../../control/index.js';
import { assertValid, checkShape, isObject, operations, shapes, type OperationName, type OperationShapes } from '../../model/index.js';
import type { Properties, ProviderContext } from '../contracts.js';
import { calling, handlerFailed, isNotFound } from './provider-error.js';
import { sameJson } from './props.js';

/*
 * How the Lattice providers call the API: through the control plane's own handlers, with
 * the input checked against the service model first (as the API layer checks it before a
 * handler runs), so every rule of the API applies to CloudFormation as to the SDK. Never
 * the store directly.
 */

const opDefs = new Map(operations.map((o) => [o.name, o]));

/**
 * Gives scalars the model's types where CloudFormation would have coerced them: a template's
 * `Port: "80"` is 80, `HttpCode: 200` is "200", `Enabled: "true"` is true. Anything else is
 * left for the model's validation to refuse.
 */
export function coerceToShape(shapeName: string, v: unknown): unknown {
  const s = shapes[shapeName];
  if (!s || v === undefined || v === null) return v;
  switch (s.type) {
    case 'string':
      return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
    case 'integer': case 'long':
      return typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v;
    case 'boolean':
      return v === 'true' ? true : v === 'false' ? false : v;
    case 'list':
      return Array.isArray(v) ? v.map((x) => coerceToShape(s.member!, x)) : v;
    case 'map':
      return isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, coerceToShape(s.value!, x)])) : v;
    case 'structure': {
      if (!isObject(v)) return v;
      const members = s.members ?? {};
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, members[k] ? coerceToShape(members[k].shape, x) : x]));
    }
    default:
      return v;
  }
}

/**
 * Calls one operation as the API would: coerce, validate against the model (a
 * ValidationException otherwise), run the handler. An AwsError becomes the handler failure
 * CloudFormation reports.
 */
export async function invoke<Op extends OperationName>(
  ctx: ProviderContext, op: Op, input: Readonly<Record<string, unknown>>,
): Promise<OperationShapes[Op]['output']> {
  const def = opDefs.get(op);
  const handler = handlers[op];
  if (!def || !handler) throw handlerFailed(ctx, `${op} is not implemented by Trellis.`, 'ServiceInternalError');
  return calling(ctx, async () => {
    const coerced = def.input ? coerceToShape(def.input, input) : {};
    if (def.input) assertValid(checkShape(def.input, coerced));
    // Checked against the operation's input shape just above.
    return handler(ctx.cp, ctx.call, coerced as OperationShapes[Op]['input']);
  });
}

/**
 * The idempotency token of one resource's create. CloudFormation gives one token per stack
 * operation, shared by every resource it touches; Trellis remembers a create per (operation,
 * token) as AWS does, so passing that token as is would answer the second target group of a
 * stack with the first one (or a 409). The token is therefore derived per stack and logical
 * id: a retry of the same resource in the same stack operation is still idempotent, and two
 * resources never share one. 64 hex digits fit the model's ClientToken (1..64, `[!-~]`).
 */
export function resourceToken(ctx: ProviderContext): string | undefined {
  if (!ctx.clientRequestToken) return undefined;
  return createHash('sha256').update(`${ctx.stackId}\0${ctx.logicalId}\0${ctx.clientRequestToken}`).digest('hex');
}

/** Statuses that are on their way somewhere: wait. */
const IN_PROGRESS = /_IN_PROGRESS$/;

export interface Stabilized {
  readonly status?: string;
  readonly failureMessage?: string;
  readonly failureCode?: string;
}

/** How long a provider waits for a resource to settle before it reports NotStabilized. */
export const STABILIZE_TIMEOUT_MS = 120_000;

function pollInterval(ctx: ProviderContext): number {
  return Math.min(250, Math.max(5, Math.floor(ctx.cp.config.settleDelayMs / 4)));
}

const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/**
 * Polls `get` until the resource is ACTIVE, as CloudFormation's handlers stabilize: an
 * `*_IN_PROGRESS` status is "not yet", `*_FAILED` fails with the resource's own reason, and
 * waiting is bounded.
 */
export async function untilActive<T extends Stabilized>(ctx: ProviderContext, what: string, get: () => Promise<T>, timeoutMs = STABILIZE_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cur = await get();
    const status = cur.status ?? 'ACTIVE';
    if (status === 'ACTIVE') return cur;
    if (status.endsWith('_FAILED')) {
      const why = cur.failureMessage ?? cur.failureCode ?? 'no reason given';
      throw handlerFailed(ctx, `${what} is ${status}: ${why}`, 'NotStabilized');
    }
    if (!IN_PROGRESS.test(status) || Date.now() > deadline) {
      throw handlerFailed(ctx, `${what} did not become ACTIVE (status ${status})`, 'NotStabilized');
    }
    await sleep(pollInterval(ctx));
  }
}

/** The status members of a Get answer (resources without a status have none). */
function stabilizedOf(v: object): Stabilized {
  const r = v as Readonly<Record<string, unknown>>;
  const str = (k: string) => (typeof r[k] === 'string' ? r[k] as string : undefined);
  const out: { status?: string; failureMessage?: string; failureCode?: string } = {};
  const status = str('status');
  const failureMessage = str('failureMessage') ?? str('failureReason');
  const failureCode = str('failureCode');
  if (status !== undefined) out.status = status;
  if (failureMessage !== undefined) out.failureMessage = failureMessage;
  if (failureCode !== undefined) out.failureCode = failureCode;
  return out;
}

/**
 * Deletes as CloudFormation's handlers do: a resource that is still settling is waited for
 * first (Lattice refuses to delete a target group while it is being created), a resource
 * already gone is success, and then the handler polls until the resource reads as not found.
 */
export async function deleteQuietly(
  ctx: ProviderContext, what: string, get: () => Promise<object>, del: () => Promise<unknown>, timeoutMs = STABILIZE_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const read = async (): Promise<Stabilized | undefined> => {
    try { return stabilizedOf(await get()); } catch (err) { if (isNotFound(err)) return undefined; throw err; }
  };
  let cur = await read();
  while (cur?.status !== undefined && IN_PROGRESS.test(cur.status) && cur.status !== 'DELETE_IN_PROGRESS' && Date.now() < deadline) {
    await sleep(pollInterval(ctx));
    cur = await read();
  }
  if (!cur) return;
  try { await del(); } catch (err) { if (isNotFound(err)) return; throw err; }
  while ((cur = await read()) !== undefined) {
    if (cur.status?.endsWith('_FAILED')) throw handlerFailed(ctx, `${what} is ${cur.status}: ${cur.failureMessage ?? 'no reason given'}`, 'NotStabilized');
    if (Date.now() > deadline) throw handlerFailed(ctx, `${what} was not deleted in time (status ${cur.status ?? 'unknown'})`, 'NotStabilized');
    await sleep(pollInterval(ctx));
  }
}

/**
 * Brings a resource's tags from `before` to `after` with TagResource / UntagResource, the
 * way CloudFormation's handlers update tags (only when they changed).
 */
export async function syncTags(
  ctx: ProviderContext, arn: string, before: Readonly<Record<string, string>> | undefined, after: Readonly<Record<string, string>> | undefined,
): Promise<void> {
  const prev = before ?? {};
  const next = after ?? {};
  const removed = Object.keys(prev).filter((k) => !Object.hasOwn(next, k));
  const changed = Object.fromEntries(Object.entries(next).filter(([k, v]) => prev[k] !== v));
  if (removed.length > 0) await invoke(ctx, 'UntagResource', { resourceArn: arn, tagKeys: removed });
  if (Object.keys(changed).length > 0) await invoke(ctx, 'TagResource', { resourceArn: arn, tags: changed });
}

/**
 * Fails an update that changes a property the API cannot change in place although the
 * schema does not mark it create-only: loudly, never a silent no-op.
 */
export function assertUnchanged(ctx: ProviderContext, type: string, name: string, props: Properties, previous: Properties): void {
  if (!sameJson(props[name], previous[name])) {
    throw handlerFailed(ctx, `${type}: ${name} cannot be changed in place (the VPC Lattice API has no update of it); change the logical id to replace the resource instead.`, 'NotUpdatable');
  }
}
