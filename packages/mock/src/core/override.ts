import type { BinaryBody } from './api.js';

/**
 * Per-test overrides, typed from the document: an override answers one of the operation's
 * documented statuses, with a body of that status's schema.
 */

type Responses<Op> = Op extends { responses: infer R } ? R : never;

/** The statuses the document lists for an operation (`default` and `4XX` ranges are not statuses). */
export type DocumentedStatus<Op> = Extract<keyof Responses<Op>, number>;

/** A documented response's body: JSON as its schema, text as a string, anything else as bytes. */
export type ResponseBody<Response> = Response extends { content: infer Content }
  ? {
      [Type in keyof Content]: Type extends `${string}json${string}`
        ? Content[Type]
        : Type extends `text/${string}`
          ? string
          : BinaryBody;
    }[keyof Content]
  : undefined;

/** What a `respond` override gets: the request, and the API's own error envelope for any status. */
export interface MockRespondRequest {
  request: Request;
  url: URL;
  /** Path parameters, decoded. */
  params: Record<string, string>;
  api: string;
  operationId: string;
  /** The parsed JSON or form body (as recorded in `calls`). */
  body: unknown;
  /** An answer in the API's error envelope, with this HTTP status (documented or not). */
  errorResponse(status: number, message?: string): Response;
}

export type MockResponder = (request: MockRespondRequest) => Response | Promise<Response>;

interface OverrideTiming {
  /** Wait this many ms first (then answer as overridden, or with the real handler). */
  delay?: number;
  /** Apply to the next N calls only; default: until removed or `reset()`. */
  times?: number;
}

/** Answer a documented status; without `body` an error status answers in the API's envelope. */
export type StatusOverride<Op> = {
  [Status in DocumentedStatus<Op>]: OverrideTiming & {
    status: Status;
    body?: ResponseBody<Responses<Op>[Status]>;
    headers?: Record<string, string>;
    networkError?: never;
    respond?: never;
  };
}[DocumentedStatus<Op>];

/** Fail like a dropped connection: the client sees a network error. */
export interface NetworkErrorOverride extends OverrideTiming {
  networkError: true;
  status?: never;
  body?: never;
  respond?: never;
}

/** Full control: build the response yourself (e.g. an undocumented status). */
export interface RespondOverride extends OverrideTiming {
  respond: MockResponder;
  status?: never;
  body?: never;
  networkError?: never;
}

/** The real handler answers, after `delay`, with `headers` added. */
export interface PassThroughOverride extends OverrideTiming {
  headers?: Record<string, string>;
  status?: never;
  body?: never;
  networkError?: never;
  respond?: never;
}

/** How one operation answers instead, typed from its document. */
export type MockOverride<Op> =
  | StatusOverride<Op>
  | NetworkErrorOverride
  | RespondOverride
  | PassThroughOverride;

/** The untyped form the pipeline works with. */
export interface AnyOverride {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delay?: number;
  networkError?: boolean;
  times?: number;
  respond?: MockResponder;
}

/** Overrides by `api.operationId`, newest first. */
export class OverrideStore {
  private readonly byOperation = new Map<string, AnyOverride[]>();

  add(key: string, override: AnyOverride): () => void {
    const entry = { ...override };
    const list = this.byOperation.get(key) ?? [];
    list.unshift(entry);
    this.byOperation.set(key, list);
    return () => {
      const index = list.indexOf(entry);
      if (index >= 0) list.splice(index, 1);
    };
  }

  /** The override answering this call, used up after its `times`. */
  take(key: string): AnyOverride | undefined {
    const list = this.byOperation.get(key);
    const current = list?.[0];
    if (!current) return undefined;
    if (current.times !== undefined) {
      current.times -= 1;
      if (current.times <= 0) list.shift();
    }
    return current;
  }

  clear(prefix?: string): void {
    if (prefix === undefined) this.byOperation.clear();
    else for (const key of this.byOperation.keys()) if (key.startsWith(prefix)) this.byOperation.delete(key);
  }
}
