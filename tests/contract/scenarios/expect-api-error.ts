import { isApiError } from '@music-apis/sdk';
import { expect } from 'vitest';

/** Awaits a call that must fail with an `ApiError` of `status`; returns the error body. */
export async function expectApiError<TBody = Record<string, unknown>>(
  call: Promise<unknown>,
  status: number,
): Promise<TBody> {
  const error = await call.then(
    (value) => {
      throw new Error(`expected HTTP ${status}, got success: ${JSON.stringify(value)?.slice(0, 200)}`);
    },
    (caught: unknown) => caught,
  );
  if (!isApiError<TBody>(error)) throw error;
  expect(error.status, error.message).toBe(status);
  return error.body as TBody;
}
