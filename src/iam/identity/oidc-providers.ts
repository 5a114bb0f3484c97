import { write, isoAt, type IamScope, type IdentityContext } from './context.js';
import { entityAlreadyExists, invalidInput, limitExceeded, noSuchEntity } from './errors.js';
import { iamPlaceOf, oidcProviderKey, type OidcProviderDoc } from './records.js';

/** What CreateOpenIDConnectProvider (and AWS::IAM::OIDCProvider) is given. */
export interface OidcProviderSpec {
  readonly url: string;
  readonly clientIdList: readonly string[];
  readonly thumbprintList: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
const MAX_CLIENT_IDS = 100;

/**
 * The provider's key: its URL without the scheme, as IAM writes it in the ARN and in the
 * condition keys of trust policies (`token.actions.githubusercontent.com:sub`). Besides IAM's
 * `https://` issuers, Trellis accepts `http://` for a loopback host (a local test issuer).
 */
export function providerKeyOf(url: string): string {
  return oidcProviderKey(url.replace(/^http:\/\//i, ''));
}

/** Whether Trellis may talk to this issuer: HTTPS, or HTTP to a loopback host only. */
export function isAllowedIssuerUrl(url: string): boolean {
  let u: URL;
  try { u = new URL(url); } catch { return false; }
  if (u.search || u.hash || u.username || u.password) return false;
  return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.test(u.hostname));
}

/** The stored provider an ARN names, in the ARN's account. */
async function byArn(ctx: IdentityContext, arn: string): Promise<{ account: string; key: string; doc: OidcProviderDoc } | undefined> {
  const m = /^arn:[^:]+:iam::(\d{12}):oidc-provider\/(.+)$/.exec(arn);
  if (!m) return undefined;
  const rec = await ctx.store.get<OidcProviderDoc>('oidcprovider', iamPlaceOf(m[1]!), m[2]!);
  return rec ? { account: m[1]!, key: m[2]!, doc: rec.doc } : undefined;
}

/**
 * CreateOpenIDConnectProvider: one provider per URL in an account (EntityAlreadyExists);
 * thumbprints are 40 hex digits (SHA-1 of the issuer's certificate), kept but not checked —
 * Trellis verifies tokens with the issuer's JWKS, as IAM now does for most issuers.
 */
export async function createOidcProvider(ctx: IdentityContext, scope: IamScope, spec: OidcProviderSpec): Promise<OidcProviderDoc> {
  if (!isAllowedIssuerUrl(spec.url)) throw invalidInput(`Invalid Url: ${spec.url} must be an https URL (or http for a loopback host) without query or fragment.`);
  for (const t of spec.thumbprintList) if (!/^[0-9a-fA-F]{40}$/.test(t)) throw invalidInput(`Thumbprint ${t} must be 40 hexadecimal characters.`);
  if (spec.clientIdList.length > MAX_CLIENT_IDS) throw limitExceeded(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${MAX_CLIENT_IDS}`);
  const key = providerKeyOf(spec.url);
  const place = iamPlaceOf(scope.account);
  return write(ctx, async (tx) => {
    if (await tx.get('oidcprovider', place, key)) throw entityAlreadyExists(`Provider with url ${spec.url} already exists.`);
    const doc: OidcProviderDoc = {
      url: spec.url, clientIdList: [...new Set(spec.clientIdList)], thumbprintList: spec.thumbprintList, tags: spec.tags ?? {},
      arn: `arn:${scope.partition}:iam::${scope.account}:oidc-provider/${key}`, createDate: isoAt(ctx.now()),
    };
    await tx.put({ kind: 'oidcprovider', ...place, id: key, parentId: '', name: '', refs: [], doc });
    return doc;
  });
}

/** GetOpenIDConnectProvider: NoSuchEntity when the ARN names no provider. */
export async function getOidcProvider(ctx: IdentityContext, arn: string): Promise<OidcProviderDoc> {
  const found = await byArn(ctx, arn);
  if (!found) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
  return found.doc;
}

export async function listOidcProviders(ctx: IdentityContext, scope: IamScope): Promise<readonly OidcProviderDoc[]> {
  return (await ctx.store.list<OidcProviderDoc>('oidcprovider', iamPlaceOf(scope.account))).map((r) => r.doc);
}

export async function deleteOidcProvider(ctx: IdentityContext, arn: string): Promise<void> {
  const found = await byArn(ctx, arn);
  if (!found) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
  await write(ctx, (tx) => tx.delete('oidcprovider', iamPlaceOf(found.account), found.key));
}

/**
 * The provider of a token's issuer (`iss`) in an account, found by the same key its ARN
 * carries. Providers CloudFormation wrote for an `http://` loopback issuer keep the scheme in
 * their key, so that spelling is tried too.
 */
export async function findOidcProviderByIssuer(ctx: IdentityContext, account: string, issuer: string): Promise<OidcProviderDoc | undefined> {
  const place = iamPlaceOf(account);
  for (const key of new Set([providerKeyOf(issuer), oidcProviderKey(issuer)])) {
    const rec = await ctx.store.get<OidcProviderDoc>('oidcprovider', place, key);
    if (rec) return rec.doc;
  }
  return undefined;
}
