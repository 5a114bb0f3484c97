import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { functions, vpcs, type ControlPlane } from '../control/index.js';
import { AwsError, isObject, validationError, type Scope } from '../model/index.js';
import { readBody, sendError, sendJson } from './http-io.js';

/**
 * What the API server shows of a data plane running beside it. Structural, so the API layer
 * does not import the data plane: the `trellis` command wires the two together.
 */
export interface DataPlaneView {
  /** May answer later: with `--workers N` the primary asks every worker for its counts. */
  metrics(): { readonly contentType: string; readonly body: string } | Promise<{ readonly contentType: string; readonly body: string }>;
  vpcEndpoints(): Promise<readonly { readonly vpcId: string; readonly address: string }[]>;
  proxyAddress(): string;
  status(): DataPlaneStatus | Promise<DataPlaneStatus>;
  /** `trellis auth explain`: the auth decision of a described request, each layer and statement. */
  explain?(request: ExplainInput): Promise<unknown>;
}

/** The data plane's part of `GET /_trellis/status` (`workers`: one entry per worker process with `--workers N`). */
export interface DataPlaneStatus {
  readonly revision: number;
  readonly problems: readonly { readonly kind: string; readonly id: string; readonly reason: string }[];
  readonly workers?: readonly unknown[];
}

/** A request to explain (`POST /_trellis/auth/explain`); see the data plane's ExplainRequest. */
export interface ExplainInput {
  readonly vpcId: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly service?: string;
  /** The caller's ARN; absent: anonymous. */
  readonly principal?: string;
  readonly port?: number;
}

export interface TrellisEndpointContext {
  readonly cp: ControlPlane;
  readonly defaults: Scope;
  readonly version: string;
  readonly requestId: string;
  readonly dataPlane?: DataPlaneView;
}

/**
 * Trellis's own endpoints under `/_trellis/`: health for probes and scripts, the views and
 * registrations that the `trellis` command uses (VPCs, gateway addresses, instances, load
 * balancers, snapshot status) and Prometheus metrics. JSON in and out, except metrics; not
 * part of any AWS API.
 */
export async function serveTrellis(req: IncomingMessage, res: ServerResponse, url: URL, ctx: TrellisEndpointContext): Promise<void> {
  const route = `${req.method} ${url.pathname}`;
  const place = { account: url.searchParams.get('account') ?? ctx.defaults.account, region: url.searchParams.get('region') ?? ctx.defaults.region };
  const now = () => new Date(ctx.cp.now()).toISOString();
  try {
    switch (route) {
      case 'GET /_trellis/health':
        sendJson(res, ctx.requestId, 200, { status: 'ok', version: ctx.version, revision: await ctx.cp.store.revision() });
        return;
      case 'GET /_trellis/vpcs': {
        const known = await vpcs.listVpcs(ctx.cp.store, place);
        const endpoints = new Map((await ctx.dataPlane?.vpcEndpoints() ?? []).map((e) => [e.vpcId, e.address]));
        sendJson(res, ctx.requestId, 200, {
          proxy: ctx.dataPlane?.proxyAddress(),
          items: known.map((r) => ({ ...r.doc, endpoint: endpoints.get(r.id) })),
        });
        return;
      }
      case 'POST /_trellis/vpcs': {
        const b = await jsonBody(req);
        const vpcId = str(b, 'vpcId', /^vpc-[0-9a-z]{8,17}$/);
        const cidr = optStr(b, 'cidrBlock');
        const rec = await ctx.cp.store.transact((tx) => vpcs.putVpc(tx, place, vpcId, cidr, now()));
        sendJson(res, ctx.requestId, 200, rec.doc);
        return;
      }
      case 'POST /_trellis/instances': {
        const b = await jsonBody(req);
        const instanceId = str(b, 'instanceId', /^i-[0-9a-f]{8,17}$/);
        const ip = optStr(b, 'privateIpAddress');
        if (ip !== undefined && isIP(ip) === 0) throw validationError(`${ip} is not an IP address`, 'fieldValidationFailed', [{ name: 'privateIpAddress', message: 'Member must be an IP address' }]);
        const rec = await ctx.cp.store.transact((tx) => vpcs.putInstance(tx, place, instanceId, optStr(b, 'vpcId'), ip, now()));
        sendJson(res, ctx.requestId, 200, rec.doc);
        return;
      }
      case 'POST /_trellis/load-balancers': {
        const b = await jsonBody(req);
        const arn = str(b, 'arn', /^arn:[a-z-]+:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/.+/);
        const address = str(b, 'address');
        if (isIP(address) === 0) throw validationError(`${address} is not an IP address`, 'fieldValidationFailed', [{ name: 'address', message: 'Member must be an IP address' }]);
        const rec = await ctx.cp.store.transact((tx) => vpcs.putLoadBalancer(tx, place, arn, address, optStr(b, 'vpcId'), now()));
        sendJson(res, ctx.requestId, 200, rec.doc);
        return;
      }
      case 'POST /_trellis/functions': {
        // A Lambda function ARN mapped to a local handler module or an Invoke API endpoint.
        const b = await jsonBody(req);
        const timeout = b['timeout'];
        if (timeout !== undefined && typeof timeout !== 'number') throw validationError('timeout must be a number', 'fieldValidationFailed', [{ name: 'timeout', message: 'Member must be a number' }]);
        const doc = await functions.putFunction(ctx.cp.store, {
          functionArn: str(b, 'functionArn'), handler: optStr(b, 'handler'), url: optStr(b, 'url'),
          ...(timeout === undefined ? {} : { timeout }),
        }, now());
        sendJson(res, ctx.requestId, 200, doc);
        return;
      }
      case 'GET /_trellis/functions':
        sendJson(res, ctx.requestId, 200, { items: await functions.listFunctions(ctx.cp.store, place) });
        return;
      case 'GET /_trellis/status':
        sendJson(res, ctx.requestId, 200, { revision: await ctx.cp.store.revision(), dataPlane: await ctx.dataPlane?.status() });
        return;
      case 'GET /_trellis/metrics': {
        const m = await ctx.dataPlane?.metrics() ?? { contentType: 'text/plain; version=0.0.4', body: '' };
        res.writeHead(200, { 'Content-Type': m.contentType, 'Content-Length': Buffer.byteLength(m.body), 'x-amzn-RequestId': ctx.requestId });
        res.end(m.body);
        return;
      }
      case 'POST /_trellis/auth/explain': {
        if (!ctx.dataPlane?.explain) throw validationError('The data plane is not running (trellis up --no-data-plane?).');
        sendJson(res, ctx.requestId, 200, await ctx.dataPlane.explain(explainInput(await jsonBody(req))));
        return;
      }
      default:
        sendJson(res, ctx.requestId, 404, { message: `No Trellis endpoint ${route}` });
    }
  } catch (err) {
    if (err instanceof AwsError) sendError(res, ctx.requestId, err);
    else throw err;
  }
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req);
  try {
    const v: unknown = JSON.parse(raw.toString('utf8') || '{}');
    if (isObject(v)) return v;
  } catch { /* below */ }
  throw validationError('The request body must be a JSON object.', 'cannotParse');
}

function str(b: Record<string, unknown>, name: string, pattern?: RegExp): string {
  const v = b[name];
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) {
    throw validationError(`${name} is missing or malformed`, 'fieldValidationFailed', [{ name, message: pattern ? `Member must match ${pattern.source}` : 'Member must be a string' }]);
  }
  return v;
}

function explainInput(b: Record<string, unknown>): ExplainInput {
  const headers: Record<string, string> = {};
  const h = b.headers;
  if (h !== undefined) {
    if (!isObject(h)) throw validationError('headers must be an object of strings', 'fieldValidationFailed', [{ name: 'headers', message: 'Member must be a map' }]);
    for (const [k, v] of Object.entries(h)) {
      if (typeof v !== 'string') throw validationError(`header ${k} must be a string`, 'fieldValidationFailed', [{ name: 'headers', message: 'Member must be a map of strings' }]);
      headers[k] = v;
    }
  }
  const port = b.port;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) {
    throw validationError('port must be a whole number from 1 to 65535', 'fieldValidationFailed', [{ name: 'port', message: 'Member must be a port' }]);
  }
  const service = optStr(b, 'service');
  const principal = optStr(b, 'principal');
  return {
    vpcId: str(b, 'vpcId'), method: str(b, 'method', /^[A-Za-z]+$/), path: str(b, 'path', /^\//), headers,
    ...(service !== undefined ? { service } : {}), ...(principal !== undefined ? { principal } : {}), ...(typeof port === 'number' ? { port } : {}),
  };
}

function optStr(b: Record<string, unknown>, name: string): string | undefined {
  return b[name] === undefined ? undefined : str(b, name);
}
