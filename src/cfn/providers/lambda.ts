import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functions } from '../../control/index.js';
import type { Properties, ProviderContext, ResourceProvider } from '../contracts.js';
import { generateName } from './names.js';
import { calling, handlerFailed } from './provider-error.js';
import { PropReader } from './props.js';
import { createOnlyPaths } from './schema-facts.js';

/*
 * AWS::Lambda::Function with inline code (`Code.ZipFile`), and AWS::Lambda::Permission.
 *
 * Lambda is not Trellis's API: a function here is a record (control/functions.ts) mapping
 * the function's ARN to a local handler module that the data plane runs in worker threads
 * when a LAMBDA target group invokes it. The provider writes the inline source to
 *   <dataDir>/functions/<account>/<region>/<name>/<sha256 of source, 16 hex>/index.js
 * beside a package.json of `"type": "commonjs"`: CloudFormation names inline Node.js code
 * `index.js`, which Lambda loads as CommonJS (`exports.handler = async (event) => …`), and
 * the package.json keeps it CommonJS even when a parent folder says `"type": "module"` (a
 * data dir inside a project, like Trellis's own `.trellis`). Each version of the source has
 * its own folder, so an update changes the record's handler path and the data plane starts
 * a fresh worker pool instead of reusing workers that imported the old module; old versions
 * stay until the function is deleted (a rollback may point back at them).
 *
 * What Trellis cannot run fails the resource with the reason: code in S3 or an image, a
 * runtime other than Node.js, a handler whose file is not `index`.
 */

const INLINE_ONLY = 'Trellis runs only inline ZipFile code; register other functions with `trellis function register`';
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const HANDLER = /^index\.([A-Za-z_$][\w$]*)$/;

/** Where a stack's function code lives: the data dir, or a per-process temporary one. */
function functionsRoot(ctx: ProviderContext): string {
  return join(ctx.dataDir ?? join(tmpdir(), `trellis-functions-${process.pid}`), 'functions');
}

function functionDir(ctx: ProviderContext, name: string): string {
  return join(functionsRoot(ctx), ctx.call.scope.account, ctx.call.scope.region, name);
}

function functionArn(ctx: ProviderContext, name: string): string {
  const s = ctx.call.scope;
  return `arn:${s.partition}:lambda:${s.region}:${s.account}:function:${name}`;
}

interface InlineFunction {
  readonly source: string;
  readonly exportName: string;
  readonly timeout: number;
}

/** The template's function, checked for what Trellis can run. */
function inlineFunction(ctx: ProviderContext, props: Properties): InlineFunction {
  const p = new PropReader(ctx, props);
  p.required('Code');
  const code = p.child('Code');
  for (const other of ['S3Bucket', 'S3Key', 'ImageUri']) {
    if (code.has(other)) throw handlerFailed(ctx, `Code.${other}: ${INLINE_ONLY}.`);
  }
  if (p.optStr('PackageType') === 'Image') throw handlerFailed(ctx, `PackageType Image: ${INLINE_ONLY}.`);
  const source = code.optStr('ZipFile');
  if (source === undefined) throw handlerFailed(ctx, `Code has no ZipFile: ${INLINE_ONLY}.`);
  const runtime = p.optStr('Runtime');
  if (runtime === undefined) throw handlerFailed(ctx, 'Runtime and Handler are mandatory parameters for functions created with Zip packages.');
  if (!runtime.startsWith('nodejs')) throw handlerFailed(ctx, `Runtime ${runtime}: Trellis runs inline code of the Node.js runtimes (nodejs*) only; register other functions with \`trellis function register\`.`);
  const handler = p.optStr('Handler');
  if (handler === undefined) throw handlerFailed(ctx, 'Runtime and Handler are mandatory parameters for functions created with Zip packages.');
  const m = HANDLER.exec(handler);
  if (!m) throw handlerFailed(ctx, `Handler ${handler}: inline code is the file index.js, so the handler must be index.<exported function>.`);
  const timeout = p.optInt('Timeout') ?? 3;
  if (timeout < 1 || timeout > 900) throw handlerFailed(ctx, `Timeout ${timeout}: a function timeout is from 1 to 900 seconds.`);
  return { source, exportName: m[1]!, timeout };
}

/** Writes one version of the source; returns the handler spec of the function record. */
function writeCode(ctx: ProviderContext, name: string, fn: InlineFunction): string {
  const version = createHash('sha256').update(fn.source).digest('hex').slice(0, 16);
  const dir = join(functionDir(ctx, name), version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  writeFileSync(join(dir, 'index.js'), fn.source);
  return `${join(dir, 'index.js')}#${fn.exportName}`;
}

async function putRecord(ctx: ProviderContext, name: string, fn: InlineFunction): Promise<{ physicalId: string; attributes: Record<string, unknown> }> {
  const arn = functionArn(ctx, name);
  const handler = writeCode(ctx, name, fn);
  const doc = await calling(ctx, () => functions.putFunction(ctx.cp.store, { functionArn: arn, handler, timeout: fn.timeout }, new Date(ctx.cp.now()).toISOString()));
  return { physicalId: name, attributes: { Arn: doc.functionArn } };
}

export const lambdaFunctionProvider: ResourceProvider = {
  type: 'AWS::Lambda::Function',
  replacementPaths: createOnlyPaths('AWS::Lambda::Function'),
  async create(ctx, props) {
    const p = new PropReader(ctx, props);
    const name = p.optStr('FunctionName') ?? generateName(ctx, { maxLength: 64, lattice: false }).replace(/[^A-Za-z0-9_-]/g, '-');
    if (!FUNCTION_NAME.test(name)) throw handlerFailed(ctx, `The function name ${name} is not valid: 1 to 64 of letters, digits, - and _.`);
    const fn = inlineFunction(ctx, props);
    if (await functions.getFunction(ctx.cp.store, functionArn(ctx, name))) {
      throw handlerFailed(ctx, `Function already exist: ${name}`, 'AlreadyExists');
    }
    return putRecord(ctx, name, fn);
  },
  async update(ctx, name, props) {
    return putRecord(ctx, name, inlineFunction(ctx, props));
  },
  async delete(ctx, name) {
    await functions.deleteFunction(ctx.cp.store, functionArn(ctx, name));
    rmSync(functionDir(ctx, name), { recursive: true, force: true });
  },
};

/**
 * The function an AWS::Lambda::Permission names: a name, a full ARN or a partial one
 * (`123456789012:function:name`), qualifier dropped — as Lambda's FunctionName accepts.
 */
function permissionTarget(ctx: ProviderContext, functionName: string): string {
  if (functionName.startsWith('arn:')) return functionName;
  const partial = /^(\d{12}):function:([^:]+)/.exec(functionName);
  if (partial) return functionArn({ ...ctx, call: { ...ctx.call, scope: { ...ctx.call.scope, account: partial[1]! } } }, partial[2]!);
  return functionArn(ctx, functionName.split(':')[0]!);
}

/**
 * AWS::Lambda::Permission: Lattice invokes local functions without a resource policy, so a
 * permission (typically principal vpc-lattice.amazonaws.com, source the target group's ARN)
 * changes nothing; it is accepted so that real templates deploy, and recorded in the stack
 * (its properties and physical id). Like Lambda, it fails when the function does not exist.
 */
export const lambdaPermissionProvider: ResourceProvider = {
  type: 'AWS::Lambda::Permission',
  replacementPaths: createOnlyPaths('AWS::Lambda::Permission'),
  async create(ctx, props) {
    const p = new PropReader(ctx, props);
    const functionName = p.str('FunctionName');
    p.str('Action');
    p.str('Principal');
    const arn = permissionTarget(ctx, functionName);
    const known = await calling(ctx, () => functions.getFunction(ctx.cp.store, arn)).catch(() => undefined);
    if (!known) throw handlerFailed(ctx, `Function not found: ${arn}`, 'NotFound');
    const id = generateName(ctx, { maxLength: 100, lattice: false });
    return { physicalId: id, attributes: { Id: id } };
  },
  async update(_ctx, id) {
    // Every property is createOnly: an update is always a replacement, never this call.
    return { physicalId: id, attributes: { Id: id } };
  },
  async delete() {
    // Nothing was granted, so nothing is revoked.
  },
};
