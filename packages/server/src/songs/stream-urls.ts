import { createHmac, timingSafeEqual } from 'node:crypto';
import { checkStreamUrl, songStreamSigningInput, songStreamUrl } from '@music-apis/domain';

/**
 * The signed audio URLs of Get Song Stream, as openapi/songs.yaml describes them: `signature` is
 * the hex HMAC-SHA256 of `GET\npath\nexpires`. Unlike upload URLs they carry no nonce and are not
 * used up: a player fetches one URL many times (one range per seek) until it expires. The secret
 * lives in the database, so every instance accepts the URLs of the others.
 */
export function createStreamUrlSigner(secret: Uint8Array, ttlSeconds: number, now: () => number = Date.now) {
  const sign = (songId: string, expires: number) =>
    createHmac('sha256', secret).update(songStreamSigningInput(songId, expires)).digest('hex');

  return {
    /** A URL of the song's audio under `baseUrl`, valid for the configured lifetime. */
    issue(baseUrl: string, songId: string): string {
      const expires = Math.floor(now() / 1000) + ttlSeconds;
      return songStreamUrl(baseUrl, songId, expires, sign(songId, expires));
    },
    /** Throws the songs API's 403 for a changed or expired URL. */
    verify(songId: string, expires: number, signature: string): void {
      const expected = Buffer.from(sign(songId, expires), 'hex');
      const presented = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
      const matches = presented.length === expected.length && timingSafeEqual(presented, expected);
      checkStreamUrl(matches, expires, now());
    },
  };
}

export type StreamUrlSigner = ReturnType<typeof createStreamUrlSigner>;
