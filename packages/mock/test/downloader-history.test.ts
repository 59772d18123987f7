import { demoCatalog } from '@music-apis/catalog';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupMockServer } from '../src/node.js';

// The download history on the mock's clocks: the task clock steps an album to its first track's
// end before it is cancelled (a partial record), and the wall clock moves a month on for cleanup.
const baseUrl = 'https://downloader-history.example.test';
let nowMs = Date.parse('2026-01-01T00:00:00Z');
const { server, mock } = setupMockServer({ baseUrl, now: () => new Date(nowMs) });

const call = async <Body>(path: string, init?: RequestInit) => {
  const response = await fetch(`${baseUrl}${path}`, init);
  return { status: response.status, body: (await response.json()) as Body };
};
type Entry = {
  task_id: string;
  status: string;
  successful_tracks: number | null;
  total_tracks: number | null;
};
type Children = { tracks: { title: string; status: string }[]; track_count: number };

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  mock.reset();
  mock.state.downloader.downloads.clock.auto = false;
});

const album = [...demoCatalog.albums()][5]!;
const albumTracks = demoCatalog.tracksOfAlbum(album.id);

describe('downloader mock history', () => {
  it('an album cancelled after its first track is partial, with that track as its one child', async () => {
    const { clock } = mock.state.downloader.downloads;
    const { body: queued } = await call<{ task_id: string }>(`/api/album/download/${album.id}`);
    for (let step = 0; mock.state.downloader.history.children.get(queued.task_id) === undefined; step++) {
      expect(step).toBeLessThan(50);
      await clock.advance();
    }
    // The parent's record is written only when the task ends.
    expect((await call(`/api/history/${queued.task_id}`)).status).toBe(404);
    await call(`/api/prgs/cancel/${queued.task_id}`, { method: 'POST' });

    const { body: entry } = await call<Entry>(`/api/history/${queued.task_id}`);
    expect(entry).toMatchObject({
      status: 'partial',
      successful_tracks: 1,
      total_tracks: albumTracks.length,
    });
    const { body: children } = await call<Children>(`/api/history/${queued.task_id}/children`);
    expect(children.track_count).toBe(1);
    expect(children.tracks[0]).toMatchObject({ title: albumTracks[0]!.name, status: 'completed' });
    const { body: partial } = await call<{ downloads: Entry[] }>('/api/history?status=partial');
    expect(partial.downloads.map((download) => download.task_id)).toEqual([queued.task_id]);
  });

  it('cleanup deletes the records older than days_old, with their tracks', async () => {
    mock.state.downloader.downloads.clock.auto = true;
    mock.state.downloader.downloads.clock.stepMs = 0;
    const track = albumTracks[0]!;
    const { body: old } = await call<{ task_id: string }>(`/api/track/download/${track.id}`);
    await expect
      .poll(async () => (await call<Entry>(`/api/history/${old.task_id}`)).body.status)
      .toBe('completed');

    nowMs += 31 * 24 * 60 * 60 * 1000;
    const { body: recent } = await call<{ task_id: string }>(`/api/album/download/${album.id}`);
    await expect.poll(async () => (await call<Entry>(`/api/history/${recent.task_id}`)).status).toBe(200);

    const cleaned = await call('/api/history/cleanup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ days_old: 30 }),
    });
    expect(cleaned).toEqual({
      status: 200,
      body: { message: 'Successfully cleaned up old download history', deleted_records: 1, days_old: 30 },
    });
    expect((await call(`/api/history/${old.task_id}`)).status).toBe(404);
    expect((await call(`/api/history/${recent.task_id}/children`)).status).toBe(200);
    const { body: stats } = await call<{ recent_downloads_7d: number }>('/api/history/stats');
    expect(stats.recent_downloads_7d).toBe(1);
  });
});
