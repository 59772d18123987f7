import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed upload URLs, as openapi/collections.yaml describes them: `signature` is the hex
 * HMAC-SHA256 of `METHOD\npath\nexpires\nnonce`. The signature binds the method, the path (and so
 * the track or collection) and the expiry; the random nonce makes every issued URL distinct, so each
 * can be used once even when two are issued for one path in the same second.
 */

export interface UploadHandle<Method extends 'PUT' | 'POST' = 'PUT' | 'POST'> {
  method: Method;
  upload_url: string;
  ttl: number;
  expires_at: string;
}

export type UploadUrlCheck = { ok: true } | { ok: false; reason: 'expired' | 'invalid' };

export function createUploadUrlSigner(secret: Uint8Array, now: () => number = Date.now) {
  const sign = (method: string, path: string, expires: number, nonce: string) =>
    createHmac('sha256', secret)
      .update(`${method.toUpperCase()}\n${path}\n${expires}\n${nonce}`)
      .digest('hex');

  return {
    sign,
    /** A handle for `method` on `path` (under `baseUrl`), valid for `ttlSeconds`. */
    issue<Method extends 'PUT' | 'POST'>(
      method: Method,
      baseUrl: string,
      path: string,
      ttlSeconds: number,
    ): UploadHandle<Method> {
      const expires = Math.floor(now() / 1000) + ttlSeconds;
      const nonce = randomBytes(16).toString('hex');
      const url = new URL(path, baseUrl);
      url.searchParams.set('expires', String(expires));
      url.searchParams.set('nonce', nonce);
      url.searchParams.set('signature', sign(method, path, expires, nonce));
      return {
        method,
        upload_url: url.toString(),
        ttl: ttlSeconds,
        expires_at: new Date(expires * 1000).toISOString().replace('.000Z', 'Z'),
      };
    },
    verify(method: string, path: string, expires: number, nonce: string, signature: string): UploadUrlCheck {
      const expected = Buffer.from(sign(method, path, expires, nonce), 'hex');
      const presented = Buffer.from(signature, 'hex');
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
        return { ok: false, reason: 'invalid' };
      }
      if (expires <= Math.floor(now() / 1000)) return { ok: false, reason: 'expired' };
      return { ok: true };
    },
  };
}

export type UploadUrlSigner = ReturnType<typeof createUploadUrlSigner>;
