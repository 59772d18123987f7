import { type Catalog, type CatalogTrack, deterministicUuid } from '@music-apis/catalog';

/**
 * How the streaming API (7digital-style) names the demo catalog's items, so the catalog, the
 * playlists, the home page and the HLS streams agree on ids in the server and the mock alike:
 * artists, releases and tracks are numbered by their catalog index + 1, and each track has one
 * stream, whose UUID is a pure function of its ISRC (the ISRC the track manager knows).
 */
export function streamingCatalogId(index: number): number {
  return index + 1;
}

/** The catalog index of a streaming artist, release or track id, or undefined when out of range. */
export function catalogIndexOf(id: number | string, count: number): number | undefined {
  const number = typeof id === 'number' ? id : /^[1-9][0-9]{0,8}$/.test(id) ? Number(id) : Number.NaN;
  return Number.isInteger(number) && number >= 1 && number <= count ? number - 1 : undefined;
}

/** The stream id (`stream_id`) of a catalog track. */
export function streamIdOf(track: Pick<CatalogTrack, 'isrc'>): string {
  return deterministicUuid(`streaming-stream:${track.isrc}`);
}

/** The catalog track streamed under `streamId`, found by walking the catalog once and remembered. */
export function trackOfStreamId(catalog: Catalog, streamId: string): CatalogTrack | undefined {
  let index = streamIndexes.get(catalog);
  if (!index) {
    index = new Map();
    for (const track of catalog.tracks()) index.set(streamIdOf(track), track);
    streamIndexes.set(catalog, index);
  }
  return index.get(streamId.toLowerCase());
}

const streamIndexes = new WeakMap<Catalog, Map<string, CatalogTrack>>();
