import { trackPageView } from '@music-apis/domain';
import type { operations as songsOperations, songsSpec } from '@music-apis/spec/songs';
import type { operations as trackManagerOperations, trackManagerSpec } from '@music-apis/spec/track-manager';
import { describe, expectTypeOf, it } from 'vitest';
import {
  createMock,
  type DocumentedStatus,
  type MockCall,
  type MockHandlers,
  type SongsPrincipals,
  type TrackManagerPrincipals,
} from '../src/index.js';

// Type tests: `tsc --noEmit -p packages/mock` checks them (each `@ts-expect-error` must be an
// error, or the build fails); vitest runs the file too, where nothing here calls the mock.
const mock = createMock();
type TrackManagerHandlers = MockHandlers<
  trackManagerOperations,
  typeof trackManagerSpec.operations,
  TrackManagerPrincipals
>;

describe('the mock API is typed from the documents', () => {
  it('accepts documented statuses and bodies of their schema', () => {
    expectTypeOf(mock.songs.override<'login'>)
      .parameter(1)
      .toHaveProperty('status');
    expectTypeOf<DocumentedStatus<songsOperations['login']>>().toEqualTypeOf<
      200 | 400 | 401 | 404 | 413 | 415 | 429 | 503
    >();
    expectTypeOf(mock.songs.calls('login')).toEqualTypeOf<MockCall<string, 'login'>[]>();
    expectTypeOf(mock.state.songs.songs).toHaveProperty('get');
    expectTypeOf(mock.state.collections.limits.maxAudioBytes).toEqualTypeOf<number>();

    const typed = () => {
      mock.songs.override('login', { status: 401 });
      mock.songs.override('login', { status: 200, body: { accessToken: 'a', refreshToken: 'r' } });
      mock.songs.override('login', { status: 429, body: { code: 429, description: 'Too Many', cause: 'x' } });
      mock.songs.override('updateSong', { status: 204, times: 1 });
      mock.trackManager.override('getToken', { status: 200, body: '{"access_token":"t"}' });
      mock.trackManager.override('getTrackCover', { status: 200, body: new Uint8Array([0xff, 0xd8]) });
      mock.collections.override('listCollections', { networkError: true });
      mock.collections.override('getCollection', { delay: 100, headers: { 'x-a': 'b' } });
      mock.collections.override('getTrack', { respond: ({ errorResponse }) => errorResponse(503) });
    };
    expectTypeOf(typed).toBeFunction();
  });

  it('does not compile a misspelled API, operationId or status, or a wrongly typed body', () => {
    const misspelled = () => {
      // @ts-expect-error: no API `song`
      mock.song.override('login', { status: 401 });
      // @ts-expect-error: no operation `logn` in songs
      mock.songs.override('logn', { status: 401 });
      // @ts-expect-error: `getTrackMetadata` is the track manager's, not the songs API's
      mock.songs.override('getTrackMetadata', { status: 200 });
      // @ts-expect-error: no operation `logn` to read the calls of
      mock.songs.calls('logn');
      // @ts-expect-error: login does not document 403
      mock.songs.override('login', { status: 403 });
      // @ts-expect-error: getTrackMetadata documents 200, 400 and 404 only
      mock.trackManager.override('getTrackMetadata', { status: 503 });
      // @ts-expect-error: a LoginResponse has no `token`
      mock.songs.override('login', { status: 200, body: { token: 'a' } });
      // @ts-expect-error: `accessToken` is a string
      mock.songs.override('login', { status: 200, body: { accessToken: 1, refreshToken: 'r' } });
      // @ts-expect-error: login's 200 is a LoginResponse, not the error envelope
      mock.songs.override('login', { status: 200, body: { code: 200, description: 'OK', cause: '' } });
      // @ts-expect-error: listSongs' 401 is the empty bearer challenge: no body
      mock.songs.override('listSongs', { status: 401, body: { code: 401, description: 'x', cause: 'y' } });
      // @ts-expect-error: a 204 has no body
      mock.songs.override('updateSong', { status: 204, body: { songId: 'x' } });
      // @ts-expect-error: a status and a network error at once
      mock.songs.override('login', { status: 401, networkError: true });
    };
    expectTypeOf(misspelled).toBeFunction();
  });

  it('does not compile a missing or misspelled handler, or a wrong reply', () => {
    const handlers = {
      getToken: () => ({ status: 200 as const, body: '{}' }),
      createTrack: () => ({ status: 200 as const, body: createdTrack }),
      getTrackMetadata: ({ path }: { path: { isrc: string } }) => ({
        status: 200 as const,
        body: { ...track, isrc: path.isrc },
      }),
      getTrackCover: () => ({ status: 200 as const, body: new Uint8Array() }),
      getAllTracks: () => ({ status: 200 as const, body: trackPageView([], 0, 10, 0) }),
    };
    expectTypeOf(handlers).toMatchTypeOf<TrackManagerHandlers>();
    const checks = () => {
      // @ts-expect-error: getTrackCover is missing
      const missing: TrackManagerHandlers = {
        getToken: handlers.getToken,
        createTrack: handlers.createTrack,
        getTrackMetadata: handlers.getTrackMetadata,
        getAllTracks: handlers.getAllTracks,
      };
      const misspelled: TrackManagerHandlers = {
        ...handlers,
        // @ts-expect-error: no operation `getTrackMetadta`
        getTrackMetadta: handlers.getTrackMetadata,
      };
      const wrongReply: TrackManagerHandlers = {
        ...handlers,
        // @ts-expect-error: getTrackMetadata answers 200 with a TrackDTO, not 201
        getTrackMetadata: () => ({ status: 201 as const, body: track }),
      };
      const songsHandlers: Partial<
        MockHandlers<songsOperations, typeof songsSpec.operations, SongsPrincipals>
      > = {
        // The principal is the access token's caller, typed from the operation's security.
        listSongs: ({ principal, query }) => ({
          status: 200,
          body: [principal.userId, query.limit].map(() => song),
        }),
        // @ts-expect-error: the query has no `pageSize`
        countSongs: ({ query }) => ({ status: 200, body: { count: query.pageSize } }),
      };
      return [missing, misspelled, wrongReply, songsHandlers];
    };
    expectTypeOf(checks).toBeFunction();
  });
});

const track = {
  isrc: 'GBAYE0800657',
  name: 'n',
  artistName: 'a',
  albumName: 'b',
  albumId: 'c',
  isExplicit: false,
  playbackSeconds: 1,
  cover_image: 'https://example.test/cover.jpg',
};
const { playbackSeconds, ...rest } = track;
const createdTrack = { ...rest, playBackSeconds: playbackSeconds };
const song = {
  id: 'x',
  ownerId: 'y',
  createdAt: '2025-01-01T00:00:00',
  title: 't',
  genres: [],
  archived: false,
  coverRemixSample: false,
  audioEncodingStatus: 'NotStarted' as const,
  mintingStatus: 'Undistributed' as const,
  marketplaceStatus: 'NotSelling' as const,
};
