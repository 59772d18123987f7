import type { Catalog, CatalogAlbum, CatalogTrack } from '@music-apis/catalog';
import type { Handlers, OperationSpec, Principals } from '@music-apis/spec';
import type { components, operations, streamingSpec } from '@music-apis/spec/streaming';
import { wordsOf } from './downloader/word-index.js';
import { streamingNotFound } from './streaming.js';
import { catalogIndexOf, streamIdOf, streamingCatalogId } from './streaming-catalog-ids.js';

/**
 * The streaming API's catalog (the 7digital-style "aggregator") over the demo catalog, written once
 * for the server and the mock: the views (artist, release, track, search results), the usage
 * types, image sizes, the search rule and its relevance `score`, and the batch errors. Ids are
 * those of `streaming-catalog-ids.ts` (catalog index + 1), so playlists, the home page and HLS agree.
 *
 * Storage differs (the server searches its own FTS5/tsvector tables, the mock a word index in
 * memory); both answer a search through `rankedSearchPage`, which only needs "the matches after
 * id X, in id order" from them, so the ranking, the paging and `estimatedTotalItems` are the same.
 */

type Schemas = components['schemas'];
export type CatalogArtistView = Schemas['Artist'];
export type CatalogReleaseView = Schemas['Release'];
export type CatalogTrackView = Schemas['Track'];
export type CatalogBatchError = Schemas['CatalogBatchError'];
export type CatalogUsageType = 'download' | 'stream';
export type CatalogReleaseType = 'album' | 'single' | 'video';

/** What the aggregator answers in `status`/`version` (7digital's response attributes). */
export const CATALOG_ENVELOPE = { status: 'ok', version: '1.2' } as const;
/** 7digital's default image size. */
export const CATALOG_DEFAULT_IMAGE_SIZE = 350;

// ——— how the items relate (by catalog index) ———

interface Layout {
  artistIndex: Map<string, number>;
  albumIndex: Map<string, number>;
  trackIndex?: Map<string, number>;
}
const layouts = new WeakMap<Catalog, Layout>();

/** Index maps by the catalog's own (Spotify-style) ids, built once per catalog on first use. */
function layoutOf(catalog: Catalog): Layout {
  let layout = layouts.get(catalog);
  if (!layout) {
    layout = {
      artistIndex: new Map(Array.from(catalog.artists(), (artist, index) => [artist.id, index])),
      albumIndex: new Map(Array.from(catalog.albums(), (album, index) => [album.id, index])),
    };
    layouts.set(catalog, layout);
  }
  return layout;
}

export const artistIndexOfTrack = (catalog: Catalog, track: CatalogTrack) =>
  layoutOf(catalog).artistIndex.get(track.artistId) as number;
export const releaseIndexOfTrack = (catalog: Catalog, track: CatalogTrack) =>
  layoutOf(catalog).albumIndex.get(track.albumId) as number;
export const artistIndexOfRelease = (catalog: Catalog, album: CatalogAlbum) =>
  layoutOf(catalog).artistIndex.get(album.artistId) as number;

/** The release indexes of an artist, in catalog order. */
export function releaseIndexesOfArtist(catalog: Catalog, artistIndex: number): number[] {
  const { albumIndex } = layoutOf(catalog);
  return catalog
    .albumsOfArtist(catalog.artistAt(artistIndex).id)
    .map((album) => albumIndex.get(album.id) as number);
}

/** The track indexes of a release, by track number. */
export function trackIndexesOfRelease(catalog: Catalog, releaseIndex: number): number[] {
  const layout = layoutOf(catalog);
  layout.trackIndex ??= new Map(Array.from(catalog.tracks(), (track, index) => [track.isrc, index]));
  const tracks = layout.trackIndex;
  return catalog
    .tracksOfAlbum(catalog.albumAt(releaseIndex).id)
    .map((track) => tracks.get(track.isrc) as number);
}

/** The catalog index of an id of the path or query, or 404 (the API's envelope). */
export function catalogIndexOrNotFound(id: string, count: number): number {
  const index = catalogIndexOf(id, count);
  if (index === undefined) throw streamingNotFound();
  return index;
}

// ——— usage types, images, figures ———

/**
 * Every release streams; one generated release in eight is stream-only (no download package), so
 * that `usageTypes=download` has something to leave out. The seed's and README's examples (first
 * and last) are available for both. A track is available as its release is.
 */
export function releaseUsageTypes(catalog: Catalog, releaseIndex: number): CatalogUsageType[] {
  const example = releaseIndex === 0 || releaseIndex === catalog.albumCount - 1;
  return example || releaseIndex % 8 !== 3 ? ['download', 'stream'] : ['stream'];
}

export const availableFor = (
  catalog: Catalog,
  releaseIndex: number,
  usageType: CatalogUsageType | undefined,
) => usageType === undefined || releaseUsageTypes(catalog, releaseIndex).includes(usageType);

/** 7digital's artwork URL for an id and size (`…/00/002/794/0000279482_350.jpg`). */
export function catalogImageUrl(kind: 'artistimages' | 'sleeveart', id: number, size: number): string {
  const digits = String(id).padStart(10, '0');
  return `https://artwork-cdn.7static.com/static/img/${kind}/${digits.slice(0, 2)}/${digits.slice(2, 5)}/${digits.slice(5, 8)}/${digits}_${size}.jpg`;
}

/** A stable figure in [0, 1) for an item: its popularity. */
function popularityOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return Math.round(((hash >>> 0) / 4294967296) * 100) / 100;
}

const slugOf = (text: string) => wordsOf(text).join('-') || 'untitled';

/** "Last, First" for a person, "Bands, The" for a band, as 7digital sorts names. */
function sortNameOf(name: string): string {
  if (name.startsWith('The ')) return `${name.slice(4)}, The`;
  const parts = name.split(' ');
  return parts.length === 2 ? `${parts[1]}, ${parts[0]}` : name;
}

const FORMATS = [
  { id: 17, description: 'MP3 320' },
  { id: 33, description: 'FLAC' },
];
const LICENSORS = [
  { id: 18, name: 'Demo Music Group' },
  { id: 24, name: 'Open Sound Distribution' },
  { id: 31, name: 'Independent Licensing' },
];

// ——— views ———

export interface CatalogViewOptions {
  imageSize?: number;
}

export function streamingArtistView(catalog: Catalog, artistIndex: number, options: CatalogViewOptions = {}) {
  const artist = catalog.artistAt(artistIndex);
  const id = streamingCatalogId(artistIndex);
  return {
    id,
    name: artist.name,
    sortName: sortNameOf(artist.name),
    slug: slugOf(artist.name),
    image: catalogImageUrl('artistimages', id, options.imageSize ?? CATALOG_DEFAULT_IMAGE_SIZE),
    bio: { text: `${artist.name} is a ${artist.genre} artist of the demo catalog.` },
  } satisfies CatalogArtistView;
}

const dateTime = (date: string) => `${date}T00:00:00Z`;

/** What a release's views share; `tracks` are its tracks (for duration and explicitness). */
function releaseFacts(catalog: Catalog, releaseIndex: number) {
  const album = catalog.albumAt(releaseIndex);
  const tracks = catalog.tracksOfAlbum(album.id);
  const artistIndex = artistIndexOfRelease(catalog, album);
  const id = streamingCatalogId(releaseIndex);
  const downloadable = releaseUsageTypes(catalog, releaseIndex).includes('download');
  const single = album.trackCount < 5;
  return {
    album,
    id,
    artistIndex,
    downloadable,
    type: single ? 'Single' : 'Album',
    year: Number(album.releaseDate.slice(0, 4)),
    explicit: tracks.some((track) => track.explicit),
    duration: tracks.reduce((sum, track) => sum + Math.round(track.durationMs / 1000), 0),
    label: { id: 1000 + artistIndex, name: `${album.artistName} Records` },
    licensor: LICENSORS[releaseIndex % LICENSORS.length] as { id: number; name: string },
    popularity: popularityOf(`release:${album.id}`),
    price: single
      ? { currencyCode: 'GBP', sevendigitalPrice: '1.49', recommendedRetailPrice: '1.99' }
      : { currencyCode: 'GBP', sevendigitalPrice: '7.99', recommendedRetailPrice: '9.99' },
  };
}

function releaseCore(catalog: Catalog, releaseIndex: number, options: CatalogViewOptions) {
  const facts = releaseFacts(catalog, releaseIndex);
  return {
    facts,
    core: {
      id: facts.id,
      title: facts.album.name,
      version: '',
      type: facts.type,
      barcode: facts.album.upc,
      explicitContent: facts.explicit,
      artist: streamingArtistView(catalog, facts.artistIndex, options),
      slug: slugOf(facts.album.name),
      image: catalogImageUrl('sleeveart', facts.id, options.imageSize ?? CATALOG_DEFAULT_IMAGE_SIZE),
      label: facts.label,
      licensor: facts.licensor,
      popularity: facts.popularity,
      duration: facts.duration,
      trackCount: facts.album.trackCount,
    },
  };
}

/** A release with details (`getRelease`, batches, a track's `release`). */
export function streamingReleaseView(
  catalog: Catalog,
  releaseIndex: number,
  options: CatalogViewOptions = {},
) {
  const { facts, core } = releaseCore(catalog, releaseIndex, options);
  const released = dateTime(facts.album.releaseDate);
  return {
    ...core,
    year: facts.year,
    cline: `(C) ${facts.year} ${facts.label.name}`,
    pline: `(P) ${facts.year} ${facts.label.name}`,
    download: {
      releaseDate: released,
      // A stream-only release is shown, with nothing to buy.
      packages: facts.downloadable
        ? [{ id: 2, description: 'Standard', price: facts.price, formats: FORMATS }]
        : [],
    },
    subscriptionStreaming: { releaseDate: released },
  } satisfies CatalogReleaseView;
}

/** A release as an artist's release list shows it (`year` is a string there). */
export function streamingArtistReleaseView(
  catalog: Catalog,
  releaseIndex: number,
  options: CatalogViewOptions = {},
) {
  const { facts, core } = releaseCore(catalog, releaseIndex, options);
  return { ...core, year: String(facts.year) } satisfies Schemas['ArtistReleaseSummary'];
}

/** The opaque `payload` a player gets with a track: which stream of which track. */
export const trackPayloadOf = (trackId: number, streamId: string) =>
  btoa(JSON.stringify({ track_id: trackId, stream_id: streamId }))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

export function streamingTrackView(catalog: Catalog, trackIndex: number, options: CatalogViewOptions = {}) {
  const track = catalog.trackAt(trackIndex);
  const release = streamingReleaseView(catalog, releaseIndexOfTrack(catalog, track), options);
  const facts = releaseFacts(catalog, releaseIndexOfTrack(catalog, track));
  const id = streamingCatalogId(trackIndex);
  const streamId = streamIdOf(track);
  const released = dateTime(facts.album.releaseDate);
  return {
    id,
    stream_id: streamId,
    payload: trackPayloadOf(id, streamId),
    title: track.name,
    version: '',
    artist: release.artist,
    artist_image: release.artist.image,
    cover_art: release.image,
    trackNumber: track.trackNumber,
    duration: Math.round(track.durationMs / 1000),
    explicitContent: track.explicit,
    isrc: track.isrc,
    type: 'audio',
    release,
    discNumber: 1,
    number: track.trackNumber,
    download: {
      releaseDate: released,
      previewDate: released,
      packages: facts.downloadable
        ? [
            {
              id: 1,
              description: 'Single track',
              price: { currencyCode: 'GBP', sevendigitalPrice: '0.99', recommendedRetailPrice: '1.29' },
              formats: FORMATS,
            },
          ]
        : [],
    },
    subscriptionStreaming: { releaseDate: released },
    adSupportedStreaming: { releaseDate: released },
  } satisfies CatalogTrackView;
}

export function streamingArtistResultView(catalog: Catalog, artistIndex: number, score: number) {
  const artist = catalog.artistAt(artistIndex);
  return {
    id: streamingCatalogId(artistIndex),
    name: artist.name,
    popularity: popularityOf(`artist:${artist.id}`),
    score,
  } satisfies Schemas['ArtistSearchResult'];
}

export function streamingReleaseResultView(catalog: Catalog, releaseIndex: number, score: number) {
  const facts = releaseFacts(catalog, releaseIndex);
  return {
    id: facts.id,
    title: facts.album.name,
    subtitle: '',
    upc: facts.album.upc,
    explicitContent: facts.explicit,
    trackCount: facts.album.trackCount,
    year: facts.year,
    type: facts.type,
    availableFor: releaseUsageTypes(catalog, releaseIndex),
    artist: { id: streamingCatalogId(facts.artistIndex), name: facts.album.artistName },
    licensor: facts.licensor,
    label: facts.label,
    packages: facts.downloadable
      ? [
          {
            id: 2,
            name: 'Standard',
            price: { currencyCode: facts.price.currencyCode, rrp: facts.price.recommendedRetailPrice },
            formats: FORMATS.map((format) => ({ id: format.id, name: format.description })),
          },
        ]
      : [],
    popularity: facts.popularity,
    score,
  } satisfies Schemas['ReleaseSearchResult'];
}

/** Does the release match `type=album|single|video` (none is a video)? */
export const releaseHasType = (
  catalog: Catalog,
  releaseIndex: number,
  type: CatalogReleaseType | undefined,
) => type === undefined || releaseFacts(catalog, releaseIndex).type.toLowerCase() === type;

// ——— what a search reads ———

/**
 * The searchable words of an item, normalised once (`wordsOf`: lower case, no accents, letters and
 * digits): the server stores them joined by spaces, so its FTS5 (unicode61) and tsvector ('simple')
 * tokens are exactly these words, and the mock indexes the same words.
 * - artist: its name; release: title and artist; track: title, artist and release title.
 * `title` is what the score weighs: the name of the artist, release or track itself.
 */
export function artistSearchText(catalog: Catalog, index: number) {
  const name = catalog.artistAt(index).name;
  return { title: wordsOf(name).join(' '), text: wordsOf(name).join(' ') };
}
export function releaseSearchText(catalog: Catalog, index: number) {
  const album = catalog.albumAt(index);
  return {
    title: wordsOf(album.name).join(' '),
    text: wordsOf(`${album.name} ${album.artistName}`).join(' '),
  };
}
export function trackSearchText(catalog: Catalog, index: number) {
  const track = catalog.trackAt(index);
  return {
    title: wordsOf(track.name).join(' '),
    text: wordsOf(`${track.name} ${track.artistName} ${track.albumName}`).join(' '),
  };
}

/** Browse key of an artist name: lower case without accents (`letter` is compared as a prefix). */
export const browseKeyOf = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/** The words of a query (empty: nothing can match). */
export const searchWordsOf = (query: string) => wordsOf(query);

/** The search rule: every query word is a word of the item, the last one as a prefix (typed as one goes). */
export function matchesSearch(queryWords: readonly string[], itemWords: readonly string[]): boolean {
  const last = queryWords.length - 1;
  return (
    queryWords.length > 0 &&
    queryWords.every((term, i) =>
      itemWords.some((word) => (i === last ? word.startsWith(term) : word === term)),
    )
  );
}

/**
 * Relevance to the query, in (0, 1]: 1 when the title is the query, else 0.25 plus half the share
 * of query words found in the title (the rest matched the artist or release). Rounded to 2 places.
 */
export function catalogSearchScore(queryWords: readonly string[], titleWords: readonly string[]): number {
  if (queryWords.length === 0) return 0;
  if (titleWords.join(' ') === queryWords.join(' ')) return 1;
  const last = queryWords.length - 1;
  const inTitle = queryWords.filter((term, i) =>
    titleWords.some((word) => (i === last ? word.startsWith(term) : word === term)),
  ).length;
  return Math.round((0.25 + (0.5 * inTitle) / queryWords.length) * 100) / 100;
}

/**
 * Matches ranked by relevance: the first `CATALOG_RANK_WINDOW` matches in id order are sorted by
 * score (then id); matches past that window follow in id order. Ranking a window bounded in size,
 * rather than every match, keeps a search's cost following its page, not the catalog's size
 * (a common word matches tens of thousands of tracks at 1M), as search engines rescore a window.
 */
export const CATALOG_RANK_WINDOW = 200;

export interface CatalogSearchMatch {
  id: number;
  /** The item's title words (space-separated), for the score. */
  title: string;
}

/** Where a search reads its matches: the server's FTS5/tsvector tables, or the mock's word index. */
export interface CatalogMatchSource {
  /** Matches (with the filters applied) whose id is above `afterId`, in id order, skipping `offset`, at most `limit`. */
  matches(afterId: number, offset: number, limit: number): Promise<CatalogSearchMatch[]>;
  /** The highest id that can match (the catalog's size): scales the estimate. */
  maxId: number;
}

/**
 * One page of a search: ids with their score, and `estimatedTotalItems` — exact when the matches
 * fit in the window, else extrapolated from how far into the catalog the window reached (the
 * matches are spread over the catalog), as a search engine estimates a large total.
 */
export async function rankedSearchPage(
  queryWords: readonly string[],
  source: CatalogMatchSource,
  page: number,
  pageSize: number,
): Promise<{ results: { id: number; score: number }[]; estimatedTotalItems: number }> {
  if (queryWords.length === 0) return { results: [], estimatedTotalItems: 0 };
  const scoreOf = (match: CatalogSearchMatch) => ({
    id: match.id,
    score: catalogSearchScore(queryWords, match.title.split(' ')),
  });
  const fetched = await source.matches(0, 0, CATALOG_RANK_WINDOW + 1);
  const full = fetched.length > CATALOG_RANK_WINDOW;
  const window = fetched.slice(0, CATALOG_RANK_WINDOW);
  const ranked = window.map(scoreOf).sort((a, b) => b.score - a.score || a.id - b.id);
  const offset = (page - 1) * pageSize;
  const results = ranked.slice(offset, offset + pageSize);
  // Past the catalog's size there is nothing to read (and a huge `page` must not reach the SQL).
  if (full && results.length < pageSize && offset - CATALOG_RANK_WINDOW < source.maxId) {
    const lastId = (window.at(-1) as CatalogSearchMatch).id;
    const beyond = await source.matches(
      lastId,
      Math.max(0, offset - CATALOG_RANK_WINDOW),
      pageSize - results.length,
    );
    results.push(...beyond.map(scoreOf));
  }
  const lastId = window.at(-1)?.id ?? 0;
  const estimatedTotalItems = full
    ? Math.max(CATALOG_RANK_WINDOW + 1, Math.round((CATALOG_RANK_WINDOW * source.maxId) / lastId))
    : window.length;
  return { results, estimatedTotalItems };
}

/** The search envelope around a page of results. */
export const catalogSearchPage = <Result>(
  results: Result[],
  estimatedTotalItems: number,
  page: number,
  pageSize: number,
) => ({ estimatedTotalItems, page, expectedPageSize: pageSize, results });

/** 7digital's paging block of a list, over all its items. */
export function catalogListPage<Item>(items: readonly Item[], page: number, pageSize: number) {
  return {
    page,
    pageSize,
    totalItems: items.length,
    items: items.slice((page - 1) * pageSize, page * pageSize),
  };
}

// ——— batches ———

/** 7digital's codes for an id of a batch that is not there. */
const BATCH_NOT_FOUND = {
  release: { code: 2001, errorMessage: 'Release not found' },
  track: { code: 3001, errorMessage: 'Track not found' },
} as const;

/** The ids of a batch (`releaseids`/`trackids`), as sent. */
export const batchIdsOf = (list: string) => list.split(',');

/**
 * A batch: the found items in request order (an id asked twice comes twice, as 7digital does),
 * the others listed in `errors` only with `showErrors`.
 */
export function catalogBatch<View>(
  ids: readonly string[],
  kind: 'release' | 'track',
  find: (id: string) => View | undefined,
  showErrors: boolean,
): { found: View[]; errors: CatalogBatchError[] } {
  const found: View[] = [];
  const errors: CatalogBatchError[] = [];
  for (const id of ids) {
    const view = find(id);
    if (view) found.push(view);
    else if (showErrors) errors.push({ id, ...BATCH_NOT_FOUND[kind] });
  }
  return { found, errors };
}

// ——— the operations' inputs ———

type Query<Id extends keyof operations> = operations[Id] extends { parameters: { query?: infer Q } }
  ? NonNullable<Q>
  : never;
export type CatalogTrackSearchQuery = Query<'searchTracks'>;
export type CatalogReleaseSearchQuery = Query<'searchReleases'>;

/** The filters of a release or track search, as the stores read them. */
export interface CatalogSearchFilters {
  artistId?: number;
  excludeExplicit: boolean;
  /** Only items available for download (every item streams). */
  downloadOnly: boolean;
}

/**
 * The filters of a search query; `undefined` when none can match (an `artistId` outside the catalog).
 */
export function catalogSearchFilters(
  query: { artistId?: string; excludeExplicitContent?: boolean; usageTypes?: CatalogUsageType },
  artistCount: number,
): CatalogSearchFilters | undefined {
  let artistId: number | undefined;
  if (query.artistId !== undefined) {
    const index = catalogIndexOf(query.artistId, artistCount);
    if (index === undefined) return undefined;
    artistId = streamingCatalogId(index);
  }
  return {
    ...(artistId === undefined ? {} : { artistId }),
    excludeExplicit: query.excludeExplicitContent === true,
    downloadOnly: query.usageTypes === 'download',
  };
}

// ——— the operations, the same in the server and the mock ———

/**
 * The catalog takes a user's token or the tenant's, both as `Authorization: Bearer`: while the
 * pipeline tries each scheme in turn (`optional`), a token of the other kind is not this scheme's
 * error, so the next scheme is tried; when none accepts it, the pipeline asks the first scheme
 * again (not optional) and its error is the answer. Operations with one scheme (and the home page,
 * whose other alternative is no token) keep every error as it is.
 */
export async function tryBearerScheme<Principal>(
  options: { optional: boolean; operation: OperationSpec },
  check: () => Principal | Promise<Principal>,
): Promise<Principal | undefined> {
  const schemes = options.operation.security.filter((alternative) => alternative.length > 0);
  if (!options.optional || schemes.length < 2) return check();
  try {
    return await check();
  } catch {
    return undefined;
  }
}

/** What a storage gives the catalog operations: the searches and the browse by letter. */
export interface StreamingCatalogStore {
  catalog: Catalog;
  artistMatches(queryWords: readonly string[]): CatalogMatchSource;
  releaseMatches(queryWords: readonly string[], filters: CatalogSearchFilters): CatalogMatchSource;
  trackMatches(queryWords: readonly string[], filters: CatalogSearchFilters): CatalogMatchSource;
  /** Artist ids whose browse key starts with `prefix`, in name order, and how many there are. */
  browseArtists(prefix: string, offset: number, limit: number): Promise<{ ids: number[]; total: number }>;
}

export const STREAMING_CATALOG_OPERATIONS = [
  'searchArtists',
  'browseArtists',
  'getArtist',
  'listArtistReleases',
  'searchReleases',
  'getReleasesBatch',
  'getRelease',
  'listReleaseTracks',
  'searchTracks',
  'getTracksBatch',
  'getTrack',
] as const;
type CatalogOperation = (typeof STREAMING_CATALOG_OPERATIONS)[number];

const ok = <Body>(body: Body) => ({ status: 200 as const, body });

/** The catalog's eleven operations over a store: the server passes its SQL store, the mock its memory. */
export function streamingCatalogHandlers<Schemes extends Principals, Env, Raw>(
  store: StreamingCatalogStore,
): Pick<Handlers<operations, typeof streamingSpec.operations, Schemes, Env, Raw>, CatalogOperation> {
  const { catalog } = store;
  const paging = (query: { page?: number; pageSize?: number }) => ({
    page: query.page ?? 1,
    pageSize: query.pageSize ?? 10,
  });
  const releaseOf = (id: string, query: { usageTypes?: CatalogUsageType; imageSize?: number }) => {
    const index = catalogIndexOf(id, catalog.albumCount);
    if (index === undefined || !availableFor(catalog, index, query.usageTypes)) return undefined;
    return streamingReleaseView(catalog, index, query);
  };
  const trackOf = (id: string, query: { usageTypes?: CatalogUsageType; imageSize?: number }) => {
    const index = catalogIndexOf(id, catalog.trackCount);
    if (index === undefined) return undefined;
    const track = catalog.trackAt(index);
    if (!availableFor(catalog, releaseIndexOfTrack(catalog, track), query.usageTypes)) return undefined;
    return streamingTrackView(catalog, index, query);
  };
  const emptyPage = (page: number, pageSize: number) => catalogSearchPage([], 0, page, pageSize);

  return {
    searchArtists: async ({ query }) => {
      const { page, pageSize } = paging(query);
      const words = searchWordsOf(query.q);
      const found = await rankedSearchPage(words, store.artistMatches(words), page, pageSize);
      const results = found.results.map((r) => streamingArtistResultView(catalog, r.id - 1, r.score));
      return ok(catalogSearchPage(results, found.estimatedTotalItems, page, pageSize));
    },
    browseArtists: async ({ query }) => {
      const { page, pageSize } = paging(query);
      const { ids, total } = await store.browseArtists(
        browseKeyOf(query.letter),
        // No artist lies past the catalog's size, however large `page` is.
        Math.min((page - 1) * pageSize, catalog.artistCount),
        pageSize,
      );
      return ok({
        ...CATALOG_ENVELOPE,
        artists: {
          page,
          pageSize,
          totalItems: total,
          artist: ids.map((id) => streamingArtistView(catalog, id - 1)),
        },
      });
    },
    getArtist: async ({ path }) =>
      ok({
        ...CATALOG_ENVELOPE,
        artist: streamingArtistView(catalog, catalogIndexOrNotFound(path.artist_id, catalog.artistCount)),
      }),
    listArtistReleases: async ({ path, query }) => {
      const { page, pageSize } = paging(query);
      const artistIndex = catalogIndexOrNotFound(path.artist_id, catalog.artistCount);
      const releases = releaseIndexesOfArtist(catalog, artistIndex).filter(
        (index) =>
          availableFor(catalog, index, query.usageTypes) && releaseHasType(catalog, index, query.type),
      );
      const list = catalogListPage(releases, page, pageSize);
      return ok({
        ...CATALOG_ENVELOPE,
        releases: {
          page,
          pageSize,
          totalItems: list.totalItems,
          releases: list.items.map((index) => streamingArtistReleaseView(catalog, index, query)),
        },
      });
    },
    searchReleases: async ({ query }) => {
      const { page, pageSize } = paging(query);
      const filters = catalogSearchFilters(query, catalog.artistCount);
      if (!filters) return ok(emptyPage(page, pageSize));
      const words = searchWordsOf(query.q);
      const found = await rankedSearchPage(words, store.releaseMatches(words, filters), page, pageSize);
      const results = found.results.map((r) => streamingReleaseResultView(catalog, r.id - 1, r.score));
      return ok(catalogSearchPage(results, found.estimatedTotalItems, page, pageSize));
    },
    getReleasesBatch: async ({ query }) => {
      const { found, errors } = catalogBatch(
        batchIdsOf(query.releaseids),
        'release',
        (id) => {
          const index = catalogIndexOf(id, catalog.albumCount);
          return index !== undefined && releaseHasType(catalog, index, query.type)
            ? releaseOf(id, query)
            : undefined;
        },
        query.showErrors === true,
      );
      return ok({ items: { releases: found, errors } });
    },
    getRelease: async ({ path, query }) => {
      const release = releaseOf(path.release_id, query);
      if (!release) throw streamingNotFound();
      return ok({ release });
    },
    listReleaseTracks: async ({ path, query }) => {
      const { page, pageSize } = paging(query);
      const index = catalogIndexOrNotFound(path.release_id, catalog.albumCount);
      const tracks = availableFor(catalog, index, query.usageTypes)
        ? trackIndexesOfRelease(catalog, index)
        : [];
      const list = catalogListPage(tracks, page, pageSize);
      return ok({
        page,
        pageSize,
        totalItems: list.totalItems,
        tracks: list.items.map((track) => streamingTrackView(catalog, track, query)),
      });
    },
    searchTracks: async ({ query }) => {
      const { page, pageSize } = paging(query);
      const filters = catalogSearchFilters(query, catalog.artistCount);
      if (!filters) return ok(emptyPage(page, pageSize));
      const words = searchWordsOf(query.q);
      const found = await rankedSearchPage(words, store.trackMatches(words, filters), page, pageSize);
      const results = found.results.map((r) => streamingTrackView(catalog, r.id - 1));
      return ok(catalogSearchPage(results, found.estimatedTotalItems, page, pageSize));
    },
    getTracksBatch: async ({ query }) => {
      const { found, errors } = catalogBatch(
        batchIdsOf(query.trackids),
        'track',
        (id) => trackOf(id, query),
        query.showErrors === true,
      );
      return ok({ items: { tracks: found, errors } });
    },
    getTrack: async ({ path, query }) => {
      const track = trackOf(path.track_id, query);
      if (!track) throw streamingNotFound();
      return ok({ track });
    },
  };
}
