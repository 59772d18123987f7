import type { ApiPromise } from './api-promise.js';
import {
  type CallOptions,
  expandPath,
  type HttpClient,
  type HttpMethod,
  type QueryValue,
  type ResponseFormat,
  type Security,
} from './http-client.js';

/** What a generated method inlines about its operation: only what building the request needs. */
export interface Route {
  method: HttpMethod;
  /** The path template; `{name}` is filled from the argument of that name. */
  path: string;
  /**
   * Query parameters by name, each with the separator its arrays are joined by: '&' repeats the
   * key (`explode: true`), ',' for `style: form, explode: false`, ' ' and '|' for the delimited styles.
   */
  query?: Readonly<Record<string, string>>;
  /** Header parameters by name; arrays are comma-joined (`style: simple`). */
  header?: readonly string[];
  security: Security;
  /** The media type `body` is sent as: JSON, form-urlencoded, multipart (a `FormData`) or raw bytes. */
  body?: string;
  /** Default 'json'. */
  response?: ResponseFormat;
  accept?: string;
}

/** Runs one operation: what every generated method calls. */
export type OperationCaller = <T>(
  route: Route,
  args: object | undefined,
  options: CallOptions | undefined,
) => ApiPromise<T>;

export function operationCaller(http: HttpClient): OperationCaller {
  return (route, args = {}, options = {}) => {
    const input = args as Record<string, unknown>;
    const query: Record<string, QueryValue> = {};
    for (const [name, separator] of Object.entries(route.query ?? {})) {
      const value = input[name] as QueryValue;
      query[name] =
        Array.isArray(value) && separator !== '&'
          ? value.length > 0
            ? value.join(separator)
            : undefined
          : value;
    }
    const headers: Record<string, string | undefined> = {};
    for (const name of route.header ?? []) {
      const value = input[name];
      if (value != null) headers[name] = Array.isArray(value) ? value.join(',') : String(value);
    }
    const media = route.body;
    const payload = input.body;
    let json: unknown;
    let body: BodyInit | undefined;
    if (media && payload !== undefined) {
      if (/json/i.test(media)) json = payload;
      else if (media === 'application/x-www-form-urlencoded') {
        body = new URLSearchParams(payload as Record<string, string>);
      } else if (media.startsWith('multipart/')) body = payload as FormData;
      else {
        // Raw bytes, already through `toBodyInit` (the generated method calls it, so that APIs
        // without binary bodies do not ship it).
        body = payload as BodyInit;
        headers['content-type'] = payload instanceof Blob && payload.type ? payload.type : media;
      }
    }
    return http.request({
      ...options,
      method: route.method,
      path: expandPath(route.path, input),
      query,
      headers: { ...headers, ...options.headers },
      json,
      body,
      security: route.security,
      response: route.response,
      accept: route.accept,
    });
  };
}
