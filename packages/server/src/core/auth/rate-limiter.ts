/**
 * A small in-process rate limiter for failed attempts (logins, codes). Each key gets `limit`
 * failures per `windowMs`, counted from its first failure. It is per server instance: several
 * instances behind a load balancer each allow `limit`, which still bounds guessing.
 */
export interface RateLimiter {
  /** Seconds until `key` may try again, or 0 when it may try now. */
  retryAfter(key: string): number;
  recordFailure(key: string): void;
  reset(key: string): void;
}

export function createRateLimiter(options: {
  limit: number;
  windowMs: number;
  /** Most keys tracked at once; the oldest are forgotten first, so memory stays bounded. */
  maxKeys?: number;
  now?: () => number;
}): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const windows = new Map<string, { startedAt: number; failures: number }>();

  const current = (key: string) => {
    const window = windows.get(key);
    if (window && now() - window.startedAt >= options.windowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };

  return {
    retryAfter(key) {
      const window = current(key);
      if (!window || window.failures < options.limit) return 0;
      return Math.max(1, Math.ceil((window.startedAt + options.windowMs - now()) / 1000));
    },
    recordFailure(key) {
      const window = current(key);
      if (window) {
        window.failures += 1;
        return;
      }
      if (windows.size >= maxKeys) windows.delete(windows.keys().next().value as string);
      windows.set(key, { startedAt: now(), failures: 1 });
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
