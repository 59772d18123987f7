import type { Authenticators } from '@music-apis/spec';
import { type DownloaderPrincipal, downloaderTokenOf } from './auth.js';
import { type DownloaderHandlers, ok } from './handler-kit.js';
import type { DownloaderService } from './service.js';

/** Scheme name → principal. `streamToken` is the same JWT as `?token=` (the SSE path only). */
export type DownloaderPrincipals = { bearerAuth: DownloaderPrincipal; streamToken: DownloaderPrincipal };

/** The account, configuration and credential operations (issue 14); other families have their own handlers. */
export type BuiltDownloaderOperation =
  | 'getAuthStatus'
  | 'login'
  | 'register'
  | 'logout'
  | 'listUsers'
  | 'createUser'
  | 'deleteUser'
  | 'updateUserRole'
  | 'resetUserPassword'
  | 'getProfile'
  | 'changePassword'
  | 'getConfig'
  | 'updateConfig'
  | 'updateConfigViaPut'
  | 'checkConfig'
  | 'validateConfig'
  | 'getWatchConfig'
  | 'updateWatchConfig'
  | 'updateWatchConfigViaPut'
  | 'validateWatchConfig'
  | 'getSpotifyApiConfig'
  | 'updateSpotifyApiConfig'
  | 'getCredentialMarkets'
  | 'listAllCredentials'
  | 'listCredentials'
  | 'getCredential'
  | 'createCredential'
  | 'updateCredential'
  | 'deleteCredential';

/** Both schemes resolve the same JWT; where a token may come from is decided in `downloaderTokenOf`. */
export function downloaderAuthenticators<Env>(
  service: DownloaderService,
): Authenticators<DownloaderPrincipals, Env> {
  const authenticate: Authenticators<DownloaderPrincipals, Env>['bearerAuth'] = (
    request,
    _env,
    { optional, operation },
  ) => service.authenticate(downloaderTokenOf(request, operation.path), operation.path, optional);
  return { bearerAuth: authenticate, streamToken: authenticate };
}

/** The handlers of the built operations, the same in the server and the mock. */
export function downloaderHandlers<Env, Raw>(
  service: DownloaderService,
): Pick<DownloaderHandlers<Env, Raw>, BuiltDownloaderOperation> {
  return {
    getAuthStatus: async ({ principal }) => ok(await service.authStatus(principal)),
    // A token is in the answer: no cache may keep it (as every login of the toolkit).
    login: async ({ body }) => ({
      status: 200 as const,
      body: await service.login(body),
      headers: { 'cache-control': 'no-store' },
    }),
    register: async ({ body }) => ok(await service.register(body)),
    logout: () => ok(service.logout()),
    listUsers: async () => ok(await service.listUsers()),
    createUser: async ({ body }) => ok(await service.createUser(body)),
    deleteUser: async ({ path, principal }) => ok(await service.deleteUser(principal, path.username)),
    updateUserRole: async ({ path, body, principal }) =>
      ok(await service.updateUserRole(principal, path.username, body.role)),
    resetUserPassword: async ({ path, body }) =>
      ok(await service.resetUserPassword(path.username, body.new_password)),
    getProfile: ({ principal }) => ok(service.profile(principal)),
    changePassword: async ({ body, principal }) => ok(await service.changePassword(principal, body)),

    getConfig: async () => ok(await service.currentConfig()),
    updateConfig: async ({ body }) => ok(await service.updateConfig(body)),
    updateConfigViaPut: async ({ body }) => ok(await service.updateConfig(body)),
    checkConfig: async () =>
      ok({ message: 'Current configuration retrieved.', config: await service.currentConfig() }),
    validateConfig: async ({ body }) => ok(await service.validateConfig(body)),
    getWatchConfig: async () => ok(await service.watchConfig()),
    updateWatchConfig: async ({ body }) => ok(await service.updateWatchConfig(body)),
    updateWatchConfigViaPut: async ({ body }) => ok(await service.updateWatchConfig(body)),
    validateWatchConfig: async ({ body }) => ok(await service.validateWatchConfig(body)),

    getSpotifyApiConfig: async () => ok(await service.spotifyApiConfig()),
    updateSpotifyApiConfig: async ({ body }) => ok(await service.updateSpotifyApiConfig(body)),
    getCredentialMarkets: async () => ok(await service.credentialMarkets()),
    listAllCredentials: async ({ path }) => ok(await service.listAllCredentials(path.service)),
    listCredentials: async ({ path }) => ok(await service.listCredentials(path.service)),
    getCredential: async ({ path }) => ok(await service.getCredential(path.service, path.name)),
    createCredential: async ({ path, body }) =>
      ok(await service.createCredential(path.service, path.name, body)),
    updateCredential: async ({ path, body }) =>
      ok(await service.updateCredential(path.service, path.name, body)),
    deleteCredential: async ({ path }) => ok(await service.deleteCredential(path.service, path.name)),
  };
}
