import { COLLECTIONS_MOCK_API_KEY } from '@music-apis/mock';
import { type CollectionsErrorBody, createCollectionsClient } from '@music-apis/sdk/collections';
import { expect } from 'vitest';
import type { ScenarioContext } from '../scenario.js';
import { expectApiError } from './expect-api-error.js';

/** What the collections scenarios share (collections.ts, collections-playback.ts). */

/** The key every target accepts: the mock's built-in key, given to the server as `COLLECTIONS_API_KEY`. */
export const CONTRACT_COLLECTIONS_API_KEY = COLLECTIONS_MOCK_API_KEY;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MISSING_ID = '00000000-0000-4000-8000-000000000000';

export const client = ({ baseUrl }: ScenarioContext, apiKey = CONTRACT_COLLECTIONS_API_KEY) =>
  createCollectionsClient({ baseUrl, apiKey, retry: 0 });

/** Awaits a call that must fail with `status` in the collections envelope; returns the body. */
export async function expectEnvelopeError(call: Promise<unknown>, status: number) {
  const body = await expectApiError<CollectionsErrorBody>(call, status);
  expect(body).toEqual({
    ok: false,
    message: expect.any(String),
    api_request_id: expect.stringMatching(UUID),
  });
  return body;
}

export const flipLastHexDigit = (hex: string) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');
