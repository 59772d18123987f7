import type { Catalog } from '@music-apis/catalog';
import {
  editorialOwnerId,
  editorialPlaylists,
  type FeaturedPlaylist,
  newestPlaysFirst,
  type PlaylistChanges,
  playlistNameLikePattern,
  reorderPlan,
  type StreamingPlaylistRecord,
  type StreamingPlaylistTrackRecord,
  type StreamingPlayRecord,
} from '@music-apis/domain';
import { isPostgres, type Knex, type Migration, readRows } from '../core/db.js';

/**
 * The streaming API's playlists, their entries and the users' plays. As in store.ts, every query
 * goes through `playlistStore(db, tenantId)`, whose builders start with that tenant's `where`.
 *
 * Positions: `position` (the API's `order`) is unique per playlist, so no two entries can ever
 * share one; every change of a playlist's entries runs in one transaction that first locks the
 * playlist's row (PostgreSQL `FOR UPDATE`; SQLite runs one write transaction at a time), so
 * concurrent adds and reorders of one playlist queue up instead of computing the same positions.
 */

export const playlistsMigration: Migration = {
  name: 'streaming_002_playlists',
  async up(db) {
    await db.schema.createTable('streaming_playlists', (table) => {
      table.string('id', 36).primary();
      table.string('tenant_id', 36).notNullable().references('id').inTable('streaming_tenants');
      table.string('user_id', 36).notNullable();
      table.string('playlist_name', 255).notNullable();
      table.boolean('public').notNullable();
      table.bigInteger('created_at').notNullable();
      table.bigInteger('updated_at').notNullable();
      // A user's own playlists, newest first; the tenant's public ones (search, the home page).
      table.index(['tenant_id', 'user_id', 'created_at']);
      table.index(['tenant_id', 'public', 'created_at']);
    });
    await db.schema.createTable('streaming_playlist_tracks', (table) => {
      table.string('id', 36).primary();
      table.string('tenant_id', 36).notNullable().references('id').inTable('streaming_tenants');
      table
        .string('playlist_id', 36)
        .notNullable()
        .references('id')
        .inTable('streaming_playlists')
        .onDelete('CASCADE');
      table.string('track_id', 64).notNullable();
      table.integer('position').notNullable();
      table.bigInteger('created_at').notNullable();
      table.bigInteger('updated_at').notNullable();
      table.unique(['playlist_id', 'position']);
    });
    if (isPostgres(db)) {
      // The name search (`lower(playlist_name) like '%…%'`) by trigrams, where pg_trgm can be had;
      // in a savepoint, so a refused CREATE EXTENSION does not abort the migration. Without it
      // (and on SQLite) the search reads the tenant's playlists through the tenant's index.
      try {
        await db.transaction(async (savepoint) => {
          await savepoint.raw('create extension if not exists pg_trgm');
          await savepoint.raw(
            'create index streaming_playlists_name_trgm on streaming_playlists using gin (lower(playlist_name) gin_trgm_ops)',
          );
        });
      } catch {
        // No trigram index: the search still works, by scanning.
      }
    }
    // One row per user and track: the newest play and the count (continue listening).
    await db.schema.createTable('streaming_plays', (table) => {
      table.string('tenant_id', 36).notNullable().references('id').inTable('streaming_tenants');
      table.string('user_id', 36).notNullable();
      table.string('track_id', 64).notNullable();
      table.bigInteger('played_at').notNullable();
      table.integer('play_count').notNullable();
      table.primary(['tenant_id', 'user_id', 'track_id']);
      table.index(['tenant_id', 'user_id', 'played_at']);
    });
  },
  async down(db) {
    for (const table of ['streaming_plays', 'streaming_playlist_tracks', 'streaming_playlists'])
      await db.schema.dropTable(table);
  },
};

const PLAYLIST_COLUMNS = [
  'id',
  'tenant_id',
  'user_id',
  'playlist_name',
  'public',
  'created_at',
  'updated_at',
];

/** SQLite answers booleans as 0/1, PostgreSQL bigints as strings. */
const playlistOf = (row: Record<string, unknown>): StreamingPlaylistRecord => ({
  ...(row as unknown as StreamingPlaylistRecord),
  public: Boolean(row.public),
  created_at: Number(row.created_at),
  updated_at: Number(row.updated_at),
});

const entryOf = (row: Record<string, unknown>): StreamingPlaylistTrackRecord => ({
  id: row.id as string,
  playlist_id: row.playlist_id as string,
  track_id: row.track_id as string,
  order: Number(row.position),
  created_at: Number(row.created_at),
  updated_at: Number(row.updated_at),
});

const entryRow = (tenantId: string, entry: StreamingPlaylistTrackRecord) => ({
  id: entry.id,
  tenant_id: tenantId,
  playlist_id: entry.playlist_id,
  track_id: entry.track_id,
  position: entry.order,
  created_at: entry.created_at,
  updated_at: entry.updated_at,
});

/** Tenants whose editorial playlists this instance has written (an insert that is a no-op is cheap, but not free). */
const editorialSeeded = new WeakMap<Knex, Set<string>>();

/**
 * Writes the tenant's editorial playlists unless they are there. Their ids are fixed, so two
 * instances (or two requests) doing it at once write the same rows and the conflict is ignored.
 */
export async function ensureEditorialPlaylists(db: Knex, catalog: Catalog, tenantId: string): Promise<void> {
  let seeded = editorialSeeded.get(db);
  if (!seeded) {
    seeded = new Set();
    editorialSeeded.set(db, seeded);
  }
  if (seeded.has(tenantId)) return;
  const editorial = editorialPlaylists(catalog, tenantId);
  await db.transaction(async (trx) => {
    for (const { playlist, tracks } of editorial) {
      await trx('streaming_playlists').insert(playlist).onConflict().ignore();
      if (tracks.length > 0)
        await trx('streaming_playlist_tracks')
          .insert(tracks.map((entry) => entryRow(tenantId, entry)))
          .onConflict()
          .ignore();
    }
  });
  seeded.add(tenantId);
}

export type PlaylistStore = ReturnType<typeof playlistStore>;

/** Every read and write of one tenant's playlists and plays. */
export function playlistStore(db: Knex, tenantId: string) {
  const scoped = (table: string, trx: Knex | Knex.Transaction = db) =>
    trx(table).where({ tenant_id: tenantId });
  const postgres = isPostgres(db);

  /** The playlist, its row locked until `trx` ends (see the header). */
  async function lockPlaylist(
    trx: Knex.Transaction,
    id: string,
  ): Promise<StreamingPlaylistRecord | undefined> {
    const query = scoped('streaming_playlists', trx)
      .andWhere({ id: id.toLowerCase() })
      .first(PLAYLIST_COLUMNS);
    const row = await (postgres ? query.forUpdate() : query);
    return row && playlistOf(row);
  }

  const entries = async (playlistId: string, trx: Knex | Knex.Transaction = db) =>
    (
      await scoped('streaming_playlist_tracks', trx)
        .andWhere({ playlist_id: playlistId })
        .orderBy('position')
        .select('id', 'playlist_id', 'track_id', 'position', 'created_at', 'updated_at')
    ).map(entryOf);

  return {
    async findPlaylist(id: string): Promise<StreamingPlaylistRecord | undefined> {
      const row = await scoped('streaming_playlists')
        .andWhere({ id: id.toLowerCase() })
        .first(PLAYLIST_COLUMNS);
      return row && playlistOf(row);
    },

    /** The user's playlists, newest first. */
    async listOwned(userId: string): Promise<StreamingPlaylistRecord[]> {
      const rows = await readRows<Record<string, unknown>>(
        db,
        scoped('streaming_playlists')
          .andWhere({ user_id: userId })
          .orderBy([
            { column: 'created_at', order: 'desc' },
            { column: 'id', order: 'desc' },
          ])
          .select(PLAYLIST_COLUMNS),
      );
      return rows.map(playlistOf);
    },

    /** One page of the playlists the user sees (own or public) whose name contains `keyword`, newest first. */
    async search(
      userId: string,
      keyword: string,
      offset: number,
      limit: number,
    ): Promise<{ playlists: StreamingPlaylistRecord[]; total: number }> {
      const matching = () =>
        scoped('streaming_playlists')
          .andWhere((visible) => visible.where({ user_id: userId }).orWhere({ public: true }))
          .andWhereRaw(`lower(playlist_name) like ? escape '\\'`, [playlistNameLikePattern(keyword)]);
      const [rows, counted] = await Promise.all([
        readRows<Record<string, unknown>>(
          db,
          matching()
            .orderBy([
              { column: 'created_at', order: 'desc' },
              { column: 'id', order: 'desc' },
            ])
            .offset(offset)
            .limit(limit)
            .select(PLAYLIST_COLUMNS),
        ),
        readRows<{ total: number | string }>(db, matching().count({ total: '*' })),
      ]);
      return { playlists: rows.map(playlistOf), total: Number(counted[0]?.total ?? 0) };
    },

    async insertPlaylist(playlist: StreamingPlaylistRecord): Promise<void> {
      if (playlist.tenant_id !== tenantId) throw new Error('a playlist of another tenant');
      await db('streaming_playlists').insert(playlist);
    },

    async updatePlaylist(
      id: string,
      changes: PlaylistChanges,
      nowMs: number,
    ): Promise<StreamingPlaylistRecord | undefined> {
      await scoped('streaming_playlists')
        .andWhere({ id })
        .update({ ...changes, updated_at: nowMs });
      return this.findPlaylist(id);
    },

    entries: (playlistId: string) => entries(playlistId),

    /**
     * Runs `work` on the playlist's entries with its row locked; `work` sees the playlist (undefined
     * when it is not this tenant's) and may throw to change nothing.
     */
    withLockedPlaylist<T>(
      id: string,
      work: (playlist: StreamingPlaylistRecord | undefined, trx: Knex.Transaction) => Promise<T>,
    ): Promise<T> {
      return db.transaction(async (trx) => work(await lockPlaylist(trx, id), trx));
    },

    async countEntries(trx: Knex.Transaction, playlistId: string): Promise<number> {
      const counted = await scoped('streaming_playlist_tracks', trx)
        .andWhere({ playlist_id: playlistId })
        .count({ total: '*' })
        .first();
      return Number(counted?.total ?? 0);
    },

    async insertEntries(trx: Knex.Transaction, rows: StreamingPlaylistTrackRecord[]): Promise<void> {
      // In chunks: a 1000-entry replace stays far below SQLite's and PostgreSQL's bound-value limits.
      for (let start = 0; start < rows.length; start += 200)
        await trx('streaming_playlist_tracks').insert(
          rows.slice(start, start + 200).map((row) => entryRow(tenantId, row)),
        );
    },

    async deleteEntries(trx: Knex.Transaction, playlistId: string): Promise<void> {
      await scoped('streaming_playlist_tracks', trx).andWhere({ playlist_id: playlistId }).delete();
    },

    lockedEntries: (trx: Knex.Transaction, playlistId: string) => entries(playlistId, trx),

    /**
     * Moves the entry to position `requested` (past the end: the end), shifting the ones between.
     * The range is first made negative and then written back, so the unique position is never
     * held by two rows, not even between two statements. The moved entry, or undefined.
     */
    async moveEntry(
      trx: Knex.Transaction,
      playlistId: string,
      entryId: string,
      requested: number,
      nowMs: number,
    ): Promise<StreamingPlaylistTrackRecord | undefined> {
      const entry = () =>
        scoped('streaming_playlist_tracks', trx).andWhere({
          playlist_id: playlistId,
          id: entryId.toLowerCase(),
        });
      const row = await entry().first('position');
      if (!row) return undefined;
      const plan = reorderPlan(Number(row.position), requested, await this.countEntries(trx, playlistId));
      if (plan.shift !== 0) {
        const range = () =>
          scoped('streaming_playlist_tracks', trx)
            .andWhere({ playlist_id: playlistId })
            .andWhereBetween('position', [plan.low, plan.high]);
        await range().update({ position: trx.raw('-position') });
        await entry().update({ position: plan.to, updated_at: nowMs });
        await scoped('streaming_playlist_tracks', trx)
          .andWhere({ playlist_id: playlistId })
          .andWhere('position', '<', 0)
          .update({
            position: trx.raw(plan.shift === 1 ? '1 - position' : '-1 - position'),
            updated_at: nowMs,
          });
      }
      const moved = await entry().first(
        'id',
        'playlist_id',
        'track_id',
        'position',
        'created_at',
        'updated_at',
      );
      return moved && entryOf(moved);
    },

    /** The tenant's editorial playlists (the home page's carousel), in editorial order. */
    async featured(): Promise<FeaturedPlaylist[]> {
      const playlists = await scoped('streaming_playlists')
        .andWhere({ user_id: editorialOwnerId(tenantId), public: true })
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .select('id', 'playlist_name');
      if (playlists.length === 0) return [];
      const stats = await scoped('streaming_playlist_tracks')
        .whereIn(
          'playlist_id',
          playlists.map((playlist) => playlist.id),
        )
        .groupBy('playlist_id')
        .select('playlist_id', db.raw('count(*) as track_count'));
      const firsts = await scoped('streaming_playlist_tracks')
        .whereIn(
          'playlist_id',
          playlists.map((playlist) => playlist.id),
        )
        .andWhere({ position: 1 })
        .select('playlist_id', 'track_id');
      return playlists.map((playlist) => ({
        playlist,
        trackCount: Number(stats.find((row) => row.playlist_id === playlist.id)?.track_count ?? 0),
        firstTrackId: firsts.find((row) => row.playlist_id === playlist.id)?.track_id ?? null,
      }));
    },

    /** Counts one play of `trackId` (a canonical catalog id) by the user, now. */
    async recordPlay(userId: string, trackId: string, nowMs: number): Promise<void> {
      await db('streaming_plays')
        .insert({ tenant_id: tenantId, user_id: userId, track_id: trackId, played_at: nowMs, play_count: 1 })
        .onConflict(['tenant_id', 'user_id', 'track_id'])
        .merge({ played_at: nowMs, play_count: db.raw('streaming_plays.play_count + 1') });
    },

    /** The user's plays, newest first, at most `limit`. */
    async recentPlays(userId: string, limit: number): Promise<StreamingPlayRecord[]> {
      const rows = await scoped('streaming_plays')
        .andWhere({ user_id: userId })
        .orderBy([
          { column: 'played_at', order: 'desc' },
          { column: 'track_id', order: 'asc' },
        ])
        .limit(limit)
        .select('track_id', 'played_at', 'play_count');
      return newestPlaysFirst(
        rows.map((row) => ({
          track_id: row.track_id as string,
          played_at: Number(row.played_at),
          play_count: Number(row.play_count),
        })),
      );
    },
  };
}
