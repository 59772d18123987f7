import { HttpError, RequestValidationError } from '@music-apis/spec';
import { describe, expect, it } from 'vitest';
import {
  checkoutRedirects,
  laravelPage,
  matchesUrlPattern,
  otpAttempt,
  streamingErrorReply,
  stripeEventChange,
  stripeSignatureHeader,
  userChanges,
  verifyStripeSignature,
} from '../src/index.js';

describe('streaming domain', () => {
  it('pages as Laravel: from/to, first/last/prev/next, an empty page past the end', () => {
    const page = laravelPage(['p', 'q'], { page: 2, perPage: 2, total: 5, path: 'http://x/api/v1/users' });
    expect(page.links).toEqual({
      first: 'http://x/api/v1/users?page=1',
      last: 'http://x/api/v1/users?page=3',
      prev: 'http://x/api/v1/users?page=1',
      next: 'http://x/api/v1/users?page=3',
    });
    expect(page.meta).toEqual({
      current_page: 2,
      from: 3,
      last_page: 3,
      path: 'http://x/api/v1/users',
      per_page: 2,
      to: 4,
      total: 5,
    });
    const past = laravelPage([], { page: 9, perPage: 2, total: 5, path: 'http://x' });
    expect(past.meta).toMatchObject({ from: null, to: null, last_page: 3 });
    expect(past.links).toMatchObject({ next: null, prev: 'http://x?page=3' });
    expect(laravelPage([], { page: 1, perPage: 15, total: 0, path: 'http://x' }).meta.last_page).toBe(1);
  });

  it('matches redirect patterns as Str::is: * for anything, everything else literally', () => {
    expect(matchesUrlPattern('http://localhost:5173/thanks', 'http://localhost:*')).toBe(true);
    expect(matchesUrlPattern('https://app.example.com/a?b=c', 'https://app.example.com/*')).toBe(true);
    expect(matchesUrlPattern('https://app.example.com.evil.io/', 'https://app.example.com/*')).toBe(false);
    expect(matchesUrlPattern('https://appXexample.com/', 'https://app.example.com/*')).toBe(false);
    expect(() =>
      checkoutRedirects(
        { success_url: 'https://evil.io/', cancel_url: 'https://ok.io/back' },
        { allowedPatterns: ['https://ok.io/*'], defaults: { success_url: 'd1', cancel_url: 'd2' } },
      ),
    ).toThrow(expect.objectContaining({ status: 422, errors: { success_url: [expect.any(String)] } }));
    expect(
      checkoutRedirects({}, { allowedPatterns: [], defaults: { success_url: 'd1', cancel_url: 'd2' } }),
    ).toEqual({ success_url: 'd1', cancel_url: 'd2' });
  });

  it('binds a code to its first device and ends it after five refused attempts or its expiry', () => {
    const code = { code_matches: true, device_id: null, attempts: 0, expires_at: 1000 };
    expect(otpAttempt(code, 'A', 0)).toBe('accepted');
    expect(otpAttempt({ ...code, device_id: 'a' }, 'B', 0)).toBe('rejected');
    expect(otpAttempt({ ...code, device_id: 'a' }, 'A', 0)).toBe('accepted');
    expect(otpAttempt({ ...code, code_matches: false, attempts: 3 }, 'A', 0)).toBe('rejected');
    expect(otpAttempt({ ...code, code_matches: false, attempts: 4 }, 'A', 0)).toBe('exhausted');
    expect(otpAttempt(code, 'A', 1000)).toBe('exhausted');
    expect(otpAttempt(undefined, 'A', 0)).toBe('exhausted');
  });

  it('keeps only the fields sent, lower-cases the email and wants a birth date in the past', () => {
    const today = new Date('2026-06-01T12:00:00Z');
    expect(userChanges({ last_name: 'Smith', email: 'A@B.io' }, today)).toEqual({
      last_name: 'Smith',
      email: 'a@b.io',
    });
    expect(() => userChanges({ date_of_birth: '2026-06-01' }, today)).toThrow(
      expect.objectContaining({ status: 422 }),
    );
    expect(userChanges({ date_of_birth: '2026-05-31' }, today)).toEqual({ date_of_birth: '2026-05-31' });
  });

  it('answers the token endpoint in OAuth terms and every other operation as Laravel', () => {
    const issues = [
      { location: 'body' as const, field: 'grant_type', keyword: 'const', message: 'x', params: {} },
    ];
    expect(
      streamingErrorReply(new RequestValidationError(issues), { operationId: 'issueClientToken' }),
    ).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
    expect(streamingErrorReply(new RequestValidationError(issues), { operationId: 'createUser' })).toEqual({
      status: 422,
      body: {
        message: 'The given data was invalid.',
        errors: { grant_type: ['The selected grant type is invalid.'] },
      },
      headers: undefined,
    });
    const path = [
      {
        location: 'path' as const,
        field: 'user_id',
        keyword: 'format',
        message: 'x',
        params: { format: 'uuid' },
      },
    ];
    expect(streamingErrorReply(new RequestValidationError(path), { operationId: 'getUser' }).status).toBe(
      404,
    );
    expect(streamingErrorReply(new HttpError(507, 'disk full'))).toEqual({
      status: 500,
      body: { message: 'Server Error' },
      headers: undefined,
    });
  });

  it('checks Stripe signatures: the right secret, the exact body, a fresh timestamp', async () => {
    const body = '{"type":"ping","data":{"object":{}}}';
    const now = 1_767_225_600_000;
    const header = await stripeSignatureHeader(body, 'whsec_a', now / 1000);
    await expect(verifyStripeSignature(body, header, 'whsec_a', now)).resolves.toBeUndefined();
    await expect(verifyStripeSignature(`${body} `, header, 'whsec_a', now)).rejects.toMatchObject({
      status: 403,
    });
    await expect(verifyStripeSignature(body, header, 'whsec_b', now)).rejects.toMatchObject({ status: 403 });
    await expect(verifyStripeSignature(body, header, 'whsec_a', now + 301_000)).rejects.toMatchObject({
      message: 'Timestamp outside the tolerance zone',
    });
    await expect(verifyStripeSignature(body, 'garbage', 'whsec_a', now)).rejects.toMatchObject({
      status: 403,
    });
    await expect(verifyStripeSignature(body, header, undefined, now)).rejects.toMatchObject({ status: 403 });
  });

  it('reads the subscription a Stripe event reports, for the user its metadata names', () => {
    const event = (type: string, object: Record<string, unknown>) =>
      JSON.stringify({ type, data: { object } });
    const metadata = { tenant_id: 't', user_id: 'u' };
    expect(
      stripeEventChange(
        event('customer.subscription.updated', {
          status: 'past_due',
          metadata,
          items: { data: [{ current_period_end: 1_800_000_000 }] },
        }),
      ),
    ).toEqual({
      tenantId: 't',
      userId: 'u',
      changes: { status: 'PENDING_SUBSCRIPTION', subscription_ends_at: 1_800_000_000_000 },
    });
    expect(
      stripeEventChange(event('customer.subscription.deleted', { status: 'active', metadata }))?.changes
        .status,
    ).toBe('UNSUBSCRIBED');
    expect(
      stripeEventChange(event('checkout.session.completed', { mode: 'payment', metadata })),
    ).toBeUndefined();
    expect(stripeEventChange(event('invoice.paid', { metadata }))).toBeUndefined();
    expect(stripeEventChange(event('customer.subscription.updated', { status: 'active' }))).toBeUndefined();
    expect(() => stripeEventChange('not json')).toThrow(expect.objectContaining({ status: 400 }));
  });
});
