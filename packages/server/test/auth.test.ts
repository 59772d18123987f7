import { describe, expect, it } from 'vitest';
import {
  createJwtSigner,
  createRateLimiter,
  hashPassword,
  InvalidJwtError,
  verifyPassword,
} from '../src/core/auth/index.js';

describe('password hashing', () => {
  it('verifies the right password only, with a fresh salt per hash', async () => {
    const first = await hashPassword('Secret123');
    const second = await hashPassword('Secret123');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('Secret123', first)).toBe(true);
    expect(await verifyPassword('Secret124', first)).toBe(false);
    expect(await verifyPassword('Secret123', 'scrypt$x$8$1$abc$def')).toBe(false);
    expect(await verifyPassword('Secret123', 'plain-text')).toBe(false);
  });
});

describe('JWT signer', () => {
  const secret = new TextEncoder().encode('a-test-secret-of-enough-length-123456');
  it('checks signature, audience, expiry and the expected claims', async () => {
    let now = Date.parse('2024-01-01T00:00:00Z');
    const signer = createJwtSigner({ secret, issuer: 'https://newm.io', audience: 'aud', now: () => now });
    const { token, jti } = await signer.sign('user-1', 60, { type: 'Access' });
    expect(await signer.verify(token, { type: 'Access' })).toMatchObject({
      sub: 'user-1',
      jti,
      type: 'Access',
    });
    await expect(signer.verify(token, { type: 'Refresh' })).rejects.toBeInstanceOf(InvalidJwtError);
    const other = createJwtSigner({ secret, issuer: 'https://newm.io', audience: 'other', now: () => now });
    await expect(other.verify(token)).rejects.toBeInstanceOf(InvalidJwtError);
    await expect(signer.verify(`${token}x`)).rejects.toBeInstanceOf(InvalidJwtError);
    now += 61_000;
    await expect(signer.verify(token)).rejects.toBeInstanceOf(InvalidJwtError);
  });
});

describe('rate limiter', () => {
  it('blocks a key after `limit` failures until its window ends', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 2, windowMs: 10_000, now: () => now });
    expect(limiter.retryAfter('a')).toBe(0);
    limiter.recordFailure('a');
    limiter.recordFailure('a');
    expect(limiter.retryAfter('a')).toBe(10);
    expect(limiter.retryAfter('b')).toBe(0);
    now = 9_500;
    expect(limiter.retryAfter('a')).toBe(1);
    now = 10_000;
    expect(limiter.retryAfter('a')).toBe(0);
    limiter.recordFailure('a');
    limiter.reset('a');
    expect(limiter.retryAfter('a')).toBe(0);
  });

  it('forgets the oldest keys beyond maxKeys', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 10_000, maxKeys: 2 });
    limiter.recordFailure('a');
    limiter.recordFailure('b');
    limiter.recordFailure('c');
    expect(limiter.retryAfter('a')).toBe(0);
    expect(limiter.retryAfter('c')).toBeGreaterThan(0);
  });
});
