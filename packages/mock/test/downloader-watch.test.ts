import { demoCatalog } from '@music-apis/catalog';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupMockServer } from '../src/node.js';

// The mock's watch scheduler runs off the mock's clock: one watched item per interval, round
// robin, checked when the next request arrives after the clock passed the tick.
const baseUrl = 'https://watch.example.test';
let clock = new Date('2026-03-01T10:00:00.000Z');
const { server, mock } = setupMockServer({ baseUrl, now: () => clock });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => mock.reset());

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};
const advance = (seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
};

describe('the downloader mock watch lists', () => {
  it('checks one watched item per interval on the mock clock, queues new items once, and nothing while off', async () => {
    await call('POST', '/api/config', { realTime: true });
    expect(
      (await call('POST', '/api/config/watch', { enabled: true, watchPollIntervalSeconds: 600 })).status,
    ).toBe(200);
    const playlist = demoCatalog.playlists()[0]!;
    const artist = demoCatalog.artistAt(1);
    expect((await call('PUT', `/api/playlist/watch/${playlist.id}`)).status).toBe(200);
    expect((await call('PUT', `/api/artist/watch/${artist.id}`)).status).toBe(200);
    expect(mock.state.downloader.watch.queued).toEqual([]);

    advance(599);
    await call('GET', '/api/playlist/watch/list');
    expect(mock.state.downloader.watch.queued).toEqual([]);
    advance(1);
    // The first tick: the playlist (watched first); its tracks are queued and known.
    const status = await call('GET', `/api/playlist/watch/${playlist.id}/status`);
    expect(status.body.playlist_data.last_checked).toBe(Math.floor(clock.getTime() / 1000));
    const queued = mock.state.downloader.watch.queued;
    expect(queued.map((entry) => entry.type)).toEqual(playlist.trackIsrcs.map(() => 'track'));
    expect(queued[0]).toMatchObject({ item: { playlistId: playlist.id, playlistName: playlist.name } });

    // Two intervals at once: the artist, then the playlist again, which has nothing new.
    advance(1200);
    await call('GET', '/api/artist/watch/list');
    const albums = queued.filter((entry) => entry.type === 'album');
    expect(albums.map((entry) => entry.type === 'album' && entry.item.albumId).sort()).toEqual(
      demoCatalog
        .albumsOfArtist(artist.id)
        .map((album) => album.id)
        .sort(),
    );
    expect(queued).toHaveLength(playlist.trackIsrcs.length + albums.length);

    // Off: no ticks, however far the clock moves.
    await call('POST', '/api/config/watch', { enabled: false });
    const firstTrack = demoCatalog.findTrackByIsrc(playlist.trackIsrcs[0]!)!.id;
    mock.state.downloader.watch.knownTracks.get(playlist.id)!.delete(firstTrack);
    advance(36_000);
    await call('GET', '/api/playlist/watch/list');
    expect(queued).toHaveLength(playlist.trackIsrcs.length + albums.length);
  });

  it('reads a playlist in batches of maxItemsPerRun, one per check; download_existing false only marks them known', async () => {
    await call('POST', '/api/config', { realTime: true });
    await call('POST', '/api/config/watch', { enabled: true, maxItemsPerRun: 5 });
    const [playlist, other] = demoCatalog.playlists();
    await call('PUT', `/api/playlist/watch/${playlist!.id}`);
    await call('PUT', `/api/playlist/watch/${other!.id}`, { download_existing: false });
    const added = (await call('GET', `/api/playlist/watch/${playlist!.id}/status`)).body.playlist_data;

    advance(10);
    await call('POST', `/api/playlist/watch/trigger_check/${playlist!.id}`);
    const status = async (id: string) =>
      (await call('GET', `/api/playlist/watch/${id}/status`)).body.playlist_data;
    expect(await status(playlist!.id)).toMatchObject({
      batch_next_offset: 5,
      batch_processing_snapshot_id: added.snapshot_id,
      last_checked: added.last_checked, // the pass is not over yet
    });
    expect(mock.state.downloader.watch.queued).toHaveLength(5);
    await call('POST', `/api/playlist/watch/trigger_check/${playlist!.id}`);
    await call('POST', `/api/playlist/watch/trigger_check/${playlist!.id}`);
    expect(await status(playlist!.id)).toMatchObject({
      batch_next_offset: 0,
      batch_processing_snapshot_id: null,
      last_checked: added.last_checked + 10,
    });
    expect(mock.state.downloader.watch.queued).toHaveLength(playlist!.trackIsrcs.length);

    // Every playlist, then again: the other one's tracks become known without being queued.
    for (let run = 0; run < 3; run++) await call('POST', '/api/playlist/watch/trigger_check');
    expect(mock.state.downloader.watch.knownTracks.get(other!.id)?.size).toBe(other!.trackIsrcs.length);
    expect(mock.state.downloader.watch.queued).toHaveLength(playlist!.trackIsrcs.length);
  });
});
