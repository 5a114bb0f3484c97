import type { IncomingMessage, ServerResponse } from 'node:http';
import { vpcs, type ControlPlane } from '../control/index.js';
import type { Scope } from '../model/index.js';
import { sendJson } from './http-io.js';

export interface TrellisEndpointContext {
  readonly cp: ControlPlane;
  readonly defaults: Scope;
  readonly version: string;
  readonly requestId: string;
}

/**
 * Trellis's own endpoints under `/_trellis/`: health for probes and scripts, and the views
 * that the `trellis` command shows (known VPCs). JSON in and out; not part of any AWS API.
 */
export async function serveTrellis(req: IncomingMessage, res: ServerResponse, url: URL, ctx: TrellisEndpointContext): Promise<void> {
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /_trellis/health':
      sendJson(res, ctx.requestId, 200, { status: 'ok', version: ctx.version, revision: await ctx.cp.store.revision() });
      return;
    case 'GET /_trellis/vpcs': {
      const place = { account: url.searchParams.get('account') ?? ctx.defaults.account, region: url.searchParams.get('region') ?? ctx.defaults.region };
      const known = await vpcs.listVpcs(ctx.cp.store, place);
      sendJson(res, ctx.requestId, 200, { items: known.map((r) => r.doc) });
      return;
    }
    default:
      sendJson(res, ctx.requestId, 404, { message: `No Trellis endpoint ${route}` });
  }
}
