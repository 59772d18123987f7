import { type CollectionsVariantRecord, organizationVariants, type VariantTypeId } from '@music-apis/domain';
import type { Knex } from '../core/db.js';
import { type Page, TABLES } from './repository.js';

/**
 * Variants (per organization, and per track for `addTrackVariant`) and the files processing made
 * of them for each track. Tables are created by `collections_004_variants_and_files`.
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

/** One track's file of one variant: made (`is_success`) or not, with the reason. */
export interface TrackFileRecord {
  id: string;
  track_id: string;
  variant_id: string;
  blob_key: string | null;
  size: number | null;
  content_type: string | null;
  is_success: boolean;
  status_text: string | null;
}

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
