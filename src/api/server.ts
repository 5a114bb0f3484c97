import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Scope } from '../model/index.js';
import type { ControlPlane } from '../control/index.js';
import { serveRestJson } from './rest-json.js';
import { serveTrellis, type DataPlaneView } from './trellis-endpoints.js';
import { scopeFor, signedScope } from './scope.js';
import type { StackEngine } from '../cfn/index.js';
import { cloudFormationService, iamService, isQueryRequest, serveQuery, stsService, type IdentityServices, type QueryService } from './query/index.js';
import { credentialLookup, identityContext, identityPolicies, staticLookup, type Credential } from '../iam/index.js';
import type { ApiAuth } from './authenticate.js';
import { isAcmRequest, serveAcm } from './acm/index.js';

export interface ApiServerOptions {
  readonly cp: ControlPlane;
  /** Partition, region and account used when a request does not say otherwise. */
  readonly defaults: Scope;
  readonly version: string;
  /** Set when a data plane runs beside the API (`trellis up`). */
  readonly dataPlane?: DataPlaneView;
  /** The stack engine behind the CloudFormation API (Query protocol, same endpoint). */
  readonly cfn?: StackEngine;
  /** The identity store and credential cache behind IAM and STS; built over `cp.store` when absent. */
  readonly identity?: IdentityServices;
  /** `--enforce-iam`: every AWS API call must be signed by a known key and allowed by its policies. */
  readonly enforceIam?: boolean;
  /** Keys known before any IAM user exists: the bootstrap admin key (the account root). */
  readonly bootstrapKeys?: readonly Credential[];
}

/**
 * The HTTP server of the AWS APIs. `/_trellis/*` are Trellis's own endpoints; everything
 * else is an AWS API call, dispatched by protocol.
 */
export function createApiServer(opts: ApiServerOptions): Server {
  // The Query-protocol services, one action table each (issue 5 adds IAM and STS here).
  const query: QueryService[] = opts.cfn ? [cloudFormationService(opts.cfn)] : [];
  const identity = opts.identity ?? {
    ctx: identityContext(opts.cp.store, { now: () => opts.cp.now() }),
    credentials: credentialLookup(opts.cp.store, { partition: opts.defaults.partition }),
  };
  query.push(iamService(identity), stsService(identity));
  const auth: ApiAuth = {
    enforce: opts.enforceIam ?? false,
    lookup: staticLookup(opts.bootstrapKeys ?? [], identity.credentials),
    policiesOf: (principal) => identityPolicies(identity.ctx.store, principal, identity.ctx.awsManaged),
    // The control plane's clock: tests inject one to replay requests beyond the skew.
    now: () => opts.cp.now(),
  };
  const server = createServer((req, res) => {
    void handle(opts, query, auth, req, res).catch((err: unknown) => {
      console.error('unhandled API error', err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  // A cache this server built is this server's to stop.
  if (!opts.identity) server.on('close', () => identity.credentials.close());
  return server;
}

async function handle(opts: ApiServerOptions, query: readonly QueryService[], auth: ApiAuth, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname.startsWith('/_trellis/')) {
    await serveTrellis(req, res, url, { cp: opts.cp, defaults: opts.defaults, version: opts.version, requestId, ...(opts.dataPlane ? { dataPlane: opts.dataPlane } : {}) });
    return;
  }
  const signed = signedScope(req, url);
  const scope = scopeFor(opts.defaults, signed);
  // ACM's JSON 1.1 (X-Amz-Target: CertificateManager.*): the certificates services name.
  if (isAcmRequest(req)) {
    await serveAcm(req, res, { cp: opts.cp, scope, requestId, auth });
    return;
  }
  if (isQueryRequest(req, url, signed.service)) {
    await serveQuery(req, res, { services: query, scope, requestId, signingName: signed.service, accessKeyId: signed.accessKeyId, auth });
    return;
  }
  await serveRestJson(req, res, { cp: opts.cp, scope, requestId, auth });
}
