import { demoCatalog, SEED_EXAMPLE_TRACK } from '@music-apis/catalog';
import { createDownloaderClient, type DownloaderErrorBody } from '@music-apis/sdk/downloader';
import { expect } from 'vitest';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { anonymous, asAdmin, CONTRACT_DOWNLOADER_ADMIN, expectAuthRequired } from './downloader.js';
import { expectApiError } from './expect-api-error.js';

/**
 * The downloader's catalog views and search (issue 14), over the demo catalog that the mock and
 * the server's built-in provider both serve. Auth is on (as for every downloader scenario): any
 * signed-in user may read them, nobody else.
 */

/** A plain (non-admin) user: the catalog views are `user`-guarded, not admin-only. */
async function asNewUser(context: ScenarioContext) {
  const username = `reader-${Math.random().toString(36).slice(2, 10)}`;
  const password = `${username}-password`;
  await asAdmin(context).createUser({ body: { username, password, role: 'user' } });
  return createDownloaderClient({ baseUrl: context.baseUrl, retry: 0, auth: { username, password } });
}

/** A raw GET with the admin's token, for inputs the typed SDK does not let through. */
async function rawGet(context: ScenarioContext, path: string) {
  const { access_token } = await anonymous(context).login({ body: { ...CONTRACT_DOWNLOADER_ADMIN } });
  const response = await fetch(`${context.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function expectTopLevel(call: Promise<unknown>, status: number, error: string) {
  const body = await expectApiError<DownloaderErrorBody>(call, status);
  expect(body).toMatchObject({ error });
  expect(body).not.toHaveProperty('detail');
}

// Demo items with more than one of what they page: a generated album of 10 tracks, its artist
// (two albums) and a generated playlist.
const album = demoCatalog.albumAt(1);
const albumTracks = demoCatalog.tracksOfAlbum(album.id);
const artist = demoCatalog.findArtistById(album.artistId)!;
const artistAlbums = demoCatalog.albumsOfArtist(artist.id);
const playlist = demoCatalog.playlists()[0]!;
const UNKNOWN_ID = 'NoSuchItem0000000000000';

export const downloaderCatalogScenarios: Scenario[] = [
  {
    name: 'track info: the Spotify track object the UI reads; unknown ids and missing ids in the {error} envelope',
    covers: ['getTrackInfo'],
    async run(context) {
      const reader = await asNewUser(context);
      const track = await reader.getTrackInfo({ id: SEED_EXAMPLE_TRACK.id });
      expect(track).toMatchObject({
        id: SEED_EXAMPLE_TRACK.id,
        name: 'Ellington: Mood Indigo',
        type: 'track',
        duration_ms: 201_466,
        explicit: false,
        artists: [{ id: SEED_EXAMPLE_TRACK.artistId, name: 'Barney Bigard', type: 'artist' }],
        album: {
          id: SEED_EXAMPLE_TRACK.albumId,
          name: SEED_EXAMPLE_TRACK.albumName,
          release_date: '2008-02-11',
        },
        external_ids: { isrc: 'GBAYE0800657' },
        external_urls: { spotify: `https://open.spotify.com/track/${SEED_EXAMPLE_TRACK.id}` },
      });
      expect(track.album.images[0]?.url).toBe(SEED_EXAMPLE_TRACK.coverImageUrl);
      expect(track.popularity).toBeGreaterThanOrEqual(0);
      await expectTopLevel(reader.getTrackInfo({ id: UNKNOWN_ID }), 404, `Track not found: ${UNKNOWN_ID}`);
      expect(await rawGet(context, '/api/track/info')).toMatchObject({
        status: 400,
        body: { error: 'Missing parameter: id' },
      });
      await expectAuthRequired(anonymous(context).getTrackInfo({ id: SEED_EXAMPLE_TRACK.id }));
    },
  },
  {
    name: 'album info: a page of its tracks with Spotify paging links; limit clamped, negative offset floored',
    covers: ['getAlbumInfo'],
    async run(context) {
      const reader = await asNewUser(context);
      const first = await reader.getAlbumInfo({ id: album.id, limit: 4 });
      expect(first).toMatchObject({
        id: album.id,
        name: album.name,
        type: 'album',
        total_tracks: albumTracks.length,
        release_date: album.releaseDate,
        artists: [{ id: artist.id, name: artist.name }],
        external_ids: { upc: album.upc },
      });
      expect(first.label).toEqual(expect.any(String));
      expect(first.copyrights.length).toBeGreaterThan(0);
      expect(first.tracks).toMatchObject({ total: albumTracks.length, limit: 4, offset: 0, previous: null });
      expect(first.tracks.items.map((track) => track.id)).toEqual(
        albumTracks.slice(0, 4).map((track) => track.id),
      );
      expect(first.tracks.next).toContain('offset=4');
      const last = await reader.getAlbumInfo({ id: album.id, limit: 4, offset: 8 });
      expect(last.tracks.items.map((track) => track.track_number)).toEqual([9, 10]);
      expect(last.tracks.next).toBeNull();
      // As the original passes them on to Spotify: out-of-range paging is clamped, not refused.
      const clamped = await reader.getAlbumInfo({ id: album.id, limit: 500, offset: -3 });
      expect(clamped.tracks).toMatchObject({ limit: 50, offset: 0 });
      expect(clamped.tracks.items).toHaveLength(albumTracks.length);
      await expectTopLevel(reader.getAlbumInfo({ id: UNKNOWN_ID }), 404, `Album not found: ${UNKNOWN_ID}`);
      expect(await rawGet(context, `/api/album/info?id=${album.id}&limit=many`)).toMatchObject({
        status: 400,
        body: { error: 'Invalid limit/offset' },
      });
      await expectAuthRequired(anonymous(context).getAlbumInfo({ id: album.id }));
    },
  },
  {
    name: 'artist info: the artist with a page of its albums; FastAPI 422 for limit < 1, 400 for a missing id',
    covers: ['getArtistInfo'],
    async run(context) {
      const reader = await asNewUser(context);
      const info = await reader.getArtistInfo({ id: artist.id });
      expect(info).toMatchObject({
        id: artist.id,
        name: artist.name,
        type: 'artist',
        genres: [artist.genre.toLowerCase()],
        followers: { href: null, total: expect.any(Number) },
      });
      expect(info.albums).toMatchObject({ total: artistAlbums.length, limit: 10, offset: 0, next: null });
      expect(info.albums.items.map((item) => item.id)).toEqual(artistAlbums.map((item) => item.id));
      // Nothing is watched here, so no album carries is_locally_known.
      for (const item of info.albums.items) expect(item).not.toHaveProperty('is_locally_known');
      const second = await reader.getArtistInfo({ id: artist.id, limit: 1, offset: 1 });
      expect(second.albums.items.map((item) => item.id)).toEqual([artistAlbums[1]!.id]);
      expect(second.albums.previous).toContain('offset=0');
      expect((await reader.getArtistInfo({ id: artist.id, limit: 80 })).albums.limit).toBe(50);
      const invalid = await rawGet(context, `/api/artist/info?id=${artist.id}&limit=0`);
      expect(invalid.status).toBe(422);
      expect((invalid.body.detail as { loc: string[] }[])[0]?.loc).toEqual(['query', 'limit']);
      expect(await rawGet(context, '/api/artist/info')).toMatchObject({
        status: 400,
        body: { error: 'Missing parameter: id' },
      });
      await expectTopLevel(reader.getArtistInfo({ id: UNKNOWN_ID }), 404, `Artist not found: ${UNKNOWN_ID}`);
      await expectAuthRequired(anonymous(context).getArtistInfo({ id: artist.id }));
    },
  },
  {
    name: 'playlist metadata and info: the fields the original asks Spotify for; include_tracks merges every item',
    covers: ['getPlaylistMetadata', 'getPlaylistInfo'],
    async run(context) {
      const reader = await asNewUser(context);
      const metadata = await reader.getPlaylistMetadata({ id: playlist.id });
      expect(metadata).toEqual({
        id: playlist.id,
        name: playlist.name,
        description: playlist.description,
        owner: expect.objectContaining({ display_name: playlist.ownerName }),
        images: expect.any(Array),
        snapshot_id: expect.any(String),
        public: true,
        followers: { href: null, total: expect.any(Number) },
        tracks: { total: playlist.trackIsrcs.length },
        _metadata_only: true,
        _tracks_loaded: false,
      });
      expect(await reader.getPlaylistInfo({ id: playlist.id })).toEqual(metadata);
      const full = await reader.getPlaylistInfo({ id: playlist.id, include_tracks: true });
      expect(full).toMatchObject({ id: playlist.id, _metadata_only: false, _tracks_loaded: true });
      const tracks = full.tracks as {
        items: { track: { id: string } | null }[];
        total: number;
        limit: number;
      };
      expect(tracks).toMatchObject({ total: playlist.trackIsrcs.length, limit: 100, offset: 0 });
      expect(tracks.items.map((item) => item.track?.id)).toEqual(
        playlist.trackIsrcs.map((isrc) => demoCatalog.findTrackByIsrc(isrc)!.id),
      );
      // Nothing is watched here: no track carries is_locally_known.
      for (const item of tracks.items) expect(item.track).not.toHaveProperty('is_locally_known');
      await expectTopLevel(
        reader.getPlaylistMetadata({ id: UNKNOWN_ID }),
        404,
        `Playlist not found: ${UNKNOWN_ID}`,
      );
      await expectTopLevel(
        reader.getPlaylistInfo({ id: UNKNOWN_ID }),
        404,
        `Playlist not found: ${UNKNOWN_ID}`,
      );
      expect(await rawGet(context, '/api/playlist/metadata')).toMatchObject({
        status: 400,
        body: { error: 'Missing parameter: id' },
      });
      await expectAuthRequired(anonymous(context).getPlaylistMetadata({ id: playlist.id }));
      await expectAuthRequired(anonymous(context).getPlaylistInfo({ id: playlist.id }));
    },
  },
  {
    name: 'playlist tracks: pages of items with the track fields the original asks for; limit capped at 100',
    covers: ['getPlaylistTracks'],
    async run(context) {
      const reader = await asNewUser(context);
      const ids = playlist.trackIsrcs.map((isrc) => demoCatalog.findTrackByIsrc(isrc)!.id);
      const first = await reader.getPlaylistTracks({ id: playlist.id, limit: 5 });
      expect(first).toMatchObject({ total: ids.length, limit: 5, offset: 0 });
      expect(first.items.map((item) => item.track?.id)).toEqual(ids.slice(0, 5));
      const item = first.items[0]!;
      expect(item.added_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(Object.keys(item.track!).sort()).toEqual(
        [
          'album',
          'artists',
          'duration_ms',
          'explicit',
          'external_urls',
          'id',
          'name',
          'popularity',
          'preview_url',
          'type',
        ].sort(),
      );
      const rest = await reader.getPlaylistTracks({ id: playlist.id, limit: 5, offset: 5 });
      expect(rest.items.map((entry) => entry.track?.id)).toEqual(ids.slice(5, 10));
      const capped = await reader.getPlaylistTracks({ id: playlist.id, limit: 1000, offset: -1 });
      expect(capped).toMatchObject({ limit: 100, offset: 0 });
      expect(capped.items).toHaveLength(ids.length);
      await expectTopLevel(
        reader.getPlaylistTracks({ id: UNKNOWN_ID }),
        404,
        `Playlist not found: ${UNKNOWN_ID}`,
      );
      expect(await rawGet(context, `/api/playlist/tracks?id=${playlist.id}&offset=x`)).toMatchObject({
        status: 400,
        body: { error: 'Invalid limit/offset' },
      });
      await expectAuthRequired(anonymous(context).getPlaylistTracks({ id: playlist.id }));
    },
  },
  {
    name: 'search: every type, words of names and artists, unknown types as tracks, limit clamped, {detail:{error}} errors',
    covers: ['searchSpotify'],
    async run(context) {
      const reader = await asNewUser(context);
      // The UI's own request: /search?q=&search_type=&limit=50.
      const mood = await reader.searchSpotify({ q: 'mood indigo', search_type: 'track', limit: 50 });
      expect(mood.items[0]).toMatchObject({ id: SEED_EXAMPLE_TRACK.id, type: 'track' });
      // A word of the track and a prefix of its artist's name, in any case.
      const target = demoCatalog.trackAt(37);
      const word = target.name.split(' ')[1]!;
      const artistPrefix = target.artistName.split(' ').at(-1)!.slice(0, 3).toUpperCase();
      const found = await reader.searchSpotify({ q: `${word} ${artistPrefix}`, limit: 50 });
      expect(found.items.map((item) => item?.id)).toContain(target.id);
      for (const item of found.items) {
        const track = item as { name: string; artists: { name: string }[]; album: { name: string } };
        const text = `${track.name} ${track.artists[0]!.name} ${track.album.name}`.toLowerCase();
        expect(text).toContain(word.toLowerCase());
      }
      const albums = await reader.searchSpotify({ q: album.name, search_type: 'album' });
      expect(albums.items.map((item) => item?.id)).toContain(album.id);
      expect(albums.items.every((item) => item?.type === 'album')).toBe(true);
      const artists = await reader.searchSpotify({ q: artist.name, type: 'artist' });
      expect(artists.items[0]).toMatchObject({ id: artist.id, type: 'artist' });
      const playlists = await reader.searchSpotify({ q: playlist.name, search_type: 'playlist' });
      expect(playlists.items[0]).toMatchObject({
        id: playlist.id,
        type: 'playlist',
        tracks: { total: playlist.trackIsrcs.length },
      });
      expect((await reader.searchSpotify({ q: 'mood', search_type: 'show' })).items).toEqual([]);
      // Unknown types search tracks, as the original; limit is clamped, not refused.
      const fallback = await reader.searchSpotify({ q: 'mood indigo', search_type: 'lyrics' });
      expect(fallback.items[0]).toMatchObject({ id: SEED_EXAMPLE_TRACK.id, type: 'track' });
      const common = artist.name.split(' ').at(-1)!;
      expect((await reader.searchSpotify({ q: common, search_type: 'album', limit: 1 })).items).toHaveLength(
        1,
      );
      expect((await reader.searchSpotify({ q: 'a', limit: 500 })).items.length).toBeLessThanOrEqual(50);
      expect((await reader.searchSpotify({ q: 'zzqxnomatch' })).items).toEqual([]);
      expect(await rawGet(context, '/api/search?search_type=track')).toMatchObject({
        status: 400,
        body: { detail: { error: 'Missing parameter: q' } },
      });
      expect(await rawGet(context, '/api/search?q=mood&limit=ten')).toMatchObject({
        status: 400,
        body: { detail: { error: 'limit must be an integer' } },
      });
      await expectAuthRequired(anonymous(context).searchSpotify({ q: 'mood' }));
    },
  },
];
