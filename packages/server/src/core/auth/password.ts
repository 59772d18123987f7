import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { createBoundedQueue } from '../bounded-queue.js';

/**
 * Password hashing with scrypt (memory-hard, in node:crypto, no native add-on). The stored form
 * carries its own parameters and salt — `scrypt$<N>$<r>$<p>$<salt>$<hash>` — so the cost can be
 * raised later without invalidating existing hashes.
 */

/** N = 2^15, r = 8: 32 MiB and roughly 50–100 ms per hash on a laptop core. */
const DEFAULT_PARAMETERS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/**
 * Every hash of the process goes through this queue: two at once leave the rest of libuv's thread
 * pool (4 threads) to file reads and DNS, so a flood of logins cannot starve every other request.
 * 16 may wait (well under a second of work); more are refused with a 503 and `Retry-After`.
 */
export const PASSWORD_HASHING = { concurrency: 2, queueSize: 16, retryAfterSeconds: 1 } as const;
const hashing = createBoundedQueue(PASSWORD_HASHING);

/** Throws `BusyError` (503) when the hashing queue is full. */
function derive(password: string, salt: Buffer, parameters: { N: number; r: number; p: number }) {
  const options: ScryptOptions = { ...parameters, maxmem: 256 * parameters.N * parameters.r };
  return hashing.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      ),
  );
}

export async function hashPassword(
  password: string,
  parameters: { N: number; r: number; p: number } = DEFAULT_PARAMETERS,
): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, parameters);
  const { N, r, p } = parameters;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time comparison; a malformed stored hash simply does not match. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const parameters = { N: Number(N), r: Number(r), p: Number(p) };
  if (!Object.values(parameters).every((value) => Number.isInteger(value) && value > 0)) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), parameters);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
