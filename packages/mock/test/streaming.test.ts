import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMock, STREAMING_MOCK_CLIENT } from '../src/index.js';

const baseUrl = 'https://streaming.mock.test';
const mock = createMock({ baseUrl });
const server = setupServer(...mock.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mock.reset());
afterAll(() => server.close());

async function call(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

describe('streaming mock', () => {
  it('shows the pending one-time code in its state, so a test signs in without reading mail', async () => {
    expect(
      (await call('POST', '/api/v1/auth/email/otp', { tenant: 'acme', email: 'Kim@Example.com' })).status,
    ).toBe(200);
    const tenantId = mock.state.streaming.tenants.get('acme')!.id;
    const { code } = mock.state.streaming.otpCodes.get(`${tenantId}\nkim@example.com`)!;
    expect(mock.mail.at(-1)?.text).toContain(code);
    const verified = await call('POST', '/api/v1/auth/email/verify', {
      tenant: 'acme',
      email: 'kim@example.com',
      code,
      device_id: '8f14e45f-ceea-4672-a9d5-1e4c2f3b6a71',
    });
    expect(verified).toMatchObject({
      status: 200,
      body: { onboarding_token: expect.any(String), expires_in: 900 },
    });
    expect(mock.state.streaming.otpCodes.size).toBe(0);
  });

  it('starts from the demo tenant and client, overrides with the API envelope, and resets', async () => {
    const issued = await call('POST', '/oauth/token', {
      grant_type: 'client_credentials',
      client_id: STREAMING_MOCK_CLIENT.clientId,
      client_secret: STREAMING_MOCK_CLIENT.clientSecret,
    });
    const token = issued.body.access_token as string;
    const user = await call(
      'POST',
      '/api/v1/users',
      { first_name: 'Kim', last_name: 'Lee', email: 'kim@example.com', date_of_birth: '1990-01-15' },
      token,
    );
    expect(user.status).toBe(201);
    expect(mock.state.streaming.users.get(user.body.id)?.email).toBe('kim@example.com');
    mock.streaming.override('getUser', { status: 404 });
    expect(await call('GET', `/api/v1/users/${user.body.id}`, undefined, token)).toEqual({
      status: 404,
      body: { message: 'Overridden to answer 404' },
    });
    mock.reset();
    expect(mock.state.streaming.users.size).toBe(0);
    expect((await call('GET', '/api/v1/heartbeat')).status).toBe(200);
  });
});
