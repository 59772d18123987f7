import { MusicApiError } from '../../core/index.js';

/**
 * Verifies a webhook delivery of the collections reference server on the receiver's own server,
 * with WebCrypto only, so it runs in Node 20+, browsers' workers and edge runtimes alike.
 *
 * Deliveries are signed as the Standard Webhooks specification says: `webhook-signature` holds one
 * or more space-separated `v1,<base64>` entries, each an HMAC-SHA256, keyed with the base64 bytes
 * after `whsec_` of the endpoint's secret, of `${webhook-id}.${webhook-timestamp}.${body}`.
 * `webhook-id` is the idempotency id: the same on every retry of one delivery.
 */

/** The delivery's signature, timestamp or headers do not check out: answer it with a 4xx. */
export class WebhookVerificationError extends MusicApiError {
  override name = 'WebhookVerificationError';
}

export interface VerifyWebhookOptions {
  /** The endpoint's signing secret (`whsec_…`), as `add-webhook` printed it. */
  secret: string;
  /** How far `webhook-timestamp` may be from now, either way, in seconds: replays older than this fail. Default 300. */
  toleranceSeconds?: number;
  /** The current time in ms. Default `Date.now`. */
  now?: () => number;
}

/** A verified delivery. */
export interface VerifiedWebhook<Payload = unknown> {
  /** `webhook-id`: key idempotent handling on it (the same on retries). */
  id: string;
  /** `webhook-timestamp`, epoch seconds of this attempt. */
  timestamp: number;
  /** `X-ADN-Event`, e.g. `track.status_changed`. */
  event: string;
  /** The parsed JSON body. */
  payload: Payload;
}

/** Request headers as a fetch `Headers` or as Node's `IncomingHttpHeaders` (lower-case names). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  // Any fetch-style Headers (undici's, a polyfill's), not only this realm's class.
  const value =
    typeof headers.get === 'function'
      ? (headers as Headers).get(name)
      : (headers as Record<string, string | string[] | undefined>)[name];
  return (Array.isArray(value) ? value[0] : value) ?? undefined;
}

function base64Bytes(value: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Uint8Array.from(atob(value), (character) => character.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Resolves the verified delivery, or rejects with `WebhookVerificationError`. Pass the body exactly
 * as received (the raw string or bytes: re-serialised JSON would not match the signature).
 * The comparison is WebCrypto's own `verify`, which does not leak how much of a signature matched.
 */
export async function verifyWebhookSignature<Payload = unknown>(
  body: string | Uint8Array,
  headers: WebhookHeaders,
  options: VerifyWebhookOptions,
): Promise<VerifiedWebhook<Payload>> {
  const id = header(headers, 'webhook-id');
  const timestampHeader = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestampHeader || !signatures)
    throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature header');
  const timestamp = Number(timestampHeader);
  if (!/^\d+$/.test(timestampHeader) || !Number.isSafeInteger(timestamp))
    throw new WebhookVerificationError('Invalid webhook-timestamp header');
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  if (Math.abs(nowSeconds - timestamp) > (options.toleranceSeconds ?? 300))
    throw new WebhookVerificationError(
      'The webhook-timestamp is outside the tolerance: too old, or from the future',
    );

  const keyBytes = base64Bytes(options.secret.replace(/^whsec_/, ''));
  if (!keyBytes?.length) throw new WebhookVerificationError('The secret is not a whsec_ signing secret');
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  const encoder = new TextEncoder();
  const bodyText = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const signed = encoder.encode(`${id}.${timestamp}.${bodyText}`);
  for (const entry of signatures.split(' ')) {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) continue;
    const bytes = base64Bytes(signature);
    if (bytes && (await crypto.subtle.verify('HMAC', key, bytes, signed))) {
      let payload: Payload;
      try {
        payload = JSON.parse(bodyText) as Payload;
      } catch {
        throw new WebhookVerificationError('The body is not JSON');
      }
      return { id, timestamp, event: header(headers, 'x-adn-event') ?? '', payload };
    }
  }
  throw new WebhookVerificationError('No webhook-signature matches the body and the secret');
}
