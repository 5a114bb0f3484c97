import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Scope } from '../model/index.js';
import type { ControlPlane } from '../control/index.js';
import { serveRestJson } from './rest-json.js';
import { serveTrellis, type DataPlaneView } from './trellis-endpoints.js';
import { scopeFor, signedScope } from './scope.js';
import type { StackEngine } from '../cfn/index.js';
import { cloudFormationService, isQueryRequest, serveQuery, type QueryService } from './query/index.js';

export interface ApiServerOptions {
  readonly cp: ControlPlane;
  /** Partition, region and account used when a request does not say otherwise. */
  readonly defaults: Scope;
  readonly version: string;
  /** Set when a data plane runs beside the API (`trellis up`). */
  readonly dataPlane?: DataPlaneView;
  /** The stack engine behind the CloudFormation API (Query protocol, same endpoint). */
  readonly cfn?: StackEngine;
}

/**
 * The HTTP server of the AWS APIs. `/_trellis/*` are Trellis's own endpoints; everything
 * else is an AWS API call, dispatched by protocol.
 */
export function createApiServer(opts: ApiServerOptions): Server {
  // The Query-protocol services, one action table each (issue 5 adds IAM and STS here).
  const query: QueryService[] = opts.cfn ? [cloudFormationService(opts.cfn)] : [];
  const server = createServer((req, res) => {
    void handle(opts, query, req, res).catch((err: unknown) => {
      console.error('unhandled API error', err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(opts: ApiServerOptions, query: readonly QueryService[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname.startsWith('/_trellis/')) {
    await serveTrellis(req, res, url, { cp: opts.cp, defaults: opts.defaults, version: opts.version, requestId, ...(opts.dataPlane ? { dataPlane: opts.dataPlane } : {}) });
    return;
  }
  const signed = signedScope(req, url);
  const scope = scopeFor(opts.defaults, signed);
  if (isQueryRequest(req, url, signed.service)) {
    await serveQuery(req, res, { services: query, scope, requestId, signingName: signed.service });
    return;
  }
  await serveRestJson(req, res, { cp: opts.cp, scope, requestId });
}
