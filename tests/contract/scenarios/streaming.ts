import { randomUUID } from 'node:crypto';
import { STREAMING_OTP_LIMITS, stripeSignatureHeader } from '@music-apis/domain';
import { STREAMING_MOCK_CLIENT, STREAMING_MOCK_STRIPE_WEBHOOK_SECRET } from '@music-apis/mock';
import { isApiError } from '@music-apis/sdk';
import {
  createSessionTokenProvider,
  createStreamingClient,
  type OAuthErrorBody,
  type StreamingErrorBody,
  type StreamingUser,
  type StreamingValidationErrorBody,
} from '@music-apis/sdk/streaming';
import { expect } from 'vitest';
import { defineScenarios, type ScenarioContext } from '../scenario.js';
import { expectApiError } from './expect-api-error.js';

/**
 * The streaming API's part 1 (tenants and identity) on every target. The mock and the servers share
 * the demo tenant `acme` and its client (`STREAMING_MOCK_CLIENT`, given to the servers as
 * `STREAMING_CLIENT_ID`/`_SECRET`), a second tenant's client (`otherTenantStreamingClient`) and the
 * Stripe webhook secret.
 */

const TENANT = STREAMING_MOCK_CLIENT.tenant;
const unique = () => randomUUID().slice(0, 8);
const device = () => randomUUID();

const tenantClient = (
  { baseUrl }: ScenarioContext,
  credentials: { clientId: string; clientSecret: string } = STREAMING_MOCK_CLIENT,
) =>
  createStreamingClient({
    baseUrl,
    retry: 0,
    auth: { tenant: { clientId: credentials.clientId, clientSecret: credentials.clientSecret } },
  });
const publicClient = ({ baseUrl }: ScenarioContext) => createStreamingClient({ baseUrl, retry: 0 });
const userClient = ({ baseUrl }: ScenarioContext, token: string, deviceId?: string) =>
  createStreamingClient({ baseUrl, retry: 0, auth: { user: token }, ...(deviceId ? { deviceId } : {}) });

const newUser = () => ({
  first_name: 'Jane',
  last_name: 'Doe',
  email: `jane-${unique()}@example.com`,
  date_of_birth: '1990-01-15',
});

async function expectValidation(call: Promise<unknown>, fields: Record<string, string | RegExp>) {
  const body = await expectApiError<StreamingValidationErrorBody>(call, 422);
  expect(body.message).toBe('The given data was invalid.');
  for (const [field, message] of Object.entries(fields)) {
    expect(body.errors[field], `errors.${field}`).toBeDefined();
    if (typeof message === 'string') expect(body.errors[field]).toContain(message);
    else expect(body.errors[field]!.join(' ')).toMatch(message);
  }
  return body;
}

async function expectAuthError(call: Promise<unknown>, code: string) {
  const body = await expectApiError<StreamingErrorBody>(call, 401);
  expect(body.code).toBe(code);
}

/** The newest one-time code mailed to `email`, from the development outbox (`GET /dev/mail`). */
async function mailedCode(
  context: ScenarioContext,
  email: string,
): Promise<{ code: string; subject: string; text: string }> {
  const response = await fetch(`${context.baseUrl}/dev/mail`);
  const outbox = (await response.json()) as { recipient: string; subject: string; text: string }[];
  const message = outbox.find((entry) => entry.recipient === email);
  expect(message, `no mail to ${email}`).toBeDefined();
  const code = /\b(\d{6})\b/.exec(message!.text)?.[1];
  expect(code).toMatch(/^\d{6}$/);
  return { code: code!, subject: message!.subject, text: message!.text };
}

/** A user of the demo tenant and a UDT for them on a device. */
async function userWithUdt(context: ScenarioContext) {
  const tenant = tenantClient(context);
  const user = await tenant.createUser({ body: newUser() });
  const deviceId = device();
  const { token } = await tenant.mintUserDelegationToken({ user_id: user.id, body: { deviceId } });
  return { tenant, user, deviceId, token, api: userClient(context, token, deviceId) };
}

/** Signs a new email in by OTP and onboarding: its session. */
async function signUpByOtp(context: ScenarioContext, email: string, deviceId: string) {
  const api = publicClient(context);
  await api.sendEmailOtp({ body: { tenant: TENANT, email } });
  const { code } = await mailedCode(context, email);
  const verified = await api.verifyEmailOtp({ body: { tenant: TENANT, email, code, device_id: deviceId } });
  if (!('onboarding_token' in verified)) throw new Error('expected an onboarding token for a new email');
  return api.completeOnboarding({
    body: {
      onboarding_token: verified.onboarding_token,
      first_name: 'Otto',
      last_name: 'Pee',
      date_of_birth: '1985-05-05',
    },
  });
}

/** A raw request (the built-in checkout's form posts and their 303s). */
const send = (context: ScenarioContext, path: string, init: RequestInit = {}) =>
  fetch(new URL(path, context.baseUrl), { redirect: 'manual', ...init });

export const streamingScenarios = defineScenarios('streaming', 'streaming', [
  {
    name: 'client credentials: JSON or form data; unknown client, wrong secret and grant in OAuth terms',
    covers: ['issueClientToken'],
    async run(context) {
      const api = publicClient(context);
      const issued = await api.issueClientToken({
        body: {
          grant_type: 'client_credentials',
          client_id: STREAMING_MOCK_CLIENT.clientId,
          client_secret: STREAMING_MOCK_CLIENT.clientSecret,
        },
      });
      expect(issued).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
      // Form data, as Passport takes it too; the token works on the M2M operations.
      const form = await send(context, '/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: STREAMING_MOCK_CLIENT.clientId,
          client_secret: STREAMING_MOCK_CLIENT.clientSecret,
        }),
      });
      expect(form.status).toBe(200);
      expect(form.headers.get('cache-control')).toBe('no-store');
      const formToken = (await form.json()) as { access_token: string };
      const tenant = createStreamingClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: { tenant: formToken.access_token },
      });
      expect((await tenant.listUsers()).meta.per_page).toBe(15);

      const wrongSecret = await expectApiError<OAuthErrorBody>(
        api.issueClientToken({
          body: {
            grant_type: 'client_credentials',
            client_id: STREAMING_MOCK_CLIENT.clientId,
            client_secret: 'wrong',
          },
        }),
        401,
      );
      expect(wrongSecret).toMatchObject({ error: 'invalid_client', message: 'Client authentication failed' });
      const unknown = await expectApiError<OAuthErrorBody>(
        api.issueClientToken({
          body: { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' },
        }),
        401,
      );
      expect(unknown.error).toBe('invalid_client');
      const grant = await send(context, '/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'password', client_id: 'x', client_secret: 'y' }),
      });
      expect(grant.status).toBe(400);
      expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
      const missing = await send(context, '/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials' }),
      });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({
        error: 'invalid_request',
        hint: expect.stringMatching(/client_id/),
      });
      // A client token is not a user token, and no token is no access.
      await expectAuthError(userClient(context, issued.access_token).getMe(), 'INVALID_AUTH_TOKEN');
      await expectAuthError(publicClient(context).listUsers(), 'UNAUTHENTICATED');
    },
  },
  {
    name: 'users: create, get, partial update, Laravel pages; the email unique per tenant; another tenant sees none of them',
    covers: ['createUser', 'getUser', 'updateUser', 'listUsers'],
    async run(context) {
      const tenant = tenantClient(context);
      const fields = newUser();
      const created = await tenant.createUser({ body: { ...fields, email: fields.email.toUpperCase() } });
      expect(created).toMatchObject({
        ...fields,
        status: 'UNSUBSCRIBED',
        subscription_ends_at: null,
        pm_type: null,
        pm_last_four: null,
      });
      expect(await tenant.getUser({ user_id: created.id })).toEqual(created);
      await expectValidation(tenant.createUser({ body: { ...fields, first_name: 'Other' } }), {
        email: 'The email has already been taken.',
      });
      await expectValidation(tenant.createUser({ body: { email: 'not-an-email' } as never }), {
        email: 'The email must be a valid email address.',
        first_name: 'The first name field is required.',
        date_of_birth: 'The date of birth field is required.',
      });
      await expectValidation(tenant.createUser({ body: { ...newUser(), date_of_birth: '2999-01-01' } }), {
        date_of_birth: 'The date of birth must be a date before today.',
      });

      // Partial update: what it leaves out stays.
      const renamed = await tenant.updateUser({ user_id: created.id, body: { last_name: 'Smith' } });
      expect(renamed).toMatchObject({
        first_name: 'Jane',
        last_name: 'Smith',
        email: fields.email,
        date_of_birth: '1990-01-15',
      });
      expect(Date.parse(renamed.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
      const other = await tenant.createUser({ body: newUser() });
      await expectValidation(tenant.updateUser({ user_id: other.id, body: { email: fields.email } }), {
        email: 'The email has already been taken.',
      });
      expect((await tenant.getUser({ user_id: other.id })).email).not.toBe(fields.email);
      await expectApiError(tenant.getUser({ user_id: randomUUID() }), 404);
      await expectApiError(tenant.getUser({ user_id: 'not-a-uuid' }), 404);

      // Laravel's paginator: 15 a page, oldest first, absolute links.
      for (let i = 0; i < 15; i++) await tenant.createUser({ body: newUser() });
      const first = await tenant.listUsers();
      expect(first.data).toHaveLength(15);
      expect(first.meta).toMatchObject({ current_page: 1, from: 1, to: 15, per_page: 15 });
      expect(first.meta.total).toBeGreaterThanOrEqual(17);
      expect(first.links.first).toBe(`${context.baseUrl}/api/v1/users?page=1`);
      expect(first.links.prev).toBeNull();
      expect(first.links.next).toBe(`${context.baseUrl}/api/v1/users?page=2`);
      const last = await tenant.listUsers({ page: first.meta.last_page });
      expect(last.links.next).toBeNull();
      expect(last.data.at(-1)!.email).toMatch(/^jane-/);
      const beyond = await tenant.listUsers({ page: first.meta.last_page + 1 });
      expect(beyond.data).toEqual([]);
      expect(beyond.meta).toMatchObject({ from: null, to: null });
      const everyone: StreamingUser[] = [];
      for (let page = 1; page <= first.meta.last_page; page++)
        everyone.push(...(await tenant.listUsers({ page })).data);
      expect(everyone.map((user) => user.id)).toEqual(expect.arrayContaining([created.id, other.id]));
      await expectValidation(tenant.listUsers({ page: 0 }), { page: 'The page must be at least 1.' });

      // Another tenant: none of these users exist for it, and the same email is free there.
      const stranger = tenantClient(context, context.otherTenantStreamingClient);
      await expectApiError(stranger.getUser({ user_id: created.id }), 404);
      await expectApiError(stranger.updateUser({ user_id: created.id, body: { first_name: 'Hacked' } }), 404);
      await expectApiError(
        stranger.mintUserDelegationToken({ user_id: created.id, body: { deviceId: device() } }),
        404,
      );
      const theirs = (await stranger.listUsers()).data;
      expect(theirs.map((user) => user.id)).not.toContain(created.id);
      const twin = await stranger.createUser({ body: fields });
      expect(twin.id).not.toBe(created.id);
      expect((await tenant.getUser({ user_id: created.id })).first_name).toBe('Jane');
    },
  },
  {
    name: 'UDT: 600 s, bound to its device; me get and partial update with it (the email stays)',
    covers: ['mintUserDelegationToken', 'getMe', 'updateMe'],
    async run(context) {
      const { tenant, user, deviceId, token, api } = await userWithUdt(context);
      const minted = await tenant.mintUserDelegationToken({ user_id: user.id, body: { deviceId } });
      expect(minted).toEqual({ token_type: 'Bearer', expires_in: 600, token: expect.any(String) });
      await expectValidation(
        tenant.mintUserDelegationToken({ user_id: user.id, body: { deviceId: 'phone' } }),
        {
          deviceId: 'The deviceId must be a valid UUID.',
        },
      );
      await expectApiError(
        tenant.mintUserDelegationToken({ user_id: randomUUID(), body: { deviceId } }),
        404,
      );
      expect(await api.getMe()).toEqual(await tenant.getUser({ user_id: user.id }));
      // From another device the same token is refused; with no device said, the token alone counts.
      await expectAuthError(userClient(context, token, device()).getMe(), 'INVALID_AUTH_TOKEN');
      expect((await userClient(context, token).getMe()).id).toBe(user.id);
      // A UDT is not a tenant token.
      await expectAuthError(
        createStreamingClient({ baseUrl: context.baseUrl, retry: 0, auth: { tenant: token } }).listUsers(),
        'INVALID_AUTH_TOKEN',
      );
      await expectAuthError(userClient(context, 'forged').getMe(), 'INVALID_AUTH_TOKEN');

      const updated = await api.updateMe({
        body: { first_name: 'Janet', email: 'changed@example.com' } as never,
      });
      expect(updated).toMatchObject({
        first_name: 'Janet',
        last_name: 'Doe',
        email: user.email,
        date_of_birth: '1990-01-15',
      });
      await expectValidation(api.updateMe({ body: { date_of_birth: 'yesterday' } }), {
        date_of_birth: 'The date of birth is not a valid date.',
      });
      await expectValidation(api.updateMe({ body: { last_name: '' } }), {
        last_name: 'The last name field is required.',
      });
      expect(await api.getMe()).toMatchObject({ first_name: 'Janet', last_name: 'Doe' });
    },
  },
  {
    name: 'email OTP: same answer for any address, rate limits with Retry-After, codes bound to one device and limited in tries, mail by locale',
    covers: ['sendEmailOtp', 'verifyEmailOtp'],
    async run(context) {
      const api = publicClient(context);
      const email = `otp-${unique()}@example.com`;
      const sent = await api.sendEmailOtp({
        body: { tenant: TENANT, email: email.toUpperCase(), locale: 'fr' },
      });
      expect(sent).toEqual({ message: 'If that email address is valid, a verification code has been sent.' });
      const mail = await mailedCode(context, email);
      expect(mail.text).toContain(`Votre code de connexion est ${mail.code}`);
      // An unknown tenant: the same answer, and no mail.
      const nowhere = `nowhere-${unique()}@example.com`;
      expect(await api.sendEmailOtp({ body: { tenant: `no-such-${unique()}`, email: nowhere } })).toEqual(
        sent,
      );
      const outbox = (await (await fetch(`${context.baseUrl}/dev/mail`)).json()) as { recipient: string }[];
      expect(outbox.some((entry) => entry.recipient === nowhere)).toBe(false);
      // The minimum interval between two codes for one email.
      const throttled = await api
        .sendEmailOtp({ body: { tenant: TENANT, email } })
        .catch((error: unknown) => error);
      expect(isApiError(throttled) && throttled.status).toBe(429);
      if (!isApiError(throttled)) throw throttled;
      expect(Number(throttled.response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(throttled.response.headers.get('retry-after'))).toBeLessThanOrEqual(
        STREAMING_OTP_LIMITS.minIntervalMs / 1000,
      );
      await expectValidation(
        api.sendEmailOtp({ body: { tenant: TENANT, email: 'nope', locale: 'de' as 'en' } }),
        {
          email: 'The email must be a valid email address.',
          locale: 'The selected locale is invalid.',
        },
      );

      const phone = device();
      const wrong = mail.code === '000000' ? '111111' : '000000';
      await expectValidation(
        api.verifyEmailOtp({ body: { tenant: TENANT, email, code: wrong, device_id: phone } }),
        {
          code: 'The code is invalid or has expired.',
        },
      );
      // The first try bound the code to the phone: the right code from another device fails.
      await expectValidation(
        api.verifyEmailOtp({ body: { tenant: TENANT, email, code: mail.code, device_id: device() } }),
        { code: 'The code is invalid or has expired.' },
      );
      const verified = await api.verifyEmailOtp({
        body: { tenant: TENANT, email, code: mail.code, device_id: phone },
      });
      expect(verified).toEqual({ onboarding_token: expect.any(String), expires_in: 900 });
      // A code works once.
      await expectValidation(
        api.verifyEmailOtp({ body: { tenant: TENANT, email, code: mail.code, device_id: phone } }),
        {
          code: 'The code is invalid or has expired.',
        },
      );
      await expectValidation(
        api.verifyEmailOtp({ body: { tenant: TENANT, email, code: '1', device_id: 'x' } }),
        {
          device_id: 'The device id must be a valid UUID.',
        },
      );

      // Five tries, then the code is gone, even the right one.
      const limited = `limited-${unique()}@example.com`;
      await api.sendEmailOtp({ body: { tenant: TENANT, email: limited } });
      const { code } = await mailedCode(context, limited);
      const other = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        await expectValidation(
          api.verifyEmailOtp({ body: { tenant: TENANT, email: limited, code: other, device_id: phone } }),
          { code: /invalid/ },
        );
      }
      await expectValidation(
        api.verifyEmailOtp({ body: { tenant: TENANT, email: limited, code, device_id: phone } }),
        {
          code: /invalid/,
        },
      );

      // An existing user (made by the tenant) gets a session at once, bound to the device.
      const { user } = await userWithUdt(context);
      await api.sendEmailOtp({ body: { tenant: TENANT, email: user.email, locale: 'nl' } });
      const dutch = await mailedCode(context, user.email);
      expect(dutch.text).toContain(`Je inlogcode is ${dutch.code}`);
      const session = await api.verifyEmailOtp({
        body: { tenant: TENANT, email: user.email, code: dutch.code, device_id: phone },
      });
      if (!('access_token' in session)) throw new Error('expected a session for an existing user');
      expect(session).toMatchObject({
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_expires_in: 2_592_000,
      });
      expect(session.user).toMatchObject({ id: user.id, email: user.email, status: 'UNSUBSCRIBED' });
      expect((await userClient(context, session.access_token, phone).getMe()).id).toBe(user.id);
      await expectAuthError(
        userClient(context, session.access_token, device()).getMe(),
        'INVALID_AUTH_TOKEN',
      );
    },
  },
  {
    name: 'onboarding creates the profile; refresh rotates the pair; a reused refresh token revokes the whole family; logout is idempotent',
    covers: ['completeOnboarding', 'refreshSession', 'logout', 'sendEmailOtp', 'verifyEmailOtp', 'getMe'],
    async run(context) {
      const api = publicClient(context);
      const email = `new-${unique()}@example.com`;
      const phone = device();
      await api.sendEmailOtp({ body: { tenant: TENANT, email } });
      const { code } = await mailedCode(context, email);
      const verified = await api.verifyEmailOtp({ body: { tenant: TENANT, email, code, device_id: phone } });
      if (!('onboarding_token' in verified)) throw new Error('expected an onboarding token');
      // A bad body does not spend the token.
      await expectValidation(
        api.completeOnboarding({
          body: {
            onboarding_token: verified.onboarding_token,
            first_name: 'A',
            last_name: 'B',
            date_of_birth: '2999-12-31',
          },
        }),
        { date_of_birth: /before today/ },
      );
      const session = await api.completeOnboarding({
        body: {
          onboarding_token: verified.onboarding_token,
          first_name: 'Ada',
          last_name: 'Byron',
          date_of_birth: '1985-12-10',
        },
      });
      expect(session.user).toMatchObject({
        email,
        first_name: 'Ada',
        last_name: 'Byron',
        date_of_birth: '1985-12-10',
        status: 'UNSUBSCRIBED',
      });
      await expectAuthError(
        api.completeOnboarding({
          body: {
            onboarding_token: verified.onboarding_token,
            first_name: 'Ada',
            last_name: 'Byron',
            date_of_birth: '1985-12-10',
          },
        }),
        'INVALID_ONBOARDING_TOKEN',
      );
      // The tenant sees the new user.
      const tenant = tenantClient(context);
      expect(await tenant.getUser({ user_id: session.user.id })).toMatchObject({ email, first_name: 'Ada' });
      expect((await userClient(context, session.access_token, phone).getMe()).email).toBe(email);

      // Rotation: a new pair; the old access token and refresh token stop working.
      const rotated = await api.refreshSession({ body: { refresh_token: session.refresh_token } });
      expect(rotated.refresh_token).not.toBe(session.refresh_token);
      expect(rotated.access_token).not.toBe(session.access_token);
      expect(rotated.user.id).toBe(session.user.id);
      await expectAuthError(userClient(context, session.access_token).getMe(), 'INVALID_AUTH_TOKEN');
      const current = userClient(context, rotated.access_token, phone);
      expect((await current.getMe()).id).toBe(session.user.id);
      // Reuse of the rotated token: refused, and the whole family (the newest pair too) is revoked.
      await expectAuthError(
        api.refreshSession({ body: { refresh_token: session.refresh_token } }),
        'INVALID_REFRESH_TOKEN',
      );
      await expectAuthError(current.getMe(), 'INVALID_AUTH_TOKEN');
      await expectAuthError(
        api.refreshSession({ body: { refresh_token: rotated.refresh_token } }),
        'INVALID_REFRESH_TOKEN',
      );
      await expectValidation(api.refreshSession({ body: {} as never }), {
        refresh_token: 'The refresh token field is required.',
      });

      // The SDK's session provider on a fresh sign-in: it rotates by itself and reports the pair.
      const second = await signUpByOtp(context, `again-${unique()}@example.com`, phone);
      const persisted: string[] = [];
      const provider = createSessionTokenProvider({
        baseUrl: context.baseUrl,
        retry: 0,
        session: second,
        accessTokenExpiresAt: 0,
        onTokens: (fresh) => {
          persisted.push(fresh.refresh_token);
        },
      });
      const viaProvider = createStreamingClient({
        baseUrl: context.baseUrl,
        retry: 0,
        deviceId: phone,
        auth: { user: provider },
      });
      const [a, b] = await Promise.all([viaProvider.getMe(), viaProvider.getMe()]);
      expect(a.id).toBe(second.user.id);
      expect(b.id).toBe(second.user.id);
      expect(persisted).toHaveLength(1);

      // Logout ends the session; again, or with nonsense, it still answers 204.
      await api.logout({ body: { refresh_token: provider.session!.refresh_token } });
      // The access token is refused, the provider tries its refresh token, and that is refused too.
      await expectAuthError(viaProvider.getMe(), 'INVALID_REFRESH_TOKEN');
      expect(provider.session).toBeUndefined();
      await expectAuthError(
        api.refreshSession({ body: { refresh_token: persisted[0]! } }),
        'INVALID_REFRESH_TOKEN',
      );
      await api.logout({ body: { refresh_token: persisted[0]! } });
      await api.logout({ body: { refresh_token: 'never-issued' } });
      await expectValidation(api.logout({ body: {} as never }), {
        refresh_token: 'The refresh token field is required.',
      });
    },
  },
  {
    name: 'checkout (built-in): redirect URLs on the allow-list; the page pays once and the user is SUBSCRIBED',
    covers: ['createCheckoutSession', 'showBuiltinCheckout', 'completeBuiltinCheckout', 'getMe'],
    async run(context) {
      const { api } = await userWithUdt(context);
      await expectValidation(api.createCheckoutSession({ body: { product_slug: 'platinum' } }), {
        product_slug: 'The selected product slug is invalid.',
      });
      await expectValidation(
        api.createCheckoutSession({
          body: { product_slug: 'basic', success_url: 'https://evil.example.com/thanks' },
        }),
        { success_url: 'The success url does not match an allowed redirect URL pattern.' },
      );
      await expectAuthError(
        publicClient(context).createCheckoutSession({ body: { product_slug: 'basic' } }),
        'UNAUTHENTICATED',
      );

      const session = await api.createCheckoutSession({
        body: {
          product_slug: 'basic',
          success_url: 'http://localhost:5173/thanks',
          cancel_url: 'http://localhost:5173/cart',
        },
      });
      expect(session.id).toMatch(/^cs_builtin_/);
      const page = await send(context, new URL(session.url).pathname);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('Basic');
      expect(await publicClient(context).showBuiltinCheckout({ session_id: session.id })).toContain('<form');
      await expectApiError(publicClient(context).showBuiltinCheckout({ session_id: 'cs_builtin_nope' }), 404);
      expect((await api.getMe()).status).toBe('UNSUBSCRIBED');

      const paid = await send(context, new URL(session.url).pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'action=pay',
      });
      expect(paid.status).toBe(303);
      expect(paid.headers.get('location')).toBe(`http://localhost:5173/thanks?session_id=${session.id}`);
      const me = await api.getMe();
      expect(me).toMatchObject({ status: 'SUBSCRIBED', pm_type: 'visa', pm_last_four: '4242' });
      const days = (Date.parse(me.subscription_ends_at!) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29);
      expect(days).toBeLessThanOrEqual(30);
      // A session pays once.
      const again = await send(context, new URL(session.url).pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'pay' }),
      });
      expect(again.status).toBe(409);
      expect(await publicClient(context).showBuiltinCheckout({ session_id: session.id })).toContain('paid');

      // Cancelling: back to the cancel URL (the default: the page itself), nothing changes.
      const { api: other } = await userWithUdt(context);
      const cancelled = await other.createCheckoutSession({ body: { product_slug: 'premium' } });
      const answer = await send(context, new URL(cancelled.url).pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'action=cancel',
      });
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe(`${cancelled.url}?session_id=${cancelled.id}`);
      expect((await other.getMe()).status).toBe('UNSUBSCRIBED');
      const bad = await send(context, new URL(cancelled.url).pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'action=steal',
      });
      expect(bad.status).toBe(422);
    },
  },
  {
    name: 'Stripe webhook: signed subscription events change the user; bad or missing signatures are refused',
    covers: ['handleStripeWebhook'],
    async run(context) {
      const { api, user } = await userWithUdt(context);
      const me = await api.getMe();
      const tenantId = (await signedTenantId(context, user.email)) ?? '';
      const periodEnd = Math.floor(Date.now() / 1000) + 30 * 86_400;
      const event = JSON.stringify({
        id: `evt_${unique()}`,
        type: 'customer.subscription.updated',
        data: {
          object: {
            id: 'sub_123',
            object: 'subscription',
            status: 'active',
            current_period_end: periodEnd,
            metadata: { tenant_id: tenantId, user_id: user.id },
            default_payment_method: { id: 'pm_1', card: { brand: 'mastercard', last4: '4444' } },
          },
        },
      });
      const stripe = publicClient(context);
      const now = Math.floor(Date.now() / 1000);
      const forged = await stripeSignatureHeader(event, 'whsec_wrong', now);
      const refused = await expectApiError<StreamingErrorBody>(
        stripe.handleStripeWebhook({ 'Stripe-Signature': forged, body: new TextEncoder().encode(event) }),
        403,
      );
      expect(refused.message).toMatch(/signature/);
      await expectApiError(stripe.handleStripeWebhook({ body: new TextEncoder().encode(event) }), 403);
      const stale = await stripeSignatureHeader(event, STREAMING_MOCK_STRIPE_WEBHOOK_SECRET, now - 3600);
      await expectApiError(
        stripe.handleStripeWebhook({ 'Stripe-Signature': stale, body: new TextEncoder().encode(event) }),
        403,
      );
      expect((await api.getMe()).status).toBe(me.status);

      const signature = await stripeSignatureHeader(event, STREAMING_MOCK_STRIPE_WEBHOOK_SECRET, now);
      const handled = await stripe.handleStripeWebhook({
        'Stripe-Signature': signature,
        body: new Blob([event], { type: 'application/json' }),
      });
      expect(handled).toEqual({ message: 'Webhook Handled' });
      expect(await api.getMe()).toMatchObject({
        status: 'SUBSCRIBED',
        subscription_ends_at: new Date(periodEnd * 1000).toISOString().replace('.000Z', '.000000Z'),
        pm_type: 'mastercard',
        pm_last_four: '4444',
      });
      // Other events are acknowledged, and change nothing.
      const other = JSON.stringify({
        id: 'evt_x',
        type: 'invoice.created',
        data: { object: { id: 'in_1' } },
      });
      expect(
        await stripe.handleStripeWebhook({
          'Stripe-Signature': await stripeSignatureHeader(other, STREAMING_MOCK_STRIPE_WEBHOOK_SECRET, now),
          body: new TextEncoder().encode(other),
        }),
      ).toEqual({ message: 'Webhook Received' });
      const notEvent = '[1,2]';
      await expectApiError(
        stripe.handleStripeWebhook({
          'Stripe-Signature': await stripeSignatureHeader(
            notEvent,
            STREAMING_MOCK_STRIPE_WEBHOOK_SECRET,
            now,
          ),
          body: new TextEncoder().encode(notEvent),
        }),
        400,
      );
      // Cancellation at the end of the period.
      const deleted = event.replace('customer.subscription.updated', 'customer.subscription.deleted');
      await stripe.handleStripeWebhook({
        'Stripe-Signature': await stripeSignatureHeader(deleted, STREAMING_MOCK_STRIPE_WEBHOOK_SECRET, now),
        body: new TextEncoder().encode(deleted),
      });
      expect((await api.getMe()).status).toBe('UNSUBSCRIBED');
    },
  },
]);

/** The user's tenant id, as a session shows it (the Stripe metadata names the tenant by id). */
async function signedTenantId(context: ScenarioContext, email: string): Promise<string | undefined> {
  const api = publicClient(context);
  await api.sendEmailOtp({ body: { tenant: TENANT, email } });
  const { code } = await mailedCode(context, email);
  const session = await api.verifyEmailOtp({ body: { tenant: TENANT, email, code, device_id: device() } });
  return 'user' in session ? session.user.tenant_id : undefined;
}
