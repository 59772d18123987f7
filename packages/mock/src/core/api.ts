import type { Catalog } from '@music-apis/catalog';
import type { ErrorReply } from '@music-apis/domain';
import type {
  ApiSpec,
  Authenticators,
  Handlers,
  HttpError,
  OperationSpec,
  Principals,
} from '@music-apis/spec';

/**
 * What one API brings to the mock: its spec (operation table and validators, generated), an
 * in-memory store, typed handlers and authenticators over that store, and its error envelope (from
 * `@music-apis/domain`, the same one the server answers with). The pipeline around them is
 * `core/mock.ts`, shared by every API.
 */

/** A binary response body (covers, audio). */
export type BinaryBody = Uint8Array | ArrayBuffer | Blob;

export interface MockMailMessage {
  recipient: string;
  subject: string;
  text: string;
  sentAt: string;
}

/** What every API's store and handlers share. */
export interface MockContext {
  catalog: Catalog;
  /** The mock's clock (override it for reproducible timestamps). */
  now(): Date;
  /** The mock's mail outbox (sign-up codes, …), oldest first; `GET /dev/mail` lists it like the server does. */
  mail: MockMailMessage[];
}

/** The second argument of every handler and authenticator: the request as MSW gave it. */
export interface MockEnv {
  /** The request; its body has been read already: use `rawBody`. */
  request: Request;
  url: URL;
  /** The request path below the mock's base URL, e.g. `/v1/upload/track/…`. */
  path: string;
  /** Where the mock is reached (origin and base path, no trailing slash): links point here. */
  baseUrl: string;
  /** The request body as sent, for operations that take raw bytes (uploads). */
  rawBody: Uint8Array;
  operation: OperationSpec;
}

/** Handlers of one API in the mock, typed from its document (a missing or misspelled one does not compile). */
export type MockHandlers<
  Operations,
  Table extends Record<string, OperationSpec>,
  Schemes extends Principals,
> = Handlers<Operations, Table, Schemes, MockEnv, BinaryBody>;

export interface MockApiDefinition<
  Operations,
  Table extends Record<string, OperationSpec>,
  State,
  Schemes extends Principals = Principals,
> {
  spec: ApiSpec<Table>;
  /** A fresh, seeded store (at start-up and on every `reset()`). */
  createState(context: MockContext): State;
  /** The API's authenticators (one per security scheme) and handlers over `state`. */
  implement(
    state: State,
    context: MockContext,
  ): { authenticate: Authenticators<Schemes, MockEnv>; handlers: MockHandlers<Operations, Table, Schemes> };
  /** The API's error envelope: the same function the server answers errors with. */
  errorReply(error: HttpError, request: MockErrorContext): ErrorReply;
  /** The error an override `{ status }` without a body answers (default: an `HttpError` of that status). */
  overrideError?(status: number, operation: OperationSpec): HttpError | undefined;
  /** Type-level only: the document's `operations`, so overrides are typed. Never set. */
  readonly '~operations'?: Operations;
  /** Type-level only: the store's type. Never set. */
  readonly '~state'?: State;
}

export interface MockErrorContext {
  /** Undefined for a path no operation matched. */
  operationId?: string;
  /** The request path below the base URL, when no operation matched (its API may choose an envelope by it). */
  path?: string;
  pathParams: Record<string, string>;
  context: MockContext;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry of APIs holds definitions of any document.
export type AnyMockApiDefinition = MockApiDefinition<any, any, any, any>;

export type OperationsOf<Api> = Api extends { '~operations'?: infer Operations }
  ? Exclude<Operations, undefined>
  : never;
export type TableOf<Api> = Api extends { spec: ApiSpec<infer Table> } ? Table : never;
export type StateOf<Api> = Api extends { '~state'?: infer State } ? Exclude<State, undefined> : never;
/** The operationIds of one API. */
export type OperationIdOf<Api> = keyof TableOf<Api> & keyof OperationsOf<Api> & string;
