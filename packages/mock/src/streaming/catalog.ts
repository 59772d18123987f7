import type { Catalog } from '@music-apis/catalog';
import {
  artistIndexOfRelease,
  artistSearchText,
  browseKeyOf,
  type CatalogMatchSource,
  type CatalogSearchFilters,
  matchesSearch,
  releaseIndexOfTrack,
  releaseSearchText,
  releaseUsageTypes,
  type StreamingCatalogStore,
  streamingCatalogId,
  trackSearchText,
} from '@music-apis/domain';

/**
 * The streaming catalog's searches in memory, for the mock: the same words, rule and ranking as the
 * server's FTS5/tsvector tables (`@music-apis/domain`), over the mock's catalog. Each item's words
 * are computed once per catalog; a search walks them in id order (the mock's catalog is small).
 */

interface Item {
  words: string[];
  title: string;
  artistId: number;
  explicit: boolean;
  downloadable: boolean;
}

interface Indexed {
  artists: Item[];
  releases: Item[];
  tracks: Item[];
  /** Artist ids by browse key, then id. */
  browse: { key: string; id: number }[];
}

const indexes = new WeakMap<Catalog, Indexed>();

function indexedOf(catalog: Catalog): Indexed {
  let indexed = indexes.get(catalog);
  if (indexed) return indexed;
  const item = ({ title, text }: { title: string; text: string }, rest: Omit<Item, 'words' | 'title'>) => ({
    words: text.split(' '),
    title,
    ...rest,
  });
  const releases = Array.from({ length: catalog.albumCount }, (_, index) => {
    const album = catalog.albumAt(index);
    return item(releaseSearchText(catalog, index), {
      artistId: streamingCatalogId(artistIndexOfRelease(catalog, album)),
      explicit: catalog.tracksOfAlbum(album.id).some((track) => track.explicit),
      downloadable: releaseUsageTypes(catalog, index).includes('download'),
    });
  });
  indexed = {
    artists: Array.from({ length: catalog.artistCount }, (_, index) =>
      item(artistSearchText(catalog, index), {
        artistId: streamingCatalogId(index),
        explicit: false,
        downloadable: true,
      }),
    ),
    releases,
    tracks: Array.from({ length: catalog.trackCount }, (_, index) => {
      const track = catalog.trackAt(index);
      const release = releases[releaseIndexOfTrack(catalog, track)] as Item;
      return item(trackSearchText(catalog, index), {
        artistId: release.artistId,
        explicit: track.explicit,
        downloadable: release.downloadable,
      });
    }),
    browse: Array.from(catalog.artists(), (artist, index) => ({
      key: browseKeyOf(artist.name),
      id: streamingCatalogId(index),
    })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id - b.id)),
  };
  indexes.set(catalog, indexed);
  return indexed;
}

function source(
  items: Item[],
  queryWords: readonly string[],
  filters?: CatalogSearchFilters,
): CatalogMatchSource {
  const passes = (entry: Item) =>
    matchesSearch(queryWords, entry.words) &&
    (filters?.artistId === undefined || entry.artistId === filters.artistId) &&
    !(filters?.excludeExplicit && entry.explicit) &&
    !(filters?.downloadOnly && !entry.downloadable);
  return {
    maxId: items.length,
    async matches(afterId, offset, limit) {
      const found = [];
      let skipped = 0;
      // Id = index + 1: the items after `afterId` start at index `afterId`.
      for (let index = afterId; index < items.length && found.length < limit; index++) {
        const entry = items[index] as Item;
        if (!passes(entry)) continue;
        if (skipped < offset) skipped += 1;
        else found.push({ id: index + 1, title: entry.title });
      }
      return found;
    },
  };
}

export function memoryCatalogStore(catalog: Catalog): StreamingCatalogStore {
  return {
    catalog,
    artistMatches: (words) => source(indexedOf(catalog).artists, words),
    releaseMatches: (words, filters) => source(indexedOf(catalog).releases, words, filters),
    trackMatches: (words, filters) => source(indexedOf(catalog).tracks, words, filters),
    async browseArtists(prefix, offset, limit) {
      const matching = indexedOf(catalog).browse.filter((entry) => entry.key.startsWith(prefix));
      return { ids: matching.slice(offset, offset + limit).map((entry) => entry.id), total: matching.length };
    },
  };
}
