import { importJWK, type JWK } from 'jose';

/*
 * An OIDC issuer's signing keys: the discovery document `<iss>/.well-known/openid-configuration`
 * names the `jwks_uri`, whose key set is cached per issuer for a while and fetched again when
 * a token names a key id the cache does not have (issuers rotate keys by publishing the new one
 * first). Only HTTPS is spoken, or plain HTTP to a loopback host (a local test issuer), so a
 * token cannot make Trellis call arbitrary plain-HTTP addresses.
 */

/** The issuer could not be reached or answered something that is not a discovery document / key set. */
export class IdpUnavailable extends Error {}

/** The issuer answered, but has no key the token can be verified with. */
export class NoSuchKey extends Error {}

export interface JwksOptions {
  /** How long a fetched key set is trusted. Default 10 minutes. */
  readonly ttlMs?: number;
  /** The least time between two fetches of one issuer's keys on an unknown kid. Default 2 s. */
  readonly refetchAfterMs?: number;
  /** Per request. Default 5 s. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** What a verification key is for: jose's key type. */
export type VerificationKey = Awaited<ReturnType<typeof importJWK>>;

interface IssuerKeys {
  readonly jwksUri: string;
  readonly keys: readonly JWK[];
  readonly fetchedAt: number;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** HTTPS, or HTTP to a loopback host only. */
export function mayFetch(url: string): boolean {
  let u: URL;
  try { u = new URL(url); } catch { return false; }
  return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.test(u.hostname));
}

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A cache of issuers' key sets; one per process is enough. */
export class JwksCache {
  private readonly issuers = new Map<string, IssuerKeys>();
  private readonly inflight = new Map<string, Promise<IssuerKeys>>();
  private readonly ttlMs: number;
  private readonly refetchAfterMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(opts: JwksOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.refetchAfterMs = opts.refetchAfterMs ?? 2000;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * The key to verify a token of `issuer` signed with `alg`, chosen by `kid` (or the only
   * key of the algorithm's type when the token names none). Throws IdpUnavailable or NoSuchKey.
   */
  async keyFor(issuer: string, kid: string | undefined, alg: string): Promise<VerificationKey> {
    let entry = this.issuers.get(issuer);
    if (!entry || this.now() - entry.fetchedAt > this.ttlMs) entry = await this.fetchKeys(issuer);
    let jwk = pick(entry.keys, kid, alg);
    if (!jwk && this.now() - entry.fetchedAt >= this.refetchAfterMs) {
      entry = await this.fetchKeys(issuer);
      jwk = pick(entry.keys, kid, alg);
    }
    if (!jwk) throw new NoSuchKey(`no key ${kid ?? '(unnamed)'} for ${alg} in the key set of ${issuer}`);
    try {
      return await importJWK(jwk, alg);
    } catch (e) {
      throw new NoSuchKey(`key ${kid ?? '(unnamed)'} of ${issuer} cannot be used: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Discovery, then the key set; concurrent callers share one fetch. */
  private fetchKeys(issuer: string): Promise<IssuerKeys> {
    const running = this.inflight.get(issuer);
    if (running) return running;
    const p = (async () => {
      const discovery = await this.getJson(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
      const jwksUri = discovery.jwks_uri;
      if (typeof jwksUri !== 'string' || !mayFetch(jwksUri)) throw new IdpUnavailable(`the discovery document of ${issuer} has no usable jwks_uri`);
      const set = await this.getJson(jwksUri);
      if (!Array.isArray(set.keys)) throw new IdpUnavailable(`${jwksUri} is not a JSON Web Key Set`);
      const keys = set.keys.filter((k): k is JWK => isRecord(k) && typeof k.kty === 'string');
      const entry: IssuerKeys = { jwksUri, keys, fetchedAt: this.now() };
      this.issuers.set(issuer, entry);
      return entry;
    })().finally(() => this.inflight.delete(issuer));
    this.inflight.set(issuer, p);
    return p;
  }

  private async getJson(url: string): Promise<Readonly<Record<string, unknown>>> {
    if (!mayFetch(url)) throw new IdpUnavailable(`${url} is neither HTTPS nor a loopback address`);
    let body: unknown;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
      if (!res.ok) throw new IdpUnavailable(`${url} answered ${res.status}`);
      body = await res.json();
    } catch (e) {
      if (e instanceof IdpUnavailable) throw e;
      throw new IdpUnavailable(`${url} could not be fetched: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!isRecord(body)) throw new IdpUnavailable(`${url} did not answer a JSON object`);
    return body;
  }
}

const KTY: Readonly<Record<string, string>> = { RS256: 'RSA', ES256: 'EC' };

function pick(keys: readonly JWK[], kid: string | undefined, alg: string): JWK | undefined {
  const usable = keys.filter((k) => k.kty === KTY[alg] && (k.use === undefined || k.use === 'sig') && (k.alg === undefined || k.alg === alg));
  if (kid !== undefined) return usable.find((k) => k.kid === kid);
  return usable.length === 1 ? usable[0] : undefined;
}
