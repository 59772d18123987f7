import { demoCatalog } from '@music-apis/catalog';
import {
  createDownloaderClient,
  type DownloaderClient,
  type DownloaderErrorBody,
} from '@music-apis/sdk/downloader';
import { expect } from 'vitest';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { anonymous, asAdmin, expectAuthRequired } from './downloader.js';
import { expectApiError } from './expect-api-error.js';

/**
 * The watch lists (issue 15), with auth on. Each scenario turns watching on (it needs `realTime` in
 * the main configuration) and leaves it off again, and unwatches what it watched, so the others
 * find the default state. Checks run in the background on the server (its job queue) and at once
 * on the mock, so their effects are awaited by polling what a client sees: the watch row's
 * `last_checked` and the catalog views' `is_locally_known`.
 */

/** A plain (non-admin) user: the watch routes are `user`-guarded. */
async function asNewUser(context: ScenarioContext) {
  const username = `watcher-${Math.random().toString(36).slice(2, 10)}`;
  const password = `${username}-password`;
  await asAdmin(context).createUser({ body: { username, password, role: 'user' } });
  return createDownloaderClient({ baseUrl: context.baseUrl, retry: 0, auth: { username, password } });
}

async function expectNested(call: Promise<unknown>, status: number, error: string) {
  const body = await expectApiError<DownloaderErrorBody>(call, status);
  expect(body).toMatchObject({ detail: { error } });
}

/** Polls until `read` satisfies `done` (background checks on the server); its last value. */
async function eventually<Value>(read: () => Promise<Value>, done: (value: Value) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not there: ${JSON.stringify(value).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the clock's second is past `unixSeconds`, so a check's `last_checked` can move. */
async function afterSecond(unixSeconds: number) {
  const wait = (unixSeconds + 1) * 1000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 5));
}

async function withWatching(context: ScenarioContext, run: (admin: DownloaderClient) => Promise<void>) {
  const admin = asAdmin(context);
  await admin.saveConfig({ realTime: true });
  await admin.updateWatchConfig({ body: { enabled: true } });
  try {
    await run(admin);
  } finally {
    await admin.updateWatchConfig({ body: { enabled: false } });
    await admin.saveConfig({ realTime: false });
    // The checks queued real downloads (paced by `realTime`): cancelled, so the next scenarios
    // find the download queue idle.
    await admin.cancelAllTasks();
  }
}

/** `track id → is_locally_known` over the playlist's items. */
async function knownTracks(client: DownloaderClient, playlistId: string) {
  const info = await client.getPlaylistInfo({ id: playlistId, include_tracks: true });
  const items = (info.tracks as { items: { track: { id: string; is_locally_known?: boolean } | null }[] })
    .items;
  return new Map(items.map(({ track }) => [track!.id, track!.is_locally_known]));
}

async function knownAlbums(client: DownloaderClient, artistId: string) {
  const info = await client.getArtistInfo({ id: artistId, limit: 50 });
  return new Map(info.albums.items.map((album) => [album.id, album.is_locally_known]));
}

const allTrue = (known: Map<string, boolean | undefined>) =>
  [...known.values()].every((value) => value === true);

const [playlist, secondPlaylist] = demoCatalog.playlists();
const playlistTrackIds = (id: string) =>
  demoCatalog.findPlaylistById(id)!.trackIsrcs.map((isrc) => demoCatalog.findTrackByIsrc(isrc)!.id);
/** An artist with two albums of the `album` group, and one whose only album is a compilation. */
const albumArtist = demoCatalog.artistAt(1);
const compilationArtist = demoCatalog.artistAt(0);
const compilation = demoCatalog.albumsOfArtist(compilationArtist.id)[0]!;
const UNKNOWN_ID = 'NoSuchItem0000000000000';

export const downloaderWatchScenarios: Scenario[] = [
  {
    name: 'watch lists with watching off: changes and triggers answer 403 with the original texts, reads answer',
    covers: [
      'listWatchedPlaylists',
      'getPlaylistWatchStatus',
      'addPlaylistToWatchlist',
      'removePlaylistFromWatchlist',
      'markPlaylistTracksKnown',
      'unmarkPlaylistTracks',
      'triggerPlaylistWatchChecks',
      'triggerPlaylistWatchCheck',
      'listWatchedArtists',
      'getArtistWatchStatus',
      'addArtistToWatchlist',
      'removeArtistFromWatchlist',
      'markArtistAlbumsKnown',
      'unmarkArtistAlbums',
      'triggerArtistWatchChecks',
      'triggerArtistWatchCheck',
    ],
    async run(context) {
      const user = await asNewUser(context);
      expect((await asAdmin(context).getWatchConfig()).enabled).toBe(false);
      const off = 'Watch feature is currently disabled globally.';
      const p = { playlist_spotify_id: playlist!.id };
      const a = { artist_spotify_id: albumArtist.id };
      await expectNested(user.addPlaylistToWatchlist(p), 403, off);
      await expectNested(user.removePlaylistFromWatchlist(p), 403, off);
      await expectNested(
        user.markPlaylistTracksKnown({ ...p, body: ['x'] }),
        403,
        `${off} Cannot mark tracks.`,
      );
      await expectNested(user.unmarkPlaylistTracks({ ...p, body: ['x'] }), 403, `${off} Cannot mark tracks.`);
      await expectNested(user.triggerPlaylistWatchChecks(), 403, `${off} Cannot trigger check.`);
      await expectNested(user.triggerPlaylistWatchCheck(p), 403, `${off} Cannot trigger check.`);
      await expectNested(user.addArtistToWatchlist(a), 403, off);
      await expectNested(user.removeArtistFromWatchlist(a), 403, off);
      await expectNested(
        user.markArtistAlbumsKnown({ ...a, body: ['x'] }),
        403,
        `${off} Cannot mark albums.`,
      );
      await expectNested(user.unmarkArtistAlbums({ ...a, body: ['x'] }), 403, `${off} Cannot mark albums.`);
      await expectNested(user.triggerArtistWatchChecks(), 403, `${off} Cannot trigger check.`);
      await expectNested(user.triggerArtistWatchCheck(a), 403, `${off} Cannot trigger check.`);
      // Not gated: the lists and the status.
      expect(await user.listWatchedPlaylists()).toEqual([]);
      expect(await user.listWatchedArtists()).toEqual([]);
      expect(await user.getPlaylistWatchStatus(p)).toEqual({ is_watched: false });
      expect(await user.getArtistWatchStatus(a)).toEqual({ is_watched: false });
      // Nothing was written by the refused calls: the views carry no `is_locally_known`.
      expect(
        [...(await knownTracks(user, playlist!.id)).values()].every((known) => known === undefined),
      ).toBe(true);
      await expectAuthRequired(anonymous(context).listWatchedPlaylists());
      await expectAuthRequired(anonymous(context).getArtistWatchStatus(a));
    },
  },
  {
    name: 'playlist watch: added once, its row listed, a triggered check marks its tracks known and moves the check time; removed',
    covers: [
      'addPlaylistToWatchlist',
      'getPlaylistWatchStatus',
      'listWatchedPlaylists',
      'triggerPlaylistWatchCheck',
      'removePlaylistFromWatchlist',
      'getPlaylistInfo',
    ],
    async run(context) {
      const user = await asNewUser(context);
      const id = playlist!.id;
      await withWatching(context, async () => {
        // A refused caller writes nothing.
        await expectAuthRequired(anonymous(context).addPlaylistToWatchlist({ playlist_spotify_id: id }));
        expect(await user.getPlaylistWatchStatus({ playlist_spotify_id: id })).toEqual({ is_watched: false });

        expect(await user.addPlaylistToWatchlist({ playlist_spotify_id: id })).toEqual({
          message: `Playlist ${id} added to watchlist. Tracks will be processed shortly.`,
        });
        expect(
          await user.addPlaylistToWatchlist({
            playlist_spotify_id: id,
            body: { watch_new_additions: true, download_existing: true },
          }),
        ).toEqual({ message: `Playlist ${id} is already being watched.` });
        const status = await user.getPlaylistWatchStatus({ playlist_spotify_id: id });
        expect(status).toMatchObject({
          is_watched: true,
          playlist_data: {
            spotify_id: id,
            name: playlist!.name,
            owner_name: playlist!.ownerName,
            total_tracks: playlist!.trackIsrcs.length,
            link: `https://open.spotify.com/playlist/${id}`,
            is_active: 1,
            batch_next_offset: 0,
            batch_processing_snapshot_id: null,
          },
        });
        const row = status.playlist_data!;
        expect(row.last_checked).toBe(row.added_at);
        expect(await user.listWatchedPlaylists()).toEqual([row]);
        // Watched, nothing known yet: every track says so.
        const before = await knownTracks(user, id);
        expect([...before.keys()]).toEqual(playlistTrackIds(id));
        expect([...before.values()].every((known) => known === false)).toBe(true);

        await afterSecond(row.added_at!);
        expect(await user.triggerPlaylistWatchCheck({ playlist_spotify_id: id })).toEqual({
          message: `Playlist check triggered successfully in the background for ${id}.`,
        });
        const checked = await eventually(
          () => user.getPlaylistWatchStatus({ playlist_spotify_id: id }),
          (value) => (value.playlist_data?.last_checked ?? 0) > row.added_at!,
        );
        expect(checked.playlist_data).toMatchObject({ snapshot_id: row.snapshot_id, batch_next_offset: 0 });
        expect(allTrue(await knownTracks(user, id))).toBe(true);
        // Its new tracks became download tasks, as the original queues them.
        const tasks = await user.listTasks({ page: 1, limit: 100 });
        const queuedUrls = tasks.tasks.map((task) => task.original_url);
        for (const trackId of playlistTrackIds(id))
          expect(queuedUrls).toContainEqual(
            expect.stringMatching(new RegExp(`/api/track/download/${trackId}$`)),
          );

        // Unknown and malformed ids, in the {detail: {error}} envelope.
        await expectNested(
          user.addPlaylistToWatchlist({ playlist_spotify_id: UNKNOWN_ID }),
          404,
          `Could not fetch details for playlist ${UNKNOWN_ID} from Spotify.`,
        );
        await expectNested(
          user.triggerPlaylistWatchCheck({ playlist_spotify_id: UNKNOWN_ID }),
          404,
          `Playlist ${UNKNOWN_ID} is not in the watchlist. Add it first.`,
        );
        await expectNested(
          user.removePlaylistFromWatchlist({ playlist_spotify_id: UNKNOWN_ID }),
          404,
          `Playlist ${UNKNOWN_ID} not found in watchlist.`,
        );
        await expectNested(
          user.getPlaylistWatchStatus({ playlist_spotify_id: 'not-an-id!' }),
          400,
          'Invalid request',
        );
        await expectNested(
          user.unmarkPlaylistTracks({ playlist_spotify_id: 'not-an-id!', body: [id] }),
          400,
          'Invalid request',
        );
        expect(await user.listWatchedPlaylists()).toHaveLength(1);

        expect(await user.removePlaylistFromWatchlist({ playlist_spotify_id: id })).toEqual({
          message: `Playlist ${id} removed from watchlist.`,
        });
        expect(await user.getPlaylistWatchStatus({ playlist_spotify_id: id })).toEqual({ is_watched: false });
        expect(await user.listWatchedPlaylists()).toEqual([]);
        expect([...(await knownTracks(user, id)).values()].every((known) => known === undefined)).toBe(true);
      });
    },
  },
  {
    name: 'playlist tracks marked and unmarked by hand; a check of every playlist finds the forgotten ones again',
    covers: ['markPlaylistTracksKnown', 'unmarkPlaylistTracks', 'triggerPlaylistWatchChecks'],
    async run(context) {
      const user = await asNewUser(context);
      const id = secondPlaylist!.id;
      const [first, second, third] = playlistTrackIds(id);
      await withWatching(context, async () => {
        await expectNested(
          user.markPlaylistTracksKnown({ playlist_spotify_id: id, body: [first!] }),
          404,
          `Playlist ${id} is not being watched.`,
        );
        await user.addPlaylistToWatchlist({ playlist_spotify_id: id, body: { download_existing: false } });
        // Upstream's bare array and the seed's {track_ids} both work.
        expect(
          await user.markPlaylistTracksKnown({ playlist_spotify_id: id, body: [first!, second!] }),
        ).toEqual({
          message: `Successfully processed 2 tracks for playlist ${id}.`,
        });
        expect(
          await user.markPlaylistTracksKnown({
            playlist_spotify_id: id,
            body: { track_ids: [third!, UNKNOWN_ID] },
          }),
        ).toEqual({ message: `Successfully processed 1 tracks for playlist ${id}.` });
        expect(
          await user.markPlaylistTracksKnown({ playlist_spotify_id: id, body: { track_ids: [UNKNOWN_ID] } }),
        ).toEqual({
          message: 'No valid track details could be fetched to mark as known.',
          processed_count: 0,
        });
        let known = await knownTracks(user, id);
        expect([first, second, third].map((track) => known.get(track!))).toEqual([true, true, true]);
        expect([...known.values()].filter((value) => value === false)).toHaveLength(known.size - 3);

        expect(
          await user.unmarkPlaylistTracks({
            playlist_spotify_id: id,
            body: { track_ids: [first!, UNKNOWN_ID] },
          }),
        ).toEqual({ message: `Successfully removed 1 tracks locally for playlist ${id}.` });
        known = await knownTracks(user, id);
        expect([first, second].map((track) => known.get(track!))).toEqual([false, true]);

        for (const body of [{}, [{}], { track_ids: [{}] }, [], 'x'])
          await expectNested(
            user.markPlaylistTracksKnown({ playlist_spotify_id: id, body: body as never }),
            400,
            'Invalid request body. Expecting a JSON array of track Spotify IDs.',
          );
        await expectNested(
          user.unmarkPlaylistTracks({ playlist_spotify_id: UNKNOWN_ID, body: [first!] }),
          404,
          `Playlist ${UNKNOWN_ID} is not being watched.`,
        );

        expect(await user.triggerPlaylistWatchChecks()).toEqual({
          message: 'Playlist check triggered successfully in the background for all playlists.',
        });
        await eventually(() => knownTracks(user, id), allTrue);
        await user.removePlaylistFromWatchlist({ playlist_spotify_id: id });
      });
    },
  },
  {
    name: 'artist watch: row, a check marks the albums of the watched groups known, albums marked and unmarked, removed',
    covers: [
      'addArtistToWatchlist',
      'getArtistWatchStatus',
      'listWatchedArtists',
      'triggerArtistWatchCheck',
      'triggerArtistWatchChecks',
      'markArtistAlbumsKnown',
      'unmarkArtistAlbums',
      'removeArtistFromWatchlist',
      'getArtistInfo',
    ],
    async run(context) {
      const user = await asNewUser(context);
      const id = albumArtist.id;
      const other = compilationArtist.id;
      await withWatching(context, async () => {
        expect(await user.addArtistToWatchlist({ artist_spotify_id: id })).toEqual({
          message: `Artist ${id} added to watchlist. Albums will be processed shortly.`,
        });
        expect(await user.addArtistToWatchlist({ artist_spotify_id: id })).toEqual({
          message: `Artist ${id} is already being watched.`,
        });
        await user.addArtistToWatchlist({ artist_spotify_id: other, body: { watch_new_releases: true } });
        const status = await user.getArtistWatchStatus({ artist_spotify_id: id });
        expect(status).toMatchObject({
          is_watched: true,
          artist_data: {
            spotify_id: id,
            name: albumArtist.name,
            link: `https://open.spotify.com/artist/${id}`,
            total_albums_on_spotify: demoCatalog.albumsOfArtist(id).length,
            is_active: 1,
            batch_next_offset: 0,
          },
        });
        const row = status.artist_data!;
        expect((await user.listWatchedArtists()).map((artist) => artist.spotify_id).sort()).toEqual(
          [id, other].sort(),
        );
        expect([...(await knownAlbums(user, id)).values()].every((known) => known === false)).toBe(true);

        await afterSecond(row.added_at!);
        expect(await user.triggerArtistWatchCheck({ artist_spotify_id: id })).toEqual({
          message: `Artist check triggered successfully in the background for ${id}.`,
        });
        await eventually(
          () => user.getArtistWatchStatus({ artist_spotify_id: id }),
          (value) => (value.artist_data?.last_checked ?? 0) > row.added_at!,
        );
        expect(allTrue(await knownAlbums(user, id))).toBe(true);

        // The other artist's only album is a compilation: not a watched group (album, single).
        expect(await user.triggerArtistWatchChecks()).toEqual({
          message: 'Artist check triggered successfully in the background for all artists.',
        });
        const otherRow = (await user.getArtistWatchStatus({ artist_spotify_id: other })).artist_data!;
        await eventually(
          () => user.getArtistWatchStatus({ artist_spotify_id: other }),
          (value) => (value.artist_data?.last_checked ?? 0) > otherRow.added_at!,
        );
        expect(await knownAlbums(user, other)).toEqual(new Map([[compilation.id, false]]));
        expect(
          await user.markArtistAlbumsKnown({
            artist_spotify_id: other,
            body: { album_ids: [compilation.id] },
          }),
        ).toEqual({ message: `Successfully processed 1 albums for artist ${other}.` });
        expect(await knownAlbums(user, other)).toEqual(new Map([[compilation.id, true]]));
        expect(await user.markArtistAlbumsKnown({ artist_spotify_id: other, body: [UNKNOWN_ID] })).toEqual({
          message: 'No valid album details could be fetched to mark as known.',
          processed_count: 0,
        });
        expect(await user.unmarkArtistAlbums({ artist_spotify_id: other, body: [compilation.id] })).toEqual({
          message: `Successfully removed 1 albums locally for artist ${other}.`,
        });
        expect(await knownAlbums(user, other)).toEqual(new Map([[compilation.id, false]]));
        await expectNested(
          user.unmarkArtistAlbums({ artist_spotify_id: other, body: { album_ids: [{}] } as never }),
          400,
          'Invalid request body. Expecting a JSON array of album Spotify IDs.',
        );

        await expectNested(
          user.addArtistToWatchlist({ artist_spotify_id: UNKNOWN_ID }),
          404,
          `Could not fetch artist metadata for ${UNKNOWN_ID} to initiate watch.`,
        );
        await expectNested(
          user.markArtistAlbumsKnown({ artist_spotify_id: UNKNOWN_ID, body: [compilation.id] }),
          404,
          `Artist ${UNKNOWN_ID} is not being watched.`,
        );
        await expectNested(
          user.triggerArtistWatchCheck({ artist_spotify_id: UNKNOWN_ID }),
          404,
          `Artist ${UNKNOWN_ID} is not in the watchlist. Add it first.`,
        );
        await expectAuthRequired(anonymous(context).removeArtistFromWatchlist({ artist_spotify_id: id }));
        expect((await user.getArtistWatchStatus({ artist_spotify_id: id })).is_watched).toBe(true);

        expect(await user.removeArtistFromWatchlist({ artist_spotify_id: id })).toEqual({
          message: `Artist ${id} removed from watchlist.`,
        });
        await expectNested(
          user.removeArtistFromWatchlist({ artist_spotify_id: id }),
          404,
          `Artist ${id} not found in watchlist.`,
        );
        await user.removeArtistFromWatchlist({ artist_spotify_id: other });
        expect(await user.listWatchedArtists()).toEqual([]);
        expect([...(await knownAlbums(user, id)).values()].every((known) => known === undefined)).toBe(true);
      });
    },
  },
];
