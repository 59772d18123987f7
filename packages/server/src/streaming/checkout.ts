import { randomBytes } from 'node:crypto';
import {
  builtinCheckoutPage,
  builtinSubscription,
  checkoutNotOpen,
  checkoutRedirectPatterns,
  checkoutRedirects,
  checkoutReturnUrl,
  newBuiltinCheckoutSession,
  paymentProviderFailed,
  productOf,
  type StreamingUserRecord,
  streamingNotFound,
  stripeEventChange,
  verifyStripeSignature,
} from '@music-apis/domain';
import type { StreamingSettings } from '../core/config.js';
import type { Knex } from '../core/db.js';
import type { Logger } from '../core/logger.js';
import { findCheckoutSession, findTenant, tenantStore } from './store.js';

/**
 * Checkout behind one interface: the built-in offline provider (the default: a page of this server
 * that "pays" with a test card) or Stripe Checkout (`STRIPE_SECRET_KEY`), whose webhook brings the
 * subscription back. Either way the user's `status`, `subscription_ends_at` and payment method change
 * only when the payment is confirmed.
 */

export interface CheckoutRequest {
  product_slug: string;
  success_url?: string;
  cancel_url?: string;
}

export interface CheckoutProvider {
  readonly name: 'builtin' | 'stripe';
  createSession(
    user: StreamingUserRecord,
    body: CheckoutRequest,
    baseUrl: string,
  ): Promise<{ id: string; url: string }>;
}

export function createBuiltinCheckout(db: Knex, settings: StreamingSettings, now: () => number = Date.now) {
  const provider: CheckoutProvider = {
    name: 'builtin',
    async createSession(user, body, baseUrl) {
      const { session, url } = newBuiltinCheckoutSession(user, body, {
        idSuffix: randomBytes(16).toString('hex'),
        baseUrl,
        allowedRedirects: settings.checkout.allowedRedirects,
        defaults: { success_url: settings.checkout.successUrl, cancel_url: settings.checkout.cancelUrl },
        nowMs: now(),
      });
      await tenantStore(db, user.tenant_id).insertCheckoutSession(session);
      return { id: session.id, url };
    },
  };

  async function openSession(sessionId: string) {
    const session = await findCheckoutSession(db, sessionId);
    if (!session) throw streamingNotFound();
    const store = tenantStore(db, session.tenant_id);
    const [tenant, user] = await Promise.all([
      findTenant(db, session.tenant_id),
      store.findUser(session.user_id),
    ]);
    if (!tenant || !user) throw streamingNotFound();
    return { session, store, tenant, user };
  }

  return {
    provider,
    async page(sessionId: string): Promise<string> {
      const { session, tenant, user } = await openSession(sessionId);
      return builtinCheckoutPage(session, { tenantName: tenant.name, email: user.email, nowMs: now() });
    },
    /** Pays or cancels an open session (once); the URL the browser goes on to. */
    async complete(sessionId: string, action: 'pay' | 'cancel'): Promise<string> {
      const { session, store } = await openSession(sessionId);
      if (session.status !== 'open' || session.expires_at <= now()) throw checkoutNotOpen();
      const paid = action === 'pay';
      const closed = await store.transaction(async (trx) => {
        if (!(await store.closeCheckoutSession(session.id, paid ? 'complete' : 'cancelled', trx)))
          return false;
        if (paid) {
          await store.updateUser(
            session.user_id,
            builtinSubscription(productOf(session.product_slug), now()),
            now(),
            trx,
          );
        }
        return true;
      });
      if (!closed) throw checkoutNotOpen();
      return checkoutReturnUrl(session, paid);
    },
  };
}

export type BuiltinCheckout = ReturnType<typeof createBuiltinCheckout>;

/** How long Stripe may take to create a session before the request answers 502. */
const STRIPE_TIMEOUT_MS = 10_000;

/** Stripe Checkout Sessions (`POST /v1/checkout/sessions`, form-encoded, as Stripe's API takes them). */
export function createStripeCheckout(
  settings: StreamingSettings,
  logger: Logger,
  fetchImpl: typeof fetch = (...args) => fetch(...args),
): CheckoutProvider {
  const { stripeSecretKey, stripeApiUrl, stripePrices } = settings.checkout;
  return {
    name: 'stripe',
    async createSession(user, body, baseUrl) {
      const product = productOf(body.product_slug);
      const redirects = checkoutRedirects(body, {
        allowedPatterns: checkoutRedirectPatterns(settings.checkout.allowedRedirects, baseUrl),
        defaults: { success_url: settings.checkout.successUrl!, cancel_url: settings.checkout.cancelUrl! },
      });
      // The metadata names the user on the session and on the subscription, for the webhook.
      const form = new URLSearchParams({
        mode: 'subscription',
        'line_items[0][price]': stripePrices[product.slug]!,
        'line_items[0][quantity]': '1',
        success_url: redirects.success_url,
        cancel_url: redirects.cancel_url,
        client_reference_id: user.id,
        customer_email: user.email,
        'metadata[tenant_id]': user.tenant_id,
        'metadata[user_id]': user.id,
        'subscription_data[metadata][tenant_id]': user.tenant_id,
        'subscription_data[metadata][user_id]': user.id,
      });
      let response: Response;
      try {
        response = await fetchImpl(`${stripeApiUrl}/v1/checkout/sessions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${stripeSecretKey}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: form,
          signal: AbortSignal.timeout(STRIPE_TIMEOUT_MS),
        });
      } catch (error) {
        logger.warn({ err: error }, 'stripe: checkout session not created');
        throw paymentProviderFailed('Stripe could not be reached');
      }
      const answer = (await response.json().catch(() => undefined)) as
        | { id?: unknown; url?: unknown; error?: { message?: string } }
        | undefined;
      if (!response.ok || typeof answer?.id !== 'string' || typeof answer.url !== 'string') {
        logger.warn({ status: response.status, error: answer?.error }, 'stripe: checkout session refused');
        throw paymentProviderFailed(answer?.error?.message ?? `Stripe answered ${response.status}`);
      }
      return { id: answer.id, url: answer.url };
    },
  };
}

/** Applies a Stripe event to the user its metadata names (in that user's tenant); the answer's message. */
export async function handleStripeWebhook(
  db: Knex,
  settings: StreamingSettings,
  payload: string,
  signature: string | undefined,
  now: () => number = Date.now,
): Promise<string> {
  await verifyStripeSignature(payload, signature, settings.checkout.stripeWebhookSecret, now());
  const change = stripeEventChange(payload);
  if (!change) return 'Webhook Received';
  await tenantStore(db, change.tenantId).updateUser(change.userId, change.changes, now());
  return 'Webhook Handled';
}
