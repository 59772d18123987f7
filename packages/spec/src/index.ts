export type { ApiSpec, OpenApiDocument } from './core/api.js';
export {
  badRequest,
  conflict,
  forbidden,
  HttpError,
  isHttpError,
  notFound,
  RequestValidationError,
  unauthorized,
  type ValidationIssue,
} from './core/errors.js';
export {
  type AnyApiImplementation,
  type AnyReply,
  type ApiImplementation,
  type Authenticator,
  type Authenticators,
  assertComplete,
  authenticate,
  type Handler,
  type Handlers,
  type OperationInput,
  type PrincipalOf,
  type Principals,
  type Reply,
  type RequestBodyOf,
  runOperation,
} from './core/handlers.js';
export { MAX_JSON_DEPTH } from './core/input-limits.js';
export {
  type HttpMethod,
  isAuthOptional,
  isPublic,
  type OperationSpec,
  type ParameterSpec,
} from './core/operation.js';
export { PENDING_OPERATIONS, pendingHandlers, pendingOperations } from './core/pending.js';
export {
  type CompiledValidator,
  type OperationValidators,
  type RawRequest,
  unsupportedMediaType,
  type ValidatedInput,
  validateRequest,
} from './core/request.js';
export {
  assertDistinctCatchAllPrefixes,
  namespaceOwner,
  type RouteMatch,
  RouteTable,
} from './core/routes.js';
export { type ApiKey, apiRegistry } from './registry.gen.js';
