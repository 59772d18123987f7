import { randomUUID } from 'node:crypto';
import { type CollectionsVariantRecord, organizationVariants, type VariantTypeId } from '@music-apis/domain';
import type { Knex } from '../core/db.js';
import { type Page, TABLES } from './repository.js';

/**
 * Variants (per organization, and per track for `addTrackVariant`) and the files processing made
 * of them for each track. Tables are created by `collections_007_variants_and_files`.
 */

type Row = Record<string, unknown>;

const VARIANT_COLUMNS = [
  'id',
  'organization_id',
  'track_id',
  'delivery_index',
  'name',
  'type',
  'audio',
  'preview',
];

const variantFromRow = (row: Row): CollectionsVariantRecord => ({
  id: row.id as string,
  organization_id: row.organization_id as string,
  track_id: (row.track_id as string | null) ?? null,
  index: row.delivery_index as string,
  name: row.name as string,
  type: row.type as VariantTypeId,
  audio: row.audio ? JSON.parse(row.audio as string) : null,
  preview: row.preview ? JSON.parse(row.preview as string) : null,
});

const variantToRow = (variant: CollectionsVariantRecord, createdAt: number) => ({
  id: variant.id,
  organization_id: variant.organization_id,
  track_id: variant.track_id,
  scope: variant.track_id ?? '',
  delivery_index: variant.index,
  name: variant.name,
  type: variant.type,
  audio: variant.audio && JSON.stringify(variant.audio),
  preview: variant.preview && JSON.stringify(variant.preview),
  created_at: createdAt,
});

/** One track's file of one variant: made (`is_success`), failed (with the reason) or nothing to make (null). */
export interface TrackFileRecord {
  variant_id: string;
  blob_key: string | null;
  size: number | null;
  content_type: string | null;
  is_success: boolean | null;
  status_text: string | null;
}

const FILE_COLUMNS = ['variant_id', 'blob_key', 'size', 'content_type', 'is_success', 'status_text'];

const fileFromRow = (row: Row): TrackFileRecord => ({
  variant_id: row.variant_id as string,
  blob_key: (row.blob_key as string | null) ?? null,
  size: row.size === null || row.size === undefined ? null : Number(row.size),
  content_type: (row.content_type as string | null) ?? null,
  // SQLite stores booleans as 0/1.
  is_success: row.is_success === null || row.is_success === undefined ? null : Boolean(row.is_success),
  status_text: (row.status_text as string | null) ?? null,
});

export function createVariantRepository(db: Knex) {
  const organizationScope = (organizationId: string) =>
    db(TABLES.variants).where({ organization_id: organizationId, scope: '' });

  /**
   * Configures the organization's default variants the first time they are needed (any organization,
   * whoever created it: the API, an operator, the migration). Their ids are derived, so concurrent
   * first uses insert each once.
   */
  async function ensureOrganizationVariants(organizationId: string): Promise<void> {
    if (await organizationScope(organizationId).first('id')) return;
    const at = Date.now();
    await db(TABLES.variants)
      .insert(organizationVariants(organizationId).map((variant, order) => variantToRow(variant, at + order)))
      .onConflict('id')
      .ignore();
  }

  return {
    async listOrganizationVariants(
      organizationId: string,
      limit: number,
      offset: number,
    ): Promise<Page<CollectionsVariantRecord>> {
      await ensureOrganizationVariants(organizationId);
      const [rows, [total]] = await Promise.all([
        organizationScope(organizationId).orderBy('seq').limit(limit).offset(offset).select(VARIANT_COLUMNS),
        organizationScope(organizationId).count({ count: '*' }),
      ]);
      return { count: Number(total?.count ?? 0), items: rows.map(variantFromRow) };
    },

    /** A variant of the organization or of one of its tracks. */
    async findVariant(organizationId: string, id: string): Promise<CollectionsVariantRecord | undefined> {
      await ensureOrganizationVariants(organizationId);
      const row = await db(TABLES.variants)
        .where({ id, organization_id: organizationId })
        .first(VARIANT_COLUMNS);
      return row ? variantFromRow(row) : undefined;
    },

    /**
     * Adds a track-specific variant; false when its index is taken, by one of the organization's
     * variants or of the track's (the unique index decides between concurrent adds).
     */
    async insertTrackVariant(variant: CollectionsVariantRecord & { track_id: string }): Promise<boolean> {
      await ensureOrganizationVariants(variant.organization_id);
      const taken = await organizationScope(variant.organization_id)
        .where({ delivery_index: variant.index })
        .first('id');
      if (taken) return false;
      const inserted = await db(TABLES.variants)
        .insert(variantToRow(variant, Date.now()))
        .onConflict(['organization_id', 'scope', 'delivery_index'])
        .ignore()
        .returning('id');
      return inserted.length > 0;
    },

    /** Records the files made for a track, replacing earlier attempts at the same variants. */
    async saveTrackFiles(trackId: string, files: TrackFileRecord[]): Promise<void> {
      if (files.length === 0) return;
      const at = Date.now();
      await db(TABLES.trackFiles)
        .insert(files.map((file) => ({ id: randomUUID(), track_id: trackId, ...file, created_at: at })))
        .onConflict(['track_id', 'variant_id'])
        .merge(['blob_key', 'size', 'content_type', 'is_success', 'status_text', 'created_at']);
    },

    /** The files recorded for a track, by variant. */
    async filesOfTrack(trackId: string): Promise<TrackFileRecord[]> {
      return (await db(TABLES.trackFiles).where({ track_id: trackId }).select(FILE_COLUMNS)).map(fileFromRow);
    },

    /** The blob keys of the files of these tracks (to delete with them). */
    async fileKeysOfTracks(trackIds: string[]): Promise<string[]> {
      if (trackIds.length === 0) return [];
      return (await db(TABLES.trackFiles)
        .whereIn('track_id', trackIds)
        .whereNotNull('blob_key')
        .pluck('blob_key')) as string[];
    },

    /** The blob keys of the files of a collection's tracks. */
    async fileKeysOfCollection(collectionId: string): Promise<string[]> {
      return (await db(`${TABLES.trackFiles} as f`)
        .join(`${TABLES.tracks} as t`, 't.id', 'f.track_id')
        .where('t.collection_id', collectionId)
        .whereNotNull('f.blob_key')
        .pluck('f.blob_key')) as string[];
    },

    /** What processing makes for a track: its organization's variants, then its own, oldest first. */
    async variantsOfTrack(organizationId: string, trackId: string): Promise<CollectionsVariantRecord[]> {
      await ensureOrganizationVariants(organizationId);
      const rows = await db(TABLES.variants)
        .where({ organization_id: organizationId })
        .whereIn('scope', ['', trackId])
        .orderBy('seq')
        .select(VARIANT_COLUMNS);
      return rows.map(variantFromRow);
    },
  };
}

export type VariantRepository = ReturnType<typeof createVariantRepository>;
