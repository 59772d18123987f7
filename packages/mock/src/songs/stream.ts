import { checkStreamUrl, songStreamSigningInput, songStreamUrl } from '@music-apis/domain';

/**
 * The mock's stream URLs: signed as the server signs them (hex HMAC-SHA256 of the domain's signing
 * input), with a fixed secret of the mock's own, through Web Crypto so the same code runs in a
 * browser's service worker. A URL issued by one mock works on any other, and until it expires.
 */
const SECRET = new TextEncoder().encode('music-apis mock: songs stream URLs');

let hmacKey: Promise<CryptoKey> | undefined;
const key = () =>
  (hmacKey ??= crypto.subtle.importKey('raw', SECRET, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']));

async function sign(songId: string, expires: number): Promise<string> {
  const input = new TextEncoder().encode(songStreamSigningInput(songId, expires));
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await key(), input));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export async function issueStreamUrl(
  baseUrl: string,
  songId: string,
  nowMs: number,
  ttlSeconds: number,
): Promise<string> {
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  return songStreamUrl(baseUrl, songId, expires, await sign(songId, expires));
}

/** Throws the songs API's 403 for a changed or expired URL. */
export async function verifyStreamUrl(
  songId: string,
  expires: number,
  signature: string,
  nowMs: number,
): Promise<void> {
  checkStreamUrl((await sign(songId, expires)) === signature, expires, nowMs);
}
