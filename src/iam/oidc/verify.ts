import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { AwsError } from '../../model/index.js';
import { IdpUnavailable, NoSuchKey, type JwksCache } from './jwks.js';

/** The OIDC provider a token's issuer maps to (an IAM OIDC provider record). */
export interface TrustedProvider {
  readonly arn: string;
  readonly url: string;
  readonly clientIdList: readonly string[];
}

export interface VerifyDeps {
  readonly keys: JwksCache;
  /** The provider registered for an issuer URL in the role's account, if any. */
  findProvider(issuer: string): Promise<TrustedProvider | undefined>;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Tolerated clock difference with the issuer, seconds. Default 60 (IAM allows a little). */
  readonly skewSeconds?: number;
}

/** A token that passed every check: who issued it, for whom, about whom. */
export interface VerifiedWebIdentity {
  readonly issuer: string;
  readonly provider: TrustedProvider;
  /** The provider's URL without scheme: the prefix of its condition keys (`host/path:sub`). */
  readonly conditionPrefix: string;
  readonly subject: string;
  /** The audience that matched one of the provider's client ids. */
  readonly audience: string;
  readonly claims: JWTPayload;
}

const ALGORITHMS = ['RS256', 'ES256'] as const;

function invalid(message: string): AwsError {
  return new AwsError('InvalidIdentityToken', message, {}, 400);
}

/**
 * Verifies a web identity token as STS's AssumeRoleWithWebIdentity does, with STS's errors:
 * a JWT (RS256 or ES256) whose `iss` is a registered OIDC provider, signed by a key of that
 * issuer's JWKS, not expired (ExpiredTokenException), not used before `nbf` / `iat`, and with
 * an `aud` among the provider's client ids (InvalidIdentityToken otherwise). An issuer that
 * cannot be reached is IDPCommunicationError.
 */
export async function verifyWebIdentityToken(token: string, deps: VerifyDeps): Promise<VerifiedWebIdentity> {
  const skew = deps.skewSeconds ?? 60;
  let claims: JWTPayload;
  let alg: string | undefined;
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
    alg = header.alg;
    kid = header.kid;
  } catch {
    throw invalid('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  }
  if (alg === undefined || !(ALGORITHMS as readonly string[]).includes(alg)) {
    throw invalid(`The ID Token is signed with ${alg ?? 'no algorithm'}; Trellis accepts ${ALGORITHMS.join(' and ')}.`);
  }
  const issuer = claims.iss;
  if (typeof issuer !== 'string' || issuer === '') throw invalid('The ID Token has no issuer (iss).');
  const provider = await deps.findProvider(issuer);
  if (!provider) throw invalid(`No OpenIDConnect provider found in your account for ${issuer}`);

  let key;
  try {
    key = await deps.keys.keyFor(issuer, kid, alg);
  } catch (e) {
    if (e instanceof IdpUnavailable) {
      throw new AwsError('IDPCommunicationError', `The identity provider ${issuer} could not be reached to verify the token: ${e.message}`, {}, 400);
    }
    if (e instanceof NoSuchKey) {
      throw invalid("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements");
    }
    throw e;
  }
  try {
    await compactVerify(token, key, { algorithms: [alg] });
  } catch {
    throw invalid('The signature of the ID Token could not be verified with the key of its identity provider.');
  }

  const nowSec = Math.floor(deps.now / 1000);
  if (typeof claims.exp !== 'number') throw invalid('The ID Token has no expiration time (exp).');
  if (nowSec - skew >= claims.exp) {
    throw new AwsError('ExpiredTokenException', `Token expired: current date/time ${nowSec} must be before the expiration date/time ${claims.exp}`, {}, 400);
  }
  if (typeof claims.nbf === 'number' && claims.nbf > nowSec + skew) throw invalid(`The ID Token is not valid before ${claims.nbf} (now ${nowSec}).`);
  if (typeof claims.iat === 'number' && claims.iat > nowSec + skew) throw invalid(`The ID Token was issued in the future (iat ${claims.iat}, now ${nowSec}).`);

  const auds = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  const audience = auds.find((a) => provider.clientIdList.includes(a));
  if (audience === undefined) throw invalid('Incorrect token audience');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw invalid('The ID Token has no subject (sub).');

  return {
    issuer, provider, conditionPrefix: provider.url.replace(/^https?:\/\//i, '').replace(/\/+$/, ''),
    subject: claims.sub, audience, claims,
  };
}
