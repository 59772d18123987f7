import { describe, expect, expectTypeOf, it } from 'vitest';
import { HttpError, RequestValidationError } from '../src/core/errors.js';
import {
  type AnyApiImplementation,
  type ApiImplementation,
  type OperationInput,
  runOperation,
} from '../src/core/handlers.js';
import { pendingHandlers } from '../src/core/pending.js';
import type { RawRequest } from '../src/core/request.js';
import { type operations, songsSpec } from '../src/songs/index.gen.js';
import {
  type operations as TrackManagerOperations,
  trackManagerSpec,
} from '../src/track-manager/index.gen.js';

type TrackManager = ApiImplementation<
  TrackManagerOperations,
  typeof trackManagerSpec.operations,
  { catalogToken: string },
  { calls: string[] },
  Uint8Array
>;

const request = (overrides: Partial<RawRequest> = {}): RawRequest => ({
  pathParams: {},
  query: new URLSearchParams(),
  header: () => undefined,
  body: undefined,
  ...overrides,
});

function trackManager(): TrackManager {
  return {
    spec: trackManagerSpec,
    authenticate: {
      catalogToken: (raw) => {
        const token = raw.header('token');
        if (!token) throw new HttpError(401, 'Missing Token header');
        return token;
      },
    },
    handlers: {
      getToken: () => ({ status: 200, body: '{}', contentType: 'text/plain' }),
      createTrack: ({ query, principal }, env) => {
        env.calls.push(`create ${query.isrc} with ${principal}`);
        return {
          status: 200,
          body: {
            isrc: query.isrc,
            name: 'n',
            artistName: 'a',
            albumName: 'b',
            albumId: 'c',
            isExplicit: false,
            playBackSeconds: 1,
            cover_image: 'https://example.org/c.jpg',
          },
        };
      },
      getTrackMetadata: ({ path }) => {
        throw new HttpError(404, `Track with ISRC ${path.isrc} not found`);
      },
      getTrackCover: () => ({ status: 200, body: new Uint8Array([1]), contentType: 'image/jpeg' }),
      getAllTracks: () => {
        throw new HttpError(404, 'Page index must not be less than zero');
      },
    },
  };
}

const run = (api: TrackManager, operationId: string, raw: RawRequest, env = { calls: [] as string[] }) =>
  runOperation(
    api as unknown as AnyApiImplementation<{ calls: string[] }, Uint8Array>,
    operationId,
    raw,
    env,
  );

describe('runOperation', () => {
  it('authenticates, validates, then hands the handler its typed input and principal', async () => {
    const env = { calls: [] as string[] };
    const reply = await run(
      trackManager(),
      'createTrack',
      request({
        query: new URLSearchParams('isrc=GBAYE0800657'),
        header: (name) => (name.toLowerCase() === 'token' ? 'Bearer t' : undefined),
      }),
      env,
    );
    expect(reply.status).toBe(200);
    expect(env.calls).toEqual(['create GBAYE0800657 with Bearer t']);
  });

  it('refuses missing credentials before reading the input, and bad input before the handler', async () => {
    const env = { calls: [] as string[] };
    await expect(run(trackManager(), 'createTrack', request(), env)).rejects.toMatchObject({ status: 401 });
    await expect(
      run(
        trackManager(),
        'createTrack',
        request({ query: new URLSearchParams('isrc=short'), header: () => 'Bearer t' }),
        env,
      ),
    ).rejects.toBeInstanceOf(RequestValidationError);
    expect(env.calls).toEqual([]);
  });

  it('types every handler from the document', () => {
    type CreateSongInput = OperationInput<operations['createSong'], string>;
    expectTypeOf<CreateSongInput['body']>().toHaveProperty('title');
    expectTypeOf<OperationInput<operations['getSong'], string>['path']>().toEqualTypeOf<{ songId: string }>();
    expectTypeOf(songsSpec.operations.getSong.security).toEqualTypeOf<readonly [readonly ['accessJwt']]>();

    const api = trackManager();
    // @ts-expect-error a misspelled handler does not compile
    api.handlers.getTrackMetdata = api.handlers.getTrackMetadata;
    const incomplete: Omit<TrackManager['handlers'], 'getTrackCover'> = api.handlers;
    // @ts-expect-error a missing handler does not compile
    const _missing: TrackManager['handlers'] = incomplete;
    // @ts-expect-error an undocumented status does not compile
    api.handlers.getToken = () => ({ status: 201, body: '' });
    // @ts-expect-error input is typed: the query has no `isbn`
    api.handlers.createTrack = ({ query }) => ({ status: 200, body: query.isbn });
  });
});

describe('pendingHandlers', () => {
  it('answers an operation not built yet with 501, after authentication and validation', async () => {
    const api = trackManager();
    const env = { calls: [] as string[] };
    const implementation = { ...api, handlers: { ...api.handlers, ...pendingHandlers(['getTrackCover']) } };
    const run = (raw: RawRequest) =>
      runOperation(
        implementation as unknown as AnyApiImplementation<typeof env, Uint8Array>,
        'getTrackCover',
        raw,
        env,
      );
    await expect(run(request({ pathParams: { isrc: 'GBAYE0800657' } }))).rejects.toMatchObject({
      status: 501,
      message: 'getTrackCover is documented but not built yet in this reference server',
    });
    await expect(run(request({ pathParams: { isrc: 'short' } }))).rejects.toBeInstanceOf(
      RequestValidationError,
    );
  });
});
