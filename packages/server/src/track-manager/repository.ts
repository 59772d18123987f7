import type { TrackManagerRecord } from '@music-apis/domain';
import { type Knex, type Migration, prepareRead, readRows } from '../core/db.js';

const TABLE = 'track_manager_tracks';

export const trackManagerMigrations: Migration[] = [
  {
    name: 'track_manager_001_tracks',
    async up(db) {
      await db.schema.createTable(TABLE, (table) => {
        table.string('isrc', 12).primary();
        table.text('name').notNullable();
        table.text('artist_name').notNullable();
        table.text('album_name').notNullable();
        table.string('album_id', 64).notNullable();
        table.boolean('is_explicit').notNullable();
        table.integer('playback_seconds').notNullable();
        table.text('cover_image').notNullable();
        table.timestamp('created_at').notNullable().defaultTo(db.fn.now());
      });
    },
    async down(db) {
      await db.schema.dropTable(TABLE);
    },
  },
];

interface TrackRow {
  isrc: string;
  name: string;
  artist_name: string;
  album_name: string;
  album_id: string;
  is_explicit: boolean | number;
  playback_seconds: number;
  cover_image: string;
}

const toRow = (track: TrackManagerRecord): TrackRow => ({
  isrc: track.isrc,
  name: track.name,
  artist_name: track.artistName,
  album_name: track.albumName,
  album_id: track.albumId,
  is_explicit: track.isExplicit,
  playback_seconds: track.playbackSeconds,
  cover_image: track.cover_image,
});

const fromRow = (row: TrackRow): TrackManagerRecord => ({
  isrc: row.isrc,
  name: row.name,
  artistName: row.artist_name,
  albumName: row.album_name,
  albumId: row.album_id,
  isExplicit: Boolean(row.is_explicit), // SQLite stores booleans as 0/1
  playbackSeconds: row.playback_seconds,
  cover_image: row.cover_image,
});

export interface TrackRepository {
  find(isrc: string): Promise<TrackManagerRecord | undefined>;
  /** Inserts the track; resolves false when a track with that ISRC already exists. */
  insert(track: TrackManagerRecord): Promise<boolean>;
  insertMissing(tracks: TrackManagerRecord[]): Promise<void>;
  /** One page of the saved tracks by ISRC (the primary key order the original's MySQL returns), and the total. */
  page(offset: number, limit: number): Promise<{ tracks: TrackManagerRecord[]; total: number }>;
}

export function createTrackRepository(db: Knex): TrackRepository {
  const findByIsrc = prepareRead<TrackRow>(db, (query, isrc) => query.from(TABLE).where({ isrc }), 1);
  return {
    async find(isrc) {
      const row = await findByIsrc.first(isrc);
      return row ? fromRow(row) : undefined;
    },
    async insert(track) {
      // ON CONFLICT DO NOTHING: a concurrent create of the same ISRC loses cleanly instead of erroring.
      const inserted = await db(TABLE).insert(toRow(track)).onConflict('isrc').ignore().returning('isrc');
      return inserted.length > 0;
    },
    async insertMissing(tracks) {
      if (tracks.length > 0) await db(TABLE).insert(tracks.map(toRow)).onConflict('isrc').ignore();
    },
    async page(offset, limit) {
      // In the read pool: the total counts every saved track, and a page may be deep.
      const [rows, [count]] = await Promise.all([
        readRows<TrackRow>(db, db(TABLE).select().orderBy('isrc').offset(offset).limit(limit)),
        readRows<{ total: number | string }>(db, db(TABLE).count({ total: '*' })),
      ]);
      return { tracks: rows.map(fromRow), total: Number(count?.total ?? 0) };
    },
  };
}
