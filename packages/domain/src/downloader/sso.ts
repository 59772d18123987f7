import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/downloader';
import { type DownloaderPrincipal, naiveUtc } from './auth.js';
import type { DownloaderHandlers } from './handler-kit.js';
import type { DownloaderService } from './service.js';
import type { DownloaderStore, DownloaderUserRecord, SsoProviderName } from './store.js';

/**
 * Sign-in with Google and GitHub (the original's `routes/auth/sso.py`), written once for the
 * server and the mock. What differs is injected: the store (SQL or maps) and the provider client
 * (real OAuth over `fetch` in the server, a deterministic stand-in in the mock).
 *
 * Unlike the original, the OAuth `state` is checked: the start route stores a random state
 * (single use, short-lived, in the store so any instance can check it) and binds it to the browser
 * with an HttpOnly SameSite=Lax cookie; the callback needs the same state in its query and its
 * cookie, and consumes it. A callback without it (a forged link, a replay) signs nobody in.
 */

type Schemas = components['schemas'];

export const SSO_PROVIDERS: readonly SsoProviderName[] = ['google', 'github'];
const DISPLAY_NAMES: Record<SsoProviderName, string> = { google: 'Google', github: 'GitHub' };
/** How long a started sign-in may take at the provider. */
export const SSO_STATE_TTL_SECONDS = 600;
/** The original's `access_token` cookie lifetime. */
const ACCESS_COOKIE_MAX_AGE = 86_400;

/** What a provider says of the person who signed in. */
export interface SsoIdentity {
  /** The provider's stable user id (Google `sub`, GitHub numeric `id`). */
  id: string;
  /** A verified email address; undefined when the provider gave none (or only unverified ones). */
  email: string | undefined;
}

/** The provider failed or refused the code; `message` goes to the frontend as `?error=`. */
export class SsoProviderFailure extends Error {
  override name = 'SsoProviderFailure';
}

/** By name too: a provider client bundled with its own copy of this module still counts. */
const isSsoProviderFailure = (error: unknown): error is SsoProviderFailure =>
  error instanceof SsoProviderFailure || (error instanceof Error && error.name === 'SsoProviderFailure');

/** The outside calls of a sign-in: building the authorize URL, and turning a code into an identity. */
export interface SsoProviderClient {
  authorizeUrl(provider: SsoProviderName, request: { state: string; redirectUri: string }): string;
  /** Throws `SsoProviderFailure` when the code is refused or the provider cannot be reached. */
  identify(provider: SsoProviderName, request: { code: string; redirectUri: string }): Promise<SsoIdentity>;
}

/** Started sign-ins, by state: kept in the database so the callback may reach another instance. */
export interface DownloaderSsoStateStore {
  /** Keeps a new state until `expiresAt` (ms since the epoch); also forgets expired ones. */
  save(state: { state: string; provider: SsoProviderName; expiresAt: number }): Promise<void>;
  /**
   * Removes the state and tells whether it was there, for this provider and unexpired at `now`:
   * one atomic step, so two callbacks with the same state cannot both pass.
   */
  consume(state: string, provider: SsoProviderName, now: number): Promise<boolean>;
}

/** Where the flow goes; whether SSO is on and which providers are configured is in `DownloaderSettings`. */
export interface DownloaderSsoSettings {
  /**
   * `DOWNLOADER_SSO_BASE_REDIRECT_URI` (upstream `SSO_BASE_REDIRECT_URI`): the callback base, to
   * which `/google` or `/github` is added. Undefined: the request's origin + `/api/auth/sso/callback`.
   */
  redirectBase: string | undefined;
  /** `DOWNLOADER_FRONTEND_URL` (upstream `FRONTEND_URL`): where the callback sends the browser. */
  frontendUrl: string;
}

/** What the handlers need from the raw request, which differs between Koa and MSW. */
export interface SsoRequestAccess<Env> {
  /** The origin the request reached (scheme://host[:port]), for the default callback base. */
  origin(env: Env): string;
  /** The request's `Cookie` header. */
  cookie(env: Env): string | undefined;
}

/** The state cookie of a provider: one per provider, so two tabs signing in with each do not clash. */
export const ssoStateCookieName = (provider: SsoProviderName) => `downloader_sso_state_${provider}`;

/** The first value of a cookie in a `Cookie` header (the first wins, as in most frameworks). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

function randomState(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** `base?name=value`, keeping a query the base already has (the original only appended `?…`). */
function withQuery(base: string, name: string, value: string): string {
  const url = new URL(base);
  url.searchParams.set(name, value);
  return url.toString();
}

/** The username of a new SSO user: the email's local part, as the original (kept to the column's size). */
const usernameBase = (email: string) => (email.split('@')[0] || 'user').slice(0, 90);

export interface DownloaderSsoOptions {
  store: DownloaderStore;
  service: DownloaderService;
  settings: DownloaderSsoSettings;
  providers: SsoProviderClient;
  now(): Date;
}

/** The SSO rules over the store; used by `downloaderSsoHandlers`. */
export function createDownloaderSso({ store, service, settings, providers, now }: DownloaderSsoOptions) {
  const enabled = () => service.settings.authEnabled && service.settings.ssoEnabled;
  const configured = () => service.settings.ssoProviders;

  /** 400s as the original: SSO off (or auth off), or this provider without credentials. */
  function checkAvailable(provider: SsoProviderName) {
    if (!enabled()) throw new HttpError(400, 'SSO is disabled');
    if (!configured().includes(provider))
      throw new HttpError(400, `${DISPLAY_NAMES[provider]} SSO is not configured`);
  }

  const callbackBase = (origin: string) =>
    (settings.redirectBase ?? `${origin}/api/auth/sso/callback`).replace(/\/+$/, '');

  function stateCookie(provider: SsoProviderName, value: string, base: string, maxAge: number) {
    const url = new URL(base);
    // Scoped to the callback path the browser will visit; Secure when that is https.
    return [
      `${ssoStateCookieName(provider)}=${value}`,
      `Path=${url.pathname || '/'}`,
      `Max-Age=${maxAge}`,
      'HttpOnly',
      'SameSite=Lax',
      ...(url.protocol === 'https:' ? ['Secure'] : []),
    ].join('; ');
  }

  /** The user this identity signs in: by its link, else by email (linked now), else a new one. */
  async function userOf(provider: SsoProviderName, identity: SsoIdentity): Promise<DownloaderUserRecord> {
    const lastLogin = naiveUtc(now());
    const linked = await store.users.findBySso(provider, identity.id);
    if (linked) {
      await store.users.update(linked.username, { lastLogin });
      return { ...linked, lastLogin };
    }
    if (!identity.email)
      throw new SsoProviderFailure(`No verified email address was provided by ${DISPLAY_NAMES[provider]}`);
    const existing = await store.users.findByEmail(identity.email);
    if (existing) {
      if (!(await store.users.linkSso(existing.username, provider, identity.id, lastLogin)))
        throw new SsoProviderFailure('This account is already linked to another user');
      return { ...existing, ssoProvider: provider, ssoId: identity.id, lastLogin };
    }
    if (!service.settings.registrationEnabled)
      throw new SsoProviderFailure(
        'Public registration is disabled. Contact an administrator to create an account.',
      );
    const base = usernameBase(identity.email);
    // The original adds 1, 2, … until the name is free; the insert itself decides (races included).
    for (let suffix = 0; suffix < 1000; suffix += 1) {
      const user: DownloaderUserRecord = {
        username: suffix === 0 ? base : `${base}${suffix}`,
        email: identity.email,
        role: 'user',
        createdAt: lastLogin,
        lastLogin,
        ssoProvider: provider,
        ssoId: identity.id,
        passwordHash: null,
      };
      if (await store.users.insert(user)) return user;
      // The same identity created by a concurrent callback: sign that user in.
      const raced = await store.users.findBySso(provider, identity.id);
      if (raced) return raced;
    }
    throw new SsoProviderFailure('Could not choose a username for this account');
  }

  return {
    status(): Schemas['SsoStatus'] {
      const usable = enabled() ? configured() : [];
      return {
        sso_enabled: enabled(),
        providers: SSO_PROVIDERS.filter((name) => usable.includes(name)).map((name) => ({
          name,
          display_name: DISPLAY_NAMES[name],
          enabled: true,
          login_url: `/api/auth/sso/login/${name}`,
        })),
        registration_enabled: service.settings.registrationEnabled,
      };
    },

    /** The provider's authorize URL and the cookie that binds the new state to this browser. */
    async start(provider: SsoProviderName, origin: string) {
      checkAvailable(provider);
      const state = randomState();
      const base = callbackBase(origin);
      await store.sso.save({ state, provider, expiresAt: now().getTime() + SSO_STATE_TTL_SECONDS * 1000 });
      return {
        location: providers.authorizeUrl(provider, { state, redirectUri: `${base}/${provider}` }),
        cookie: stateCookie(provider, state, base, SSO_STATE_TTL_SECONDS),
      };
    },

    /**
     * The callback: where the browser goes next (the frontend with `?token=` or `?error=`) and, on
     * success, the original's `access_token` cookie. Only SSO being off or unconfigured throws (400).
     */
    async complete(
      provider: SsoProviderName,
      request: {
        code: string | undefined;
        state: string | undefined;
        cookie: string | undefined;
        origin: string;
      },
    ): Promise<{ location: string; cookie?: string }> {
      checkAvailable(provider);
      const fail = (message: string) => ({ location: withQuery(settings.frontendUrl, 'error', message) });
      const bound = cookieValue(request.cookie, ssoStateCookieName(provider));
      // The query's state must be the one this browser started, unused and unexpired.
      if (!request.state || bound !== request.state) return fail('Invalid or missing OAuth state');
      if (!(await store.sso.consume(request.state, provider, now().getTime())))
        return fail('Invalid or expired OAuth state');
      if (!request.code) return fail('Missing authorization code');
      try {
        const redirectUri = `${callbackBase(request.origin)}/${provider}`;
        const identity = await providers.identify(provider, { code: request.code, redirectUri });
        const user = await userOf(provider, identity);
        const token = await service.issueToken(user.username, user.role);
        return {
          location: withQuery(settings.frontendUrl, 'token', token),
          cookie: `access_token=${token}; HttpOnly; Max-Age=${ACCESS_COOKIE_MAX_AGE}; Path=/; SameSite=Lax`,
        };
      } catch (error) {
        if (isSsoProviderFailure(error)) return fail(error.message);
        throw error;
      }
    },

    async unlink(principal: DownloaderPrincipal, provider: SsoProviderName) {
      // As the original: with auth or SSO off there is nothing to unlink.
      if (!enabled()) throw new HttpError(400, 'SSO is disabled');
      const user = principal.user;
      if (!user) throw new HttpError(404, 'User not found');
      if (user.ssoProvider !== provider)
        throw new HttpError(400, `SSO provider ${provider} is not linked to this account`);
      // An account without a password signs in only through its provider: unlinking would lock it out.
      if (user.passwordHash === null)
        throw new HttpError(400, 'Cannot unlink the only sign-in method of an account without a password');
      if (!(await store.users.unlinkSso(user.username, provider)))
        throw new HttpError(400, `SSO provider ${provider} is not linked to this account`);
      return { message: `SSO provider ${provider} unlinked successfully` };
    },
  };
}

export type DownloaderSso = ReturnType<typeof createDownloaderSso>;

type SsoOperation =
  | 'getSsoStatus'
  | 'startGoogleLogin'
  | 'startGithubLogin'
  | 'completeGoogleLogin'
  | 'completeGithubLogin'
  | 'unlinkSsoProvider';

/** A redirect is never cached: it carries a one-time state or a token. */
const NO_STORE = { 'cache-control': 'no-store' };

/** The SSO handlers, the same in the server and the mock. */
export function downloaderSsoHandlers<Env, Raw>(
  sso: DownloaderSso,
  access: SsoRequestAccess<Env>,
): Pick<DownloaderHandlers<Env, Raw>, SsoOperation> {
  const start = (provider: SsoProviderName) => async (_input: unknown, env: Env) => {
    const { location, cookie } = await sso.start(provider, access.origin(env));
    return {
      status: 303 as const,
      body: undefined,
      headers: { ...NO_STORE, location, 'set-cookie': cookie },
    };
  };
  const complete =
    (provider: SsoProviderName) =>
    async ({ query }: { query: { code?: string; state?: string } }, env: Env) => {
      const { location, cookie } = await sso.complete(provider, {
        code: query.code,
        state: query.state,
        cookie: access.cookie(env),
        origin: access.origin(env),
      });
      return {
        status: 307 as const,
        body: undefined,
        headers: { ...NO_STORE, location, ...(cookie ? { 'set-cookie': cookie } : {}) },
      };
    };
  return {
    getSsoStatus: () => ({ status: 200 as const, body: sso.status() }),
    startGoogleLogin: start('google'),
    startGithubLogin: start('github'),
    completeGoogleLogin: complete('google'),
    completeGithubLogin: complete('github'),
    unlinkSsoProvider: async ({ path, principal }) => ({
      status: 200 as const,
      body: await sso.unlink(principal, path.provider),
    }),
  };
}
