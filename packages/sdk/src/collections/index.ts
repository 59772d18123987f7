export * from '../core/index.js';
export * from './client.js';
export { type OperationId, operationRoutes } from './routes.gen.js';
export type { components, operations, paths } from './schema.gen.js';
