import {
  type SsoIdentity,
  type SsoProviderClient,
  SsoProviderFailure,
  type SsoProviderName,
} from '@music-apis/domain';
import type { DownloaderSsoConfig, OAuthProviderSettings } from '../core/config.js';

/**
 * Google and GitHub sign-in over plain OAuth 2.0 (authorization code), with the global `fetch` so
 * tests can stand in for the providers (MSW, or endpoint URLs pointing at a local peer). The
 * scopes and parameters are fastapi-sso's, which the original uses.
 */

/** How long one provider call may take before the sign-in fails with `?error=`. */
const PROVIDER_TIMEOUT_MS = 10_000;

const DISPLAY: Record<SsoProviderName, string> = { google: 'Google', github: 'GitHub' };

async function providerJson(provider: SsoProviderName, url: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  } catch {
    throw new SsoProviderFailure(`${DISPLAY[provider]} could not be reached`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  // GitHub's token endpoint answers 200 with `{error}` for a bad code.
  if (!response.ok || !body || typeof body !== 'object' || 'error' in body)
    throw new SsoProviderFailure(`${DISPLAY[provider]} refused the sign-in`);
  return body;
}

async function exchangeCode(
  provider: SsoProviderName,
  app: OAuthProviderSettings,
  code: string,
  redirectUri: string,
): Promise<string> {
  const body = (await providerJson(provider, app.tokenUrl, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    }),
  })) as { access_token?: unknown };
  if (typeof body.access_token !== 'string' || body.access_token === '')
    throw new SsoProviderFailure(`${DISPLAY[provider]} refused the sign-in`);
  return body.access_token;
}

const bearer = (token: string) => ({
  accept: 'application/json',
  authorization: `Bearer ${token}`,
  // GitHub's API refuses requests without a user agent.
  'user-agent': 'music-apis-downloader',
});

async function googleIdentity(app: OAuthProviderSettings, token: string): Promise<SsoIdentity> {
  const info = (await providerJson('google', app.userinfoUrl, { headers: bearer(token) })) as {
    sub?: unknown;
    email?: unknown;
    email_verified?: unknown;
  };
  if (typeof info.sub !== 'string' || info.sub === '') throw new SsoProviderFailure('Google sent no user id');
  // An unverified address could be anyone's: it neither links an account nor creates one.
  const verified = info.email_verified === true || info.email_verified === 'true';
  return { id: info.sub, email: typeof info.email === 'string' && verified ? info.email : undefined };
}

async function githubIdentity(app: OAuthProviderSettings, token: string): Promise<SsoIdentity> {
  const user = (await providerJson('github', app.userinfoUrl, { headers: bearer(token) })) as {
    id?: unknown;
    email?: unknown;
  };
  if (typeof user.id !== 'number' && typeof user.id !== 'string')
    throw new SsoProviderFailure('GitHub sent no user id');
  // The public profile email is verified by GitHub; without one, the primary verified address.
  let email = typeof user.email === 'string' && user.email !== '' ? user.email : undefined;
  if (!email) {
    const emails = await providerJson('github', `${app.userinfoUrl}/emails`, { headers: bearer(token) });
    const primary = Array.isArray(emails)
      ? (emails as { email?: unknown; primary?: unknown; verified?: unknown }[]).find(
          (entry) => entry.primary === true && entry.verified === true && typeof entry.email === 'string',
        )
      : undefined;
    email = primary?.email as string | undefined;
  }
  return { id: String(user.id), email };
}

export function createOAuthSsoProviders(config: DownloaderSsoConfig): SsoProviderClient {
  const appOf = (provider: SsoProviderName) => {
    const app = config[provider];
    if (!app) throw new SsoProviderFailure(`${DISPLAY[provider]} SSO is not configured`);
    return app;
  };
  return {
    authorizeUrl(provider, { state, redirectUri }) {
      const app = appOf(provider);
      const url = new URL(app.authorizeUrl);
      const params =
        provider === 'google'
          ? { scope: 'openid email profile', prompt: 'consent', access_type: 'offline' }
          : { scope: 'user:email' };
      for (const [name, value] of Object.entries({
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: redirectUri,
        state,
        ...params,
      }))
        url.searchParams.set(name, value);
      return url.toString();
    },
    async identify(provider, { code, redirectUri }) {
      const app = appOf(provider);
      const token = await exchangeCode(provider, app, code, redirectUri);
      return provider === 'google' ? googleIdentity(app, token) : githubIdentity(app, token);
    },
  };
}

/** The providers whose app is configured, in the order the original lists them. */
export const configuredSsoProviders = (config: DownloaderSsoConfig): SsoProviderName[] =>
  (['google', 'github'] as const).filter((provider) => config[provider] !== undefined);
