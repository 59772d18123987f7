// Each API's domain rules, views, error texts and error envelope: written once, used by the
// server and the mock alike. Browser-safe.
export * from './byte-ranges.js';
export * from './collections.js';
export * from './collections-playback.js';
export * from './collections-processing.js';
export * from './collections-variants.js';
export * from './downloader/index.js';
export * from './envelope.js';
export * from './hmac.js';
export * from './songs.js';
export * from './streaming.js';
export * from './streaming-catalog.js';
export * from './streaming-catalog-ids.js';
export * from './streaming-hls.js';
export * from './streaming-playlists.js';
export * from './track-manager.js';
