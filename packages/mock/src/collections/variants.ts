import {
  type CollectionsVariantRecord,
  organizationVariants,
  variantNotFound,
  variantView,
} from '@music-apis/domain';
import type { CollectionsHandlers, CollectionsMockState } from './state.js';

/** The organization's configured variants, configured on first use as on the server (same ids). */
export function organizationVariantsOf(
  state: CollectionsMockState,
  organizationId: string,
): CollectionsVariantRecord[] {
  const own = () =>
    [...state.variants.values()].filter(
      (variant) => variant.organization_id === organizationId && variant.track_id === null,
    );
  if (own().length === 0) {
    for (const variant of organizationVariants(organizationId)) state.variants.set(variant.id, variant);
  }
  return own();
}

/** What processing makes for a track: its organization's variants, then its own, oldest first. */
export function variantsOfTrack(
  state: CollectionsMockState,
  track: { id: string; organization_id: string },
): CollectionsVariantRecord[] {
  organizationVariantsOf(state, track.organization_id);
  return [...state.variants.values()].filter(
    (variant) =>
      variant.organization_id === track.organization_id &&
      (variant.track_id === null || variant.track_id === track.id),
  );
}

export function variantHandlers(
  state: CollectionsMockState,
): Pick<CollectionsHandlers, 'listVariants' | 'getVariant'> {
  const ok = () => ({ ok: true as const, api_request_id: crypto.randomUUID() });
  return {
    listVariants({ query, principal }) {
      const all = organizationVariantsOf(state, principal.organizationId);
      const offset = query.offset ?? 0;
      const page = all.slice(offset, offset + (query.limit ?? 50));
      return { status: 200, body: { ...ok(), count: all.length, variants: page.map(variantView) } };
    },
    getVariant({ path, principal }) {
      organizationVariantsOf(state, principal.organizationId);
      const variant = state.variants.get(path.variant_id.toLowerCase());
      if (!variant || variant.organization_id !== principal.organizationId) throw variantNotFound();
      return { status: 200, body: { ...ok(), variant_id: variant.id, variant: variantView(variant) } };
    },
  };
}
