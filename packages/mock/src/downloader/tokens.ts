import type { DownloaderTokenClaims } from '@music-apis/domain';

/**
 * HS256 tokens with WebCrypto (Node and browsers alike), so the mock hands out real JWTs with the
 * server's claims without pulling a JWT library into the browser bundle.
 */
const encoder = new TextEncoder();

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const fromBase64url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0));

export function createMockDownloaderTokens(secret: string, now: () => Date) {
  const key = crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  const header = base64url(encoder.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
  return {
    async signToken(claims: DownloaderTokenClaims): Promise<string> {
      const payload = base64url(encoder.encode(JSON.stringify(claims)));
      const signature = await crypto.subtle.sign('HMAC', await key, encoder.encode(`${header}.${payload}`));
      return `${header}.${payload}.${base64url(new Uint8Array(signature))}`;
    },
    async verifyToken(token: string): Promise<DownloaderTokenClaims | undefined> {
      const [head, payload, signature] = token.split('.');
      if (head !== header || !payload || !signature) return undefined;
      try {
        const valid = await crypto.subtle.verify(
          'HMAC',
          await key,
          fromBase64url(signature),
          encoder.encode(`${head}.${payload}`),
        );
        if (!valid) return undefined;
        const claims = JSON.parse(new TextDecoder().decode(fromBase64url(payload))) as DownloaderTokenClaims;
        return typeof claims.exp === 'number' && claims.exp * 1000 > now().getTime() ? claims : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
