/**
 * `@music-apis/sdk`: the shared core (errors, HTTP client, token providers). Each API's client is
 * its own entry point, so an app only ships the API it uses: `@music-apis/sdk/track-manager`, …
 */
export * from './core/index.js';
