// Each API's domain rules, views and error texts: written once, used by the server and the mock.
export * from './collections.js';
export * from './songs.js';
export * from './track-manager.js';
