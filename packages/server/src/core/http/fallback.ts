import { STATUS_CODES } from 'node:http';
import type { Middleware } from 'koa';

/**
 * The server's own error envelope, for answers outside every API's namespace (an API's paths get
 * that API's envelope from the pipeline): `{ "error": "Not Found", "message": "No route for GET
 * /nowhere", "status": 404 }`. `error` is the HTTP reason phrase, `message` says what happened.
 */
export interface ServerErrorBody {
  error: string;
  message: string;
  status: number;
}

export function serverErrorBody(status: number, message?: string): ServerErrorBody {
  const reason = STATUS_CODES[status] ?? 'Error';
  return { error: reason, message: message ?? reason, status };
}

/**
 * Turns what Koa would answer in plain text into the JSON envelope: a request nothing answered
 * (404), a route that set a 404/405 without a body, and errors thrown outside the API pipeline
 * (4xx keep their message, 5xx say only "Internal Server Error" and go to the `error` event).
 */
export function createFallbackErrors(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      if (ctx.headerSent || !ctx.writable) throw caught;
      const error = caught as { status?: unknown; expose?: boolean; message?: string; headers?: unknown };
      const status =
        typeof error.status === 'number' && error.status >= 400 && error.status < 600 ? error.status : 500;
      if (status >= 500) ctx.app.emit('error', caught, ctx);
      ctx.status = status;
      if (error.headers && typeof error.headers === 'object')
        ctx.set(error.headers as Record<string, string>);
      ctx.body = serverErrorBody(status, status < 500 && error.expose !== false ? error.message : undefined);
      return;
    }
    if (ctx.body !== undefined || (ctx.status !== 404 && ctx.status !== 405)) return;
    const status = ctx.status;
    ctx.status = status; // explicit, or Koa turns a body set on an unanswered request into a 200
    ctx.body = serverErrorBody(
      status,
      status === 404
        ? `No route for ${ctx.method} ${ctx.path}`
        : `Method ${ctx.method} is not allowed on ${ctx.path}`,
    );
  };
}
