import type { ApiKey } from '../registry.gen.js';
import type { ApiSpec } from './api.js';
import { HttpError } from './errors.js';
import type { OperationSpec } from './operation.js';
import { pendingOperations } from './pending.js';
import { type RawRequest, type ValidatedInput, validateRequest } from './request.js';

/**
 * Typed handlers, keyed by operationId, and the one pipeline that runs them, shared by the server
 * and the mock: authenticate (the document's security) → validate (the precompiled validators)
 * → handler → reply. Everything is typed from openapi-typescript's `operations` interface, so a
 * missing or misspelled handler, a wrong input field or an undocumented reply does not compile.
 */

type Defined<T> = Exclude<T, undefined>;
type EmptyObject = Record<never, never>;

/** One parameter group (`query`, `path`, `header`) of an operation. */
type ParameterGroup<Op, Location extends string> = Op extends { parameters: infer P }
  ? P extends { [K in Location]?: infer Group }
    ? [Defined<Group>] extends [never]
      ? EmptyObject
      : Defined<Group>
    : EmptyObject
  : EmptyObject;

type JsonOrFormBody<Content> = Content extends { 'application/json': infer Body }
  ? Body
  : Content extends { 'application/x-www-form-urlencoded': infer Body }
    ? Body
    : Content extends Record<string, infer Body>
      ? Extract<keyof Content, `${string}json${string}`> extends never
        ? undefined
        : Body
      : undefined;

/** The parsed body: the JSON or form media type's schema; `undefined` for raw bodies (streamed). */
export type RequestBodyOf<Op> = Op extends { requestBody?: infer Body }
  ? Defined<Body> extends { content: infer Content }
    ? JsonOrFormBody<Content> | (undefined extends Body ? undefined : never)
    : undefined
  : undefined;

/** What a handler receives, as the document describes it. */
export interface OperationInput<Op, Principal> {
  query: ParameterGroup<Op, 'query'>;
  path: ParameterGroup<Op, 'path'>;
  headers: ParameterGroup<Op, 'header'>;
  body: RequestBodyOf<Op>;
  /** Who is calling, from the API's authenticators; `undefined` on public operations. */
  principal: Principal;
}

type Responses<Op> = Op extends { responses: infer R } ? R : never;
type SuccessStatus<Op> = Extract<
  keyof Responses<Op>,
  200 | 201 | 202 | 203 | 204 | 206 | 301 | 302 | 303 | 307 | 308
>;

/** The body of one documented response: JSON as its schema, text as a string, anything else raw bytes. */
type ResponseBodyOf<Response, Raw> = Response extends { content: infer Content }
  ? {
      [Type in keyof Content]: Type extends `${string}json${string}`
        ? Content[Type]
        : Type extends `text/${string}`
          ? string
          : Raw;
    }[keyof Content]
  : undefined;

/** A handler's answer: one of the operation's documented success statuses with its body. */
export type Reply<Op, Raw> = {
  [Status in SuccessStatus<Op>]: {
    status: Status;
    body: ResponseBodyOf<Responses<Op>[Status], Raw>;
    /** Media type when it is not JSON (or to add a charset). */
    contentType?: string;
    headers?: Record<string, string>;
  };
}[SuccessStatus<Op>];

/** Scheme name → the principal its authenticator returns. */
export type Principals = Record<string, unknown>;

type AlternativePrincipal<Alternative, Schemes extends Principals> = Alternative extends readonly []
  ? undefined
  : Alternative extends readonly [infer Scheme extends keyof Schemes & string, ...unknown[]]
    ? Schemes[Scheme]
    : never;

/** The principal of an operation: from its security alternatives, `undefined` when public. */
export type PrincipalOf<
  Spec extends OperationSpec,
  Schemes extends Principals,
> = Spec['security'] extends readonly []
  ? undefined
  : AlternativePrincipal<Spec['security'][number], Schemes>;

export type Handler<Op, Spec extends OperationSpec, Schemes extends Principals, Env, Raw> = (
  input: OperationInput<Op, PrincipalOf<Spec, Schemes>>,
  env: Env,
) => Reply<Op, Raw> | Promise<Reply<Op, Raw>>;

/** One handler per operation of the table; `Operations` is openapi-typescript's `operations`. */
export type Handlers<
  Operations,
  Table extends Record<string, OperationSpec>,
  Schemes extends Principals,
  Env,
  Raw,
> = {
  [Id in keyof Table & keyof Operations]: Handler<Operations[Id], Table[Id], Schemes, Env, Raw>;
};

/**
 * Checks one security scheme's credentials. Returns the principal, throws an `HttpError` for bad
 * credentials, and for missing ones throws too unless `optional` (then returns `undefined`).
 */
export type Authenticator<Principal, Env> = (
  request: RawRequest,
  env: Env,
  options: { optional: boolean; operation: OperationSpec },
) => Principal | undefined | Promise<Principal | undefined>;

export type Authenticators<Schemes extends Principals, Env> = {
  [Scheme in keyof Schemes]: Authenticator<Schemes[Scheme], Env>;
};

/** Everything of one API that is the same in the server and the mock, apart from storage. */
export interface ApiImplementation<
  Operations,
  Table extends Record<string, OperationSpec>,
  Schemes extends Principals,
  Env,
  Raw,
> {
  spec: ApiSpec<Table>;
  authenticate: Authenticators<Schemes, Env>;
  handlers: Handlers<Operations, Table, Schemes, Env, Raw>;
}

/** The untyped view the pipeline works with (any API, any environment). */
export interface AnyApiImplementation<Env, Raw> {
  spec: ApiSpec;
  authenticate: Record<string, Authenticator<unknown, Env>>;
  handlers: Record<
    string,
    (input: ValidatedInput & { principal: unknown }, env: Env) => AnyReply<Raw> | Promise<AnyReply<Raw>>
  >;
}

export interface AnyReply<Raw> {
  status: number;
  body: unknown | Raw;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Runs the credentials check of an operation; the principal, or `undefined` for public ones. */
export async function authenticate<Env>(
  api: AnyApiImplementation<Env, unknown>,
  operation: OperationSpec,
  request: RawRequest,
  env: Env,
): Promise<unknown> {
  const alternatives = operation.security.filter((alternative) => alternative.length > 0);
  if (alternatives.length === 0) return undefined;
  const schemeOf = (alternative: readonly string[]) => {
    const scheme = api.authenticate[alternative[0] as string];
    if (!scheme) throw new Error(`${api.spec.key}: no authenticator for ${alternative[0]}`);
    return scheme;
  };
  const optional = alternatives.length < operation.security.length;
  if (alternatives.length === 1) {
    return schemeOf(alternatives[0] as string[])(request, env, { optional, operation });
  }
  for (const alternative of alternatives) {
    const principal = await schemeOf(alternative)(request, env, { optional: true, operation });
    if (principal !== undefined) return principal;
  }
  if (optional) return undefined;
  // Nothing usable was sent: the first scheme explains what is missing.
  return schemeOf(alternatives[0] as string[])(request, env, { optional: false, operation });
}

/** authenticate → validate → handler: the pipeline every API runs, in the server and the mock. */
export async function runOperation<Env, Raw>(
  api: AnyApiImplementation<Env, Raw>,
  operationId: string,
  request: RawRequest,
  env: Env,
): Promise<AnyReply<Raw>> {
  const operation = api.spec.operations[operationId];
  const validators = api.spec.validators[operationId];
  const handler = api.handlers[operationId];
  if (!operation || !validators || !handler) throw new HttpError(404, `Unknown operation ${operationId}`);
  const principal = await authenticate(api as AnyApiImplementation<Env, unknown>, operation, request, env);
  const input = validateRequest(operation, validators, request);
  return handler({ ...input, principal }, env);
}

/**
 * Fails at start-up, not on the first request, when an API lacks a handler or lists as not built
 * yet an operation its document does not have.
 */
export function assertComplete(api: AnyApiImplementation<unknown, unknown>): void {
  const missing = Object.keys(api.spec.operations).filter((operationId) => !api.handlers[operationId]);
  if (missing.length > 0) throw new Error(`${api.spec.key}: no handler for ${missing.join(', ')}`);
  const unknown = pendingOperations(api.spec.key as ApiKey).filter((id) => !api.spec.operations[id]);
  if (unknown.length > 0)
    throw new Error(`${api.spec.key}: pending operations not in the document: ${unknown.join(', ')}`);
}
