import type { Catalog } from '@music-apis/catalog';
import {
  artistIndexOfRelease,
  artistIndexOfTrack,
  artistSearchText,
  browseKeyOf,
  type CatalogMatchSource,
  type CatalogSearchFilters,
  type CatalogSearchMatch,
  releaseIndexOfTrack,
  releaseSearchText,
  releaseUsageTypes,
  type StreamingCatalogStore,
  streamingCatalogId,
  trackSearchText,
} from '@music-apis/domain';
import { isPostgres, type Knex, type Migration, readRows } from '../core/db.js';

/**
 * The streaming catalog's own tables: one row per artist, release and track of the demo catalog
 * (ids as `@music-apis/domain` names them), holding what searches and the browse by letter read.
 * The views themselves are computed from the catalog by id, so they are the same as the mock's.
 *
 * Searches are indexed on both databases, never a scan: `search_text` holds the item's words,
 * already normalised by the domain (`wordsOf`: lower case, no accents, letters and digits, joined by
 * spaces), so the engines' tokenizers see exactly the words the mock matches.
 * - SQLite: an FTS5 table per kind (unicode61, external content, prefix indexes for 2 and 3
 *   characters), kept in sync by triggers. A query is `"w1" "w2" "last"*`; FTS5 walks its
 *   doclists in rowid (= id) order, so a page of matches in id order stops early.
 * - PostgreSQL: a stored `tsvector` ('simple': no stemming, no stop words) with a GIN index,
 *   queried with `to_tsquery('simple', 'w1 & w2 & last:*')`.
 * The ranking (`rankedSearchPage`) asks for a bounded window of matches in id order.
 */

const KINDS = ['artists', 'releases', 'tracks'] as const;
type Kind = (typeof KINDS)[number];
const table = (kind: Kind) => `streaming_catalog_${kind}`;
const ftsTable = (kind: Kind) => `streaming_catalog_${kind}_fts`;

function createTables(pg: boolean): string[] {
  const key = pg ? 'varchar(255) collate "C"' : 'text';
  const vector = pg
    ? `, search_vector tsvector generated always as (to_tsvector('simple', search_text)) stored`
    : '';
  const statements = [
    `create table ${table('artists')} (id integer primary key, name_key ${key} not null, title text not null, search_text text not null${vector})`,
    `create index ${table('artists')}_browse on ${table('artists')} (name_key, id)`,
    `create table ${table('releases')} (id integer primary key, artist_id integer not null, explicit boolean not null, downloadable boolean not null, title text not null, search_text text not null${vector})`,
    `create index ${table('releases')}_artist on ${table('releases')} (artist_id, id)`,
    `create table ${table('tracks')} (id integer primary key, artist_id integer not null, release_id integer not null, explicit boolean not null, downloadable boolean not null, title text not null, search_text text not null${vector})`,
    `create index ${table('tracks')}_artist on ${table('tracks')} (artist_id, id)`,
  ];
  for (const kind of KINDS) {
    if (pg) {
      statements.push(`create index ${table(kind)}_search on ${table(kind)} using gin (search_vector)`);
      continue;
    }
    const fts = ftsTable(kind);
    statements.push(
      `create virtual table ${fts} using fts5(search_text, content='${table(kind)}', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')`,
      `create trigger ${fts}_insert after insert on ${table(kind)} begin
         insert into ${fts} (rowid, search_text) values (new.id, new.search_text);
       end`,
      `create trigger ${fts}_delete after delete on ${table(kind)} begin
         insert into ${fts} (${fts}, rowid, search_text) values ('delete', old.id, old.search_text);
       end`,
    );
  }
  return statements;
}

export const streamingCatalogMigration: Migration = {
  name: 'streaming_002_catalog',
  async up(db) {
    for (const statement of createTables(isPostgres(db))) await db.raw(statement);
  },
  async down(db) {
    for (const kind of [...KINDS].reverse()) {
      if (!isPostgres(db)) await db.raw(`drop table ${ftsTable(kind)}`);
      await db.schema.dropTable(table(kind));
    }
  },
};

// ——— seeding ———

type Row = Record<string, string | number | boolean>;

/** The row of item `index` of a kind, as the catalog gives it. */
function rowOf(catalog: Catalog, kind: Kind, index: number): Row {
  const id = streamingCatalogId(index);
  switch (kind) {
    case 'artists': {
      const { title, text } = artistSearchText(catalog, index);
      return { id, name_key: browseKeyOf(catalog.artistAt(index).name), title, search_text: text };
    }
    case 'releases': {
      const album = catalog.albumAt(index);
      const { title, text } = releaseSearchText(catalog, index);
      return {
        id,
        artist_id: streamingCatalogId(artistIndexOfRelease(catalog, album)),
        explicit: catalog.tracksOfAlbum(album.id).some((track) => track.explicit),
        downloadable: releaseUsageTypes(catalog, index).includes('download'),
        title,
        search_text: text,
      };
    }
    case 'tracks': {
      const track = catalog.trackAt(index);
      const releaseIndex = releaseIndexOfTrack(catalog, track);
      const { title, text } = trackSearchText(catalog, index);
      return {
        id,
        artist_id: streamingCatalogId(artistIndexOfTrack(catalog, track)),
        release_id: streamingCatalogId(releaseIndex),
        explicit: track.explicit,
        downloadable: releaseUsageTypes(catalog, releaseIndex).includes('download'),
        title,
        search_text: text,
      };
    }
  }
}

const countOf = (catalog: Catalog, kind: Kind) =>
  kind === 'artists' ? catalog.artistCount : kind === 'releases' ? catalog.albumCount : catalog.trackCount;

/**
 * One multi-row INSERT (knex writes SQLite's as a compound SELECT, limited to 500 terms); an id
 * already there is skipped, so two instances seeding at once do not fail.
 */
async function insertRows(db: Knex, kind: Kind, rows: Row[], pg: boolean): Promise<void> {
  const columns = Object.keys(rows[0] as Row);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  // better-sqlite3 binds no booleans: SQLite stores them as 1/0 anyway.
  const values = rows.flatMap((row) =>
    columns.map((column) => {
      const value = row[column] as string | number | boolean;
      return typeof value === 'boolean' && !pg ? Number(value) : value;
    }),
  );
  await db.raw(
    `insert into ${table(kind)} (${columns.join(', ')}) values ${rows.map(() => tuple).join(', ')} on conflict (id) do nothing`,
    values,
  );
}

/** Rows per INSERT: 7 values each, well under SQLite's and PostgreSQL's parameter limits. */
const BATCH = 1000;

/**
 * Fills the catalog tables from `catalog` (at each start when DEMO_DATA is on). Idempotent and
 * cheap when done: a kind whose row count and last row already match the catalog is left alone;
 * one that does not (another catalog size, an interrupted fill) is refilled. Rows are written in
 * batches, one transaction per 100 batches, so a million tracks take seconds, not minutes.
 */
export async function seedStreamingCatalog(db: Knex, catalog: Catalog): Promise<void> {
  const pg = isPostgres(db);
  for (const kind of KINDS) {
    const count = countOf(catalog, kind);
    const [{ rows }] = (await db(table(kind)).count({ rows: '*' })) as [{ rows: number | string }];
    if (Number(rows) === count) {
      const last = (await db(table(kind)).where({ id: count }).first('search_text')) as
        | { search_text: string }
        | undefined;
      if (last?.search_text === rowOf(catalog, kind, count - 1).search_text) continue;
    }
    if (Number(rows) > 0) await db(table(kind)).delete();
    for (let start = 0; start < count; start += BATCH * 100) {
      await db.transaction(async (trx) => {
        for (let first = start; first < Math.min(count, start + BATCH * 100); first += BATCH) {
          const batch: Row[] = [];
          for (let index = first; index < Math.min(count, first + BATCH); index++)
            batch.push(rowOf(catalog, kind, index));
          await insertRows(trx, kind, batch, pg);
        }
      });
    }
    // Table order = id order, which the searches read matches in (postgresMatches).
    if (pg) await db.raw(`cluster ${table(kind)} using ${table(kind)}_pkey`);
  }
}

// ——— searches ———

/** FTS5 query: each word quoted (they are letters and digits only), the last one a prefix. */
const ftsQuery = (words: readonly string[]) =>
  words.map((word, i) => `"${word}"${i === words.length - 1 ? '*' : ''}`).join(' ');
/** tsquery: the words AND-ed, the last one a prefix. */
const tsQuery = (words: readonly string[]) =>
  words.map((word, i) => (i === words.length - 1 ? `${word}:*` : word)).join(' & ');

export function createStreamingCatalogStore(db: Knex, catalog: Catalog): StreamingCatalogStore {
  const pg = isPostgres(db);

  function source(
    kind: Kind,
    words: readonly string[],
    filters: CatalogSearchFilters | undefined,
    maxId: number,
  ): CatalogMatchSource {
    const filtered = (query: Knex.QueryBuilder) => {
      if (filters?.artistId !== undefined) query.where('t.artist_id', filters.artistId);
      if (filters?.excludeExplicit) query.where('t.explicit', false);
      if (filters?.downloadOnly) query.where('t.downloadable', true);
      return query;
    };
    if (pg) {
      return {
        maxId,
        matches: (afterId, offset, limit) =>
          postgresMatches(
            db,
            (trx) =>
              filtered(
                trx
                  .select('t.id', 't.title')
                  .from({ t: table(kind) })
                  .whereRaw(`t.search_vector @@ to_tsquery('simple', ?)`, [tsQuery(words)]),
              ),
            { afterId, need: offset + limit, maxId },
          ).then((rows) => rows.slice(offset)),
      };
    }
    return {
      maxId,
      async matches(afterId, offset, limit) {
        const query = filtered(
          db
            .select('t.id', 't.title')
            .from({ f: ftsTable(kind) })
            .join({ t: table(kind) }, 't.id', 'f.rowid')
            .whereRaw('f.search_text match ?', [ftsQuery(words)])
            .where('f.rowid', '>', afterId)
            .orderBy('f.rowid'),
        );
        query.limit(limit).offset(offset);
        return readRows<CatalogSearchMatch>(db, query);
      },
    };
  }

  return {
    catalog,
    artistMatches: (words) => source('artists', words, undefined, catalog.artistCount),
    releaseMatches: (words, filters) => source('releases', words, filters, catalog.albumCount),
    trackMatches: (words, filters) => source('tracks', words, filters, catalog.trackCount),
    async browseArtists(prefix, offset, limit) {
      // A range of the (name_key, id) index: every key that starts with `prefix`.
      const range = () =>
        db(table('artists')).where('name_key', '>=', prefix).andWhere('name_key', '<', `${prefix}\uffff`);
      const [rows, [{ total }]] = await Promise.all([
        readRows<{ id: number }>(
          db,
          range()
            .select('id')
            .orderBy([{ column: 'name_key' }, { column: 'id' }])
            .limit(limit)
            .offset(offset),
        ),
        readRows<{ total: number | string }>(db, range().count({ total: '*' })) as Promise<
          [{ total: number | string }]
        >,
      ]);
      return { ids: rows.map((row) => Number(row.id)), total: Number(total) };
    },
  };
}

/** Ids read in id order first, to measure how dense the matches are. */
const PROBE_IDS = 2_000;
/** The most ids read in id order after the probe; sparser matches are read through the GIN index. */
const DENSE_SPAN = 50_000;

/**
 * PostgreSQL's matches in id order, `need` of them after `afterId`. A GIN index returns its matches
 * unordered, so `ORDER BY id LIMIT n` either reads every match (a common word: 100k at 1M tracks) or
 * walks the primary key and tests each row (a rare one: the whole table), and the planner's guess
 * between the two is poor for prefixes. So the choice is made on the data: the first ids are read in
 * order (the primary key, testing each row); when the matches are dense, that walk goes on for as
 * many ids as should hold the rest; when sparse, the rest comes from the GIN bitmap in table order,
 * which is id order (the seed writes the rows in id order and clusters the table on its key; never
 * updated), so the scan stops at the LIMIT instead of sorting every match. A result out of order
 * (a table changed by hand) is read again with `ORDER BY`.
 */
async function postgresMatches(
  db: Knex,
  matching: (trx: Knex.Transaction) => Knex.QueryBuilder,
  { afterId, need, maxId }: { afterId: number; need: number; maxId: number },
): Promise<CatalogSearchMatch[]> {
  return db.transaction(async (trx) => {
    // A parallel gather costs more than it saves on these short walks.
    await trx.raw('set local max_parallel_workers_per_gather = 0');
    await trx.raw('set local enable_bitmapscan = off');
    const inOrder = (from: number, to: number, limit: number) =>
      matching(trx).where('t.id', '>', from).andWhere('t.id', '<=', to).orderBy('t.id').limit(limit);
    const found: CatalogSearchMatch[] = await inOrder(afterId, afterId + PROBE_IDS, need);
    let scanned = afterId + PROBE_IDS;
    if (found.length < need && scanned < maxId && found.length > 0) {
      // Half as many ids again as the probe's density says should hold the rest.
      const span = Math.ceil(((need - found.length) * 1.5 * PROBE_IDS) / found.length);
      if (span <= DENSE_SPAN) {
        found.push(...(await inOrder(scanned, scanned + span, need - found.length)));
        scanned += span;
      }
    }
    if (found.length < need && scanned < maxId) {
      await trx.raw('set local enable_bitmapscan = on');
      await trx.raw('set local enable_indexscan = off');
      await trx.raw('set local enable_seqscan = off');
      const rest = matching(trx).where('t.id', '>', scanned);
      let rows: CatalogSearchMatch[] = await rest.clone().limit(need - found.length);
      if (rows.some((row, i) => i > 0 && row.id <= (rows[i - 1] as CatalogSearchMatch).id)) {
        rows = await rest
          .clone()
          .orderBy('t.id')
          .limit(need - found.length);
      }
      found.push(...rows);
    }
    return found;
  });
}
