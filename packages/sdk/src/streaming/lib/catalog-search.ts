import { type CallOptions, createPaginator, type Paginator } from '../../core/index.js';
import type {
  SearchArtistsParams,
  SearchArtistsResult,
  SearchReleasesParams,
  SearchReleasesResult,
  SearchTracksParams,
  SearchTracksResult,
  StreamingMethods,
} from '../client.gen.js';

/** One page of a catalog search (`estimatedTotalItems`, `page`, `expectedPageSize`, `results`). */
interface CatalogSearchPage {
  page: number;
  expectedPageSize: number;
  results: readonly unknown[];
}

/**
 * Every result of a catalog search, page after page from `query.page` (default 1), `pageSize` at a
 * time (the server's default when unset). `estimatedTotalItems` is an estimate past 200 matches, so
 * the pages end at the first one shorter than `expectedPageSize`, not at the estimate.
 */
export function paginateCatalogSearch<Query extends { page?: number }, Page extends CatalogSearchPage>(
  search: (query: Query, options?: CallOptions) => Promise<Page>,
  query: Query,
  options?: CallOptions,
): Paginator<Page['results'][number], Page> {
  return createPaginator<Page, Page['results'][number], number>({
    first: query.page ?? 1,
    fetchPage: (page) => search({ ...query, page }, options),
    items: (page) => page.results,
    next: (page, cursor) => (page.results.length < page.expectedPageSize ? undefined : cursor + 1),
  });
}

export interface CatalogSearchIterators {
  /** Every artist `searchArtists` finds: `for await (const artist of client.iterateArtists({ q }))`; `.pages()` for pages. */
  iterateArtists(
    query: SearchArtistsParams,
    options?: CallOptions,
  ): Paginator<SearchArtistsResult['results'][number], SearchArtistsResult>;
  /** Every release `searchReleases` finds, page after page. */
  iterateReleases(
    query: SearchReleasesParams,
    options?: CallOptions,
  ): Paginator<SearchReleasesResult['results'][number], SearchReleasesResult>;
  /** Every track `searchTracks` finds, page after page. */
  iterateTracks(
    query: SearchTracksParams,
    options?: CallOptions,
  ): Paginator<SearchTracksResult['results'][number], SearchTracksResult>;
}

/** The catalog search iterators over a client's generated methods. */
export function catalogSearchIterators(
  methods: Pick<StreamingMethods, 'searchArtists' | 'searchReleases' | 'searchTracks'>,
): CatalogSearchIterators {
  return {
    iterateArtists: (query, options) => paginateCatalogSearch(methods.searchArtists, query, options),
    iterateReleases: (query, options) => paginateCatalogSearch(methods.searchReleases, query, options),
    iterateTracks: (query, options) => paginateCatalogSearch(methods.searchTracks, query, options),
  };
}
