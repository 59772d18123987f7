import { randomUUID } from 'node:crypto';
import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';

/**
 * HS256 JSON Web Tokens for APIs whose original used them. One signer per API (its own issuer,
 * audience and secret); verification checks signature, issuer, audience, expiry and, when asked,
 * the token's `type` claim.
 */
export interface JwtClaims extends JWTPayload {
  sub: string;
  jti: string;
  exp: number;
}

export interface IssuedJwt {
  token: string;
  jti: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface JwtSigner {
  sign(subject: string, lifetimeSeconds: number, claims?: Record<string, unknown>): Promise<IssuedJwt>;
  /** The claims of a valid token; throws `InvalidJwtError` otherwise. */
  verify(token: string, expectedClaims?: Record<string, string | boolean>): Promise<JwtClaims>;
}

export class InvalidJwtError extends Error {
  override name = 'InvalidJwtError';
}

export function createJwtSigner(options: {
  secret: Uint8Array;
  issuer: string;
  audience: string;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}): JwtSigner {
  const now = options.now ?? Date.now;
  return {
    async sign(subject, lifetimeSeconds, claims = {}) {
      const jti = randomUUID();
      const issuedAt = Math.floor(now() / 1000);
      const expiresAt = issuedAt + lifetimeSeconds;
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(subject)
        .setJti(jti)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(options.secret);
      return { token, jti, expiresAt };
    },
    async verify(token, expectedClaims = {}) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, options.secret, {
          algorithms: ['HS256'],
          issuer: options.issuer,
          audience: options.audience,
          currentDate: new Date(now()),
          requiredClaims: ['sub', 'jti', 'exp'],
        }));
      } catch (error) {
        if (error instanceof errors.JOSEError || error instanceof TypeError) {
          throw new InvalidJwtError(error.message);
        }
        throw error;
      }
      for (const [name, value] of Object.entries(expectedClaims)) {
        if (payload[name] !== value) throw new InvalidJwtError(`claim ${name} must be ${String(value)}`);
      }
      return payload as JwtClaims;
    },
  };
}
