/**
 * The one error type of the toolkit's request pipeline. Domain rules, authentication and
 * validation throw it; the server and the mock turn it into the API's own envelope in one place
 * each API defines (`errorBody`), so no handler ever formats an error body itself.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly options: {
      /** Machine-readable code for envelopes that carry one (e.g. `INVALID_AUTH_TOKEN`). */
      code?: string;
      /** Extra structured detail, e.g. per-field validation messages. */
      details?: unknown;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ValidationIssue {
  location: 'query' | 'path' | 'header' | 'body';
  /** Dotted field name inside the location (`isrc`, `metadata.title`); empty for the whole body. */
  field: string;
  /** Ajv's keyword (`required`, `maxLength`, `type`, …), for translators that choose by kind. */
  keyword: string;
  message: string;
  /** Ajv's params for the keyword (e.g. `{ limit: 64 }`). */
  params: Record<string, unknown>;
  /** The offending value as the request sent it (`undefined` for a missing one). */
  value?: unknown;
}

/** The request does not match the document. Each API's translator chooses status and text. */
export class RequestValidationError extends HttpError {
  constructor(readonly issues: ValidationIssue[]) {
    super(400, issues.map((issue) => `${issue.field || issue.location}: ${issue.message}`).join('; '), {
      details: issues,
    });
    this.name = 'RequestValidationError';
  }
}

export const badRequest = (message: string, options?: HttpError['options']) =>
  new HttpError(400, message, options);
export const unauthorized = (message: string, options?: HttpError['options']) =>
  new HttpError(401, message, options);
export const forbidden = (message: string, options?: HttpError['options']) =>
  new HttpError(403, message, options);
export const notFound = (message: string, options?: HttpError['options']) =>
  new HttpError(404, message, options);
export const conflict = (message: string, options?: HttpError['options']) =>
  new HttpError(409, message, options);

/** True for an `HttpError` from any copy of this package (ESM and CJS builds side by side). */
export function isHttpError(value: unknown): value is HttpError {
  return (
    value instanceof HttpError || (value instanceof Error && value.name === 'HttpError' && 'status' in value)
  );
}
