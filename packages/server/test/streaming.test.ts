import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { newUserRecord, stripeSignatureHeader } from '@music-apis/domain';
import { createStreamingClient, type StreamingClient } from '@music-apis/sdk/streaming';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../../../tests/contract/postgres.js';
import { describeConfig, loadConfig } from '../src/core/config.js';
import type { MailMessage, MailProvider } from '../src/core/mail.js';
import { startBanner } from '../src/start-banner.js';
import { createStreamingClientCommand } from '../src/streaming/client-commands.js';
import {
  createClientVerifier,
  createFirstStreamingClient,
  createStreamingClient as createOAuthClient,
  tenantForSlug,
} from '../src/streaming/clients.js';
import { createStreamingIdentity } from '../src/streaming/identity.js';
import { tenantStore } from '../src/streaming/store.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * The streaming server's rules that the contract scenarios cannot show from outside: no query of one
 * tenant reaches another's rows, nothing secret is stored in clear, expiries, the limits over time,
 * SMTP, the Stripe adapter (MSW standing in for Stripe), the CLI and the start banner.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const DEVICE = '8f14e45f-ceea-4672-a9d5-1e4c2f3b6a71';

async function tenantApi(test: TestServer, slug = 'acme'): Promise<StreamingClient> {
  const client = await createOAuthClient(test.server.db, { tenant: slug });
  return createStreamingClient({
    baseUrl: test.baseUrl,
    retry: 0,
    auth: { tenant: { clientId: client.clientId, clientSecret: client.clientSecret } },
  });
}

const person = (email: string) => ({
  first_name: 'Jane',
  last_name: 'Doe',
  email,
  date_of_birth: '1990-01-15',
});

describe('streaming server', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(async () => {
    await test.stop(true);
  });

  it('no store function reads or changes another tenant’s rows', async () => {
    const db = test.server.db;
    const [a, b] = await Promise.all([tenantForSlug(db, 'isolation-a'), tenantForSlug(db, 'isolation-b')]);
    const storeA = tenantStore(db, a.id);
    const storeB = tenantStore(db, b.id);
    const user = newUserRecord(
      { id: '11111111-1111-4111-8111-111111111111', tenant_id: a.id, nowMs: Date.now() },
      person('shared@example.com'),
    );
    expect(await storeA.insertUser(user)).toBe(true);
    await storeA.saveOtpCode('shared@example.com', sha256('code'), Date.now() + 60_000);
    await storeA.insertToken({
      token_hash: sha256('family-token'),
      kind: 'access',
      client_id: null,
      user_id: user.id,
      device_id: DEVICE,
      family_id: 'family-a',
      expires_at: Date.now() + 60_000,
    });

    expect(await storeB.findUser(user.id)).toBeUndefined();
    expect(await storeB.findUserByEmail('shared@example.com')).toBeUndefined();
    expect((await storeB.listUsers(0, 100)).users).toEqual([]);
    expect(await storeB.updateUser(user.id, { first_name: 'Hacked' }, Date.now())).toBeUndefined();
    expect(await storeB.findOtpCode('shared@example.com')).toBeUndefined();
    expect(await storeB.failOtpAttempt('shared@example.com', sha256('code'), DEVICE)).toBe(false);
    expect(await storeB.deleteOtpCode('shared@example.com')).toBe(false);
    await storeB.revokeFamily('family-a');
    await expect(storeB.insertUser(user)).rejects.toThrow(/another tenant/);
    // Tenant A still has everything, unchanged; the same email is free in tenant B.
    expect(await storeA.findUser(user.id)).toMatchObject({ first_name: 'Jane' });
    expect(await storeA.findOtpCode('shared@example.com')).toMatchObject({ attempts: 0 });
    expect(
      await db('streaming_tokens')
        .where({ token_hash: sha256('family-token') })
        .first(),
    ).toBeDefined();
    expect(
      await storeB.insertUser({ ...user, id: '22222222-2222-4222-8222-222222222222', tenant_id: b.id }),
    ).toBe(true);
  });

  it('stores client secrets, tokens, refresh tokens and codes only as hashes', async () => {
    const db = test.server.db;
    const client = await createOAuthClient(db, { tenant: 'acme' });
    const api = createStreamingClient({
      baseUrl: test.baseUrl,
      retry: 0,
      auth: { tenant: { clientId: client.clientId, clientSecret: client.clientSecret } },
    });
    const user = await api.createUser({ body: person('hashed@example.com') });
    const udt = await api.mintUserDelegationToken({ user_id: user.id, body: { deviceId: DEVICE } });
    const publicApi = createStreamingClient({ baseUrl: test.baseUrl, retry: 0 });
    await publicApi.sendEmailOtp({ body: { tenant: 'acme', email: 'hashed@example.com' } });
    const [mail] = await test.server.db('mail_outbox').orderBy('seq', 'desc').limit(1);
    const code = /(\d{6})/.exec(mail.text)![1]!;
    const session = await publicApi.verifyEmailOtp({
      body: { tenant: 'acme', email: 'hashed@example.com', code, device_id: DEVICE },
    });
    if (!('refresh_token' in session)) throw new Error('expected a session');

    const dump = JSON.stringify(
      await Promise.all(
        ['streaming_clients', 'streaming_tokens', 'streaming_refresh_tokens', 'streaming_otp_codes'].map(
          (table) => db(table).select(),
        ),
      ),
    );
    for (const secret of [client.clientSecret, udt.token, session.access_token, session.refresh_token]) {
      expect(dump).not.toContain(secret);
    }
    expect(
      await db('streaming_clients')
        .where({ secret_hash: sha256(client.clientSecret) })
        .first(),
    ).toBeDefined();
    expect(
      await db('streaming_tokens')
        .where({ token_hash: sha256(udt.token) })
        .first(),
    ).toMatchObject({
      kind: 'udt',
      device_id: DEVICE,
    });
  });

  it('refuses expired UDTs, access, refresh and onboarding tokens, and expired codes', async () => {
    const db = test.server.db;
    const api = await tenantApi(test);
    const user = await api.createUser({ body: person('expiry@example.com') });
    const { token } = await api.mintUserDelegationToken({ user_id: user.id, body: { deviceId: DEVICE } });
    const me = () =>
      createStreamingClient({ baseUrl: test.baseUrl, retry: 0, auth: { user: token } }).getMe();
    expect((await me()).id).toBe(user.id);
    await db('streaming_tokens')
      .where({ token_hash: sha256(token) })
      .update({ expires_at: Date.now() - 1 });
    await expect(me()).rejects.toMatchObject({ status: 401, body: { code: 'INVALID_AUTH_TOKEN' } });

    const publicApi = createStreamingClient({ baseUrl: test.baseUrl, retry: 0 });
    await publicApi.sendEmailOtp({ body: { tenant: 'acme', email: 'late@example.com' } });
    const [mail] = await db('mail_outbox').orderBy('seq', 'desc').limit(1);
    const code = /(\d{6})/.exec(mail.text)![1]!;
    await db('streaming_otp_codes')
      .where({ email: 'late@example.com' })
      .update({ expires_at: Date.now() - 1 });
    await expect(
      publicApi.verifyEmailOtp({
        body: { tenant: 'acme', email: 'late@example.com', code, device_id: DEVICE },
      }),
    ).rejects.toMatchObject({
      status: 422,
      body: { errors: { code: ['The code is invalid or has expired.'] } },
    });
    expect(await db('streaming_otp_codes').where({ email: 'late@example.com' }).first()).toBeUndefined();

    await db('streaming_onboarding_tokens').insert({
      token_hash: sha256('old-onboarding'),
      tenant_id: (await tenantForSlug(db, 'acme')).id,
      email: 'late@example.com',
      device_id: DEVICE,
      expires_at: Date.now() - 1,
    });
    await expect(
      publicApi.completeOnboarding({
        body: {
          onboarding_token: 'old-onboarding',
          first_name: 'L',
          last_name: 'Ate',
          date_of_birth: '1990-01-01',
        },
      }),
    ).rejects.toMatchObject({ status: 401, body: { code: 'INVALID_ONBOARDING_TOKEN' } });
    expect(
      await tenantStore(db, (await tenantForSlug(db, 'acme')).id).findUserByEmail('late@example.com'),
    ).toBeUndefined();
  });

  it('refuses an expired refresh token without revoking anything else', async () => {
    const db = test.server.db;
    const publicApi = createStreamingClient({ baseUrl: test.baseUrl, retry: 0 });
    await publicApi.sendEmailOtp({ body: { tenant: 'acme', email: 'stale@example.com' } });
    const [mail] = await db('mail_outbox').orderBy('seq', 'desc').limit(1);
    const verified = await publicApi.verifyEmailOtp({
      body: {
        tenant: 'acme',
        email: 'stale@example.com',
        code: /(\d{6})/.exec(mail.text)![1]!,
        device_id: DEVICE,
      },
    });
    if (!('onboarding_token' in verified)) throw new Error('expected onboarding');
    const session = await publicApi.completeOnboarding({
      body: {
        onboarding_token: verified.onboarding_token,
        first_name: 'S',
        last_name: 'Tale',
        date_of_birth: '1990-01-01',
      },
    });
    await db('streaming_refresh_tokens')
      .where({ token_hash: sha256(session.refresh_token) })
      .update({ expires_at: Date.now() - 1 });
    await expect(
      publicApi.refreshSession({ body: { refresh_token: session.refresh_token } }),
    ).rejects.toMatchObject({
      status: 401,
      body: { code: 'INVALID_REFRESH_TOKEN' },
    });
    // Expired is not reused: the access token of the session still works until its own end.
    const me = createStreamingClient({
      baseUrl: test.baseUrl,
      retry: 0,
      auth: { user: session.access_token },
    });
    expect((await me.getMe()).email).toBe('stale@example.com');
  });
});

describe('streaming OTP limits over time', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(async () => {
    await test.stop(true);
  });

  it('a minimum interval and an hourly cap per email, a cap per address, each with its wait', async () => {
    const db = test.server.db;
    await tenantForSlug(db, 'acme');
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const sent: MailMessage[] = [];
    const mail: MailProvider = {
      name: 'test',
      send: async (message) => void sent.push(message),
      outbox: async () => [],
    };
    const identity = createStreamingIdentity({
      db,
      mail,
      verifyClient: await createClientVerifier(db, loadConfig({}).streaming),
      otpSecret: new TextEncoder().encode('test-secret'),
      now: () => clock,
    });
    const send = (email: string, address = '192.0.2.1') =>
      identity.sendOtp({ tenant: 'acme', email }, address);

    await send('cap@example.com');
    await expect(send('cap@example.com')).rejects.toMatchObject({
      status: 429,
      options: { headers: { 'retry-after': '60' } },
    });
    clock += 30_000;
    await expect(send('cap@example.com')).rejects.toMatchObject({
      options: { headers: { 'retry-after': '30' } },
    });
    for (let i = 0; i < 4; i++) {
      clock += 60_000;
      await send('cap@example.com');
    }
    expect(sent.filter((message) => message.to === 'cap@example.com')).toHaveLength(5);
    clock += 60_000;
    // Five in the hour: the sixth waits for the hour that started with the first send.
    const capped = await send('cap@example.com').catch((error) => error);
    expect(capped.status).toBe(429);
    expect(Number(capped.options.headers['retry-after'])).toBe(3600 - 330);
    clock += 3600_000;
    await send('cap@example.com');

    // Per address: 30 an hour, whatever the emails; refused sends send nothing.
    for (let i = 0; i < 30; i++) await send(`many-${i}@example.com`, '192.0.2.9');
    const before = sent.length;
    await expect(send('one-more@example.com', '192.0.2.9')).rejects.toMatchObject({ status: 429 });
    expect(sent.length).toBe(before);
    // The refused request did not use up the email's own limits.
    await send('one-more@example.com', '192.0.2.10');
  });

  it('mails the code over SMTP when SMTP_URL is set, in the locale asked for', async () => {
    const received: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    const mailed = await startTestServer({
      mail: { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'yourmusic@example.com' },
    });
    try {
      const api = createStreamingClient({ baseUrl: mailed.baseUrl, retry: 0 });
      await api.sendEmailOtp({ body: { tenant: 'acme', email: 'smtp@example.com', locale: 'nl' } });
      expect(received.at(-1)).toMatch(/Je inlogcode is \d{6}/);
      expect(await (await fetch(`${mailed.baseUrl}/dev/mail`)).json()).toEqual([]);
    } finally {
      await mailed.stop(true);
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });
});

describe('streaming checkout with Stripe (MSW standing in for Stripe)', () => {
  const stripeRequests: { authorization: string | null; form: URLSearchParams }[] = [];
  let stripeAnswer: () => Response = () =>
    HttpResponse.json({ id: 'cs_test_123', url: 'https://checkout.stripe.com/c/pay/cs_test_123' });
  const stripe = setupServer(
    http.post('https://api.stripe.com/v1/checkout/sessions', async ({ request }) => {
      stripeRequests.push({
        authorization: request.headers.get('authorization'),
        form: new URLSearchParams(await request.text()),
      });
      return stripeAnswer();
    }),
  );
  let test: TestServer;
  beforeAll(async () => {
    stripe.listen({ onUnhandledRequest: 'bypass' });
    test = await startTestServer({
      streaming: loadConfig({
        STRIPE_SECRET_KEY: 'sk_test_key',
        STRIPE_WEBHOOK_SECRET: 'whsec_test',
        STRIPE_PRICES: 'basic=price_basic,premium=price_premium',
        STREAMING_CHECKOUT_SUCCESS_URL: 'https://app.example.com/thanks',
        STREAMING_CHECKOUT_CANCEL_URL: 'https://app.example.com/cart',
      }).streaming,
    });
  });
  afterAll(async () => {
    await test.stop(true);
    stripe.close();
  });

  it('creates a subscription Checkout Session for the user; the signed webhook subscribes them', async () => {
    const api = await tenantApi(test);
    const user = await api.createUser({ body: person('stripe@example.com') });
    const { token } = await api.mintUserDelegationToken({ user_id: user.id, body: { deviceId: DEVICE } });
    const me = createStreamingClient({ baseUrl: test.baseUrl, retry: 0, auth: { user: token } });
    const session = await me.createCheckoutSession({ body: { product_slug: 'premium' } });
    expect(session).toEqual({ id: 'cs_test_123', url: 'https://checkout.stripe.com/c/pay/cs_test_123' });
    const sent = stripeRequests.at(-1)!;
    expect(sent.authorization).toBe('Bearer sk_test_key');
    expect(Object.fromEntries(sent.form)).toMatchObject({
      mode: 'subscription',
      'line_items[0][price]': 'price_premium',
      'line_items[0][quantity]': '1',
      success_url: 'https://app.example.com/thanks',
      cancel_url: 'https://app.example.com/cart',
      client_reference_id: user.id,
      customer_email: 'stripe@example.com',
      'metadata[user_id]': user.id,
      'subscription_data[metadata][user_id]': user.id,
    });
    const tenantId = sent.form.get('metadata[tenant_id]')!;
    // No built-in page while Stripe is the provider.
    expect((await fetch(`${test.baseUrl}/api/v1/checkout/builtin/cs_builtin_abc`)).status).toBe(404);

    const completed = JSON.stringify({
      type: 'checkout.session.completed',
      data: {
        object: {
          mode: 'subscription',
          payment_status: 'paid',
          client_reference_id: user.id,
          metadata: { tenant_id: tenantId, user_id: user.id },
        },
      },
    });
    const post = async (payload: string, secret: string) =>
      fetch(`${test.baseUrl}/stripe/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': await stripeSignatureHeader(payload, secret, Math.floor(Date.now() / 1000)),
        },
        body: payload,
      });
    expect((await post(completed, 'whsec_other')).status).toBe(403);
    expect((await me.getMe()).status).toBe('UNSUBSCRIBED');
    expect((await post(completed, 'whsec_test')).status).toBe(200);
    expect((await me.getMe()).status).toBe('SUBSCRIBED');
    // A tenant id that is not the user's changes nothing.
    const elsewhere = completed
      .replace(tenantId, '00000000-0000-4000-8000-000000000000')
      .replace('"paid"', '"unpaid"');
    expect((await post(elsewhere, 'whsec_test')).status).toBe(200);
    expect((await me.getMe()).status).toBe('SUBSCRIBED');
    const tooLarge = await fetch(`${test.baseUrl}/stripe/webhook`, {
      method: 'POST',
      body: 'x'.repeat(1_100_000),
    });
    expect(tooLarge.status).toBe(413);
  });

  it('answers 502 when Stripe refuses or cannot be reached, and checks the redirect allow-list first', async () => {
    const api = await tenantApi(test);
    const user = await api.createUser({ body: person('stripe-down@example.com') });
    const { token } = await api.mintUserDelegationToken({ user_id: user.id, body: { deviceId: DEVICE } });
    const me = createStreamingClient({ baseUrl: test.baseUrl, retry: 0, auth: { user: token } });
    stripeAnswer = () => HttpResponse.json({ error: { message: 'No such price' } }, { status: 400 });
    await expect(me.createCheckoutSession({ body: { product_slug: 'basic' } })).rejects.toMatchObject({
      status: 502,
      body: { code: 'UPSTREAM_UNAVAILABLE', message: expect.stringContaining('No such price') },
    });
    stripeAnswer = () => HttpResponse.error();
    await expect(me.createCheckoutSession({ body: { product_slug: 'basic' } })).rejects.toMatchObject({
      status: 502,
    });
    const before = stripeRequests.length;
    await expect(
      me.createCheckoutSession({ body: { product_slug: 'basic', success_url: 'https://evil.example.com/' } }),
    ).rejects.toMatchObject({ status: 422 });
    expect(stripeRequests.length).toBe(before);
  });
});

describe('streaming operators', () => {
  it('create-streaming-client prints the client id and the secret once; the client gets tokens', async () => {
    const test = await startTestServer();
    try {
      const lines: string[] = [];
      const output = { log: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };
      expect(
        await createStreamingClientCommand(test.server.db, ['--tenant', 'Not A Slug'], 'acme', output),
      ).toBe(2);
      expect(
        await createStreamingClientCommand(
          test.server.db,
          ['--tenant', 'label-b', 'My', 'app'],
          'acme',
          output,
        ),
      ).toBe(0);
      const clientId = /client_id:\s+(\S+)/.exec(lines.join('\n'))![1]!;
      const clientSecret = /client_secret:\s+(\S+)/.exec(lines.join('\n'))![1]!;
      expect(lines.join('\n')).toContain('"My app" of tenant "label-b"');
      const api = createStreamingClient({
        baseUrl: test.baseUrl,
        retry: 0,
        auth: { tenant: { clientId, clientSecret } },
      });
      const user = await api.createUser({ body: person('cli@example.com') });
      expect((await api.getUser({ user_id: user.id })).email).toBe('cli@example.com');
    } finally {
      await test.stop(true);
    }
  });

  it('the first start makes one client and the banner shows it once; STREAMING_CLIENT_ID replaces it', async () => {
    const test = await startTestServer();
    try {
      const config = test.server.config;
      const first = await createFirstStreamingClient(test.server.db, config.streaming, true);
      expect(first?.tenant.slug).toBe('acme');
      expect(await createFirstStreamingClient(test.server.db, config.streaming, true)).toBeUndefined();
      const banner = startBanner('http://localhost:8080', config, undefined, undefined, {
        streamingClient: first,
      });
      expect(banner).toContain(`client_id=${first!.clientId}  client_secret=${first!.clientSecret}`);
      expect(banner).toContain(
        'curl -X POST http://localhost:8080/oauth/token -d grant_type=client_credentials',
      );
      expect(startBanner('http://localhost:8080', config, undefined)).not.toContain('client_secret');
      expect(
        await createFirstStreamingClient(
          test.server.db,
          { ...config.streaming, clientId: 'x', clientSecret: 'y' },
          true,
        ),
      ).toBeUndefined();
    } finally {
      await test.stop(true);
    }
  });

  it('STREAMING_TENANT, STREAMING_CLIENT_ID and STREAMING_CLIENT_SECRET make a working client of that tenant', async () => {
    const test = await startTestServer({
      streaming: loadConfig({
        STREAMING_TENANT: 'beats',
        STREAMING_CLIENT_ID: 'beats-backend',
        STREAMING_CLIENT_SECRET: 's3cret',
      }).streaming,
    });
    try {
      const api = createStreamingClient({
        baseUrl: test.baseUrl,
        retry: 0,
        auth: { tenant: { clientId: 'beats-backend', clientSecret: 's3cret' } },
      });
      await api.createUser({ body: person('beats@example.com') });
      const publicApi = createStreamingClient({ baseUrl: test.baseUrl, retry: 0 });
      await publicApi.sendEmailOtp({ body: { tenant: 'beats', email: 'beats@example.com' } });
      const outbox = (await (await fetch(`${test.baseUrl}/dev/mail`)).json()) as { recipient: string }[];
      expect(outbox[0]?.recipient).toBe('beats@example.com');
      await expect(
        publicApi.issueClientToken({
          body: { grant_type: 'client_credentials', client_id: 'beats-backend', client_secret: 'nope' },
        }),
      ).rejects.toMatchObject({ status: 401 });
    } finally {
      await test.stop(true);
    }
  });

  it('refuses half or unsafe streaming settings at start', () => {
    expect(() => loadConfig({ STREAMING_CLIENT_ID: 'x' })).toThrow(/go together/);
    expect(() => loadConfig({ STREAMING_TENANT: 'Bad Slug' })).toThrow(/slug/);
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk' })).toThrow(/STREAMING_CHECKOUT_SUCCESS_URL/);
    expect(() =>
      loadConfig({
        STRIPE_SECRET_KEY: 'sk',
        STREAMING_CHECKOUT_SUCCESS_URL: 'https://a.example/ok',
        STREAMING_CHECKOUT_CANCEL_URL: 'https://a.example/no',
        STRIPE_PRICES: 'basic=price_1',
      }),
    ).toThrow(/no price for premium/);
    expect(
      loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://x.example', SMTP_URL: 'smtp://m' }).streaming
        .checkout.allowedRedirects,
    ).toEqual([]);
    expect(loadConfig({}).streaming.checkout.allowedRedirects).toContain('http://localhost:*');
  });
});

const postgres = await createScratchDatabase('streaming');
afterAll(async () => postgres?.drop());

describe.skipIf(!postgres)('streaming on two instances sharing one PostgreSQL', () => {
  it('a code sent through one is verified through the other; sessions, limits and clients are shared', async () => {
    const settings = loadConfig({
      STREAMING_CLIENT_ID: 'shared-client',
      STREAMING_CLIENT_SECRET: 'shared-secret',
    }).streaming;
    const first = await startTestServer({ databaseUrl: postgres!.url, streaming: settings });
    const second = await startTestServer({ databaseUrl: postgres!.url, streaming: settings });
    try {
      const [a, b] = [first, second].map((test) =>
        createStreamingClient({ baseUrl: test.baseUrl, retry: 0 }),
      );
      await a!.sendEmailOtp({ body: { tenant: 'acme', email: 'two@example.com' } });
      // The per-email interval is counted in the database: the other instance refuses too.
      await expect(
        b!.sendEmailOtp({ body: { tenant: 'acme', email: 'two@example.com' } }),
      ).rejects.toMatchObject({
        status: 429,
      });
      const outbox = (await (await fetch(`${second.baseUrl}/dev/mail`)).json()) as {
        recipient: string;
        text: string;
      }[];
      const code = /(\d{6})/.exec(outbox.find((mail) => mail.recipient === 'two@example.com')!.text)![1]!;
      const verified = await b!.verifyEmailOtp({
        body: { tenant: 'acme', email: 'two@example.com', code, device_id: DEVICE },
      });
      if (!('onboarding_token' in verified)) throw new Error('expected onboarding');
      const session = await a!.completeOnboarding({
        body: {
          onboarding_token: verified.onboarding_token,
          first_name: 'T',
          last_name: 'Wo',
          date_of_birth: '1990-01-01',
        },
      });
      const rotated = await b!.refreshSession({ body: { refresh_token: session.refresh_token } });
      // Reuse detected on the other instance: the family is gone everywhere.
      await expect(
        a!.refreshSession({ body: { refresh_token: session.refresh_token } }),
      ).rejects.toMatchObject({ status: 401 });
      await expect(
        createStreamingClient({
          baseUrl: second.baseUrl,
          retry: 0,
          auth: { user: rotated.access_token },
        }).getMe(),
      ).rejects.toMatchObject({ status: 401 });
      // A client token issued by one instance works on the other.
      const tenant = createStreamingClient({
        baseUrl: first.baseUrl,
        retry: 0,
        auth: { tenant: { clientId: 'shared-client', clientSecret: 'shared-secret' } },
      });
      const token = await tenant.tenantTokenProvider!.getToken();
      const elsewhere = createStreamingClient({ baseUrl: second.baseUrl, retry: 0, auth: { tenant: token } });
      expect((await elsewhere.listUsers()).data.map((user) => user.email)).toContain('two@example.com');
    } finally {
      await first.stop(true);
      await second.stop(true);
    }
  }, 60_000);
});

describe('streaming configuration', () => {
  it('masks the client secret and the Stripe keys when printed', () => {
    const config = loadConfig({
      STREAMING_CLIENT_ID: 'id',
      STREAMING_CLIENT_SECRET: 'client-secret-value',
      STRIPE_SECRET_KEY: 'sk_live_value',
      STRIPE_WEBHOOK_SECRET: 'whsec_value',
      STRIPE_PRICES: 'basic=price_1,premium=price_2',
      STREAMING_CHECKOUT_SUCCESS_URL: 'https://a.example/ok',
      STREAMING_CHECKOUT_CANCEL_URL: 'https://a.example/no',
    });
    const printed = JSON.stringify(describeConfig(config));
    for (const secret of ['client-secret-value', 'sk_live_value', 'whsec_value'])
      expect(printed).not.toContain(secret);
    expect(printed).toContain('"clientId":"id"');
  });
});
