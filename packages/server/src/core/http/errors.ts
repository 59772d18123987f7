/**
 * Errors a handler or service throws. Each API turns them into its own error envelope in one
 * place (its `errorBody`), so no handler ever formats an error body itself.
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
  message: string;
}

/** The request does not match the OpenAPI document. APIs choose the status (400, 422, …). */
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
