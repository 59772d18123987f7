import {
  type SsoIdentity,
  type SsoProviderClient,
  SsoProviderFailure,
  type SsoProviderName,
} from '@music-apis/domain';

/**
 * The mock's stand-in for Google and GitHub: it cannot send anyone to a provider, so consent is
 * instant and deterministic.
 *
 * - The login routes redirect (303) straight back to the callback with `code=email:<address>`,
 *   the address being `mock.state.downloader.sso.consentEmail` (default `sso.user@example.com`),
 *   and the real `state`, so following the redirects signs that person in.
 * - The callback accepts any code of the form `email:<address>` (`downloaderMockSsoCode(address)`):
 *   the provider "says" that verified address, with the user id `mock-<provider>-<address>`.
 *   Any other code is refused as the server refuses a bad code: `?error=Google refused the sign-in`.
 *
 * The OAuth state is checked exactly as on the server (query `state` = the cookie set by the
 * login route, single use, 10 minutes).
 */
export const downloaderMockSsoCode = (email: string) => `email:${email}`;

const DISPLAY: Record<SsoProviderName, string> = { google: 'Google', github: 'GitHub' };

export function createMockSsoProviders(consentEmail: () => string): SsoProviderClient {
  return {
    authorizeUrl(_provider, { state, redirectUri }) {
      const url = new URL(redirectUri);
      url.searchParams.set('code', downloaderMockSsoCode(consentEmail()));
      url.searchParams.set('state', state);
      return url.toString();
    },
    async identify(provider, { code }): Promise<SsoIdentity> {
      const email = code.startsWith('email:') ? code.slice('email:'.length) : '';
      if (!/^[^@\s]+@[^@\s]+$/.test(email))
        throw new SsoProviderFailure(`${DISPLAY[provider]} refused the sign-in`);
      return { id: `mock-${provider}-${email.toLowerCase()}`, email };
    },
  };
}
