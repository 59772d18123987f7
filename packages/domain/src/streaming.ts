import { deterministicUuid } from '@music-apis/catalog';
import { HttpError, RequestValidationError, type ValidationIssue } from '@music-apis/spec';
import type { components } from '@music-apis/spec/streaming';
import type { ErrorReply } from './envelope.js';
import { hmacSha256Hex, sameHex } from './hmac.js';

/**
 * The streaming API's (YourMusic, a Laravel application) rules, written once for the server and the
 * mock: lifetimes and limits, Laravel's error envelopes and validation messages, the paginator, the
 * user views, the OTP mail, the checkout's products, redirect allow-list, built-in payment page and
 * Stripe webhook handling. Browser-safe (Web Crypto only).
 */

type User = components['schemas']['User'];
type SessionUser = components['schemas']['SessionUser'];
type UserStatus = components['schemas']['UserStatus'];

// ——— lifetimes and limits ———

/** Passport's client-credentials token: an hour. */
export const STREAMING_CLIENT_TOKEN_SECONDS = 3600;
/** A User Delegation Token: ten minutes, as the seed shows. */
export const STREAMING_UDT_SECONDS = 600;
export const STREAMING_ACCESS_TOKEN_SECONDS = 3600;
/** 30 days, as the seed shows. */
export const STREAMING_REFRESH_TOKEN_SECONDS = 2_592_000;
export const STREAMING_ONBOARDING_TOKEN_SECONDS = 900;

/** One code per tenant and email at a time: 6 digits, 10 minutes, 5 tries. */
export const STREAMING_OTP = { digits: 6, lifetimeSeconds: 600, maxAttempts: 5 } as const;

/**
 * Send limits (the seed: per IP, and per email a minimum interval and an hourly maximum) and a
 * per-IP limit on verification, so codes cannot be guessed across many emails from one client.
 */
export const STREAMING_OTP_LIMITS = {
  minIntervalMs: 60_000,
  perEmailPerHour: 5,
  perAddressPerHour: 30,
  verifyPerAddressPerHour: 100,
  hourMs: 3_600_000,
} as const;

/** Laravel's `paginate()` default. */
export const STREAMING_PAGE_SIZE = 15;

/** The demo tenant (the seed's example slug) the demo client belongs to. */
export const STREAMING_DEMO_TENANT = {
  id: deterministicUuid('streaming-tenant:acme'),
  slug: 'acme',
  name: 'Acme Records',
} as const;

/** The id of a tenant created for a slug (the CLI, `STREAMING_TENANT`), the same on every instance. */
export const streamingTenantId = (slug: string) =>
  slug === STREAMING_DEMO_TENANT.slug
    ? STREAMING_DEMO_TENANT.id
    : deterministicUuid(`streaming-tenant:${slug}`);

/** Tenant slugs: lower-case letters, digits and dashes, as URL slugs are. */
export const TENANT_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

// ——— errors ———

/** A Laravel validation failure: 422 `{ message, errors }`. */
export class StreamingValidationError extends HttpError {
  constructor(readonly errors: Record<string, string[]>) {
    super(422, 'The given data was invalid.');
    this.name = 'StreamingValidationError';
  }
}

export const fieldInvalid = (field: string, message: string) =>
  new StreamingValidationError({ [field]: [message] });

export const unauthenticated = () => new HttpError(401, 'Unauthenticated.', { code: 'UNAUTHENTICATED' });
export const invalidAuthToken = () =>
  new HttpError(401, 'The authentication token is invalid or has expired.', { code: 'INVALID_AUTH_TOKEN' });
export const invalidRefreshToken = () =>
  new HttpError(401, 'The refresh token is invalid or has expired.', { code: 'INVALID_REFRESH_TOKEN' });
export const invalidOnboardingToken = () =>
  new HttpError(401, 'The onboarding token is invalid or has expired.', { code: 'INVALID_ONBOARDING_TOKEN' });
/** Passport's answer to an unknown client or a wrong secret. */
export const invalidClient = () =>
  new HttpError(401, 'Client authentication failed', { code: 'invalid_client' });
export const streamingNotFound = () => new HttpError(404, 'Not found.');
export const tooManyAttempts = (waitSeconds: number) =>
  new HttpError(429, 'Too Many Attempts.', { headers: { 'retry-after': String(waitSeconds) } });
export const checkoutNotOpen = () => new HttpError(409, 'This checkout session is no longer open.');
export const paymentProviderFailed = (detail: string) =>
  new HttpError(502, `The payment provider failed: ${detail}`, { code: 'UPSTREAM_UNAVAILABLE' });

/** The `Authorization: Bearer …` token; 401 `UNAUTHENTICATED` without one. */
export function streamingBearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw unauthenticated();
  return match[1] as string;
}

/**
 * A user token's device against the request's `X-Device-Id`: a token carried to another device is
 * refused. (Without the header there is nothing to compare: the token alone is accepted.)
 */
export function checkTokenDevice(tokenDeviceId: string | null, requestDeviceId: string | undefined): void {
  if (requestDeviceId === undefined || tokenDeviceId === null) return;
  if (requestDeviceId.toLowerCase() !== tokenDeviceId.toLowerCase()) throw invalidAuthToken();
}

// ——— Laravel's validation messages ———

/** `first_name` → `first name`, as Laravel names attributes in its messages. */
const attribute = (field: string) => field.replace(/_/g, ' ');

function laravelMessage(issue: ValidationIssue): string {
  const name = attribute(issue.field);
  const limit = issue.params.limit;
  switch (issue.keyword) {
    case 'required':
      return `The ${name} field is required.`;
    case 'minLength':
      return limit === 1
        ? `The ${name} field is required.`
        : `The ${name} must be at least ${limit} characters.`;
    case 'maxLength':
      return `The ${name} must not be greater than ${limit} characters.`;
    case 'minimum':
      return `The ${name} must be at least ${limit}.`;
    case 'maximum':
      return `The ${name} must not be greater than ${limit}.`;
    case 'enum':
    case 'const':
      return `The selected ${name} is invalid.`;
    case 'format':
      switch (issue.params.format) {
        case 'email':
          return `The ${name} must be a valid email address.`;
        case 'date':
          return `The ${name} is not a valid date.`;
        case 'uuid':
          return `The ${name} must be a valid UUID.`;
        case 'uri':
          return `The ${name} must be a valid URL.`;
        default:
          return `The ${name} format is invalid.`;
      }
    case 'type':
      switch (issue.params.type) {
        case 'integer':
          return `The ${name} must be an integer.`;
        case 'boolean':
          return `The ${name} field must be true or false.`;
        case 'array':
          return `The ${name} must be an array.`;
        case 'object':
          return `The ${name} must be an object.`;
        default:
          return `The ${name} must be a string.`;
      }
    default:
      return `The ${name} is invalid.`;
  }
}

/** Ajv's issues as Laravel's `errors`: field → messages; a body that is not an object names `body`. */
export function laravelErrors(issues: readonly ValidationIssue[]): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of issues) {
    const field = issue.field === '' ? 'body' : issue.field;
    const message =
      issue.field === ''
        ? issue.keyword === 'required'
          ? 'The request body is required.'
          : 'The request body must be a JSON object.'
        : laravelMessage(issue);
    errors[field] = [...(errors[field] ?? []), message];
  }
  return errors;
}

// ——— the envelope ———

const OAUTH_DESCRIPTIONS = {
  invalid_request:
    'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  invalid_client: 'Client authentication failed',
} as const;

/** RFC 6749 §5.2 as Passport renders it (`error`, `error_description`, `message`, `hint`). */
function oauthReply(error: keyof typeof OAUTH_DESCRIPTIONS, status: number, hint?: string): ErrorReply {
  const body: components['schemas']['OAuthError'] = {
    error,
    error_description: OAUTH_DESCRIPTIONS[error],
    message: OAUTH_DESCRIPTIONS[error],
    ...(hint === undefined ? {} : { hint }),
  };
  return { status, body, headers: { 'cache-control': 'no-store' } };
}

/** The token endpoint answers its own failures in OAuth's terms; HTTP-level ones (413, 415, 429) as Laravel. */
function tokenEndpointReply(error: HttpError): ErrorReply | undefined {
  if (error instanceof RequestValidationError) {
    const grantType = error.issues.find(
      (issue) => issue.field === 'grant_type' && issue.keyword !== 'required',
    );
    if (grantType) return oauthReply('unsupported_grant_type', 400);
    const [first] = error.issues;
    return oauthReply(
      'invalid_request',
      400,
      first?.field ? `Check the \`${first.field}\` parameter` : undefined,
    );
  }
  if (error.status === 400) return oauthReply('invalid_request', 400);
  if (error.options.code === 'invalid_client') return oauthReply('invalid_client', 401);
  return undefined;
}

const STATUSES_KEPT = new Set([400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 501, 502, 503]);

/** Laravel's error bodies for every streaming error: 422 `{message, errors}`, else `{message, code?}`. */
export function streamingErrorReply(error: HttpError, request: { operationId?: string } = {}): ErrorReply {
  // The aggregator's status answers its own body when it is down, as when it is up.
  if (request.operationId === 'getAggregatorStatus' && error.status === 503) {
    return { status: 503, body: { status: 'down' } };
  }
  if (request.operationId === 'issueClientToken') {
    const reply = tokenEndpointReply(error);
    if (reply) return reply;
  }
  // A body that does not parse is, to Laravel, a request without input: its fields are missing.
  // (A 400 with a code, such as the home page's TENANT_REQUIRED, is an answer of its own.)
  if (
    error.status === 400 &&
    error.options.code === undefined &&
    request.operationId !== 'handleStripeWebhook' &&
    !(error instanceof RequestValidationError)
  ) {
    return streamingErrorReply(
      new StreamingValidationError({ body: ['The request body must be valid JSON or form data.'] }),
    );
  }
  if (error instanceof RequestValidationError) {
    // A malformed id in the path is a route that does not match, as Laravel's `whereUuid` makes it.
    if (error.issues.some((issue) => issue.location === 'path'))
      return streamingErrorReply(streamingNotFound());
    return streamingErrorReply(new StreamingValidationError(laravelErrors(error.issues)));
  }
  if (error instanceof StreamingValidationError || error.name === 'StreamingValidationError') {
    const errors = (error as StreamingValidationError).errors;
    return { status: 422, body: { message: error.message, errors }, headers: error.options.headers };
  }
  const status = STATUSES_KEPT.has(error.status) ? error.status : 500;
  const code = error.options.code ?? (status === 401 ? 'UNAUTHENTICATED' : undefined);
  const body: components['schemas']['ErrorMessage'] = {
    message: status === 500 ? 'Server Error' : error.message,
    ...(code === undefined ? {} : { code }),
  };
  return { status, body, headers: error.options.headers };
}

// ——— users ———

/** A user as both stores keep it: timestamps in epoch ms, the email lower-cased. */
export interface StreamingUserRecord {
  id: string;
  tenant_id: string;
  email: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  status: UserStatus;
  subscription_ends_at: number | null;
  pm_type: string | null;
  pm_last_four: string | null;
  created_at: number;
  updated_at: number;
}

/** Laravel's JSON timestamps: ISO-8601 with microseconds, in UTC. */
export const laravelTimestamp = (epochMs: number) =>
  new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export function userView(user: StreamingUserRecord): User {
  return {
    id: user.id,
    first_name: user.first_name,
    last_name: user.last_name,
    email: user.email,
    date_of_birth: user.date_of_birth,
    status: user.status,
    subscription_ends_at:
      user.subscription_ends_at === null ? null : laravelTimestamp(user.subscription_ends_at),
    pm_type: user.pm_type,
    pm_last_four: user.pm_last_four,
    created_at: laravelTimestamp(user.created_at),
    updated_at: laravelTimestamp(user.updated_at),
  };
}

export const sessionUserView = (user: StreamingUserRecord): SessionUser => ({
  id: user.id,
  tenant_id: user.tenant_id,
  email: user.email,
  first_name: user.first_name,
  last_name: user.last_name,
  status: user.status,
  date_of_birth: user.date_of_birth,
});

/** The answer of a sign-in, onboarding or refresh: a new pair with the lifetimes of this API. */
export const authSessionView = (
  user: StreamingUserRecord,
  tokens: { access: string; refresh: string },
): components['schemas']['AuthSession'] => ({
  token_type: 'Bearer',
  access_token: tokens.access,
  expires_in: STREAMING_ACCESS_TOKEN_SECONDS,
  refresh_token: tokens.refresh,
  refresh_expires_in: STREAMING_REFRESH_TOKEN_SECONDS,
  user: sessionUserView(user),
});

export type UserFieldChanges = Partial<
  Pick<StreamingUserRecord, 'first_name' | 'last_name' | 'email' | 'date_of_birth'>
>;

/**
 * The fields a (schema-validated) create or update body sets: only those sent, the email
 * lower-cased, the date of birth checked to lie in the past (Laravel's `before:today`).
 */
export function userChanges(
  body: { first_name?: string; last_name?: string; email?: string; date_of_birth?: string },
  today: Date,
): UserFieldChanges {
  const changes: UserFieldChanges = {};
  if (body.first_name !== undefined) changes.first_name = body.first_name;
  if (body.last_name !== undefined) changes.last_name = body.last_name;
  if (body.email !== undefined) changes.email = body.email.toLowerCase();
  if (body.date_of_birth !== undefined) {
    if (body.date_of_birth >= today.toISOString().slice(0, 10)) {
      throw fieldInvalid('date_of_birth', 'The date of birth must be a date before today.');
    }
    changes.date_of_birth = body.date_of_birth;
  }
  return changes;
}

export const streamingEmailTaken = () => fieldInvalid('email', 'The email has already been taken.');

/** A new user of a tenant (created by the tenant, or by onboarding). */
export function newUserRecord(
  identity: { id: string; tenant_id: string; nowMs: number },
  fields: Required<UserFieldChanges>,
): StreamingUserRecord {
  return {
    id: identity.id,
    tenant_id: identity.tenant_id,
    ...fields,
    status: 'UNSUBSCRIBED',
    subscription_ends_at: null,
    pm_type: null,
    pm_last_four: null,
    created_at: identity.nowMs,
    updated_at: identity.nowMs,
  };
}

// ——— pagination ———

/** Laravel's resource paginator: `data`, `links`, `meta`, links absolute under `path`. */
export function laravelPage<Item>(
  data: Item[],
  options: { page: number; perPage: number; total: number; path: string },
): {
  data: Item[];
  links: components['schemas']['Paginated']['links'];
  meta: components['schemas']['Paginated']['meta'];
} {
  const { page, perPage, total, path } = options;
  const lastPage = Math.max(1, Math.ceil(total / perPage));
  const url = (n: number) => `${path}?page=${n}`;
  const from = data.length === 0 ? null : (page - 1) * perPage + 1;
  return {
    data,
    links: {
      first: url(1),
      last: url(lastPage),
      prev: page > 1 ? url(Math.min(page - 1, lastPage)) : null,
      next: page < lastPage ? url(page + 1) : null,
    },
    meta: {
      current_page: page,
      from,
      last_page: lastPage,
      path,
      per_page: perPage,
      to: from === null ? null : from + data.length - 1,
      total,
    },
  };
}

// ——— email one-time codes ———

export const OTP_SENT_MESSAGE = 'If that email address is valid, a verification code has been sent.';

export const invalidOtpCode = () => fieldInvalid('code', 'The code is invalid or has expired.');

export type OtpLocale = 'en' | 'nl' | 'fr';

/** The code mail, in the locale asked for (default en). */
export function otpMail(
  code: string,
  locale: OtpLocale,
  tenantName: string,
): { subject: string; text: string } {
  const minutes = STREAMING_OTP.lifetimeSeconds / 60;
  switch (locale) {
    case 'nl':
      return {
        subject: `Je inlogcode voor ${tenantName}`,
        text: `Je inlogcode is ${code}. De code verloopt over ${minutes} minuten. Heb je deze code niet aangevraagd? Negeer dan deze e-mail.`,
      };
    case 'fr':
      return {
        subject: `Votre code de connexion ${tenantName}`,
        text: `Votre code de connexion est ${code}. Il expire dans ${minutes} minutes. Si vous ne l'avez pas demandé, ignorez cet e-mail.`,
      };
    default:
      return {
        subject: `Your ${tenantName} sign-in code`,
        text: `Your sign-in code is ${code}. It expires in ${minutes} minutes. If you did not ask for it, ignore this email.`,
      };
  }
}

/**
 * What a verification attempt does to a pending code: the first attempt binds the code to its
 * device, so a code can only ever be used on the device it was first typed on; a wrong code, or
 * one from another device, counts against `maxAttempts`, after which the code is gone.
 */
export function otpAttempt(
  pending:
    | { code_matches: boolean; device_id: string | null; attempts: number; expires_at: number }
    | undefined,
  deviceId: string,
  nowMs: number,
): 'accepted' | 'rejected' | 'exhausted' {
  if (!pending || pending.expires_at <= nowMs) return 'exhausted';
  const sameDevice = pending.device_id === null || pending.device_id === deviceId.toLowerCase();
  if (pending.code_matches && sameDevice) return 'accepted';
  return pending.attempts + 1 >= STREAMING_OTP.maxAttempts ? 'exhausted' : 'rejected';
}

// ——— checkout ———

/** The subscription products (the seed's example slug is `basic`); one billing period each. */
export const STREAMING_PRODUCTS = [
  { slug: 'basic', name: 'Basic', periodDays: 30, amount: 499, currency: 'eur' },
  { slug: 'premium', name: 'Premium', periodDays: 30, amount: 999, currency: 'eur' },
] as const;

export type StreamingProduct = (typeof STREAMING_PRODUCTS)[number];

export function productOf(slug: string): StreamingProduct {
  const product = STREAMING_PRODUCTS.find((candidate) => candidate.slug === slug);
  if (!product) throw fieldInvalid('product_slug', 'The selected product slug is invalid.');
  return product;
}

/** Laravel's `Str::is`: `*` matches any run of characters, the rest literally. */
export function matchesUrlPattern(url: string, pattern: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(url);
}

/** The redirect URLs a checkout uses: the body's, each on the allow-list, or the defaults. */
export function checkoutRedirects(
  body: { success_url?: string; cancel_url?: string },
  options: { allowedPatterns: readonly string[]; defaults: { success_url: string; cancel_url: string } },
): { success_url: string; cancel_url: string } {
  const errors: Record<string, string[]> = {};
  for (const field of ['success_url', 'cancel_url'] as const) {
    const url = body[field];
    if (url !== undefined && !options.allowedPatterns.some((pattern) => matchesUrlPattern(url, pattern))) {
      errors[field] = [`The ${attribute(field)} does not match an allowed redirect URL pattern.`];
    }
  }
  if (Object.keys(errors).length > 0) throw new StreamingValidationError(errors);
  return {
    success_url: body.success_url ?? options.defaults.success_url,
    cancel_url: body.cancel_url ?? options.defaults.cancel_url,
  };
}

/** The default allow-list in development: the local origins an app under development runs on. */
export const DEVELOPMENT_REDIRECT_PATTERNS = [
  'http://localhost:*',
  'http://127.0.0.1:*',
  'http://[::1]:*',
] as const;

export const BUILTIN_CHECKOUT_PREFIX = 'cs_builtin_';
export const builtinCheckoutPath = (sessionId: string) => `/api/v1/checkout/builtin/${sessionId}`;

/** A built-in checkout session, as both stores keep it. */
export interface BuiltinCheckoutRecord {
  id: string;
  tenant_id: string;
  user_id: string;
  product_slug: string;
  success_url: string;
  cancel_url: string;
  status: 'open' | 'complete' | 'cancelled';
  expires_at: number;
}

/** Stripe's Checkout Sessions last 24 hours; so do ours. */
export const CHECKOUT_SESSION_SECONDS = 86_400;

/** Where a checkout may send the browser back to: the configured patterns, and this server itself. */
export const checkoutRedirectPatterns = (allowedRedirects: readonly string[], baseUrl: string) => [
  ...allowedRedirects,
  `${baseUrl}/*`,
];

/**
 * A new open built-in session for `user`: the product checked, the redirects on the allow-list
 * (unset, the configured defaults, else the page itself, which then shows the outcome); and the
 * page's URL. `idSuffix` makes the id unique (`cs_builtin_<suffix>`).
 */
export function newBuiltinCheckoutSession(
  user: Pick<StreamingUserRecord, 'id' | 'tenant_id'>,
  body: { product_slug: string; success_url?: string; cancel_url?: string },
  options: {
    idSuffix: string;
    baseUrl: string;
    allowedRedirects: readonly string[];
    defaults?: { success_url?: string; cancel_url?: string };
    nowMs: number;
  },
): { session: BuiltinCheckoutRecord; url: string } {
  productOf(body.product_slug);
  const id = `${BUILTIN_CHECKOUT_PREFIX}${options.idSuffix}`;
  const url = `${options.baseUrl}${builtinCheckoutPath(id)}`;
  const redirects = checkoutRedirects(body, {
    allowedPatterns: checkoutRedirectPatterns(options.allowedRedirects, options.baseUrl),
    defaults: {
      success_url: options.defaults?.success_url ?? url,
      cancel_url: options.defaults?.cancel_url ?? url,
    },
  });
  return {
    session: {
      id,
      tenant_id: user.tenant_id,
      user_id: user.id,
      product_slug: body.product_slug,
      ...redirects,
      status: 'open',
      expires_at: options.nowMs + CHECKOUT_SESSION_SECONDS * 1000,
    },
    url,
  };
}

/** The test card the built-in page "charges". */
export const BUILTIN_TEST_CARD = { brand: 'visa', last4: '4242' } as const;

/** What a completed built-in payment does to the user: subscribed for one period from now. */
export function builtinSubscription(product: StreamingProduct, nowMs: number) {
  return {
    status: 'SUBSCRIBED' as const,
    subscription_ends_at: nowMs + product.periodDays * 86_400_000,
    pm_type: BUILTIN_TEST_CARD.brand,
    pm_last_four: BUILTIN_TEST_CARD.last4,
  };
}

/** The URL the browser goes on to after the built-in page, with `session_id` as Stripe's `{CHECKOUT_SESSION_ID}`. */
export function checkoutReturnUrl(session: BuiltinCheckoutRecord, paid: boolean): string {
  const url = new URL(paid ? session.success_url : session.cancel_url);
  url.searchParams.set('session_id', session.id);
  return url.toString();
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The built-in provider's hosted page: the product and Pay/Cancel, or the session's outcome. */
export function builtinCheckoutPage(
  session: BuiltinCheckoutRecord,
  context: { tenantName: string; email: string; nowMs: number },
): string {
  const product = productOf(session.product_slug);
  const price = `${(product.amount / 100).toFixed(2)} ${product.currency.toUpperCase()}`;
  const action = builtinCheckoutPath(session.id);
  const state = session.status === 'open' && session.expires_at <= context.nowMs ? 'expired' : session.status;
  const body =
    state === 'open'
      ? `<p>${escapeHtml(context.email)} subscribes to <strong>${escapeHtml(product.name)}</strong>: ${price} every ${product.periodDays} days.</p>
<p>Built-in test checkout: no money moves. Card ${BUILTIN_TEST_CARD.brand.toUpperCase()} •••• ${BUILTIN_TEST_CARD.last4}.</p>
<form method="post" action="${action}"><input type="hidden" name="action" value="pay"><button type="submit">Pay ${price}</button></form>
<form method="post" action="${action}"><input type="hidden" name="action" value="cancel"><button type="submit">Cancel</button></form>`
      : `<p>This checkout is ${state === 'complete' ? 'paid: the subscription is active' : state}.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(context.tenantName)} checkout</title></head>
<body><h1>${escapeHtml(context.tenantName)}</h1>
${body}
</body></html>
`;
}

// ——— Stripe webhooks ———

/** Stripe's default tolerance for a signed timestamp. */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

/** A `Stripe-Signature` header for `payload` (what Stripe sends; tests and the mock sign with it). */
export async function stripeSignatureHeader(
  payload: string,
  secret: string,
  timestampSeconds: number,
): Promise<string> {
  return `t=${timestampSeconds},v1=${await hmacSha256Hex(secret, `${timestampSeconds}.${payload}`)}`;
}

/** Stripe's webhook signature check (stripe-php `WebhookSignature::verifyHeader`): 403 when it fails. */
export async function verifyStripeSignature(
  payload: string,
  header: string | undefined,
  secret: string | undefined,
  nowMs: number,
): Promise<void> {
  if (!secret) throw new HttpError(403, 'Stripe webhooks are not configured on this server.');
  const parts = (header ?? '').split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([name]) => name === 't')?.[1]);
  const signatures = parts.filter(([name]) => name === 'v1').map(([, value]) => value ?? '');
  if (!Number.isInteger(timestamp) || signatures.length === 0) {
    throw new HttpError(403, 'Unable to extract timestamp and signatures from header');
  }
  const expected = await hmacSha256Hex(secret, `${timestamp}.${payload}`);
  if (!signatures.some((signature) => sameHex(signature, expected))) {
    throw new HttpError(403, 'No signatures found matching the expected signature for payload');
  }
  if (Math.abs(nowMs / 1000 - timestamp) > STRIPE_SIGNATURE_TOLERANCE_SECONDS) {
    throw new HttpError(403, 'Timestamp outside the tolerance zone');
  }
}

/** What a Stripe event changes on one user (named by the metadata our checkout sessions carry). */
export interface StripeSubscriptionChange {
  tenantId: string;
  userId: string;
  changes: Partial<Pick<StreamingUserRecord, 'status' | 'subscription_ends_at' | 'pm_type' | 'pm_last_four'>>;
}

type StripeObject = Record<string, unknown>;
const objectOf = (value: unknown): StripeObject | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as StripeObject) : undefined;

/** Stripe subscription statuses in the user's terms (Cashier's `active()`/`incomplete()`). */
function statusOfSubscription(status: unknown): UserStatus {
  if (status === 'active' || status === 'trialing') return 'SUBSCRIBED';
  if (status === 'incomplete' || status === 'past_due') return 'PENDING_SUBSCRIPTION';
  return 'UNSUBSCRIBED';
}

/** `current_period_end` (epoch seconds): on the subscription, or on its first item in newer API versions. */
function periodEndOf(subscription: StripeObject): number | undefined {
  const items = objectOf(subscription.items)?.data;
  const fromItem = Array.isArray(items) ? objectOf(items[0])?.current_period_end : undefined;
  const end = subscription.current_period_end ?? fromItem;
  return typeof end === 'number' ? end * 1000 : undefined;
}

/**
 * The user change a verified Stripe event asks for; `undefined` for events this API does not act
 * on (acknowledged all the same, as Cashier does). Throws 400 for a body that is not an event.
 */
export function stripeEventChange(payload: string): StripeSubscriptionChange | undefined {
  let event: StripeObject | undefined;
  try {
    event = objectOf(JSON.parse(payload));
  } catch {
    event = undefined;
  }
  const object = objectOf(objectOf(event?.data)?.object);
  if (!event || typeof event.type !== 'string' || !object) {
    throw new HttpError(400, 'The webhook payload is not a Stripe event.');
  }
  const metadata = objectOf(object.metadata) ?? {};
  const tenantId = metadata.tenant_id;
  const userId = metadata.user_id ?? object.client_reference_id;
  if (typeof tenantId !== 'string' || typeof userId !== 'string') return undefined;
  switch (event.type) {
    case 'checkout.session.completed':
      if (object.mode !== 'subscription') return undefined;
      // The subscription's own events bring the period end; until then the payment state tells.
      return {
        tenantId,
        userId,
        changes: { status: object.payment_status === 'paid' ? 'SUBSCRIBED' : 'PENDING_SUBSCRIPTION' },
      };
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted': {
      const card = objectOf(objectOf(object.default_payment_method)?.card);
      const periodEnd = periodEndOf(object);
      return {
        tenantId,
        userId,
        changes: {
          status:
            event.type === 'customer.subscription.deleted'
              ? 'UNSUBSCRIBED'
              : statusOfSubscription(object.status),
          ...(periodEnd === undefined ? {} : { subscription_ends_at: periodEnd }),
          ...(card && typeof card.brand === 'string' && typeof card.last4 === 'string'
            ? { pm_type: card.brand, pm_last_four: card.last4 }
            : {}),
        },
      };
    }
    default:
      return undefined;
  }
}
