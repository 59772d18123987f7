import { newUrlSigningKey, PLAY_SESSION_MAX_TRACKS, type PlaySessionRecord } from '@music-apis/domain';
import type { Knex, Migration } from '../core/db.js';
import { TABLES, TRACK_COLUMNS, type TrackRecord, trackFromRow } from './repository.js';

/**
 * Play sessions and the organizations' URL signing keys, in the database: a session made on one
 * instance plays on every other, and every instance signs and verifies delivery URLs with the same key.
 */

export const PLAYBACK_TABLES = {
  playSessions: 'collections_play_sessions',
  urlSigningKeys: 'collections_url_signing_keys',
} as const;

export const playbackMigration: Migration = {
  name: 'collections_playback_001',
  async up(db) {
    await db.schema.createTable(PLAYBACK_TABLES.playSessions, (table) => {
      table.uuid('id').primary();
      table.uuid('organization_id').notNullable();
      table.string('scope', 16).notNullable();
      // A deleted collection or track takes its sessions with it: their ids then answer 404.
      table
        .uuid('collection_id')
        .notNullable()
        .references('id')
        .inTable(TABLES.collections)
        .onDelete('CASCADE')
        .index('collections_play_sessions_collection_index');
      table
        .uuid('track_id')
        .references('id')
        .inTable(TABLES.tracks)
        .onDelete('CASCADE')
        .index('collections_play_sessions_track_index');
      table.uuid('creator_id');
      table.string('organization_index', 255);
      table.text('metadata').notNullable();
      /** JSON array of delivery indexes. */
      table.text('variants').notNullable();
      table.boolean('is_downloadable').notNullable();
      /** Epoch ms; past it the session answers 401 and its URLs 403. */
      table.bigInteger('expires_at').notNullable();
      table.bigInteger('created_at').notNullable();
    });
    await db.schema.createTable(PLAYBACK_TABLES.urlSigningKeys, (table) => {
      table.uuid('organization_id').primary();
      /** The HMAC key of the organization's delivery URLs (its UTF-8 bytes); an operator hands it to its servers. */
      table.string('signing_key', 64).notNullable();
      table.bigInteger('created_at').notNullable();
    });
  },
  async down(db) {
    await db.schema.dropTable(PLAYBACK_TABLES.urlSigningKeys);
    await db.schema.dropTable(PLAYBACK_TABLES.playSessions);
  },
};

const SESSION_COLUMNS = [
  'id',
  'organization_id',
  'scope',
  'collection_id',
  'track_id',
  'creator_id',
  'organization_index',
  'metadata',
  'variants',
  'is_downloadable',
  'expires_at',
  'created_at',
];

type Row = Record<string, unknown>;

const sessionFromRow = (row: Row): PlaySessionRecord => ({
  id: row.id as string,
  organization_id: row.organization_id as string,
  scope: row.scope as PlaySessionRecord['scope'],
  collection_id: row.collection_id as string,
  track_id: (row.track_id as string | null) ?? null,
  creator_id: (row.creator_id as string | null) ?? null,
  organization_index: (row.organization_index as string | null) ?? null,
  metadata: JSON.parse(row.metadata as string),
  variants: JSON.parse(row.variants as string),
  // SQLite stores booleans as 0/1.
  is_downloadable: Boolean(row.is_downloadable),
  expires_at: Number(row.expires_at),
  created_at: Number(row.created_at),
});

export function createPlaybackRepository(db: Knex) {
  async function existingUrlSigningKey(organizationId: string): Promise<string | undefined> {
    const row = await db(PLAYBACK_TABLES.urlSigningKeys)
      .where({ organization_id: organizationId })
      .first('signing_key');
    return (row?.signing_key as string | undefined) ?? undefined;
  }

  return {
    async insertPlaySession(session: PlaySessionRecord): Promise<void> {
      await db(PLAYBACK_TABLES.playSessions).insert({
        ...session,
        metadata: JSON.stringify(session.metadata),
        variants: JSON.stringify(session.variants),
      });
    },

    /** A session by its id, in any organization (the id is the credential of `getPlayTrack`). */
    async findPlaySession(id: string): Promise<PlaySessionRecord | undefined> {
      const row = await db(PLAYBACK_TABLES.playSessions).where({ id }).first(SESSION_COLUMNS);
      return row ? sessionFromRow(row) : undefined;
    },

    /** The playable tracks of a session (its collection's, or its one track; its creator's), oldest first. */
    async playableTracks(session: PlaySessionRecord): Promise<TrackRecord[]> {
      const rows = await db(TABLES.tracks)
        .where({ collection_id: session.collection_id, organization_id: session.organization_id })
        .whereIn('status', ['ready', 'incomplete'])
        .modify((query) => {
          if (session.track_id !== null) query.where({ id: session.track_id });
          if (session.creator_id !== null) query.where({ creator_id: session.creator_id });
        })
        .orderBy('seq')
        .limit(PLAY_SESSION_MAX_TRACKS)
        .select(TRACK_COLUMNS);
      return rows.map(trackFromRow);
    },

    /**
     * The organization's URL signing key, made the first time it is needed: read, and written only
     * when there is none yet (every play call signs, so no write on each). Concurrent first uses
     * agree: the first insert wins, the others read it.
     */
    async urlSigningKey(organizationId: string): Promise<string> {
      const existing = await existingUrlSigningKey(organizationId);
      if (existing !== undefined) return existing;
      await db(PLAYBACK_TABLES.urlSigningKeys)
        .insert({ organization_id: organizationId, signing_key: newUrlSigningKey(), created_at: Date.now() })
        .onConflict('organization_id')
        .ignore();
      return (await existingUrlSigningKey(organizationId)) as string;
    },

    /** The key of an organization that has one; undefined otherwise (a URL naming no organization). */
    existingUrlSigningKey,

    /** Replaces the organization's key: every URL signed with the old one answers 403 from now on. */
    async rotateUrlSigningKey(organizationId: string): Promise<string> {
      const key = newUrlSigningKey();
      await db(PLAYBACK_TABLES.urlSigningKeys)
        .insert({ organization_id: organizationId, signing_key: key, created_at: Date.now() })
        .onConflict('organization_id')
        .merge(['signing_key', 'created_at']);
      return key;
    },
  };
}

export type PlaybackRepository = ReturnType<typeof createPlaybackRepository>;
