import type { DownloaderTokenClaims } from '@music-apis/domain';
import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * The downloader's tokens as the original signs them: HS256 with exactly the claims `username`,
 * `role`, `iat` and `exp` (no `sub`, `iss`, `aud` or `jti`, so the original's clients read them
 * unchanged). Verification checks the signature and expiry; the caller re-loads the user.
 */
export function createDownloaderTokens(secret: Uint8Array, now: () => Date = () => new Date()) {
  return {
    signToken(claims: DownloaderTokenClaims): Promise<string> {
      return new SignJWT({ username: claims.username, role: claims.role })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(claims.iat)
        .setExpirationTime(claims.exp)
        .sign(secret);
    },
    async verifyToken(token: string): Promise<DownloaderTokenClaims | undefined> {
      try {
        const { payload } = await jwtVerify(token, secret, {
          algorithms: ['HS256'],
          requiredClaims: ['exp'],
          currentDate: now(),
        });
        return payload as unknown as DownloaderTokenClaims;
      } catch (error) {
        if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
        throw error;
      }
    },
  };
}
