import type { HttpError } from '@music-apis/spec';

/** An error as one API answers it: status, its envelope, extra headers. */
export interface ErrorReply {
  status: number;
  /** The API's envelope; `undefined` for an empty body. */
  body: unknown;
  headers?: Record<string, string>;
}

/** Turns the pipeline's `HttpError` into one API's error answer (each API has one). */
export type ErrorEnvelope<Context> = (error: HttpError, context: Context) => ErrorReply;
