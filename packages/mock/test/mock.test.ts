import { demoCatalog, SONGS_DEMO_LOGIN } from '@music-apis/catalog';
import { trackManagerDemoRecords } from '@music-apis/domain';
import type { OperationSpec } from '@music-apis/spec';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockCore, type MockApiDefinition } from '../src/index.js';
import { setupMockServer } from '../src/node.js';

// The mock answered with plain fetch: these tests are about the mock, not about a client.
const baseUrl = 'https://music.example.test';
const now = new Date('2025-09-03T18:41:05.123Z');
const { server, mock } = setupMockServer({ baseUrl, now: () => now });
const savedIsrc = trackManagerDemoRecords()[0]!.isrc;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mock.reset());
afterAll(() => server.close());

const get = (path: string, init?: RequestInit) => fetch(`${baseUrl}${path}`, init);
const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function catalogToken(): Promise<string> {
  const response = await post('/api/token');
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Java's LocalDateTime of the mock's clock, as the track manager's envelope stamps it. */
const localTimestamp = new Date(now.getTime() - now.getTimezoneOffset() * 60_000)
  .toISOString()
  .replace('Z', '');

describe('mock', () => {
  it('is stateful and reset() restores the seeded data', async () => {
    const isrc = demoCatalog.trackAt(200).isrc;
    const created = await post(`/api/track/create?isrc=${isrc}`, undefined, {
      token: `Bearer ${await catalogToken()}`,
    });
    expect(created.status).toBe(200);
    expect(mock.state.trackManager.tracks.has(isrc)).toBe(true);
    expect((await get(`/api/track/metadata/${isrc.toLowerCase()}`)).status).toBe(200);
    mock.reset();
    expect(mock.state.trackManager.tracks.has(isrc)).toBe(false);
    expect(mock.state.trackManager.tracks.size).toBe(trackManagerDemoRecords().length);
  });

  it('is deterministic: the same calls give the same tokens and bodies', async () => {
    const first = await (await post('/api/token')).text();
    mock.reset();
    expect(await (await post('/api/token')).text()).toBe(first);
    expect(JSON.parse(first).access_token).toBe('mock-catalog-token-1');
  });

  it('validates with the generated validators and authenticates per security scheme', async () => {
    const badIsrc = await get('/api/track/metadata/nope');
    expect(badIsrc.status).toBe(400);
    expect(await badIsrc.json()).toMatchObject({ status: 400, error: 'Validation failed' });
    const noToken = await post(`/api/track/create?isrc=${demoCatalog.trackAt(201).isrc}`);
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ message: 'Missing Token header' });
    // Songs: a missing bearer token is the empty challenge; an over-long title the translated 422.
    const challenge = await get('/v1/songs');
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect(await challenge.text()).toBe('');
    const { accessToken } = (await (await post('/v1/auth/login', { ...SONGS_DEMO_LOGIN })).json()) as {
      accessToken: string;
    };
    const tooLong = await post(
      '/v1/songs',
      { title: 'x'.repeat(65), genres: ['Pop'] },
      {
        authorization: `Bearer ${accessToken}`,
      },
    );
    expect(tooLong.status).toBe(422);
    expect(await tooLong.json()).toEqual({
      code: 422,
      description: 'Unprocessable Entity',
      cause: 'Field title exceeds 64 chars limit',
    });
  });

  it('overrides a documented status (in the API envelope), a typed body, or for N calls only', async () => {
    mock.trackManager.override('getTrackMetadata', { status: 404, times: 1 });
    const failure = await get(`/api/track/metadata/${savedIsrc}`);
    expect(failure.status).toBe(404);
    expect(await failure.json()).toEqual({
      status: 404,
      error: 'Resource not found',
      message: 'Overridden to answer 404',
      timestamp: localTimestamp,
    });
    // `times: 1` is used up: the real handler answers again.
    expect((await get(`/api/track/metadata/${savedIsrc}`)).status).toBe(200);

    const custom = { ...trackManagerDemoRecords()[1]!, name: 'Custom' };
    const remove = mock.trackManager.override('getTrackMetadata', { status: 200, body: custom });
    expect(await (await get(`/api/track/metadata/${savedIsrc}`)).json()).toEqual(custom);
    remove();
    expect(((await (await get(`/api/track/metadata/${savedIsrc}`)).json()) as { isrc: string }).isrc).toBe(
      savedIsrc,
    );
  });

  it('answers a 401 override in the shape the document gives that operation', async () => {
    mock.songs.override('login', { status: 401 });
    const login = await post('/v1/auth/login', { ...SONGS_DEMO_LOGIN });
    expect(await login.json()).toMatchObject({ code: 401, description: 'Unauthorized' });
    mock.songs.override('listSongs', { status: 401 });
    const list = await get('/v1/songs');
    expect(list.status).toBe(401);
    expect(list.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect(await list.text()).toBe('');
  });

  it('lets `respond` build any answer, with the API envelope at hand', async () => {
    mock.trackManager.override('getTrackMetadata', {
      respond: ({ errorResponse, params }) => errorResponse(503, `down for ${params.isrc}`),
    });
    const response = await get(`/api/track/metadata/${savedIsrc}`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: expect.any(String), timestamp: localTimestamp });
  });

  it('adds headers to the real answer and simulates network errors and latency', async () => {
    mock.trackManager.override('getTrackMetadata', { headers: { 'x-test': 'yes' } });
    const withHeader = await get(`/api/track/metadata/${savedIsrc}`);
    expect(withHeader.headers.get('x-test')).toBe('yes');
    expect(withHeader.status).toBe(200);

    mock.trackManager.override('getTrackCover', { networkError: true });
    await expect(get(`/api/track/cover/${savedIsrc}`)).rejects.toThrow(TypeError);

    mock.trackManager.override('getToken', { delay: 200 });
    const aborted = await fetch(`${baseUrl}/api/token`, {
      method: 'POST',
      signal: AbortSignal.timeout(50),
    }).catch((error: unknown) => error);
    expect((aborted as Error).name).toBe('TimeoutError');
  });

  it('records method, URL, headers and body, per API and in all', async () => {
    await get(`/api/track/metadata/${savedIsrc}`, { headers: { 'x-trace': 'abc' } });
    await post('/v1/auth/login', { email: 'who@example.com', password: 'x' });
    expect(mock.trackManager.calls('getTrackMetadata')).toEqual([
      {
        api: 'trackManager',
        operationId: 'getTrackMetadata',
        method: 'GET',
        url: `${baseUrl}/api/track/metadata/${savedIsrc}`,
        headers: expect.objectContaining({ 'x-trace': 'abc' }),
        body: undefined,
      },
    ]);
    expect(mock.songs.calls('login')).toEqual([
      expect.objectContaining({
        method: 'POST',
        headers: expect.objectContaining({ 'content-type': 'application/json' }),
        body: { email: 'who@example.com', password: 'x' },
      }),
    ]);
    expect(mock.calls().map((call) => `${call.api}.${call.operationId}`)).toEqual([
      'trackManager.getTrackMetadata',
      'songs.login',
    ]);
    expect(mock.collections.calls()).toEqual([]);
  });

  it('keeps the APIs apart: two APIs with one operationId are overridden and counted separately', async () => {
    mock.trackManager.override('createTrack', { status: 502 });
    const failure = await post(`/api/track/create?isrc=${demoCatalog.trackAt(201).isrc}`);
    expect(failure.status).toBe(502);
    expect(mock.trackManager.calls('createTrack')).toHaveLength(1);
    expect(mock.collections.calls('createTrack')).toHaveLength(0);
    // Plain JavaScript callers get told about a misspelled operationId at once.
    expect(() => mock.songs.override('logn' as 'login', { status: 401 })).toThrow(/Unknown operation "logn"/);
  });

  it("answers unknown paths in an API's namespace with its envelope, and leaves other paths alone", async () => {
    const unknown = await get('/v1/songs/x/y/z');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 404, description: 'Not Found' });
    const wrongMethod = await fetch(`${baseUrl}/api/track/metadata/${savedIsrc}`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(await wrongMethod.json()).toMatchObject({ status: 405, error: 'Method Not Allowed' });
    // The downloader's /api/track/info is not the track manager's: the downloader answers it, in
    // its own top-level envelope (without `id`, the original's 400 "Missing parameter: id").
    const trackInfo = await get('/api/track/info');
    expect(trackInfo.status).toBe(400);
    expect(await trackInfo.json()).toEqual({ error: 'Missing parameter: id', details: 'id: is required' });
    // A path of the downloader's namespace that no operation has: its route family's envelope.
    const unknownConfig = await get('/api/config/nothing/here');
    expect(unknownConfig.status).toBe(404);
    expect(await unknownConfig.json()).toEqual({
      detail: { error: 'No route for GET /api/config/nothing/here' },
    });
    await expect(get('/elsewhere')).rejects.toThrow(TypeError);
    expect(mock.calls().map((call) => call.operationId)).toEqual(['getTrackInfo']);
  });

  it('serves the development outbox', async () => {
    const email = 'new-artist@example.com';
    expect((await get(`/v1/auth/code?email=${encodeURIComponent(email)}`)).status).toBe(204);
    expect(await (await get('/dev/mail')).json()).toEqual([expect.objectContaining({ recipient: email })]);
    expect(mock.mail).toHaveLength(1);
  });

  it('only answers under its base URL', async () => {
    // Unanswered, the request reaches MSW's onUnhandledRequest: 'error', a failed fetch.
    await expect(fetch('https://other.example.test/api/token', { method: 'POST' })).rejects.toThrow(
      TypeError,
    );
    expect(mock.calls()).toEqual([]);
  });
});

describe('createMockCore', () => {
  const operation = (operationId: string): OperationSpec => ({
    operationId,
    method: 'GET',
    path: '/api/things/{id}',
    summary: '',
    tags: [],
    deprecated: false,
    security: [],
    parameters: [{ name: 'id', in: 'path', required: true, array: false, style: 'simple', explode: false }],
    fillBodyDefaults: false,
    responses: { 200: ['application/json'] },
  });
  const api = (
    key: string,
    operationId: string,
  ): MockApiDefinition<unknown, Record<string, OperationSpec>, null> => ({
    spec: {
      key,
      name: key,
      title: key,
      operations: { [operationId]: operation(operationId) },
      validators: { [operationId]: { params: () => true, body: undefined } },
    },
    createState: () => null,
    implement: () => ({ authenticate: {}, handlers: { [operationId]: () => ({ status: 200, body: {} }) } }),
    errorReply: (error) => ({ status: error.status, body: { message: error.message } }),
  });

  it('fails at start-up when two APIs claim one method and path', () => {
    expect(() => createMockCore({ one: api('one', 'getThing'), two: api('two', 'readThing') })).toThrow(
      'GET /api/things/{id} is claimed twice: by one.getThing and two.readThing',
    );
  });

  it('fails at start-up when an API lacks a handler', () => {
    const incomplete = api('one', 'getThing');
    incomplete.implement = () => ({ authenticate: {}, handlers: {} });
    expect(() => createMockCore({ one: incomplete })).toThrow('one: no handler for getThing');
  });
});
