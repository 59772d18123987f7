import { randomUUID } from 'node:crypto';
import { demoCatalog, README_EXAMPLE_TRACK, SEED_EXAMPLE_TRACK } from '@music-apis/catalog';
import { streamIdOf } from '@music-apis/domain';
import { STREAMING_MOCK_CLIENT } from '@music-apis/mock';
import {
  createStreamingClient,
  type StreamingErrorBody,
  type StreamingValidationErrorBody,
} from '@music-apis/sdk/streaming';
import { expect } from 'vitest';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { expectApiError } from './expect-api-error.js';

/**
 * The streaming API's catalog (issue 17, part 2): the 7digital-style artists, releases and tracks
 * over the demo catalog the other APIs serve (ids: catalog index + 1), on every target. Both the
 * tenant's token (OAuth2) and a user's token (UDT) are accepted; no token or a bad one is refused.
 */

/** The seed's example: track 1 on release 1 by artist 1; the README's track is the last. */
const SEED_TRACK_ID = '1';
const README_TRACK_ID = String(demoCatalog.trackCount);
/** Release index 3 is stream-only (one generated release in eight: `releaseUsageTypes`). */
const STREAM_ONLY_RELEASE = '4';

const tenantApi = ({ baseUrl }: ScenarioContext) =>
  createStreamingClient({
    baseUrl,
    retry: 0,
    auth: {
      tenant: { clientId: STREAMING_MOCK_CLIENT.clientId, clientSecret: STREAMING_MOCK_CLIENT.clientSecret },
    },
  });

/** A new user of the demo tenant with a UDT on a device: the end user's view of the catalog. */
async function userApi(context: ScenarioContext) {
  const tenant = tenantApi(context);
  const user = await tenant.createUser({
    body: {
      first_name: 'Cata',
      last_name: 'Log',
      email: `catalog-${randomUUID().slice(0, 8)}@example.com`,
      date_of_birth: '1990-01-15',
    },
  });
  const deviceId = randomUUID();
  const { token } = await tenant.mintUserDelegationToken({ user_id: user.id, body: { deviceId } });
  return createStreamingClient({ baseUrl: context.baseUrl, retry: 0, auth: { user: token }, deviceId });
}

async function expectValidation(call: Promise<unknown>, field: string) {
  const body = await expectApiError<StreamingValidationErrorBody>(call, 422);
  expect(body.message).toBe('The given data was invalid.');
  expect(body.errors[field], `errors.${field}`).toBeDefined();
}

async function expectNotFound(call: Promise<unknown>) {
  expect(await expectApiError<StreamingErrorBody>(call, 404)).toEqual({ message: 'Not found.' });
}

export const streamingCatalogScenarios: Scenario[] = [
  {
    name: 'catalog tracks: search finds the seed track with the ISRC the demo catalog has; details, batch with errors',
    covers: ['searchTracks', 'getTrack', 'getTracksBatch'],
    async run(context) {
      const api = await userApi(context);
      const found = await api.searchTracks({ q: 'Ellington mood' });
      expect(found).toMatchObject({ page: 1, expectedPageSize: 10, estimatedTotalItems: 1 });
      expect(found.results).toHaveLength(1);
      const track = found.results[0]!;
      expect(track).toMatchObject({
        id: 1,
        title: SEED_EXAMPLE_TRACK.name,
        isrc: SEED_EXAMPLE_TRACK.isrc,
        stream_id: streamIdOf(SEED_EXAMPLE_TRACK),
        duration: Math.round(SEED_EXAMPLE_TRACK.durationMs / 1000),
        type: 'audio',
        artist: { id: 1, name: SEED_EXAMPLE_TRACK.artistName },
        release: { id: 1, title: SEED_EXAMPLE_TRACK.albumName, trackCount: 1 },
      });
      expect(track.payload).toEqual(expect.any(String));
      // Accents and case do not matter; the last word is a prefix; every word must match.
      expect((await api.searchTracks({ q: 'ÉLLINGTON Indi' })).results.map((t) => t.id)).toEqual([1]);
      expect((await api.searchTracks({ q: 'ellington zzzz' })).results).toEqual([]);
      // The artist and the release title are searched too.
      expect((await api.searchTracks({ q: 'robeson' })).results.map((t) => t.id)).toEqual([1]);

      const details = await api.getTrack({ track_id: SEED_TRACK_ID });
      expect(details.track).toEqual(track);
      expect((await api.getTrack({ track_id: README_TRACK_ID })).track.isrc).toBe(README_EXAMPLE_TRACK.isrc);
      // imageSize picks the artwork size.
      const small = await api.getTrack({ track_id: SEED_TRACK_ID, imageSize: 50 });
      expect(small.track.cover_art).toMatch(/_50\.jpg$/);
      expect(small.track.artist.image).toMatch(/_50\.jpg$/);
      expect(track.cover_art).toMatch(/_350\.jpg$/);

      // A batch: found tracks in request order; unknown ids only listed with showErrors.
      const batch = await api.getTracksBatch({ trackids: `${README_TRACK_ID},1,999999` });
      expect(batch.items.tracks.map((t) => t.isrc)).toEqual([
        README_EXAMPLE_TRACK.isrc,
        SEED_EXAMPLE_TRACK.isrc,
      ]);
      expect(batch.items.errors).toEqual([]);
      const withErrors = await api.getTracksBatch({ trackids: '999999,2', showErrors: true });
      expect(withErrors.items.tracks.map((t) => t.id)).toEqual([2]);
      expect(withErrors.items.errors).toEqual([
        { id: '999999', code: 3001, errorMessage: 'Track not found' },
      ]);
    },
  },
  {
    name: 'catalog track search: pages, filters (artist, explicit, usage types) and for-await over every page',
    covers: ['searchTracks'],
    async run(context) {
      const api = tenantApi(context);
      // "hidden": a word of many titles and releases of the demo catalog.
      const first = await api.searchTracks({ q: 'hidden', pageSize: 10 });
      expect(first.estimatedTotalItems).toBeGreaterThan(10);
      expect(first.results).toHaveLength(10);
      const all = [];
      for await (const track of api.iterateTracks({ q: 'hidden', pageSize: 10 })) all.push(track.id);
      expect(all).toHaveLength(first.estimatedTotalItems);
      expect(new Set(all).size).toBe(all.length);
      expect(all.slice(0, 10)).toEqual(first.results.map((t) => t.id));
      const second = await api.searchTracks({ q: 'hidden', page: 2, pageSize: 10 });
      expect(second.page).toBe(2);
      expect(second.results.map((t) => t.id)).toEqual(all.slice(10, 20));
      // Best match first: tracks with the word in their title before those matched by release or artist.
      const titled = all.filter((id) => /\bhidden\b/i.test(demoCatalog.trackAt(id - 1).name));
      expect(all.slice(0, titled.length)).toEqual(titled);

      const explicitFree = await api.searchTracks({
        q: 'hidden',
        excludeExplicitContent: true,
        pageSize: 50,
      });
      expect(explicitFree.results.length).toBeGreaterThan(0);
      expect(explicitFree.results.every((t) => !t.explicitContent)).toBe(true);
      const byArtist = await api.searchTracks({ q: 'hidden', artistId: '3', pageSize: 50 });
      expect(byArtist.results.length).toBeGreaterThan(0);
      expect(byArtist.results.every((t) => t.artist.id === 3)).toBe(true);
      expect((await api.searchTracks({ q: 'hidden', artistId: '999999' })).results).toEqual([]);
      // The stream-only release's tracks are left out of download searches only.
      const onRelease = (page: { results: { release: { id: number } }[] }) =>
        page.results.filter((t) => t.release.id === Number(STREAM_ONLY_RELEASE)).length;
      expect(onRelease(await api.searchTracks({ q: 'hidden river', pageSize: 50 }))).toBeGreaterThan(0);
      expect(
        onRelease(await api.searchTracks({ q: 'hidden river', usageTypes: 'stream', pageSize: 50 })),
      ).toBeGreaterThan(0);
      expect(
        onRelease(await api.searchTracks({ q: 'hidden river', usageTypes: 'download', pageSize: 50 })),
      ).toBe(0);
    },
  },
  {
    name: 'catalog releases: search with score, details, tracks, batch; usage types and types',
    covers: ['searchReleases', 'getRelease', 'listReleaseTracks', 'getReleasesBatch'],
    async run(context) {
      const api = await userApi(context);
      const found = await api.searchReleases({ q: 'paul robeson' });
      expect(found.estimatedTotalItems).toBe(1);
      expect(found.results[0]).toMatchObject({
        id: 1,
        title: SEED_EXAMPLE_TRACK.albumName,
        trackCount: 1,
        availableFor: ['download', 'stream'],
        artist: { id: 1, name: SEED_EXAMPLE_TRACK.artistName },
        score: 0.75,
      });
      const exact = await api.searchReleases({ q: demoCatalog.albumAt(2).name });
      expect(exact.results[0]).toMatchObject({ id: 3, score: 1 });
      const all = [];
      for await (const release of api.iterateReleases({ q: 'hidden', pageSize: 10 })) all.push(release);
      expect(all.length).toBe((await api.searchReleases({ q: 'hidden' })).estimatedTotalItems);
      const scores = all.map((release) => release.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));

      const release = await api.getRelease({ release_id: '1' });
      expect(release.release).toMatchObject({
        id: 1,
        title: SEED_EXAMPLE_TRACK.albumName,
        year: 2008,
        artist: { id: 1 },
        download: { packages: [expect.objectContaining({ price: expect.any(Object) })] },
      });
      expect((await api.getRelease({ release_id: '1', imageSize: 800 })).release.image).toMatch(/_800\.jpg$/);
      const tracks = await api.listReleaseTracks({ release_id: '2' });
      expect(tracks).toMatchObject({ page: 1, pageSize: 10, totalItems: 10 });
      expect(tracks.tracks.map((t) => t.trackNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(tracks.tracks.map((t) => t.isrc)).toEqual(
        demoCatalog.tracksOfAlbum(demoCatalog.albumAt(1).id).map((t) => t.isrc),
      );
      expect(tracks.tracks.every((t) => t.release.id === 2)).toBe(true);

      // A stream-only release: listed for streaming, with nothing to download.
      const streamOnly = await api.getRelease({ release_id: STREAM_ONLY_RELEASE, usageTypes: 'stream' });
      expect(streamOnly.release.download.packages).toEqual([]);
      await expectNotFound(api.getRelease({ release_id: STREAM_ONLY_RELEASE, usageTypes: 'download' }));
      expect(
        (await api.listReleaseTracks({ release_id: STREAM_ONLY_RELEASE, usageTypes: 'download' })).totalItems,
      ).toBe(0);
      await expectNotFound(api.getTrack({ track_id: '22', usageTypes: 'download' }));

      const batch = await api.getReleasesBatch({
        releaseids: `2,999999,1,${STREAM_ONLY_RELEASE}`,
        showErrors: true,
      });
      expect(batch.items.releases.map((r) => r.id)).toEqual([2, 1, 4]);
      expect(batch.items.errors).toEqual([{ id: '999999', code: 2001, errorMessage: 'Release not found' }]);
      const downloads = await api.getReleasesBatch({
        releaseids: `1,${STREAM_ONLY_RELEASE}`,
        usageTypes: 'download',
      });
      expect(downloads.items).toEqual({ releases: [expect.objectContaining({ id: 1 })], errors: [] });
      // The seed's release has one track: a single; the others are albums.
      const singles = await api.getReleasesBatch({ releaseids: '1,2', type: 'single' });
      expect(singles.items.releases.map((r) => [r.id, r.type])).toEqual([[1, 'Single']]);
    },
  },
  {
    name: 'catalog artists: search with score, browse by letter, details, releases',
    covers: ['searchArtists', 'browseArtists', 'getArtist', 'listArtistReleases'],
    async run(context) {
      const api = tenantApi(context);
      const found = await api.searchArtists({ q: 'barney bigard' });
      expect(found).toEqual({
        estimatedTotalItems: 1,
        page: 1,
        expectedPageSize: 10,
        results: [{ id: 1, name: 'Barney Bigard', popularity: expect.any(Number), score: 1 }],
      });
      expect((await api.searchArtists({ q: 'barn' })).results[0]).toMatchObject({ id: 1, score: 0.75 });
      const orchestras = [];
      for await (const artist of api.iterateArtists({ q: 'orchestra', pageSize: 10 }))
        orchestras.push(artist.name);
      expect(orchestras.length).toBeGreaterThan(0);
      expect(orchestras.every((name) => /orchestra/i.test(name))).toBe(true);

      const artist = await api.getArtist({ artist_id: '1' });
      expect(artist).toEqual({
        status: 'ok',
        version: '1.2',
        artist: {
          id: 1,
          name: 'Barney Bigard',
          sortName: 'Bigard, Barney',
          slug: 'barney-bigard',
          image: expect.stringMatching(/_350\.jpg$/),
          bio: { text: expect.any(String) },
        },
      });
      const browse = await api.browseArtists({ letter: 'B' });
      expect(browse.artists).toMatchObject({ page: 1, pageSize: 10 });
      expect(browse.artists.artist.map((a) => a.id)).toContain(1);
      expect(browse.artists.artist.every((a) => a.name.toLowerCase().startsWith('b'))).toBe(true);
      expect(browse.artists.totalItems).toBe(browse.artists.artist.length);
      const names = (await api.browseArtists({ letter: 'the' })).artists.artist.map((a) => a.name);
      expect(names.length).toBeGreaterThan(0);
      expect(names).toEqual([...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
      expect((await api.browseArtists({ letter: 'zzz' })).artists).toEqual({
        page: 1,
        pageSize: 10,
        totalItems: 0,
        artist: [],
      });

      const releases = await api.listArtistReleases({ artist_id: '3' });
      expect(releases.releases).toMatchObject({ page: 1, pageSize: 10, totalItems: 2 });
      expect(releases.releases.releases.map((r) => r.id)).toEqual([4, 5]);
      expect(releases.releases.releases[0]!.year).toEqual(expect.stringMatching(/^\d{4}$/));
      const downloadable = await api.listArtistReleases({ artist_id: '3', usageTypes: 'download' });
      expect(downloadable.releases.releases.map((r) => r.id)).toEqual([5]);
      expect((await api.listArtistReleases({ artist_id: '3', type: 'single' })).releases.totalItems).toBe(0);
      expect((await api.listArtistReleases({ artist_id: '1', type: 'single' })).releases.totalItems).toBe(1);
      const sized = await api.listArtistReleases({ artist_id: '3', imageSize: 33 });
      expect(sized.releases.releases[0]!.image).toMatch(/_33\.jpg$/);
    },
  },
  {
    name: 'catalog: bad paging and unknown ids answer Laravel 422 / 404; no or a bad token is refused',
    covers: [
      'searchArtists',
      'searchReleases',
      'searchTracks',
      'getArtist',
      'getRelease',
      'getTrack',
      'listArtistReleases',
      'listReleaseTracks',
      'browseArtists',
      'getTracksBatch',
      'getReleasesBatch',
    ],
    async run(context) {
      const api = tenantApi(context);
      await expectValidation(api.searchTracks({ q: 'hidden', page: 0 }), 'page');
      await expectValidation(api.searchArtists({ q: 'hidden', pageSize: 9 }), 'pageSize');
      await expectValidation(api.searchReleases({ q: 'hidden', pageSize: 51 }), 'pageSize');
      await expectValidation(api.listArtistReleases({ artist_id: '1', pageSize: 100 }), 'pageSize');
      await expectValidation(api.browseArtists({ letter: 'a', page: 0 }), 'page');
      await expectValidation(api.searchTracks({ q: '' }), 'q');
      await expectValidation(api.getTrack({ track_id: '1', imageSize: 123 as 350 }), 'imageSize');
      await expectValidation(api.getTracksBatch({ trackids: '1,,2' }), 'trackids');
      await expectValidation(api.getReleasesBatch({ releaseids: 'abc' }), 'releaseids');

      // An id that is not a number is no route (as Laravel's `whereNumber`): 404 too.
      await expectNotFound(api.getArtist({ artist_id: 'abc' }));
      await expectNotFound(api.getArtist({ artist_id: '0' }));
      await expectNotFound(api.getArtist({ artist_id: '999999' }));
      await expectNotFound(api.listArtistReleases({ artist_id: '999999' }));
      await expectNotFound(api.getRelease({ release_id: '999999' }));
      await expectNotFound(api.listReleaseTracks({ release_id: '99999999999' }));
      await expectNotFound(api.getTrack({ track_id: String(demoCatalog.trackCount + 1) }));

      // A page past the last is empty, not an error.
      const past = await api.searchTracks({ q: 'ellington', page: 5 });
      expect(past).toMatchObject({ page: 5, results: [], estimatedTotalItems: 1 });
      expect((await api.searchTracks({ q: 'hidden', page: 1e12 })).results).toEqual([]);
      expect((await api.browseArtists({ letter: 'b', page: 1e12 })).artists.artist).toEqual([]);

      const anonymous = createStreamingClient({ baseUrl: context.baseUrl, retry: 0 });
      const missing = await expectApiError<StreamingErrorBody>(anonymous.searchTracks({ q: 'hidden' }), 401);
      expect(missing.code).toBe('UNAUTHENTICATED');
      const bad = createStreamingClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: { user: 'not-a-token' },
      });
      const invalid = await expectApiError<StreamingErrorBody>(bad.getTrack({ track_id: '1' }), 401);
      expect(invalid.code).toBe('INVALID_AUTH_TOKEN');
      const badTenant = createStreamingClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: { tenant: 'nope' },
      });
      expect(
        (await expectApiError<StreamingErrorBody>(badTenant.getArtist({ artist_id: '1' }), 401)).code,
      ).toBe('INVALID_AUTH_TOKEN');
    },
  },
];
