/**
 * The events a Lambda target receives (LATTICE.md §4), built from what the request path
 * knows of a request. Pure functions of their input (the clock is a parameter), so the unit
 * tests compare them field by field with the spec's examples.
 *
 * Choices where the guide is ambiguous (LATTICE.md §4 UNCONFIRMED points):
 * - header names are lower-cased (as HTTP/2 has them; the guide recommends it for HTTP/1.1);
 * - V2 `path` carries the query string (the newest guide's example);
 * - V2 header and query values are lists (the guide), V1's are joined with ", " / last wins;
 * - the body is base64 (`isBase64Encoded: true`) unless its content type is one of the four
 *   text types, and also whenever `content-encoding` is present and not `identity` (a
 *   compressed text body is not text);
 * - a request without a body has `body: ""` and `isBase64Encoded: false`;
 * - `requestContext.identity` (see `identityOf`): `type: "AWS_IAM"`, `principal`,
 *   `principalOrgID` and `sessionName` only for a caller whose SigV4 signature was verified;
 *   an anonymous caller (unsigned) gets none of them — the guide documents no other `type`
 *   value, so none is invented. The x509 fields belong to IAM Roles Anywhere, which Trellis
 *   does not implement: never present.
 */

import type { Principal } from '../../iam/index.js';

/** The request as the event builders need it. */
export interface LambdaRequest {
  readonly method: string;
  /** Origin-form: path and query as the client sent them. */
  readonly path: string;
  /** Flat name/value list, as forwarded (X-Forwarded-For already added). */
  readonly headers: readonly string[];
  readonly body: Buffer;
}

/** Where the request came from and went to: V2's `requestContext`. */
export interface LambdaRequestContext {
  readonly serviceNetworkArn: string;
  readonly serviceArn: string;
  readonly targetGroupArn: string;
  /** Undefined when the source VPC is not known. */
  readonly sourceVpcArn?: string;
  readonly region: string;
  /** Microseconds since the epoch (V2 sends it as a string). */
  readonly timeEpochMicros: number;
  /**
   * The caller as the auth step left it: undefined when auth did not run (NONE and unsigned),
   * the anonymous principal for an unsigned caller, else the verified signer.
   */
  readonly principal?: Principal;
}

/** V2's `requestContext.identity`, keys in the guide's order. */
export interface V2Identity {
  readonly sourceVpcArn?: string;
  readonly type?: 'AWS_IAM';
  readonly principal?: string;
  readonly principalOrgID?: string;
  readonly sessionName?: string;
}

export interface V2Event {
  readonly version: '2.0';
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string[]>;
  readonly queryStringParameters: Record<string, string[]>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
  readonly requestContext: {
    readonly serviceNetworkArn: string;
    readonly serviceArn: string;
    readonly targetGroupArn: string;
    readonly identity: V2Identity;
    readonly region: string;
    readonly timeEpoch: string;
  };
}

export interface V1Event {
  readonly raw_path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly query_string_parameters: Record<string, string>;
  readonly body: string;
  readonly is_base64_encoded: boolean;
}

const TEXT_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);

/** True when a body of this content type (and content encoding) is sent as a plain string. */
export function isTextBody(contentType: string | undefined, contentEncoding: string | undefined): boolean {
  if (contentEncoding !== undefined) {
    const enc = contentEncoding.trim().toLowerCase();
    if (enc !== '' && enc !== 'identity') return false;
  }
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return type.startsWith('text/') || TEXT_TYPES.has(type);
}

/** Header values by lower-case name, in order (null-prototype: names are client data). */
export function headerLists(headers: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    const list = out[name];
    if (list === undefined) out[name] = [headers[i + 1]!];
    else list.push(headers[i + 1]!);
  }
  return out;
}

/** Query parameters by name, every value in order, decoded as a form (`+` is a space). */
export function queryLists(path: string): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const q = path.indexOf('?');
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(path.slice(q + 1))) {
    const list = out[k];
    if (list === undefined) out[k] = [v];
    else list.push(v);
  }
  return out;
}

function encodedBody(req: LambdaRequest, headers: Record<string, string[]>): { body: string; isBase64Encoded: boolean } {
  if (req.body.length === 0) return { body: '', isBase64Encoded: false };
  const text = isTextBody(headers['content-type']?.[0], headers['content-encoding']?.join(','));
  return text ? { body: req.body.toString('utf8'), isBase64Encoded: false } : { body: req.body.toString('base64'), isBase64Encoded: true };
}

/**
 * `requestContext.identity` (LATTICE.md §4): the source VPC when known; the caller's fields
 * only after a successful SigV4 authentication (`type` AWS_IAM, the principal's ARN, its
 * organization id and session name when it has them) — an anonymous caller has none.
 */
export function identityOf(sourceVpcArn: string | undefined, principal: Principal | undefined): V2Identity {
  const signed = principal !== undefined && principal.type !== 'Anonymous';
  if (!signed) return sourceVpcArn === undefined ? {} : { sourceVpcArn };
  return {
    ...(sourceVpcArn === undefined ? {} : { sourceVpcArn }),
    type: 'AWS_IAM',
    principal: principal.arn,
    ...(principal.orgId === undefined ? {} : { principalOrgID: principal.orgId }),
    ...(principal.sessionName === undefined ? {} : { sessionName: principal.sessionName }),
  };
}

/** The V2 event (`lambdaEventStructureVersion: V2`). */
export function buildV2Event(req: LambdaRequest, ctx: LambdaRequestContext): V2Event {
  const headers = headerLists(req.headers);
  const { body, isBase64Encoded } = encodedBody(req, headers);
  return {
    version: '2.0',
    path: req.path,
    method: req.method,
    headers,
    queryStringParameters: queryLists(req.path),
    body,
    isBase64Encoded,
    requestContext: {
      serviceNetworkArn: ctx.serviceNetworkArn,
      serviceArn: ctx.serviceArn,
      targetGroupArn: ctx.targetGroupArn,
      identity: identityOf(ctx.sourceVpcArn, ctx.principal),
      region: ctx.region,
      timeEpoch: String(Math.trunc(ctx.timeEpochMicros)),
    },
  };
}

/** The V1 event (the default): snake_case, joined headers, the last query value wins. */
export function buildV1Event(req: LambdaRequest): V1Event {
  const lists = headerLists(req.headers);
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name in lists) headers[name] = lists[name]!.join(', ');
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  const ql = queryLists(req.path);
  for (const name in ql) query[name] = ql[name]![ql[name]!.length - 1]!;
  const { body, isBase64Encoded } = encodedBody(req, lists);
  return { raw_path: req.path, method: req.method, headers, query_string_parameters: query, body, is_base64_encoded: isBase64Encoded };
}
