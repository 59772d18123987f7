import { demoCatalog } from '@music-apis/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../src/collections/repository.js';
import { loadConfig } from '../src/core/config.js';
import { createBuiltinCatalogProvider } from '../src/core/providers/builtin-catalog.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * Errors no handler planned for still answer in the API's own JSON envelope with the request id,
 * never Koa's plain-text fallback: an exception from a dependency, a body that is not JSON or too
 * large, a body nested too deep to store, and a stored value too deep to serialise.
 */

const API_KEY = 'adn_error_envelopes';
const auth = { authorization: `Bearer ${API_KEY}` };
let test: TestServer;

beforeAll(async () => {
  const builtin = createBuiltinCatalogProvider(
    demoCatalog,
    new TextEncoder().encode('error-envelopes-secret'),
  );
  test = await startTestServer(
    { collections: { ...loadConfig({}).collections, apiKey: API_KEY } },
    {
      catalogProvider: {
        ...builtin,
        issueAccessToken: () => Promise.reject(new TypeError('catalog client bug')),
      },
    },
  );
});
afterAll(() => test?.stop());

async function expectEnvelope(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const requestId = response.headers.get('x-request-id');
  expect(requestId).toBeTruthy();
  return { body: await response.json(), requestId };
}

/** JSON text nested `depth` levels deep, built as text (building the object would overflow first). */
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('error envelopes', () => {
  it('answers an exception thrown by a dependency with the API envelope, not plain text', async () => {
    const { body } = await expectEnvelope(await fetch(`${test.baseUrl}/api/token`, { method: 'POST' }), 500);
    expect(body).toMatchObject({
      status: 500,
      error: 'Internal server error',
      message: 'Internal server error',
    });
  });

  it('answers a malformed and an oversized JSON body in the envelope with the request id', async () => {
    const headers = { ...auth, 'content-type': 'application/json' };
    const malformed = await expectEnvelope(
      await fetch(`${test.baseUrl}/v1/collection`, { method: 'POST', headers, body: '{"title":' }),
      400,
    );
    expect(malformed.body).toEqual({
      ok: false,
      message: 'Request body is not valid JSON or form data',
      api_request_id: malformed.requestId,
    });
    const oversized = await expectEnvelope(
      await fetch(`${test.baseUrl}/v1/collection`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ title: 'Big', metadata: { text: 'x'.repeat(2 * 1024 * 1024) } }),
      }),
      413,
    );
    expect(oversized.body).toMatchObject({ ok: false, api_request_id: oversized.requestId });
  });

  it('refuses deeply nested metadata before storing it, so listing keeps working', async () => {
    const before = await (await fetch(`${test.baseUrl}/v1/collection`, { headers: auth })).json();
    const { body } = await expectEnvelope(
      await fetch(`${test.baseUrl}/v1/collection`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: `{"title":"Deep","metadata":${nestedJson(4100)}}`,
      }),
      400,
    );
    expect(body.message).toMatch(/nested more than 32 levels/);
    const track = await expectEnvelope(
      await fetch(`${test.baseUrl}/v1/track`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: `{"collection_id":"${before.collections[0].id}","file_name":"a.wav","metadata":${nestedJson(4100)}}`,
      }),
      400,
    );
    expect(track.body.ok).toBe(false);
    const after = await (await fetch(`${test.baseUrl}/v1/collection`, { headers: auth })).json();
    expect(after.count).toBe(before.count);
  });

  it('answers a stored value that cannot be serialised with the API envelope, not plain text', async () => {
    // A row stored before depth was bounded: serialising it overflows the stack.
    const { db } = test.server;
    const [existing] = await db(TABLES.collections).select('*').limit(1);
    await db(TABLES.collections).insert({
      ...existing,
      seq: undefined,
      id: '00000000-0000-4000-8000-000000000001',
      metadata: nestedJson(200_000),
    });
    const { body, requestId } = await expectEnvelope(
      await fetch(`${test.baseUrl}/v1/collection?limit=200`, { headers: auth }),
      500,
    );
    expect(body).toEqual({ ok: false, message: 'Internal server error', api_request_id: requestId });
  });
});
