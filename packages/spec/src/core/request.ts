import { HttpError, RequestValidationError, type ValidationIssue } from './errors.js';
import { inputLimitIssues } from './input-limits.js';
import type { OperationSpec } from './operation.js';

/** A compiled Ajv validator as the generated code exports it. */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

export interface OperationValidators {
  params: CompiledValidator;
  body: CompiledValidator | undefined;
}

/** What the server or the mock read off a request before the shared pipeline takes over. */
export interface RawRequest {
  /** Path parameters of the matched template, decoded. */
  pathParams: Record<string, string>;
  query: URLSearchParams;
  /** Case-insensitive header lookup. */
  header(name: string): string | undefined;
  /** The parsed JSON or form body; `undefined` when there is none or it is raw (streamed by the handler). */
  body: unknown;
}

/** The request's parameters and body, grouped as in the document, after validation. */
export interface ValidatedInput {
  query: Record<string, unknown>;
  path: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
}

/**
 * Reads the declared parameters (arrays from repeated keys or comma-separated, each value trimmed
 * as the originals do), then validates and coerces them and the body with the precompiled
 * validators. Throws `RequestValidationError` listing one issue per field. Values too deep or
 * with characters no database stores (input-limits.ts) are refused before any schema runs.
 */
export function validateRequest(
  operation: OperationSpec,
  validators: OperationValidators,
  raw: RawRequest,
): ValidatedInput {
  const input: ValidatedInput = { query: {}, path: {}, headers: {}, body: raw.body };
  for (const parameter of operation.parameters) {
    if (parameter.in === 'query') {
      const value = parameter.array
        ? listValues(raw.query.getAll(parameter.name), parameter.explode)
        : raw.query.get(parameter.name);
      if (value !== null && value !== undefined) input.query[parameter.name] = value;
    } else if (parameter.in === 'path') {
      const value = raw.pathParams[parameter.name];
      if (value !== undefined) input.path[parameter.name] = value;
    } else if (parameter.in === 'header') {
      const value = raw.header(parameter.name);
      if (value !== undefined)
        input.headers[parameter.name] = parameter.array ? listValues([value], false) : value;
    }
  }
  const limitIssues = inputLimitIssues(input);
  if (limitIssues.length > 0) throw new RequestValidationError(limitIssues);
  const issues: ValidationIssue[] = [];
  if (!validators.params(input))
    issues.push(...(validators.params.errors ?? []).map((error) => issueOf(error, input)));
  if (input.body === undefined) {
    if (operation.requestBody?.required && validators.body && isStructuredOnly(operation)) {
      issues.push({ location: 'body', field: '', keyword: 'required', message: 'is required', params: {} });
    }
  } else if (validators.body) {
    if (!validators.body(input.body))
      issues.push(...(validators.body.errors ?? []).map((error) => issueOf(error, input.body, 'body')));
  }
  if (issues.length > 0) throw new RequestValidationError(firstIssuePerField(issues));
  return input;
}

/** `a,b` and repeated keys both become a list; items are trimmed and empty ones dropped. */
function listValues(values: string[], explode: boolean): string[] | undefined {
  if (values.length === 0) return undefined;
  const items = explode ? values : values.flatMap((value) => value.split(','));
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

function isStructuredOnly(operation: OperationSpec): boolean {
  return (operation.requestBody?.mediaTypes ?? []).every(
    (type) => /json/i.test(type) || type === 'application/x-www-form-urlencoded',
  );
}

const MESSAGES: Record<string, string> = { required: 'is required', additionalProperties: 'is not allowed' };

function issueOf(error: AjvError, root: unknown, bodyLocation?: 'body'): ValidationIssue {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const value = valueAt(root, segments);
  const group = bodyLocation ?? segments.shift();
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  const location = (group === 'headers' ? 'header' : (group ?? 'body')) as ValidationIssue['location'];
  const message =
    MESSAGES[error.keyword] ??
    (error.keyword === 'enum'
      ? `must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`
      : (error.message ?? 'is invalid'));
  return {
    location,
    field: segments.join('.'),
    keyword: error.keyword,
    message,
    params: error.params,
    value,
  };
}

/** The value an Ajv error is about (as sent, when a coercion failed), for envelopes that quote it. */
function valueAt(root: unknown, segments: readonly string[]): unknown {
  let value = root;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** One message per field is enough for a person; Ajv reports every failed keyword. */
function firstIssuePerField(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.location}:${issue.field}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** For bodies that are neither JSON nor a form: the declared media types, for a 415 message. */
export function unsupportedMediaType(operation: OperationSpec): HttpError {
  return new HttpError(
    415,
    `Content-Type must be one of ${(operation.requestBody?.mediaTypes ?? []).join(', ')}`,
  );
}
