import { describe, expect, it } from 'vitest';
import { createCachedTokenProvider, type FetchedToken } from '../../src/core/index.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

describe('createCachedTokenProvider', () => {
  it('caches the token until expiresIn minus the refresh skew', async () => {
    let clock = 0;
    let fetches = 0;
    const provider = createCachedTokenProvider(
      async () => ({ token: `t${++fetches}`, expiresInSeconds: 100 }),
      {
        refreshSkewSeconds: 30,
        now: () => clock,
      },
    );

    expect(await provider.getToken()).toBe('t1');
    clock = 69_999;
    expect(await provider.getToken()).toBe('t1');
    clock = 70_000;
    expect(await provider.getToken()).toBe('t2');
    expect(fetches).toBe(2);
  });

  it('keeps a token without expiry until invalidate()', async () => {
    let fetches = 0;
    const provider = createCachedTokenProvider(async () => ({ token: `t${++fetches}` }));

    expect(await provider.getToken()).toBe('t1');
    expect(await provider.getToken()).toBe('t1');
    provider.invalidate();
    expect(await provider.getToken()).toBe('t2');
  });

  it('shares one in-flight fetch between concurrent callers', async () => {
    const response = deferred<FetchedToken>();
    let fetches = 0;
    const provider = createCachedTokenProvider(() => {
      fetches++;
      return response.promise;
    });

    const tokens = Promise.all(Array.from({ length: 5 }, () => provider.getToken()));
    response.resolve({ token: 'shared', expiresInSeconds: 3600 });

    expect(await tokens).toEqual(Array(5).fill('shared'));
    expect(fetches).toBe(1);
  });

  it('does not cache a failed fetch', async () => {
    let fetches = 0;
    const provider = createCachedTokenProvider(async () => {
      if (++fetches === 1) throw new Error('auth server down');
      return { token: 'recovered' };
    });

    await expect(provider.getToken()).rejects.toThrow('auth server down');
    expect(await provider.getToken()).toBe('recovered');
  });

  it('lets one caller abort without failing the others sharing the fetch', async () => {
    const response = deferred<FetchedToken>();
    let fetchSignal: AbortSignal | undefined;
    const provider = createCachedTokenProvider((signal) => {
      fetchSignal = signal;
      return response.promise;
    });
    const leaving = new AbortController();

    const abandoned = provider.getToken({ signal: leaving.signal });
    const kept = provider.getToken();
    leaving.abort();

    await expect(abandoned).rejects.toMatchObject({ name: 'AbortError' });
    expect(fetchSignal?.aborted).toBe(false);
    response.resolve({ token: 't1' });
    expect(await kept).toBe('t1');
  });

  it('cancels the shared fetch once every caller has aborted', async () => {
    let fetchSignal: AbortSignal | undefined;
    const provider = createCachedTokenProvider((signal) => {
      fetchSignal = signal;
      return new Promise<FetchedToken>(() => {}); // never settles
    });
    const controller = new AbortController();

    const pending = provider.getToken({ signal: controller.signal });
    controller.abort();

    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(fetchSignal?.aborted).toBe(true);
  });

  it('invalidate(rejected) forgets the token only while it is still the current one', async () => {
    let fetches = 0;
    const provider = createCachedTokenProvider(async () => ({ token: `t${++fetches}` }));

    expect(await provider.getToken()).toBe('t1');
    provider.invalidate('t1');
    expect(await provider.getToken()).toBe('t2');
    // A late 401 for t1 (a concurrent call) must not throw t2 away.
    provider.invalidate('t1');
    expect(await provider.getToken()).toBe('t2');
    expect(fetches).toBe(2);
  });
});
