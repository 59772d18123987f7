import { describe, expect, it } from 'vitest';
import {
  createClientCredentialsTokenProvider,
  createSessionTokenProvider,
  createStreamingClient,
  createUdtTokenProviders,
} from '../../src/streaming/index.js';

const BASE_URL = 'https://streaming.example.test';

/** A fetch that answers from `answer` and records what was asked, a tick later (so calls overlap). */
function fakeFetch(
  answer: (path: string, body: Record<string, unknown>, headers: Headers) => [number, unknown],
) {
  const calls: { path: string; body: Record<string, unknown>; headers: Headers }[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const text = await request.text();
    const body = text ? JSON.parse(text) : {};
    const path = new URL(request.url).pathname;
    calls.push({ path, body, headers: request.headers });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const [status, json] = answer(path, body, request.headers);
    return new Response(status === 204 ? null : JSON.stringify(json), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const session = (n: number) => ({
  token_type: 'Bearer',
  access_token: `access-${n}`,
  expires_in: 3600,
  refresh_token: `refresh-${n}`,
  refresh_expires_in: 2_592_000,
  user: {
    id: '497f6eca-6276-4993-bfeb-53cbbbba6f08',
    tenant_id: '34f5c98e-f430-457b-a812-92637d0c6fd0',
    email: 'user@example.com',
    first_name: 'Jane',
    last_name: 'Doe',
    status: 'UNSUBSCRIBED',
    date_of_birth: '1990-01-15',
  },
});

describe('createClientCredentialsTokenProvider', () => {
  it('fetches one token for concurrent callers and reuses it until shortly before it expires', async () => {
    let issued = 0;
    const { fetch, calls } = fakeFetch(() => [
      200,
      { access_token: `cc-${++issued}`, token_type: 'Bearer', expires_in: 3600 },
    ]);
    let clock = 0;
    const provider = createClientCredentialsTokenProvider({
      baseUrl: BASE_URL,
      fetch,
      clientId: 'client',
      clientSecret: 'secret',
      now: () => clock,
    });
    const tokens = await Promise.all([provider.getToken(), provider.getToken(), provider.getToken()]);
    expect(tokens).toEqual(['cc-1', 'cc-1', 'cc-1']);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      path: '/oauth/token',
      body: { grant_type: 'client_credentials', client_id: 'client', client_secret: 'secret' },
    });
    clock = 3_569_999;
    expect(await provider.getToken()).toBe('cc-1');
    clock = 3_570_000;
    expect(await provider.getToken()).toBe('cc-2');
  });
});

describe('createSessionTokenProvider', () => {
  it('refreshes once for concurrent callers, rotates the pair and hands it to onTokens', async () => {
    let generation = 1;
    const { fetch, calls } = fakeFetch((path, body) => {
      if (path !== '/api/v1/auth/refresh') return [404, { message: 'Not found.' }];
      if (body.refresh_token !== `refresh-${generation}`)
        return [401, { message: 'no', code: 'INVALID_REFRESH_TOKEN' }];
      generation += 1;
      return [200, session(generation)];
    });
    let clock = 0;
    const persisted: string[] = [];
    const provider = createSessionTokenProvider({
      baseUrl: BASE_URL,
      fetch,
      session: session(1),
      onTokens: (fresh) => {
        persisted.push(fresh.refresh_token);
      },
      now: () => clock,
    });
    expect(await provider.getToken()).toBe('access-1');
    expect(calls).toHaveLength(0);
    clock = 3_571_000; // within the refresh skew
    const tokens = await Promise.all([provider.getToken(), provider.getToken(), provider.getToken()]);
    expect(tokens).toEqual(['access-2', 'access-2', 'access-2']);
    expect(calls.map((call) => call.body.refresh_token)).toEqual(['refresh-1']);
    expect(persisted).toEqual(['refresh-2']);
    // A 401 elsewhere: invalidate the rejected token, and the next call rotates again.
    provider.invalidate('access-2');
    expect(await provider.getToken()).toBe('access-3');
    expect(provider.session?.refresh_token).toBe('refresh-3');
  });

  it('ends the session when the refresh token is refused, and logs out on the server', async () => {
    const { fetch, calls } = fakeFetch((path) =>
      path === '/api/v1/auth/logout'
        ? [204, undefined]
        : [401, { message: 'no', code: 'INVALID_REFRESH_TOKEN' }],
    );
    const provider = createSessionTokenProvider({
      baseUrl: BASE_URL,
      fetch,
      session: session(1),
      accessTokenExpiresAt: 0,
    });
    await expect(provider.getToken()).rejects.toMatchObject({ status: 401 });
    expect(provider.session).toBeUndefined();
    await expect(provider.getToken()).rejects.toThrow(/session has ended/);

    const live = createSessionTokenProvider({ baseUrl: BASE_URL, fetch, session: session(5) });
    await live.logout();
    expect(calls.at(-1)).toMatchObject({ path: '/api/v1/auth/logout', body: { refresh_token: 'refresh-5' } });
    await live.logout(); // idempotent: nothing left to end
    expect(calls.filter((call) => call.path === '/api/v1/auth/logout')).toHaveLength(1);
  });
});

describe('createUdtTokenProviders', () => {
  it('mints on demand, one token per user and device, reused until it is about to expire', async () => {
    let minted = 0;
    const { fetch, calls } = fakeFetch((path, body, headers) => {
      if (path === '/oauth/token')
        return [200, { access_token: 'tenant-token', token_type: 'Bearer', expires_in: 3600 }];
      expect(headers.get('authorization')).toBe('Bearer tenant-token');
      return [
        200,
        { token_type: 'Bearer', expires_in: 600, token: `udt-${++minted}-${String(body.deviceId)}` },
      ];
    });
    let clock = 0;
    const tenantClient = createStreamingClient({
      baseUrl: BASE_URL,
      fetch,
      auth: { tenant: { clientId: 'c', clientSecret: 's' } },
    });
    const udts = createUdtTokenProviders({ tenantClient, now: () => clock });
    const phone = udts.forDevice('user-1', 'aaaaaaaa-0000-4000-8000-000000000001');
    expect(udts.forDevice('user-1', 'AAAAAAAA-0000-4000-8000-000000000001')).toBe(phone);
    const [first, second] = await Promise.all([phone.getToken(), phone.getToken()]);
    expect(first).toBe('udt-1-aaaaaaaa-0000-4000-8000-000000000001');
    expect(second).toBe(first);
    const tablet = udts.forDevice('user-1', 'bbbbbbbb-0000-4000-8000-000000000002');
    expect(await tablet.getToken()).toBe('udt-2-bbbbbbbb-0000-4000-8000-000000000002');
    const mints = calls.filter((call) => call.path.endsWith('/udt'));
    expect(mints.map((call) => call.path)).toEqual(['/api/v1/users/user-1/udt', '/api/v1/users/user-1/udt']);
    clock = 570_000; // 600 s minus the 30 s skew
    expect(await phone.getToken()).toBe('udt-3-aaaaaaaa-0000-4000-8000-000000000001');
  });

  it('sends the device id with every request of a client made for that device', async () => {
    const { fetch, calls } = fakeFetch(() => [200, {}]);
    const client = createStreamingClient({
      baseUrl: BASE_URL,
      fetch,
      deviceId: 'dev-1',
      auth: { user: 'udt' },
    });
    await client.getMe();
    expect(calls[0]!.headers.get('x-device-id')).toBe('dev-1');
    expect(calls[0]!.headers.get('authorization')).toBe('Bearer udt');
  });
});
