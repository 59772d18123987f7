export { API_MODULES, type CreateServerOptions, createServer, type MusicApiServer } from './app.js';
export {
  type CreateApiKeyOptions as CreateCollectionsApiKeyOptions,
  type CreatedApiKey as CreatedCollectionsApiKey,
  createApiKey as createCollectionsApiKey,
} from './collections/api-keys.js';
export { loadConfig, type ServerConfig, type StreamingSettings } from './core/config.js';
export type { CatalogProvider } from './core/providers/catalog.js';
export { createSpotifyCatalogProvider } from './core/providers/spotify-catalog.js';
export { createFirstDownloaderAdmin } from './downloader/module.js';
export {
  type CreatedStreamingClient,
  createStreamingClient as createStreamingOAuthClient,
} from './streaming/clients.js';
