import { HttpError } from '@music-apis/spec';
import { describe, expect, it } from 'vitest';
import {
  hmacSha256Hex,
  organizationVariants,
  playSessionVariants,
  signDeliveryUrl,
  verifyDeliveryUrl,
} from '../src/index.js';

const KEY = 'adnsk_test_key';
const NOW = Date.parse('2026-06-01T00:00:00Z');
const FILE = 'https://cdn.example.test/media/delivery/org/0b4f1c2e-6a8d-4e3f-9c1b-2d4e6f8a0c1e_hq.mp3';

async function statusOf(call: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

/** The raw path and query of a URL, as a server receives them. */
const presented = (url: string) => {
  const parsed = new URL(url);
  return [parsed.pathname, parsed.search.slice(1)] as const;
};

describe('signed delivery URLs', () => {
  it('signs the path and query with verify appended last, and checks the signature, then the expiry', async () => {
    const signed = await signDeliveryUrl(FILE, KEY, NOW / 1000 + 60, { download: '1' });
    expect(signed).toMatch(/_hq\.mp3\?expires=\d+&download=1&verify=[0-9a-f]{64}$/);
    const [path, query] = presented(signed);
    await expect(verifyDeliveryUrl(path, query, KEY, NOW)).resolves.toEqual({ download: true });
    // Past `expires`; with another key; changed; verify not last; unsigned; no organization key.
    expect(await statusOf(verifyDeliveryUrl(path, query, KEY, NOW + 61_000))).toBe(403);
    expect(await statusOf(verifyDeliveryUrl(path, query, 'adnsk_other', NOW))).toBe(403);
    expect(await statusOf(verifyDeliveryUrl(path, query.replace('download=1', 'download=0'), KEY, NOW))).toBe(
      403,
    );
    expect(await statusOf(verifyDeliveryUrl(path.replace('_hq', '_lq'), query, KEY, NOW))).toBe(403);
    expect(await statusOf(verifyDeliveryUrl(path, `${query}&x=1`, KEY, NOW))).toBe(403);
    expect(await statusOf(verifyDeliveryUrl(path, '', KEY, NOW))).toBe(403);
    expect(await statusOf(verifyDeliveryUrl(path, query, undefined, NOW))).toBe(403);
    // A URL signed without an expiry is refused too: every delivery URL expires.
    expect(
      await statusOf(verifyDeliveryUrl(path, `verify=${await hmacSha256Hex(KEY, path)}`, KEY, NOW)),
    ).toBe(403);
  });
});

describe('play session variants', () => {
  const available = organizationVariants('org');
  it('defaults to the transcodes and previews; checks what is asked against the organization and the key', () => {
    expect(playSessionVariants(undefined, null, available)).toEqual(['hq', 'lq', 'preview']);
    expect(playSessionVariants(undefined, ['lq'], available)).toEqual(['lq']);
    expect(playSessionVariants(['original', 'hq'], null, available)).toEqual(['original', 'hq']);
    expect(() => playSessionVariants(['nope'], null, available)).toThrow(
      expect.objectContaining({ status: 400 }),
    );
    expect(() => playSessionVariants(['hq'], ['lq'], available)).toThrow(
      expect.objectContaining({ status: 403 }),
    );
  });
});
