import { HttpError, type OperationSpec, unsupportedMediaType } from '@music-apis/spec';
import coBody from 'co-body';
import type { Context } from 'koa';

/** Largest JSON/form body accepted; raw uploads stream and set their own limits. */
export const STRUCTURED_BODY_LIMIT = '1mb';

const typeIs = (ctx: Context, types: string[]) => ctx.request.is(types) || false;

/**
 * Reads a JSON or form body when the operation declares one. Raw bodies (audio, images) are left
 * unread so their handlers can stream them.
 */
export async function readStructuredBody(ctx: Context, operation: OperationSpec): Promise<unknown> {
  const declaredTypes = operation.requestBody?.mediaTypes ?? [];
  if (declaredTypes.length === 0 || (!ctx.request.length && !ctx.get('transfer-encoding'))) return undefined;
  const acceptsJson = declaredTypes.some((type) => /json/i.test(type));
  const acceptsForm = declaredTypes.includes('application/x-www-form-urlencoded');
  try {
    if (acceptsJson && (typeIs(ctx, ['json', '+json']) || !ctx.get('content-type'))) {
      return await coBody.json(ctx.req, { limit: STRUCTURED_BODY_LIMIT, strict: false });
    }
    if (acceptsForm && typeIs(ctx, ['urlencoded'])) {
      return await coBody.form(ctx.req, { limit: STRUCTURED_BODY_LIMIT });
    }
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 413) throw new HttpError(413, 'Request body is too large');
    throw new HttpError(400, 'Request body is not valid JSON or form data');
  }
  if (declaredTypes.some((type) => !/json/i.test(type) && type !== 'application/x-www-form-urlencoded')) {
    return undefined; // a raw body: the handler reads the stream
  }
  throw unsupportedMediaType(operation);
}
