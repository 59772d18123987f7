import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature, WebhookVerificationError } from '../../src/collections/index.js';

// A Standard Webhooks secret and the signature the specification's scheme gives, computed here
// with node:crypto independently of the verifier (which uses WebCrypto).
const key = Buffer.from('a webhook signing key of 32 bytes');
const secret = `whsec_${key.toString('base64')}`;
const id = 'f2c7f1a0-5d7e-4b7a-9a86-1b6f3c2d4e5f';
const timestamp = 1_700_000_000;
const now = () => timestamp * 1000 + 10_000;
const body = JSON.stringify({ event: 'track.status_changed', status: 'ready', track_id: 't' });
const sign = (signedBody: string, signingKey = key, at = timestamp) =>
  `v1,${createHmac('sha256', signingKey).update(`${id}.${at}.${signedBody}`).digest('base64')}`;
const headersOf = (signature: string, at = timestamp) => ({
  'webhook-id': id,
  'webhook-timestamp': String(at),
  'webhook-signature': signature,
  'x-adn-event': 'track.status_changed',
});

describe('verifyWebhookSignature', () => {
  it('resolves the id, timestamp, event and parsed payload of a delivery signed with the secret', async () => {
    const verified = await verifyWebhookSignature(body, headersOf(sign(body)), { secret, now });
    expect(verified).toEqual({
      id,
      timestamp,
      event: 'track.status_changed',
      payload: JSON.parse(body),
    });
  });

  it('takes fetch Headers and a byte body, as a worker or edge runtime has them', async () => {
    const headers = new Headers(headersOf(sign(body)));
    const verified = await verifyWebhookSignature(new TextEncoder().encode(body), headers, { secret, now });
    expect(verified.id).toBe(id);
  });

  it('accepts a header with several signatures when one of them matches (secret rotation)', async () => {
    const other = sign(body, Buffer.from('an older signing key, rotated out'));
    await expect(
      verifyWebhookSignature(body, headersOf(`${other} ${sign(body)}`), { secret, now }),
    ).resolves.toMatchObject({ id });
  });

  it('rejects a changed body, another secret, and a missing or malformed signature', async () => {
    const rejected = (promise: Promise<unknown>) =>
      expect(promise).rejects.toBeInstanceOf(WebhookVerificationError);
    await rejected(verifyWebhookSignature(`${body} `, headersOf(sign(body)), { secret, now }));
    await rejected(
      verifyWebhookSignature(body, headersOf(sign(body)), {
        secret: `whsec_${Buffer.from('another key').toString('base64')}`,
        now,
      }),
    );
    await rejected(verifyWebhookSignature(body, headersOf('v1,not base64!'), { secret, now }));
    await rejected(
      verifyWebhookSignature(body, headersOf(sign(body).replace('v1,', 'v2,')), { secret, now }),
    );
    const { 'webhook-signature': _, ...unsigned } = headersOf(sign(body));
    await rejected(verifyWebhookSignature(body, unsigned, { secret, now }));
  });

  it('rejects a timestamp outside the tolerance either way, even when the signature is valid', async () => {
    const old = timestamp - 301;
    await expect(
      verifyWebhookSignature(body, headersOf(sign(body, key, old), old), { secret, now }),
    ).rejects.toThrow(/tolerance/);
    const future = timestamp + 400;
    await expect(
      verifyWebhookSignature(body, headersOf(sign(body, key, future), future), { secret, now }),
    ).rejects.toThrow(/tolerance/);
    await expect(
      verifyWebhookSignature(body, headersOf(sign(body, key, old), old), {
        secret,
        now,
        toleranceSeconds: 600,
      }),
    ).resolves.toMatchObject({ timestamp: old });
  });
});
