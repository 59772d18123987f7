import { randomUUID } from 'node:crypto';
import { demoCatalog } from '@music-apis/catalog';
import { streamIdOf, streamingTrackIdOf } from '@music-apis/domain';
import { createStreamingClient, type StreamingClient } from '@music-apis/sdk/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../../../tests/contract/postgres.js';
import { createStreamingClient as createOAuthClient } from '../src/streaming/clients.js';
import { recordPlay } from '../src/streaming/playlists.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * What the contract scenarios cannot show from outside yet: "continue listening" from recorded plays
 * (plays are recorded by the HLS manifest operation, through `recordPlay`), and the playlist
 * positions under concurrent changes, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.
 */

async function userApi(
  test: TestServer,
  slug = 'acme',
): Promise<{ api: StreamingClient; userId: string; tenantId: string }> {
  const client = await createOAuthClient(test.server.db, { tenant: slug });
  const tenant = createStreamingClient({
    baseUrl: test.baseUrl,
    retry: 0,
    auth: { tenant: { clientId: client.clientId, clientSecret: client.clientSecret } },
  });
  const user = await tenant.createUser({
    body: {
      first_name: 'Cora',
      last_name: 'Current',
      email: `cora-${randomUUID().slice(0, 8)}@example.com`,
      date_of_birth: '1988-08-08',
    },
  });
  const deviceId = randomUUID();
  const { token } = await tenant.mintUserDelegationToken({ user_id: user.id, body: { deviceId } });
  return {
    api: createStreamingClient({ baseUrl: test.baseUrl, retry: 0, auth: { user: token }, deviceId }),
    userId: user.id,
    tenantId: client.tenant.id,
  };
}

function playlistRules(name: string, start: () => Promise<TestServer>) {
  describe(name, () => {
    let test: TestServer;
    beforeAll(async () => {
      test = await start();
    });
    afterAll(async () => {
      await test.stop(true);
    });

    it('continue listening: the user’s plays, newest first, counted; the revision changes with them and only with them', async () => {
      const { api, userId, tenantId } = await userApi(test);
      const before = await api.getHomePage();
      expect(before.modules[1]?.items).toEqual([]);
      const db = test.server.db;
      const seedTrack = demoCatalog.trackAt(0);
      expect(streamingTrackIdOf(demoCatalog, seedTrack)).toBe('1');
      await recordPlay(db, demoCatalog, { tenantId, userId, trackId: '1' }, 1_000);
      await recordPlay(db, demoCatalog, { tenantId, userId, trackId: '5' }, 2_000);
      await recordPlay(db, demoCatalog, { tenantId, userId, trackId: '1' }, 3_000);
      // Not a catalog track: ignored, not a failure of the stream request.
      await recordPlay(db, demoCatalog, { tenantId, userId, trackId: '99999' }, 4_000);

      const after = await api.getHomePage();
      const items = after.modules[1]!.items!;
      expect(items.map((item) => item.track_id)).toEqual(['1', '5']);
      expect(items[0]).toEqual({
        id: streamIdOf(seedTrack),
        type: 'track',
        name: seedTrack.name,
        artwork_url: null,
        track_id: '1',
        stream_url: `${test.baseUrl}/api/v1/streams/${streamIdOf(seedTrack)}/manifest.m3u8`,
        metadata: {
          artist_name: seedTrack.artistName,
          last_played_at: '1970-01-01T00:00:03.000000Z',
          play_count: 2,
        },
      });
      expect(after.page.revision).not.toBe(before.page.revision);
      expect((await api.getHomePage()).page.revision).toBe(after.page.revision);

      // Another user, and a guest, do not see these plays.
      const other = await userApi(test);
      expect((await other.api.getHomePage()).modules[1]!.items).toEqual([]);
      const guest = await createStreamingClient({ baseUrl: test.baseUrl, retry: 0 }).getHomePage({
        'X-Tenant': 'acme',
      });
      expect(guest.modules.map((module) => module.id)).toEqual(['featured-playlists']);
    });

    it('concurrent adds and reorders of one playlist keep the positions exactly 1..n', async () => {
      const { api } = await userApi(test);
      const playlist = await api.createPlaylist({ body: { playlist_name: 'Busy' } });
      const added = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          api.addPlaylistTrack({ playlist_id: playlist.id, body: { track_id: String(index + 1) } }),
        ),
      );
      expect(added.map((entry) => entry.order).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 12 }, (_, index) => index + 1),
      );
      await Promise.all(
        added.map((entry, index) =>
          api.reorderPlaylistTrack({
            playlist_id: playlist.id,
            playlistTrackId: entry.id,
            body: { order: ((index * 7) % 14) + 1 },
          }),
        ),
      );
      const tracks = await api.listPlaylistTracks({ playlist_id: playlist.id });
      expect(tracks.map((entry) => entry.order)).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
      expect(tracks.map((entry) => entry.id).sort()).toEqual(added.map((entry) => entry.id).sort());
    });

    it('editorial playlists are written once per tenant, however many instances or requests ask at once', async () => {
      const slug = `editorial-${randomUUID().slice(0, 8)}`;
      const [a, b] = await Promise.all([userApi(test, slug), userApi(test, slug)]);
      const [homeA, homeB] = await Promise.all([a.api.getHomePage(), b.api.getHomePage()]);
      expect(homeA.modules[0]!.items).toEqual(homeB.modules[0]!.items);
      const rows = await test.server
        .db('streaming_playlists')
        .where({ tenant_id: a.tenantId })
        .count({ n: '*' });
      expect(Number(rows[0]!.n)).toBe(demoCatalog.playlists().length);
    });
  });
}

playlistRules('streaming playlists on SQLite', () => startTestServer());

const postgres = await createScratchDatabase('streaming_playlists');
afterAll(async () => postgres?.drop());
if (postgres) {
  playlistRules('streaming playlists on PostgreSQL', () => startTestServer({ databaseUrl: postgres.url }));
  it('PostgreSQL: the playlist name search has its trigram index', async () => {
    const test = await startTestServer({ databaseUrl: postgres.url });
    try {
      const found = await test.server.db.raw('select 1 from pg_indexes where indexname = ?', [
        'streaming_playlists_name_trgm',
      ]);
      expect(found.rows).toHaveLength(1);
    } finally {
      await test.stop(true);
    }
  });
}
