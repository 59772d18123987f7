import { describe, expect, it } from 'vitest';
import * as errors from '../../src/core/errors.js';

const {
  ApiError,
  MusicApiError,
  NetworkError,
  TimeoutError,
  isApiError,
  isMusicApiError,
  isNetworkError,
  isTimeoutError,
} = errors;

function apiError(detail?: string) {
  const response = new Response('{}', { status: 502 });
  return new ApiError({
    method: 'GET',
    path: '/x',
    url: 'http://h/x',
    response,
    body: {},
    requestId: undefined,
    detail,
  });
}

describe('error family', () => {
  it('names each class and keeps them under MusicApiError', () => {
    const timeout = new TimeoutError({ method: 'GET', url: 'http://h/x', timeout: 5 });
    const cause = new TypeError('fetch failed');
    const network = new NetworkError({ method: 'GET', url: 'http://h/x', cause });

    for (const error of [apiError(), timeout, network]) expect(error).toBeInstanceOf(MusicApiError);
    expect([apiError().name, timeout.name, network.name]).toEqual([
      'ApiError',
      'TimeoutError',
      'NetworkError',
    ]);
    expect(network.cause).toBe(cause);
    expect(network.message).toBe('GET http://h/x failed: fetch failed');
  });

  it('omits the reason from the message when there is none', () => {
    expect(apiError().message).toBe('GET /x failed with 502');
    expect(apiError('Bad gateway').message).toBe('GET /x failed with 502: Bad gateway');
  });

  it('guards tell the kinds apart and reject foreign errors', () => {
    const timeout = new TimeoutError({ method: 'GET', url: 'u', timeout: 5 });
    expect([isApiError(apiError()), isTimeoutError(timeout), isMusicApiError(timeout)]).toEqual([
      true,
      true,
      true,
    ]);
    expect([isApiError(timeout), isNetworkError(timeout), isTimeoutError(apiError())]).toEqual([
      false,
      false,
      false,
    ]);
    // A DOMException named TimeoutError (AbortSignal.timeout) is not ours.
    for (const foreign of [
      new Error('x'),
      new DOMException('t', 'TimeoutError'),
      null,
      'ApiError',
      undefined,
    ]) {
      expect(isMusicApiError(foreign) || isTimeoutError(foreign)).toBe(false);
    }
  });

  it('guards recognise errors from a second copy of the module (ESM + CJS)', async () => {
    // A query string makes the module loader evaluate the file again, with distinct classes.
    const copyPath = './../../src/core/errors.js?second-copy';
    const copy = (await import(copyPath)) as typeof errors;
    const foreign = new copy.ApiError({
      method: 'GET',
      path: '/x',
      url: 'u',
      response: new Response(null, { status: 500 }),
      body: undefined,
      requestId: undefined,
      detail: undefined,
    });

    expect(copy.ApiError).not.toBe(ApiError);
    expect(foreign).not.toBeInstanceOf(ApiError);
    expect(isApiError(foreign)).toBe(true);
    expect(isMusicApiError(foreign)).toBe(true);
  });
});
