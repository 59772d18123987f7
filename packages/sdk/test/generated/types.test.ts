import { describe, expectTypeOf, it } from 'vitest';
import {
  type CollectionsClient,
  createCollectionsClient,
  type GetTrackResult,
  type UpdateCollectionParams,
} from '../../src/collections/index.js';
import type {
  ListSongsParams,
  Song,
  SongsClient,
  SongsErrorBody,
  UpdateSongError,
} from '../../src/songs/index.js';
import {
  type ApiError,
  type ApiPromise,
  type GetTokenResult,
  isApiError,
  type TrackManagerClient,
  type TrackManagerErrorBody,
} from '../../src/track-manager/index.js';

// Type-level checks: `tsc --noEmit -p packages/sdk` fails when one of the `@ts-expect-error`
// lines below compiles, i.e. when the generated methods stop rejecting what they must reject.
// The bodies never run (`typeOnly` is never called): only the compiler reads them.
function typeOnly(tracks: TrackManagerClient, songs: SongsClient, adn: CollectionsClient) {
  // @ts-expect-error a misspelled method does not exist
  tracks.getTrackMetdata({ isrc: 'GBAYE0800657' });
  // @ts-expect-error a misspelled parameter is not an argument
  tracks.getTrackMetadata({ irsc: 'GBAYE0800657' });
  // @ts-expect-error a required path parameter cannot be left out
  tracks.getTrackMetadata({});
  // @ts-expect-error the credential header the client sends (`Token`) is not an argument
  tracks.createTrack({ isrc: 'GBAYE0800657', Token: 'Bearer x' });
  // @ts-expect-error a wrong parameter type
  songs.listSongs({ limit: 'ten' });
  // @ts-expect-error an array parameter takes an array
  songs.listSongs({ genres: 'Jazz' });
  // @ts-expect-error an unknown enum value
  songs.createSong({ body: { title: 'x', genres: ['Pop'], barcodeType: 'Isbn' } });
  // @ts-expect-error the body goes under `body`
  songs.createSong({ title: 'x', genres: ['Pop'] });
  // @ts-expect-error the body is typed by its schema
  songs.createSong({ body: { title: 'x' } });
  // @ts-expect-error a path parameter is named as in the document (`collection_id`)
  adn.getCollection({ collectionId: 'c1' });
  // @ts-expect-error per-call options are signal, timeout, headers, retry (and progress)
  tracks.getToken(undefined, { retries: 2 });
  return [tracks, songs, adn];
}

describe('generated types', () => {
  it('types arguments, results and errors from the documents', () => {
    expectTypeOf(typeOnly).toBeFunction();
    expectTypeOf<TrackManagerClient['getToken']>().returns.toEqualTypeOf<ApiPromise<GetTokenResult>>();
    expectTypeOf<GetTokenResult>().toHaveProperty('access_token').toEqualTypeOf<string>();
    expectTypeOf<Parameters<TrackManagerClient['getTrackCover']>[0]>().toEqualTypeOf<{ isrc: string }>();
    expectTypeOf<Awaited<ReturnType<TrackManagerClient['getTrackCover']>>>().toEqualTypeOf<Uint8Array>();
    // No inputs: the argument is optional.
    expectTypeOf<TrackManagerClient['getToken']>()
      .parameter(0)
      .toEqualTypeOf<Record<string, never> | undefined>();
    expectTypeOf<ListSongsParams['genres']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<Awaited<ReturnType<SongsClient['listSongs']>>>().toEqualTypeOf<Song[]>();
    expectTypeOf<Awaited<ReturnType<SongsClient['updateSong']>>>().toEqualTypeOf<void>();
    expectTypeOf<UpdateCollectionParams>().toHaveProperty('collection_id');
    expectTypeOf<UpdateCollectionParams>().toHaveProperty('body');
    expectTypeOf<Awaited<ReturnType<CollectionsClient['getTrack']>>>().toEqualTypeOf<GetTrackResult>();
    expectTypeOf(createCollectionsClient).returns.toEqualTypeOf<CollectionsClient>();
    // One ApiError per documented status; the status narrows the body (401 has none in songs).
    expectTypeOf<UpdateSongError['status']>().toEqualTypeOf<400 | 401 | 403 | 404 | 409 | 413 | 415 | 422>();
    expectTypeOf<Extract<UpdateSongError, { status: 401 }>['body']>().toEqualTypeOf<undefined>();
    expectTypeOf<Extract<UpdateSongError, { status: 404 }>['body']>().toEqualTypeOf<
      SongsErrorBody | undefined
    >();
    const error: unknown = undefined;
    if (isApiError<TrackManagerErrorBody>(error))
      expectTypeOf(error).toEqualTypeOf<ApiError<TrackManagerErrorBody>>();
  });
});
