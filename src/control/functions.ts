import { isAbsolute } from 'node:path';
import { validationError, type Scope } from '../model/index.js';
import type { Place, ResourceRecord, Store } from '../store/index.js';

/*
 * Lambda function records: on AWS a function is Lambda's; here it is a record that maps a
 * function ARN to what runs it locally — a JavaScript module (`handler`, an absolute path
 * with an optional `#exportName`) or an endpoint speaking the Lambda Invoke API (`url`).
 * LAMBDA targets resolve through it (config/compile-targets.ts). The record lives in the
 * ARN's own account and region and is keyed by the unqualified ARN, so targets registered
 * with an alias or version ARN (`…:function:name:live`) find it too.
 */

/** The stored document of a `lambdafunction` record. */
export interface FunctionDoc {
  readonly functionArn: string;
  readonly functionName: string;
  readonly handler?: string;
  readonly url?: string;
  /** Seconds (Lambda's `Timeout`; 3 by default, 900 at most). */
  readonly timeout: number;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
}

export interface FunctionSpec {
  readonly functionArn: string;
  readonly handler?: string;
  readonly url?: string;
  readonly timeout?: number;
}

const FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9$_-]{1,128}))?$/;

function fieldError(name: string, message: string): Error {
  return validationError(`${name}: ${message}`, 'fieldValidationFailed', [{ name, message }]);
}

/** The place and name of a function ARN, its qualifier dropped; throws a ValidationException. */
export function parseFunctionArn(arn: string): { readonly place: Place; readonly name: string; readonly unqualified: string } {
  const m = FUNCTION_ARN.exec(arn);
  if (!m) throw fieldError('functionArn', 'Member must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)');
  return { place: { account: m[3]!, region: m[2]! }, name: m[4]!, unqualified: `arn:${m[1]}:lambda:${m[2]}:${m[3]}:function:${m[4]}` };
}

/** Checks a spec: exactly one of handler and url, an absolute module path, a loopback-or-any HTTP URL. */
function checkSpec(spec: FunctionSpec): void {
  if ((spec.handler === undefined) === (spec.url === undefined)) throw fieldError('handler', 'Exactly one of handler and url is required');
  if (spec.handler !== undefined) {
    const file = spec.handler.includes('#') ? spec.handler.slice(0, spec.handler.lastIndexOf('#')) : spec.handler;
    if (!isAbsolute(file)) throw fieldError('handler', 'Member must be an absolute path to a JavaScript module, optionally followed by #exportName');
    const exp = spec.handler.includes('#') ? spec.handler.slice(spec.handler.lastIndexOf('#') + 1) : 'handler';
    if (!/^[A-Za-z_$][\w$]*$/.test(exp)) throw fieldError('handler', `'${exp}' is not an export name`);
  }
  if (spec.url !== undefined) {
    let u: URL | undefined;
    try { u = new URL(spec.url); } catch { u = undefined; }
    if (u === undefined || u.protocol !== 'http:') throw fieldError('url', 'Member must be an http:// URL');
  }
  if (spec.timeout !== undefined && (!Number.isInteger(spec.timeout) || spec.timeout < 1 || spec.timeout > 900)) {
    throw fieldError('timeout', 'Member must be an integer from 1 to 900');
  }
}

/** Creates or replaces the record of a function (its createdAt is kept). */
export async function putFunction(store: Store, spec: FunctionSpec, now: string): Promise<FunctionDoc> {
  checkSpec(spec);
  const { place, name, unqualified } = parseFunctionArn(spec.functionArn);
  return store.transact(async (tx) => {
    const seen = await tx.get<FunctionDoc>('lambdafunction', place, unqualified);
    const doc: FunctionDoc = {
      functionArn: unqualified, functionName: name,
      ...(spec.handler !== undefined ? { handler: spec.handler } : {}),
      ...(spec.url !== undefined ? { url: spec.url } : {}),
      timeout: spec.timeout ?? 3, createdAt: seen?.doc.createdAt ?? now, lastUpdatedAt: now,
    };
    await tx.put<FunctionDoc>({ kind: 'lambdafunction', ...place, id: unqualified, parentId: '', name, refs: [], doc });
    return doc;
  });
}

/** The record of a function by its ARN (qualified or not), or undefined. */
export async function getFunction(store: Store, functionArn: string): Promise<FunctionDoc | undefined> {
  const { place, unqualified } = parseFunctionArn(functionArn);
  const rec: ResourceRecord<FunctionDoc> | undefined = await store.get<FunctionDoc>('lambdafunction', place, unqualified);
  return rec?.doc;
}

/** The functions of one account and region, in creation order. */
export async function listFunctions(store: Store, scope: Scope | Place): Promise<FunctionDoc[]> {
  const recs = await store.list<FunctionDoc>('lambdafunction', { account: scope.account, region: scope.region });
  return recs.map((r) => r.doc);
}

/** Removes a function's record; false when there was none. */
export async function deleteFunction(store: Store, functionArn: string): Promise<boolean> {
  const { place, unqualified } = parseFunctionArn(functionArn);
  return store.transact(async (tx) => {
    if (!(await tx.get('lambdafunction', place, unqualified))) return false;
    await tx.delete('lambdafunction', place, unqualified);
    return true;
  });
}
