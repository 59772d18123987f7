import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type CreatedTrackDTO,
  type CreateTrackError,
  createTrackManagerClient,
  isApiError,
  type TrackManagerErrorBody,
} from '../../src/track-manager/index.js';
import { sendJson, startServer } from '../core/test-server.js';

const TRACK = {
  isrc: 'GBAYE0800657',
  name: 'Ellington: Mood Indigo',
  artistName: 'Barney Bigard',
  albumName: 'Paul Robeson',
  albumId: '4rgmqNe80mdYQz2oSmYy6o',
  isExplicit: false,
  cover_image: 'https://i.scdn.co/image/x',
};
const ERROR = {
  status: 409,
  error: 'Resource already exist',
  message: 'saved',
  timestamp: '2025-01-01T00:00:00',
};

describe('track manager client (generated methods)', () => {
  it("parses the token endpoint's text/plain JSON, sends it as `Token: Bearer` on create only, and reuses it", async (context) => {
    let tokens = 0;
    const server = await startServer(context, (request, response) => {
      if (request.url === '/api/token') {
        response.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8' });
        return void response.end(
          JSON.stringify({ access_token: `tok-${++tokens}`, token_type: 'Bearer', expires_in: 3600 }),
        );
      }
      if (request.url?.startsWith('/api/track/create'))
        return sendJson(response, 200, { ...TRACK, playBackSeconds: 201 });
      if (request.url?.startsWith('/api/track/cover/')) {
        response.writeHead(200, { 'content-type': 'image/jpeg' });
        return void response.end(Buffer.from([0xff, 0xd8, 0xff]));
      }
      sendJson(response, 200, { ...TRACK, playbackSeconds: 201 });
    });
    const tracks = createTrackManagerClient({ baseUrl: server.baseUrl });

    const created = await tracks.createTrack({ isrc: 'GBAYE0800657' });
    expectTypeOf(created).toEqualTypeOf<CreatedTrackDTO>();
    expect(created.playBackSeconds).toBe(201);
    await tracks.createTrack({ isrc: 'GBAYE0800657' });
    expect((await tracks.getTrackMetadata({ isrc: 'GBAYE0800657' })).playbackSeconds).toBe(201);
    expect(await tracks.getTrackCover({ isrc: 'GBAYE0800657' })).toEqual(new Uint8Array([0xff, 0xd8, 0xff]));
    const blob = await tracks.getTrackCoverBlob({ isrc: 'GBAYE0800657' });
    expect(blob.type).toBe('image/jpeg');
    expect((await tracks.getToken()).access_token).toBe('tok-2');

    const [token, create, createAgain, metadata, cover] = server.requests;
    expect(token?.method).toBe('POST');
    expect(create?.url).toBe('/api/track/create?isrc=GBAYE0800657');
    expect([create?.headers.token, createAgain?.headers.token]).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    // Public operations never send the credential.
    expect([metadata?.headers.token, cover?.headers.token]).toEqual([undefined, undefined]);
    expect(cover?.headers.accept).toBe('image/jpeg');
  });

  it('types the error body per documented status', async (context) => {
    const server = await startServer(context, (_request, response) => sendJson(response, 409, ERROR));
    const tracks = createTrackManagerClient({ baseUrl: server.baseUrl, token: 'fixed', retry: 0 });

    const error = await tracks.createTrack({ isrc: 'GBAYE0800657' }).catch((caught: unknown) => caught);

    expect(isApiError<CreateTrackError>(error)).toBe(true);
    if (!isApiError<CreateTrackError>(error)) return;
    expectTypeOf(error.status).toEqualTypeOf<400 | 401 | 404 | 409 | 500 | 502>();
    if (error.status === 409) expectTypeOf(error.body).toEqualTypeOf<TrackManagerErrorBody | undefined>();
    expect(error.body).toEqual(ERROR);
    expect(error.message).toBe('POST /api/track/create failed with 409: saved');
    expect(server.requests[0]?.headers.token).toBe('Bearer fixed');
  });

  it('gives the response headers and request id on success with withResponse()', async (context) => {
    const server = await startServer(context, (_request, response) =>
      sendJson(response, 200, { ...TRACK, playbackSeconds: 1 }, { 'x-request-id': 'rid-1' }),
    );
    const tracks = createTrackManagerClient({ baseUrl: server.baseUrl });

    const { data, response, requestId } = await tracks
      .getTrackMetadata({ isrc: 'GBAYE0800657' })
      .withResponse();

    expect(data.isrc).toBe('GBAYE0800657');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(requestId).toBe('rid-1');
  });

  it('passes per-call signal, timeout, headers and retry through', async (context) => {
    const server = await startServer(context, (_request, response, attempt) =>
      attempt === 1 ? sendJson(response, 503, {}) : sendJson(response, 200, { ...TRACK, playbackSeconds: 1 }),
    );
    const tracks = createTrackManagerClient({ baseUrl: server.baseUrl, retry: 0 });

    await tracks.getTrackMetadata(
      { isrc: 'GBAYE0800657' },
      { headers: { 'x-trace': 'abc' }, retry: { limit: 1, delay: () => 1 }, timeout: 5_000 },
    );
    expect(server.requests.map((request) => request.headers['x-trace'])).toEqual(['abc', 'abc']);

    const controller = new AbortController();
    controller.abort();
    await expect(
      tracks.getTrackMetadata({ isrc: 'GBAYE0800657' }, { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
