import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { IdpUnavailable, JwksCache, mayFetch, NoSuchKey } from './jwks.js';

/** The key-set cache: discovery, TTL, refetch on an unknown kid (rate-limited), loopback-only HTTP. */
describe('JwksCache', () => {
  let server: Server;
  let url: string;
  let keys: JWK[] = [];
  let fetches = 0;

  const jwk = async (kid: string): Promise<JWK> => ({ ...(await exportJWK((await generateKeyPair('RS256')).publicKey)), kid });

  before(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ jwks_uri: `${url}/keys` }));
      else { fetches++; res.end(JSON.stringify({ keys })); }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => { server.close(); });

  it('caches a key set for its TTL and fetches it again after', async () => {
    let now = 1_000_000;
    keys = [await jwk('a')];
    fetches = 0;
    const cache = new JwksCache({ ttlMs: 60_000, now: () => now });
    await cache.keyFor(url, 'a', 'RS256');
    await cache.keyFor(url, 'a', 'RS256');
    assert.equal(fetches, 1);
    now += 60_001;
    await cache.keyFor(url, 'a', 'RS256');
    assert.equal(fetches, 2);
  });

  it('fetches again for an unknown kid (a rotated key), but not more often than refetchAfterMs', async () => {
    let now = 2_000_000;
    keys = [await jwk('old')];
    fetches = 0;
    const cache = new JwksCache({ refetchAfterMs: 5000, now: () => now });
    await cache.keyFor(url, 'old', 'RS256');
    keys = [...keys, await jwk('new')];
    // Within the refetch interval an unknown kid is simply unknown.
    await assert.rejects(cache.keyFor(url, 'new', 'RS256'), NoSuchKey);
    assert.equal(fetches, 1);
    now += 5000;
    await cache.keyFor(url, 'new', 'RS256');
    assert.equal(fetches, 2);
    // A key of the wrong type for the algorithm is no key.
    await assert.rejects(cache.keyFor(url, 'new', 'ES256'), NoSuchKey);
  });

  it('reports an unreachable issuer as IdpUnavailable', async () => {
    const cache = new JwksCache({ timeoutMs: 2000 });
    await assert.rejects(cache.keyFor('http://127.0.0.1:1', 'a', 'RS256'), IdpUnavailable);
  });

  it('speaks HTTPS, or HTTP to loopback hosts only', () => {
    assert.equal(mayFetch('https://token.actions.githubusercontent.com/.well-known/jwks'), true);
    assert.equal(mayFetch('http://127.0.0.1:8080/jwks'), true);
    assert.equal(mayFetch('http://localhost/jwks'), true);
    assert.equal(mayFetch('http://[::1]:9/jwks'), true);
    assert.equal(mayFetch('http://10.0.0.1/jwks'), false);
    assert.equal(mayFetch('http://issuer.example.com/jwks'), false);
    assert.equal(mayFetch('file:///etc/passwd'), false);
  });
});
