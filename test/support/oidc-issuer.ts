import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/**
 * A local OIDC issuer on loopback for the tests: its discovery document and JWKS over node:http,
 * and GitHub-Actions-shaped tokens minted with jose (`repo:org/repo:ref:refs/heads/<branch>`).
 */

/** The audience GitHub Actions puts in tokens meant for STS. */
export const AUDIENCE = 'sts.amazonaws.com';

export interface Issuer {
  readonly url: string;
  readonly server: Server;
  /** Requests for the key set, to see the cache at work. */
  jwksFetches: number;
  keys: JWK[];
}

export async function startIssuer(): Promise<Issuer> {
  const issuer: { url: string; server?: Server; jwksFetches: number; keys: JWK[] } = { url: '', jwksFetches: 0, keys: [] };
  const server = createServer((req, res) => {
    const send = (body: unknown) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (req.url === '/.well-known/openid-configuration') return send({ issuer: issuer.url, jwks_uri: `${issuer.url}/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
    if (req.url === '/jwks') { issuer.jwksFetches++; return send({ keys: issuer.keys }); }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  issuer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer.server = server;
  return issuer as Issuer;
}

export async function signingKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface TokenSpec {
  readonly iss: string;
  readonly sub: string;
  readonly aud?: string;
  readonly key: CryptoKey;
  readonly kid: string;
  /** Seconds from now; negative for an expired token. */
  readonly expiresIn?: number;
}

export function mint(t: TokenSpec): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ repository: 'org/repo', ref: t.sub.split(':ref:')[1] ?? '' })
    .setProtectedHeader({ alg: 'RS256', kid: t.kid, typ: 'JWT' })
    .setIssuer(t.iss).setSubject(t.sub).setAudience(t.aud ?? AUDIENCE)
    .setIssuedAt(now - 10).setNotBefore(now - 10).setExpirationTime(now + (t.expiresIn ?? 300))
    .sign(t.key);
}

/** The `sub` of a token for a branch of org/repo. */
export const branch = (name: string) => `repo:org/repo:ref:refs/heads/${name}`;
