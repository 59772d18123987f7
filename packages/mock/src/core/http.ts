import type { ErrorReply } from '@music-apis/domain';
import { type AnyReply, HttpError, type OperationSpec, unsupportedMediaType } from '@music-apis/spec';
import { HttpResponse } from 'msw';
import type { BinaryBody } from './api.js';

/** Reading a request body and writing a reply, as the server's HTTP layer does. */

export interface RequestBody {
  /** The bytes as sent. */
  raw: Uint8Array;
  /**
   * The JSON or form body the operation declares; `undefined` when there is none or it is raw.
   * Throws the server's answer for a bad one: 400 unparsable, 413 over 1 MiB, 415 wrong media type.
   */
  parsed(): unknown;
  /** What the call log keeps: the parsed body, the text when it did not parse, or the raw bytes. */
  logged: unknown;
}

const isJson = (type: string) => /json/i.test(type);
const FORM = 'application/x-www-form-urlencoded';
/** Raw bodies larger than this are not kept in the call log (a browser tab may run for hours). */
const MAX_LOGGED_RAW_BYTES = 1024 * 1024;
/** The server's limit for JSON and form bodies (raw uploads have their own). */
const STRUCTURED_BODY_LIMIT = 1024 * 1024;

export async function readRequestBody(request: Request, operation: OperationSpec): Promise<RequestBody> {
  // Always read: a body MSW is never asked for can leave the client's fetch hanging.
  const raw = new Uint8Array(await request.arrayBuffer());
  const declared = operation.requestBody?.mediaTypes ?? [];
  const rawLogged = raw.length === 0 ? undefined : raw.length <= MAX_LOGGED_RAW_BYTES ? raw : undefined;
  if (declared.length === 0 || raw.length === 0) return { raw, parsed: () => undefined, logged: rawLogged };
  const contentType = (request.headers.get('content-type') ?? '').toLowerCase();
  const text = () => new TextDecoder().decode(raw);
  const structured =
    (declared.some(isJson) && (/[/+]json\b/.test(contentType) || contentType === '')) ||
    (declared.includes(FORM) && contentType.startsWith(FORM));
  if (structured && raw.length > STRUCTURED_BODY_LIMIT) {
    return { raw, parsed: fail(new HttpError(413, 'Request body is too large')), logged: undefined };
  }
  if (declared.some(isJson) && (/[/+]json\b/.test(contentType) || contentType === '')) {
    const source = text();
    if (source.trim() === '') return { raw, parsed: () => undefined, logged: source };
    try {
      const value: unknown = JSON.parse(source);
      return { raw, parsed: () => value, logged: value };
    } catch {
      return {
        raw,
        parsed: fail(new HttpError(400, 'Request body is not valid JSON or form data')),
        logged: source,
      };
    }
  }
  if (declared.includes(FORM) && contentType.startsWith(FORM)) {
    const value = Object.fromEntries(new URLSearchParams(text()));
    return { raw, parsed: () => value, logged: value };
  }
  if (declared.some((type) => !isJson(type) && type !== FORM)) {
    return { raw, parsed: () => undefined, logged: rawLogged }; // raw: the handler reads `rawBody`
  }
  return { raw, parsed: fail(unsupportedMediaType(operation)), logged: rawLogged };
}

const fail = (error: HttpError) => () => {
  throw error;
};

const isBinary = (body: unknown): body is BinaryBody =>
  body instanceof Uint8Array || body instanceof ArrayBuffer || body instanceof Blob;

/** A handler's reply (or an override's body) as a `Response`. */
export function replyResponse(reply: AnyReply<BinaryBody>): Response {
  const headers = new Headers(reply.headers);
  if (reply.contentType) headers.set('content-type', reply.contentType);
  const { status, body } = reply;
  if (body === undefined || body === null) return new HttpResponse(null, { status, headers });
  // A ReadableStream is a streamed body (the downloader's progress stream).
  if (typeof body === 'string' || isBinary(body) || body instanceof ReadableStream)
    return new HttpResponse(body as BodyInit, { status, headers });
  return HttpResponse.json(body as Record<string, unknown>, { status, headers });
}

/** An API's error envelope as a `Response`. */
export function errorResponse(reply: ErrorReply, status = reply.status): Response {
  return replyResponse({ status, body: reply.body, headers: reply.headers });
}
