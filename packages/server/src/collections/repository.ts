import { randomUUID } from 'node:crypto';
import {
  COLLECTIONS_DEFAULT_ORGANIZATION,
  type CollectionFields,
  type CollectionRecord,
  type CollectionsApiKeyGrant,
  type CollectionsKeyScope,
  type CollectionsOrganization,
  type CollectionsTrackStatus,
  type CollectionTrackFields,
  type CollectionTrackRecord,
  type CreatorRecord,
  NOT_AUDIO_TEXT,
  ORGANIZATION_DEFAULTS,
  type OrganizationFields,
  type OrganizationRecord,
  trackBasePath,
  type UploadSessionRecord,
} from '@music-apis/domain';
import { isPostgres, type Knex, type Migration } from '../core/db.js';

/**
 * Tables of the collections API. Rows are ordered by `seq` (creation order, what the document's
 * "oldest first" means); `id` is the public UUID. JSON fields are stored as text so SQLite and
 * PostgreSQL behave alike; timestamps are epoch milliseconds for the same reason.
 *
 * Every key, collection and track belongs to an organization. Reads and writes made with an API key
 * take that key's organization and see nothing of another's (`organizationId`); `null` stands for
 * "any organization" and is passed only where no key is involved: the capability upload URLs, the
 * processing job, the public cover images and the demo seed.
 */

export const TABLES = {
  organizations: 'collections_organizations',
  apiKeys: 'collections_api_keys',
  collections: 'collections',
  tracks: 'collections_tracks',
  uploadClaims: 'collections_upload_claims',
  creators: 'collections_creators',
  uploadSessions: 'collections_upload_sessions',
  variants: 'collections_variants',
  trackFiles: 'collections_track_files',
} as const;

export const collectionsMigrations: Migration[] = [
  {
    name: 'collections_001_tables',
    async up(db) {
      await db.schema.createTable(TABLES.apiKeys, (table) => {
        table.uuid('id').primary();
        table.string('title', 255).notNullable();
        /** sha256 hex of the key: the key itself is shown once and never stored. */
        table.string('key_hash', 64).notNullable().unique();
        table.bigInteger('created_at').notNullable();
      });
      await db.schema.createTable(TABLES.collections, (table) => {
        table.increments('seq').primary();
        table.uuid('id').notNullable().unique();
        table.uuid('creator_id');
        table.string('organization_index', 255);
        table.string('title', 255).notNullable();
        table.text('metadata').notNullable();
        table.text('theme').notNullable();
        table.boolean('is_cover_overridable').notNullable();
        table.boolean('is_theme_overridable').notNullable();
        table.string('player_color', 7);
        table.string('player_subtitle', 255);
        /** Blob key of the cover image; its extension is the image type. */
        table.string('cover_key', 255);
        table.bigInteger('created_at').notNullable();
        table.bigInteger('updated_at').notNullable();
      });
      await db.schema.createTable(TABLES.tracks, (table) => {
        table.increments('seq').primary();
        table.uuid('id').notNullable().unique();
        // The cascade keeps a track created while its collection is being deleted from outliving it.
        table
          .uuid('collection_id')
          .notNullable()
          .references('id')
          .inTable(TABLES.collections)
          .onDelete('CASCADE');
        table.string('file_name', 255).notNullable();
        table.uuid('creator_id');
        table.string('organization_index', 255);
        table.text('metadata').notNullable();
        table.boolean('is_cover_overridable').notNullable();
        table.boolean('is_theme_overridable').notNullable();
        table.string('player_title', 255);
        table.string('player_subtitle', 255);
        table.string('player_color', 7);
        table.string('title', 255);
        table.double('duration');
        table.string('status', 32).notNullable();
        table.string('audio_key', 255);
        table.string('cover_key', 255);
        table.bigInteger('created_at').notNullable();
        table.bigInteger('updated_at').notNullable();
        table.index(['collection_id', 'seq'], 'collections_tracks_collection_index');
      });
      await db.schema.createTable(TABLES.uploadClaims, (table) => {
        /** The URL's signature: one row per upload URL that is being, or has been, used. */
        table.string('signature', 64).primary();
        /** When the URL expires (epoch s); past it the row is useless and may be deleted. */
        table.bigInteger('expires').notNullable().index('collections_upload_claims_expires_index');
      });
    },
    async down(db) {
      await db.schema.dropTable(TABLES.uploadClaims);
      await db.schema.dropTable(TABLES.tracks);
      await db.schema.dropTable(TABLES.collections);
      await db.schema.dropTable(TABLES.apiKeys);
    },
  },
  {
    name: 'collections_002_organizations',
    async up(db) {
      await db.schema.createTable(TABLES.organizations, (table) => {
        table.uuid('id').primary();
        /** Unique, so an operator can name the organization of a new key (`create-api-key --organization`). */
        table.string('name', 255).notNullable().unique();
        table.bigInteger('created_at').notNullable();
      });
      await db(TABLES.organizations).insert({ ...COLLECTIONS_DEFAULT_ORGANIZATION, created_at: Date.now() });
      // Keys and rows made before organizations existed belong to the default one. No foreign key:
      // SQLite cannot add a referencing column with a default; organizations are never deleted.
      for (const name of [TABLES.apiKeys, TABLES.collections, TABLES.tracks]) {
        await db.schema.alterTable(name, (table) => {
          table.uuid('organization_id').notNullable().defaultTo(COLLECTIONS_DEFAULT_ORGANIZATION.id);
        });
      }
      await db.schema.alterTable(TABLES.collections, (table) => {
        table.index(['organization_id', 'seq'], 'collections_organization_index');
      });
      await db.schema.alterTable(TABLES.apiKeys, (table) => {
        table.index(['organization_id', 'created_at'], 'collections_api_keys_organization_index');
      });
    },
    async down(db) {
      for (const name of [TABLES.apiKeys, TABLES.collections, TABLES.tracks]) {
        await db.schema.alterTable(name, (table) => table.dropColumn('organization_id'));
      }
      await db.schema.dropTable(TABLES.organizations);
    },
  },
  {
    name: 'collections_003_organization_settings_creators',
    async up(db) {
      // The player defaults of an organization, with the values an organization starts with.
      await db.schema.alterTable(TABLES.organizations, (table) => {
        table.text('theme').notNullable().defaultTo(JSON.stringify(ORGANIZATION_DEFAULTS.theme));
        table
          .boolean('is_cover_overridable')
          .notNullable()
          .defaultTo(ORGANIZATION_DEFAULTS.is_cover_overridable);
        table
          .boolean('is_theme_overridable')
          .notNullable()
          .defaultTo(ORGANIZATION_DEFAULTS.is_theme_overridable);
        table.string('player_color', 7);
        table.string('player_subtitle', 255);
      });
      await db.schema.createTable(TABLES.creators, (table) => {
        table.increments('seq').primary();
        table.uuid('id').notNullable().unique();
        table.uuid('organization_id').notNullable();
        table.string('organization_index', 255).notNullable();
        table.text('metadata').notNullable();
        table.bigInteger('created_at').notNullable();
        table.bigInteger('updated_at').notNullable();
        table.index(['organization_id', 'seq'], 'collections_creators_organization_index');
      });
      // Deleting a creator clears `creator_id` on its collections and tracks: found by these.
      await db.schema.alterTable(TABLES.collections, (table) => {
        table.index(['creator_id'], 'collections_creator_index');
      });
      await db.schema.alterTable(TABLES.tracks, (table) => {
        table.index(['creator_id'], 'collections_tracks_creator_index');
      });
    },
    async down(db) {
      await db.schema.alterTable(TABLES.tracks, (table) =>
        table.dropIndex(['creator_id'], 'collections_tracks_creator_index'),
      );
      await db.schema.alterTable(TABLES.collections, (table) =>
        table.dropIndex(['creator_id'], 'collections_creator_index'),
      );
      await db.schema.dropTable(TABLES.creators);
      await db.schema.alterTable(TABLES.organizations, (table) => {
        for (const column of [
          'theme',
          'is_cover_overridable',
          'is_theme_overridable',
          'player_color',
          'player_subtitle',
        ]) {
          table.dropColumn(column);
        }
      });
    },
  },
  {
    name: 'collections_004_upload_sessions',
    async up(db) {
      await db.schema.createTable(TABLES.uploadSessions, (table) => {
        table.uuid('id').primary();
        table.uuid('organization_id').notNullable();
        // A deleted collection takes its sessions with it: their ids then answer 404.
        table
          .uuid('collection_id')
          .notNullable()
          .references('id')
          .inTable(TABLES.collections)
          .onDelete('CASCADE');
        table.uuid('creator_id').index('collections_upload_sessions_creator_index');
        table.string('organization_index', 255);
        table.text('metadata').notNullable();
        /** Epoch ms; past it the session answers 401. */
        table.bigInteger('expires_at').notNullable();
        table.bigInteger('created_at').notNullable();
      });
    },
    async down(db) {
      await db.schema.dropTable(TABLES.uploadSessions);
    },
  },
  {
    name: 'collections_005_api_key_scopes',
    async up(db) {
      // Keys made so far are API Access keys (full access, no scope, no expiry). The scope ids are
      // not foreign keys: a key whose collection is deleted stays, and sees nothing.
      await db.schema.alterTable(TABLES.apiKeys, (table) => {
        table.string('type', 16).notNullable().defaultTo('api');
        table.uuid('collection_id');
        table.uuid('track_id');
        table.uuid('creator_id');
        /** JSON array of variant indexes, or null. */
        table.text('variants');
        /** Epoch ms; past it the key answers 401. */
        table.bigInteger('expires_at');
      });
    },
    async down(db) {
      await db.schema.alterTable(TABLES.apiKeys, (table) => {
        for (const column of ['type', 'collection_id', 'track_id', 'creator_id', 'variants', 'expires_at']) {
          table.dropColumn(column);
        }
      });
    },
  },
  {
    // The processing guide's status names replace the ones of the original's OpenAPI document.
    name: 'collections_006_guide_statuses',
    async up(db) {
      await db.schema.alterTable(TABLES.tracks, (table) => {
        table.text('status_text');
      });
      await db(TABLES.tracks).where({ status: 'initializing' }).update({ status: 'initialized' });
      // `failed` meant exactly "the bytes are not decodable audio": the guide's `init_error`.
      await db(TABLES.tracks)
        .where({ status: 'failed' })
        .update({ status: 'init_error', status_text: NOT_AUDIO_TEXT });
    },
    async down(db) {
      await db(TABLES.tracks).where({ status: 'initialized' }).update({ status: 'initializing' });
      await db(TABLES.tracks).whereIn('status', ['init_error', 'error']).update({ status: 'failed' });
      await db.schema.alterTable(TABLES.tracks, (table) => table.dropColumn('status_text'));
    },
  },
  {
    name: 'collections_007_variants_and_files',
    async up(db) {
      await db.schema.createTable(TABLES.variants, (table) => {
        table.increments('seq').primary();
        table.uuid('id').notNullable().unique();
        table.uuid('organization_id').notNullable();
        table.uuid('track_id').references('id').inTable(TABLES.tracks).onDelete('CASCADE');
        /** '' for the organization's variants, else `track_id`: the unique index needs a non-null column. */
        table.string('scope', 36).notNullable();
        table.string('delivery_index', 64).notNullable();
        table.string('name', 255).notNullable();
        table.string('type', 32).notNullable();
        /** JSON `AudioSettings` / `PreviewSettings`, or null where they do not apply. */
        table.text('audio');
        table.text('preview');
        table.bigInteger('created_at').notNullable();
        table.unique(['organization_id', 'scope', 'delivery_index'], {
          indexName: 'collections_variants_index_unique',
        });
        table.index(['organization_id', 'scope', 'seq'], 'collections_variants_list_index');
      });
      await db.schema.createTable(TABLES.trackFiles, (table) => {
        table.uuid('id').primary();
        table.uuid('track_id').notNullable().references('id').inTable(TABLES.tracks).onDelete('CASCADE');
        table.uuid('variant_id').notNullable();
        /** Blob key; null when the file could not be made (`status_text` says why). */
        table.string('blob_key', 512);
        table.bigInteger('size');
        table.string('content_type', 64);
        /** null: nothing to make (no embedded cover); false: failed, `status_text` says why. */
        table.boolean('is_success');
        table.text('status_text');
        table.bigInteger('created_at').notNullable();
        table.unique(['track_id', 'variant_id'], { indexName: 'collections_track_files_unique' });
      });
      await db.schema.alterTable(TABLES.tracks, (table) => {
        /** The durable delivery prefix of the track's files (processing guide). */
        table.string('base_path', 255);
        /** JSON: the 320 waveform levels (0–1), once processed. */
        table.text('levels');
        /** JSON ImageColor[]: the palette of the cover embedded in the upload. */
        table.text('theme').notNullable().defaultTo('[]');
      });
      // Existing tracks get the prefix new tracks get (`trackBasePath`).
      const rows = await db(TABLES.tracks).select('id', 'organization_id');
      for (const row of rows) {
        await db(TABLES.tracks)
          .where({ id: row.id })
          .update({ base_path: trackBasePath(row.organization_id, row.id) });
      }
    },
    async down(db) {
      await db.schema.alterTable(TABLES.tracks, (table) => {
        table.dropColumn('base_path');
        table.dropColumn('levels');
        table.dropColumn('theme');
      });
      await db.schema.dropTable(TABLES.trackFiles);
      await db.schema.dropTable(TABLES.variants);
    },
  },
];

export type { CollectionFields, CollectionRecord } from '@music-apis/domain';
export type TrackFields = CollectionTrackFields;
export type TrackRecord = CollectionTrackRecord;

type Row = Record<string, unknown>;

const COLLECTION_COLUMNS = [
  'id',
  'organization_id',
  'creator_id',
  'organization_index',
  'title',
  'metadata',
  'theme',
  'is_cover_overridable',
  'is_theme_overridable',
  'player_color',
  'player_subtitle',
  'cover_key',
];
export const TRACK_COLUMNS = [
  'id',
  'organization_id',
  'collection_id',
  'file_name',
  'creator_id',
  'organization_index',
  'metadata',
  'is_cover_overridable',
  'is_theme_overridable',
  'player_title',
  'player_subtitle',
  'player_color',
  'title',
  'duration',
  'status',
  'status_text',
  'audio_key',
  'cover_key',
  'base_path',
  'levels',
  'theme',
];

const collectionFromRow = (row: Row): CollectionRecord => ({
  id: row.id as string,
  organization_id: row.organization_id as string,
  creator_id: (row.creator_id as string | null) ?? null,
  organization_index: (row.organization_index as string | null) ?? null,
  title: row.title as string,
  metadata: JSON.parse(row.metadata as string),
  theme: JSON.parse(row.theme as string),
  // SQLite stores booleans as 0/1.
  is_cover_overridable: Boolean(row.is_cover_overridable),
  is_theme_overridable: Boolean(row.is_theme_overridable),
  player_color: (row.player_color as string | null) ?? null,
  player_subtitle: (row.player_subtitle as string | null) ?? null,
  cover_key: (row.cover_key as string | null) ?? null,
});

export const trackFromRow = (row: Row): TrackRecord => ({
  id: row.id as string,
  organization_id: row.organization_id as string,
  collection_id: row.collection_id as string,
  file_name: row.file_name as string,
  creator_id: (row.creator_id as string | null) ?? null,
  organization_index: (row.organization_index as string | null) ?? null,
  metadata: JSON.parse(row.metadata as string),
  is_cover_overridable: Boolean(row.is_cover_overridable),
  is_theme_overridable: Boolean(row.is_theme_overridable),
  player_title: (row.player_title as string | null) ?? null,
  player_subtitle: (row.player_subtitle as string | null) ?? null,
  player_color: (row.player_color as string | null) ?? null,
  title: (row.title as string | null) ?? null,
  duration: row.duration === null || row.duration === undefined ? null : Number(row.duration),
  status: row.status as CollectionsTrackStatus,
  status_text: (row.status_text as string | null) ?? null,
  audio_key: (row.audio_key as string | null) ?? null,
  cover_key: (row.cover_key as string | null) ?? null,
  base_path: row.base_path as string,
  levels: row.levels ? JSON.parse(row.levels as string) : null,
  theme: JSON.parse((row.theme as string | null) ?? '[]'),
});

const ORGANIZATION_COLUMNS = [
  'id',
  'name',
  'theme',
  'is_cover_overridable',
  'is_theme_overridable',
  'player_color',
  'player_subtitle',
];
const CREATOR_COLUMNS = [
  'id',
  'organization_id',
  'organization_index',
  'metadata',
  'created_at',
  'updated_at',
];

const organizationFromRow = (row: Row): OrganizationRecord => ({
  id: row.id as string,
  name: row.name as string,
  theme: JSON.parse(row.theme as string),
  is_cover_overridable: Boolean(row.is_cover_overridable),
  is_theme_overridable: Boolean(row.is_theme_overridable),
  player_color: (row.player_color as string | null) ?? null,
  player_subtitle: (row.player_subtitle as string | null) ?? null,
});

const creatorFromRow = (row: Row): CreatorRecord => ({
  id: row.id as string,
  organization_id: row.organization_id as string,
  organization_index: row.organization_index as string,
  metadata: JSON.parse(row.metadata as string),
  created_at: Number(row.created_at),
  updated_at: Number(row.updated_at),
});

/** JSON columns as text; a partial update only writes the columns it has. */
const collectionToRow = (fields: Partial<CollectionFields>) => ({
  ...fields,
  ...(fields.metadata === undefined ? {} : { metadata: JSON.stringify(fields.metadata) }),
  ...(fields.theme === undefined ? {} : { theme: JSON.stringify(fields.theme) }),
});

const trackFieldsToRow = (fields: Partial<TrackRecord>) => ({
  ...fields,
  ...(fields.metadata === undefined ? {} : { metadata: JSON.stringify(fields.metadata) }),
  ...(fields.levels === undefined ? {} : { levels: fields.levels && JSON.stringify(fields.levels) }),
  ...(fields.theme === undefined ? {} : { theme: JSON.stringify(fields.theme) }),
});

/** The organization a request acts for; `null`: any (no API key involved, see above). */
export type OrganizationScope = string | null;

/** `where id = ?`, within the organization when there is one. */
const scoped = (id: string, organizationId: OrganizationScope) =>
  organizationId === null ? { id } : { id, organization_id: organizationId };

export interface ApiKeyRecord extends Omit<CollectionsApiKeyGrant, 'organization_id'> {
  id: string;
  title: string;
  organization: CollectionsOrganization;
  created_at: number;
}

const API_KEY_GRANT_COLUMNS = [
  'organization_id',
  'type',
  'collection_id',
  'track_id',
  'creator_id',
  'variants',
  'expires_at',
] as const;

const grantFromRow = (row: Row): CollectionsApiKeyGrant => ({
  organization_id: row.organization_id as string,
  type: row.type as CollectionsApiKeyGrant['type'],
  collection_id: (row.collection_id as string | null) ?? null,
  track_id: (row.track_id as string | null) ?? null,
  creator_id: (row.creator_id as string | null) ?? null,
  variants: row.variants == null ? null : (JSON.parse(row.variants as string) as string[]),
  expires_at: row.expires_at == null ? null : Number(row.expires_at),
});

export interface Page<T> {
  count: number;
  items: T[];
}

export function createCollectionsRepository(db: Knex) {
  const now = () => Date.now();
  // Row locks on PostgreSQL; SQLite has one writer at a time, and knex warns on FOR UPDATE there.
  const lockRow = (query: Knex.QueryBuilder) => (isPostgres(db) ? query.forUpdate() : query);

  async function findCollection(
    organizationId: OrganizationScope,
    id: string,
  ): Promise<CollectionRecord | undefined> {
    const row = await db(TABLES.collections).where(scoped(id, organizationId)).first(COLLECTION_COLUMNS);
    return row ? collectionFromRow(row) : undefined;
  }

  return {
    db,

    findCollection,

    /** The organization's collections within a key's scope (a track-scoped key sees none). */
    async listCollections(
      organizationId: string,
      scope: CollectionsKeyScope,
      limit: number,
      offset: number,
    ): Promise<Page<CollectionRecord>> {
      const own = () =>
        db(TABLES.collections)
          .where({ organization_id: organizationId })
          .modify((query) => {
            if (scope.track_id !== null) query.whereRaw('1 = 0');
            if (scope.collection_id !== null) query.where({ id: scope.collection_id });
            if (scope.creator_id !== null) query.where({ creator_id: scope.creator_id });
          });
      const [rows, [total]] = await Promise.all([
        own().orderBy('seq').limit(limit).offset(offset).select(COLLECTION_COLUMNS),
        own().count({ count: '*' }),
      ]);
      return { count: Number(total?.count ?? 0), items: rows.map(collectionFromRow) };
    },

    async insertCollection(organizationId: string, id: string, fields: CollectionFields): Promise<void> {
      const at = now();
      await db(TABLES.collections).insert({
        id,
        organization_id: organizationId,
        ...collectionToRow(fields),
        created_at: at,
        updated_at: at,
      });
    },

    /** Inserts a whole record (the demo data) unless its id exists: concurrent seeds insert it once. */
    async insertMissingCollection(record: CollectionRecord): Promise<void> {
      const at = now();
      await db(TABLES.collections)
        .insert({ ...collectionToRow(record), created_at: at, updated_at: at })
        .onConflict('id')
        .ignore();
    },

    /** Writes the fields given, keeps the others; resolves false when the collection does not exist. */
    async updateCollection(
      organizationId: string,
      id: string,
      fields: Partial<CollectionFields>,
    ): Promise<boolean> {
      const changed = await db(TABLES.collections)
        .where(scoped(id, organizationId))
        .update({ ...collectionToRow(fields), updated_at: now() });
      return changed > 0;
    },

    /** Deletes the collection and (by cascade) its tracks; returns what was deleted. */
    async deleteCollection(
      organizationId: string,
      id: string,
    ): Promise<{ collection: CollectionRecord; tracks: TrackRecord[] } | undefined> {
      return db.transaction(async (trx) => {
        const row = await trx(TABLES.collections)
          .where(scoped(id, organizationId))
          .modify(lockRow)
          .first(COLLECTION_COLUMNS);
        if (!row) return undefined;
        const tracks = (await trx(TABLES.tracks).where({ collection_id: id }).select(TRACK_COLUMNS)).map(
          trackFromRow,
        );
        await trx(TABLES.tracks).where({ collection_id: id }).delete();
        await trx(TABLES.collections).where({ id }).delete();
        return { collection: collectionFromRow(row), tracks };
      });
    },

    async findTrack(organizationId: OrganizationScope, id: string): Promise<TrackRecord | undefined> {
      const row = await db(TABLES.tracks).where(scoped(id, organizationId)).first(TRACK_COLUMNS);
      return row ? trackFromRow(row) : undefined;
    },

    /** The tracks within a key's scope of a collection the caller has found already (in its organization). */
    async listTracks(
      collectionId: string,
      scope: CollectionsKeyScope,
      limit: number,
      offset: number,
    ): Promise<Page<TrackRecord>> {
      const inScope = () =>
        db(TABLES.tracks)
          .where({ collection_id: collectionId })
          .modify((query) => {
            if (scope.track_id !== null) query.where({ id: scope.track_id });
            if (scope.creator_id !== null) query.where({ creator_id: scope.creator_id });
          });
      const [rows, [total]] = await Promise.all([
        inScope().orderBy('seq').limit(limit).offset(offset).select(TRACK_COLUMNS),
        inScope().count({ count: '*' }),
      ]);
      return { count: Number(total?.count ?? 0), items: rows.map(trackFromRow) };
    },

    /**
     * Resolves false when the collection does not exist in the organization. A collection deleted
     * between the check and the insert fails the insert's foreign key: false as well.
     */
    async insertTrack(
      organizationId: string,
      id: string,
      identity: { collection_id: string; file_name: string },
      fields: TrackFields,
    ): Promise<boolean> {
      if (!(await findCollection(organizationId, identity.collection_id))) return false;
      const at = now();
      try {
        await db(TABLES.tracks).insert({
          id,
          organization_id: organizationId,
          ...identity,
          ...trackFieldsToRow(fields),
          title: null,
          duration: null,
          base_path: trackBasePath(organizationId, id),
          status: 'initialized',
          created_at: at,
          updated_at: at,
        });
        return true;
      } catch (error) {
        if (isForeignKeyViolation(error)) return false;
        throw error;
      }
    },

    /** Inserts a whole record (the demo data, processed already) unless its id exists. */
    async insertMissingTrack(record: TrackRecord): Promise<void> {
      const at = now();
      await db(TABLES.tracks)
        .insert({ ...trackFieldsToRow(record), created_at: at, updated_at: at })
        .onConflict('id')
        .ignore();
    },

    /** Writes the fields given (the title included), keeps the others. */
    async updateTrack(
      organizationId: string,
      id: string,
      fields: Partial<TrackFields & { title: string | null }>,
    ): Promise<boolean> {
      const changed = await db(TABLES.tracks)
        .where(scoped(id, organizationId))
        .update({ ...trackFieldsToRow(fields), updated_at: now() });
      return changed > 0;
    },

    async deleteTrack(organizationId: string, id: string): Promise<TrackRecord | undefined> {
      return db.transaction(async (trx) => {
        const row = await trx(TABLES.tracks)
          .where(scoped(id, organizationId))
          .modify(lockRow)
          .first(TRACK_COLUMNS);
        if (!row) return undefined;
        await trx(TABLES.tracks).where({ id }).delete();
        return trackFromRow(row);
      });
    },

    /**
     * Sets a track's or collection's cover blob key (an upload through a capability URL, so in any
     * organization); resolves the key it replaces (to delete), or `false` when the record no longer exists.
     */
    async replaceCoverKey(
      owner: 'collection' | 'track',
      id: string,
      coverKey: string,
    ): Promise<string | null | false> {
      const table = owner === 'collection' ? TABLES.collections : TABLES.tracks;
      return db.transaction(async (trx) => {
        const row = await trx(table).where({ id }).modify(lockRow).first('cover_key');
        if (!row) return false;
        await trx(table).where({ id }).update({ cover_key: coverKey, updated_at: now() });
        return (row.cover_key as string | null) ?? null;
      });
    },

    /**
     * Stores the uploaded audio and hands the track to processing, in one transaction: the track is
     * `processing` exactly when its job exists. Resolves the audio key it replaces (to delete), or
     * false when the track no longer exists.
     */
    async markAudioUploaded(
      id: string,
      audioKey: string,
      enqueue: (transaction: Knex.Transaction) => Promise<unknown>,
    ): Promise<string | null | false> {
      return db.transaction(async (trx) => {
        const row = await trx(TABLES.tracks).where({ id }).modify(lockRow).first('audio_key');
        if (!row) return false;
        await trx(TABLES.tracks).where({ id }).update({
          audio_key: audioKey,
          status: 'processing',
          status_text: null,
          duration: null,
          updated_at: now(),
        });
        await enqueue(trx);
        return (row.audio_key as string | null) ?? null;
      });
    },

    /** Sets a terminal status of a track still `processing`; false when it was not (finished already, deleted). */
    async finishProcessing(
      id: string,
      result: {
        status: 'ready' | 'incomplete' | 'error' | 'init_error';
        status_text: string | null;
        duration?: number | null;
        audio_key?: null;
      },
    ): Promise<boolean> {
      const changed = await db(TABLES.tracks)
        .where({ id, status: 'processing' })
        .update({ ...result, updated_at: now() });
      return changed > 0;
    },

    /** What processing learned about a track's audio: its duration, levels and embedded cover's palette. */
    async recordProcessed(
      id: string,
      fields: Partial<Pick<TrackRecord, 'duration' | 'levels' | 'theme'>>,
    ): Promise<void> {
      if (Object.keys(fields).length === 0) return;
      await db(TABLES.tracks)
        .where({ id })
        .update({ ...trackFieldsToRow(fields), updated_at: now() });
    },

    /**
     * The embedded cover becomes the track's cover and its most vibrant color its `player_color`,
     * each only where none was set (an uploaded cover, a chosen color win). Resolves whether the
     * cover was taken.
     */
    async adoptEmbeddedCover(id: string, coverKey: string, playerColor: string | null): Promise<boolean> {
      if (playerColor) {
        await db(TABLES.tracks).where({ id }).whereNull('player_color').update({ player_color: playerColor });
      }
      const changed = await db(TABLES.tracks)
        .where({ id })
        .whereNull('cover_key')
        .update({ cover_key: coverKey, updated_at: now() });
      return changed > 0;
    },

    /** Back to `processing` for more files (`addTrackVariant`) of a track whose audio is in. */
    async reopenProcessing(
      id: string,
      enqueue: (transaction: Knex.Transaction) => Promise<number>,
    ): Promise<number> {
      return db.transaction(async (trx) => {
        await trx(TABLES.tracks)
          .where({ id })
          .update({ status: 'processing', status_text: null, updated_at: now() });
        return enqueue(trx);
      });
    },

    /**
     * Records that an upload URL is being used. Resolves false when it already was: the claim is
     * the primary key, so two concurrent uploads with one URL cannot both win.
     */
    async claimUploadUrl(signature: string, expires: number): Promise<boolean> {
      const inserted = await db(TABLES.uploadClaims)
        .insert({ signature, expires })
        .onConflict('signature')
        .ignore()
        .returning('signature');
      return inserted.length > 0;
    },

    /** Gives a claimed URL back after an upload that did not go through (too large, not an image). */
    async releaseUploadUrl(signature: string): Promise<void> {
      await db(TABLES.uploadClaims).where({ signature }).delete();
    },

    async deleteExpiredUploadClaims(nowSeconds: number): Promise<void> {
      await db(TABLES.uploadClaims).where('expires', '<', nowSeconds).delete();
    },

    async findOrganization(id: string): Promise<OrganizationRecord | undefined> {
      const row = await db(TABLES.organizations).where({ id }).first(ORGANIZATION_COLUMNS);
      return row ? organizationFromRow(row) : undefined;
    },

    /** Writes the fields given; resolves false when another organization has the new name. */
    async updateOrganization(id: string, fields: Partial<OrganizationFields>): Promise<boolean> {
      const row = {
        ...fields,
        ...(fields.theme === undefined ? {} : { theme: JSON.stringify(fields.theme) }),
      };
      if (Object.keys(row).length === 0) return true;
      try {
        await db(TABLES.organizations).where({ id }).update(row);
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },

    async listCreators(organizationId: string, limit: number, offset: number): Promise<Page<CreatorRecord>> {
      const own = () => db(TABLES.creators).where({ organization_id: organizationId });
      const [rows, [total]] = await Promise.all([
        own().orderBy('seq').limit(limit).offset(offset).select(CREATOR_COLUMNS),
        own().count({ count: '*' }),
      ]);
      return { count: Number(total?.count ?? 0), items: rows.map(creatorFromRow) };
    },

    async findCreator(organizationId: string, id: string): Promise<CreatorRecord | undefined> {
      const row = await db(TABLES.creators)
        .where({ id, organization_id: organizationId })
        .first(CREATOR_COLUMNS);
      return row ? creatorFromRow(row) : undefined;
    },

    async insertCreator(
      organizationId: string,
      id: string,
      fields: { organization_index: string; metadata: Record<string, unknown> },
    ): Promise<void> {
      const at = now();
      await db(TABLES.creators).insert({
        id,
        organization_id: organizationId,
        organization_index: fields.organization_index,
        metadata: JSON.stringify(fields.metadata),
        created_at: at,
        updated_at: at,
      });
    },

    async updateCreator(
      organizationId: string,
      id: string,
      fields: Partial<Pick<CreatorRecord, 'organization_index' | 'metadata'>>,
    ): Promise<boolean> {
      const changed = await db(TABLES.creators)
        .where({ id, organization_id: organizationId })
        .update({
          ...fields,
          ...(fields.metadata === undefined ? {} : { metadata: JSON.stringify(fields.metadata) }),
          updated_at: now(),
        });
      return changed > 0;
    },

    /** Deletes the creator and clears it from its collections and tracks, in one transaction. */
    async deleteCreator(organizationId: string, id: string): Promise<CreatorRecord | undefined> {
      return db.transaction(async (trx) => {
        const row = await trx(TABLES.creators)
          .where({ id, organization_id: organizationId })
          .modify(lockRow)
          .first(CREATOR_COLUMNS);
        if (!row) return undefined;
        const mine = { creator_id: id, organization_id: organizationId };
        for (const table of [TABLES.collections, TABLES.tracks]) {
          await trx(table).where(mine).update({ creator_id: null, updated_at: now() });
        }
        await trx(TABLES.uploadSessions).where(mine).update({ creator_id: null });
        await trx(TABLES.creators).where({ id }).delete();
        return creatorFromRow(row);
      });
    },

    async insertUploadSession(session: UploadSessionRecord): Promise<void> {
      await db(TABLES.uploadSessions).insert({
        ...session,
        metadata: JSON.stringify(session.metadata),
        created_at: now(),
      });
    },

    /** A session by its id, in any organization: the id is the credential. */
    async findUploadSession(id: string): Promise<UploadSessionRecord | undefined> {
      const row = await db(TABLES.uploadSessions)
        .where({ id })
        .first(
          'id',
          'organization_id',
          'collection_id',
          'creator_id',
          'organization_index',
          'metadata',
          'expires_at',
        );
      if (!row) return undefined;
      return {
        id: row.id,
        organization_id: row.organization_id,
        collection_id: row.collection_id,
        creator_id: row.creator_id ?? null,
        organization_index: row.organization_index ?? null,
        metadata: JSON.parse(row.metadata),
        expires_at: Number(row.expires_at),
      };
    },

    /** The organization with this id or (else) this name; created with that name when there is none. */
    async findOrCreateOrganization(idOrName: string): Promise<CollectionsOrganization> {
      const byId = UUID.test(idOrName)
        ? await db(TABLES.organizations).where({ id: idOrName.toLowerCase() }).first('id', 'name')
        : undefined;
      if (byId) return byId;
      const find = () => db(TABLES.organizations).where({ name: idOrName }).first('id', 'name');
      const found = await find();
      if (found) return found;
      // Two operators creating one organization at once: the unique name lets one insert win.
      await db(TABLES.organizations)
        .insert({ id: randomUUID(), name: idOrName, created_at: now() })
        .onConflict('name')
        .ignore();
      return (await find()) as CollectionsOrganization;
    },

    async insertApiKey(row: { id: string; title: string; key_hash: string } & CollectionsApiKeyGrant) {
      await db(TABLES.apiKeys).insert({
        ...row,
        variants: row.variants === null ? null : JSON.stringify(row.variants),
        created_at: now(),
      });
    },

    /** The grant of the key with this hash (expired ones too), or undefined for an unknown or revoked key. */
    async apiKeyGrant(keyHash: string): Promise<CollectionsApiKeyGrant | undefined> {
      const row = await db(TABLES.apiKeys)
        .where({ key_hash: keyHash })
        .first(...API_KEY_GRANT_COLUMNS);
      return row ? grantFromRow(row) : undefined;
    },

    /** Every key, oldest first, with its organization (never the key: only its hash is stored). */
    async listApiKeys(): Promise<ApiKeyRecord[]> {
      const rows = await db(`${TABLES.apiKeys} as k`)
        .join(`${TABLES.organizations} as o`, 'o.id', 'k.organization_id')
        .orderBy([{ column: 'k.created_at' }, { column: 'k.id' }])
        .select(
          'k.id',
          'k.title',
          'k.created_at',
          ...API_KEY_GRANT_COLUMNS.map((column) => `k.${column}`),
          'o.name as organization_name',
        );
      return rows.map((row) => {
        const { organization_id, ...grant } = grantFromRow(row);
        return {
          id: row.id,
          title: row.title,
          created_at: Number(row.created_at),
          ...grant,
          organization: { id: organization_id, name: row.organization_name },
        };
      });
    },

    /** Deletes the key with this id or this hash: from then on it answers 401. False when there was none. */
    async deleteApiKey(match: { id: string } | { key_hash: string }): Promise<boolean> {
      return (await db(TABLES.apiKeys).where(match).delete()) > 0;
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type CollectionsRepository = ReturnType<typeof createCollectionsRepository>;

function isUniqueViolation(error: unknown): boolean {
  const { code } = error as { code?: string };
  // PostgreSQL unique_violation; SQLite SQLITE_CONSTRAINT_UNIQUE.
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function isForeignKeyViolation(error: unknown): boolean {
  const { code } = error as { code?: string };
  // PostgreSQL foreign_key_violation; SQLite SQLITE_CONSTRAINT_FOREIGNKEY.
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
