import type { IncomingMessage } from 'node:http';
import { AwsError, kindOfId, latticeArn, latticeKinds, type LatticeKind, type Scope } from '../model/index.js';
import {
  combine, conditionKeys, evaluatePolicy, headersFromRaw, parseSignature, payloadHashFor, signedRequest, verifySigV4,
  type CompiledPolicy, type CredentialLookup, type Decision, type Principal, type SigV4Result,
} from '../iam/index.js';

/**
 * The SigV4 and authorize steps of the API chain (request id → SigV4 → route → parse →
 * validate → authorize → invoke). With enforcement off — the default for local use — a
 * request with no, unknown or bad credentials acts as the account's admin, as AWS emulators
 * do; a request that does verify still acts as its principal (its account). With
 * `--enforce-iam` every AWS API call must verify for its service, and a principal other than
 * the account root must be allowed the action by its identity policies.
 */
export interface ApiAuth {
  readonly enforce: boolean;
  readonly lookup: CredentialLookup;
  /** The identity policies of a principal; absent, every verified caller is allowed. */
  readonly policiesOf?: (principal: Principal) => Promise<readonly CompiledPolicy[]>;
  /** Milliseconds since the epoch (tests inject it). */
  readonly now?: () => number;
}

/** `json`: AWS's JSON 1.1 protocol (ACM), whose auth errors are REST-JSON's types at status 400. */
export type Protocol = 'rest-json' | 'query' | 'json';

/** Who a call acts as, and where. */
export interface Caller {
  readonly scope: Scope;
  /** Set when the signature verified. */
  readonly principal?: Principal;
  /** The access key id the request was signed with, verified or not. */
  readonly accessKeyId?: string;
}

/** Region names of the AWS partitions (`us-east-1`, `us-gov-west-1`, `cn-north-1`, `eu-central-2`, …). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** IAM is global: its requests are signed for us-east-1 (aws partition). */
const GLOBAL_SERVICES: Readonly<Record<string, string>> = { iam: 'us-east-1' };

/** How each verifier code is answered by each protocol: REST-JSON type, Query code, Query status. */
const WIRE: Readonly<Record<string, { readonly rest: string; readonly queryStatus: number }>> = {
  MissingAuthenticationToken: { rest: 'MissingAuthenticationTokenException', queryStatus: 403 },
  IncompleteSignature: { rest: 'IncompleteSignatureException', queryStatus: 400 },
  SignatureDoesNotMatch: { rest: 'InvalidSignatureException', queryStatus: 403 },
  RequestExpired: { rest: 'InvalidSignatureException', queryStatus: 400 },
  InvalidClientTokenId: { rest: 'UnrecognizedClientException', queryStatus: 403 },
  ExpiredToken: { rest: 'ExpiredTokenException', queryStatus: 403 },
  AccessDenied: { rest: 'AccessDeniedException', queryStatus: 403 },
};

/** An auth failure as the protocol names it; REST-JSON answers every one with 403. */
export function authError(protocol: Protocol, code: string, message: string): AwsError {
  const wire = WIRE[code] ?? { rest: code, queryStatus: 403 };
  if (protocol === 'json') return new AwsError(wire.rest, message, {}, 400);
  return protocol === 'rest-json' ? new AwsError(wire.rest, message, {}, 403) : new AwsError(code, message, {}, wire.queryStatus);
}

/**
 * Verifies the request's signature for one of `services` and returns the caller; throws the
 * protocol's AwsError when enforcement is on and the request is unsigned or does not verify.
 * `body` is the body as read (the layers buffer it anyway); its sha256 is the payload hash.
 * `allowUnsigned`: calls AWS takes without credentials (STS AssumeRoleWithWebIdentity).
 */
export function authenticate(auth: ApiAuth, req: IncomingMessage, body: Buffer, scope: Scope, services: readonly string[], protocol: Protocol, allowUnsigned = false): Caller {
  const headers = headersFromRaw(req.rawHeaders);
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const signed = signedRequest(req.method ?? 'GET', target, headers, payloadHashFor(headers, body, q < 0 ? '' : target.slice(q + 1)));
  const service = services[0] ?? '';
  const result: SigV4Result = verifySigV4(signed, auth.lookup, {
    services,
    now: (auth.now ?? Date.now)(),
    ...(GLOBAL_SERVICES[service] !== undefined && services.length === 1 ? { region: GLOBAL_SERVICES[service] } : { regionValid: (r: string) => REGION.test(r) }),
  });
  if (result.kind === 'verified') {
    return { scope: { ...scope, region: result.region, account: result.principal.account }, principal: result.principal, accessKeyId: result.accessKeyId };
  }
  if (auth.enforce) {
    if (result.kind === 'unsigned') {
      if (allowUnsigned) return { scope };
      throw authError(protocol, 'MissingAuthenticationToken', protocol === 'rest-json' ? 'Missing Authentication Token' : 'Request is missing Authentication Token');
    }
    throw authError(protocol, result.code, result.message);
  }
  // Enforcement off: the account's admin, still told apart by the key it signed with
  // (IAM's and STS's "who am I" answers use it).
  const claimed = parseSignature(headers, signed.query);
  return claimed.kind === 'claimed' ? { scope, accessKeyId: claimed.claim.accessKeyId } : { scope };
}

/**
 * The authorize step: with enforcement on, a verified principal other than the account root
 * (the bootstrap admin is the root) needs an identity policy allowing `action` on `resource`,
 * and no explicit deny. Denials are worded as IAM words them.
 */
export async function authorize(auth: ApiAuth, caller: Caller, action: string, resource: string, protocol: Protocol, exempt = false): Promise<void> {
  const p = caller.principal;
  if (exempt || !auth.enforce || !p || p.type === 'Root' || !auth.policiesOf) return;
  const now = (auth.now ?? Date.now)();
  const policies = await auth.policiesOf(p);
  const ctx = { principal: p, action, resource, keys: globalKeys(p, caller.scope, now) };
  const decision: Decision = combine(policies.map((policy) => evaluatePolicy(policy, ctx)));
  if (decision.effect === 'Allow') return;
  const why = decision.effect === 'ExplicitDeny'
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  throw authError(protocol, 'AccessDenied', `User: ${p.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
}

const PRINCIPAL_TYPE: Readonly<Record<Principal['type'], string>> = {
  Anonymous: 'Anonymous', Root: 'Account', User: 'User', AssumedRole: 'AssumedRole', FederatedUser: 'FederatedUser',
};

/** The global condition keys of a control-plane request. */
function globalKeys(p: Principal, scope: Scope, now: number): ReadonlyMap<string, readonly string[]> {
  const entries: [string, readonly string[]][] = [
    ['aws:PrincipalArn', [p.type === 'AssumedRole' && p.roleArn !== undefined ? p.roleArn : p.arn]],
    ['aws:PrincipalAccount', [p.account]],
    ['aws:PrincipalType', [PRINCIPAL_TYPE[p.type]]],
    ['aws:RequestedRegion', [scope.region]],
    ['aws:SecureTransport', ['false']],
    ['aws:CurrentTime', [new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z')]],
    ['aws:EpochTime', [String(Math.floor(now / 1000))]],
  ];
  if (p.userId !== undefined) entries.push(['aws:userid', [p.userId]]);
  if (p.type === 'User') entries.push(['aws:username', [p.arn.slice(p.arn.lastIndexOf('/') + 1)]]);
  if (p.orgId !== undefined) entries.push(['aws:PrincipalOrgID', [p.orgId]]);
  for (const [k, v] of Object.entries(p.tags)) entries.push([`aws:PrincipalTag/${k}`, [v]]);
  return conditionKeys(entries);
}

/**
 * The resource a VPC Lattice operation acts on, for `vpc-lattice:<Op>`: the ARN of the most
 * specific identifier in the path (ARNs as given; ids made ARNs in the caller's scope, a
 * listener or rule under its service), `<kind>/*` for a Create without one, else `*`.
 */
export function latticeResource(opName: string, params: Readonly<Record<string, string>>, scope: Scope): string {
  const values = Object.values(params);
  const last = values.at(-1);
  if (last === undefined) {
    const kind = opName.startsWith('Create') ? opName.slice(6).toLowerCase() : '';
    return Object.hasOwn(latticeKinds, kind) ? latticeArn(scope, kind as LatticeKind, '*') : '*';
  }
  if (last.startsWith('arn:')) return last;
  const kind = kindOfId(last);
  if (!kind) return '*';
  const ids = values.map((v) => v.slice(v.lastIndexOf('/') + 1));
  return latticeArn(scope, kind, last, ids.slice(0, -1));
}

/**
 * The resource a Query action acts on, from the parameters that name it: STS's role, IAM's
 * user, role or policy, CloudFormation's stack; `*` when none does (List*, Describe* of all).
 */
export function queryResource(service: string, params: ReadonlyMap<string, string>, scope: Scope): string {
  const iam = `arn:${scope.partition}:iam::${scope.account}`;
  if (service === 'sts') return params.get('RoleArn') ?? '*';
  if (service === 'iam') {
    const policyArn = params.get('PolicyArn');
    if (policyArn !== undefined) return policyArn;
    const user = params.get('UserName');
    if (user !== undefined) return `${iam}:user/${user}`;
    const role = params.get('RoleName');
    if (role !== undefined) return `${iam}:role/${role}`;
    const provider = params.get('OpenIDConnectProviderArn');
    return provider ?? '*';
  }
  if (service === 'cloudformation') {
    const stack = params.get('StackName');
    if (stack === undefined) return '*';
    return stack.startsWith('arn:') ? stack : `arn:${scope.partition}:cloudformation:${scope.region}:${scope.account}:stack/${stack}/*`;
  }
  return '*';
}
