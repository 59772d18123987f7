export * from './auth.js';
export * from './config.js';
export * from './credentials.js';
export * from './errors.js';
export * from './handlers.js';
export * from './service.js';
export * from './store.js';
