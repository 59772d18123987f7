import type { Knex, Migration } from '../core/db.js';
import { isPostgres } from '../core/db.js';

/**
 * The indexes behind `phrase` and the maintained counters behind the common counts of the songs
 * API (issue 10: at 1M songs, phrase search and counts scanned the table).
 *
 * Phrase: `search_text` holds the lower-cased title, description, album and NFT name (joined by
 * "\n") and `phrase` is lower-cased the same way (`@music-apis/domain`), so the match is a plain
 * substring test, the original's `ILIKE '%phrase%'`. It is indexed by trigrams:
 * - SQLite: an FTS5 table with the trigram tokenizer, external content (`songs_songs`, rowid = seq),
 *   kept in sync by triggers. `case_sensitive 1`: both sides are already lower-cased, so the index
 *   compares exactly what `instr` compares. A phrase of three characters or more is looked up in
 *   it (a quoted FTS5 string: consecutive trigrams, i.e. a substring) and rechecked with `instr`;
 *   a shorter one has no trigram and falls back to `instr` over the rows.
 * - PostgreSQL: a pg_trgm GIN index on `search_text`, which serves `LIKE '%…%'` (the executor
 *   rechecks every candidate). A shorter phrase uses `strpos`, which the planner never sends to that
 *   index (a pattern without trigrams would read the whole index). When the extension cannot be
 *   created (no privilege), the migration goes on without the index and the module warns at start.
 *
 * Counts: `songs_song_counts` (songs per archived flag) and `songs_genre_counts` (songs per genre
 * and archived flag) are maintained by triggers, so the count of all songs, of one genre's songs,
 * the number of genres and the genre list without other filters read a few rows, however many
 * songs there are. `songs_song_genres.archived` copies the song's flag (a trigger on songs keeps it
 * in sync; the repository writes it on insert) so that a cascaded delete still knows which counter
 * to decrement. On PostgreSQL the triggers run per statement over transition tables, so a bulk
 * insert touches each counter row once per statement, not once per row.
 */
export const SONGS_FTS = 'songs_songs_fts';
export const SONGS_TRGM_INDEX = 'songs_songs_search_trgm';
export const SONG_COUNTS = 'songs_song_counts';
export const GENRE_COUNTS = 'songs_genre_counts';

/** SQLite: +1 on a counter row, creating it when missing. */
const sqliteBump = (table: string, keys: string, values: string) =>
  `insert into ${table} (${keys}, songs) values (${values}, 1)
     on conflict (${keys}) do update set songs = songs + 1;`;

const SQLITE_UP = [
  `create virtual table ${SONGS_FTS} using fts5(search_text, content='songs_songs', content_rowid='seq', tokenize='trigram case_sensitive 1')`,
  `create trigger songs_songs_fts_insert after insert on songs_songs begin
     insert into ${SONGS_FTS} (rowid, search_text) values (new.seq, new.search_text);
   end`,
  `create trigger songs_songs_fts_delete after delete on songs_songs begin
     insert into ${SONGS_FTS} (${SONGS_FTS}, rowid, search_text) values ('delete', old.seq, old.search_text);
   end`,
  `create trigger songs_songs_fts_update after update of search_text on songs_songs
   when old.search_text is not new.search_text begin
     insert into ${SONGS_FTS} (${SONGS_FTS}, rowid, search_text) values ('delete', old.seq, old.search_text);
     insert into ${SONGS_FTS} (rowid, search_text) values (new.seq, new.search_text);
   end`,
  `insert into ${SONGS_FTS} (${SONGS_FTS}) values ('rebuild')`,

  'alter table songs_song_genres add column archived boolean not null default false',
  'update songs_song_genres set archived = (select s.archived from songs_songs s where s.id = songs_song_genres.song_id)',
  `create table ${SONG_COUNTS} (archived boolean primary key, songs integer not null)`,
  `create table ${GENRE_COUNTS} (genre varchar(64) not null, archived boolean not null, songs integer not null, primary key (genre, archived))`,
  `insert into ${SONG_COUNTS} (archived, songs) select archived, count(*) from songs_songs where true group by archived`,
  `insert into ${GENRE_COUNTS} (genre, archived, songs) select genre, archived, count(*) from songs_song_genres where true group by genre, archived`,
  `create trigger songs_song_counts_insert after insert on songs_songs begin
     ${sqliteBump(SONG_COUNTS, 'archived', 'new.archived')}
   end`,
  `create trigger songs_song_counts_delete after delete on songs_songs begin
     update ${SONG_COUNTS} set songs = songs - 1 where archived = old.archived;
   end`,
  `create trigger songs_song_counts_update after update of archived on songs_songs
   when old.archived is not new.archived begin
     update ${SONG_COUNTS} set songs = songs - 1 where archived = old.archived;
     ${sqliteBump(SONG_COUNTS, 'archived', 'new.archived')}
     update songs_song_genres set archived = new.archived where song_id = new.id;
   end`,
  `create trigger songs_genre_counts_insert after insert on songs_song_genres begin
     ${sqliteBump(GENRE_COUNTS, 'genre, archived', 'new.genre, new.archived')}
   end`,
  `create trigger songs_genre_counts_delete after delete on songs_song_genres begin
     update ${GENRE_COUNTS} set songs = songs - 1 where genre = old.genre and archived = old.archived;
   end`,
  `create trigger songs_genre_counts_update after update of archived on songs_song_genres
   when old.archived is not new.archived begin
     update ${GENRE_COUNTS} set songs = songs - 1 where genre = old.genre and archived = old.archived;
     ${sqliteBump(GENRE_COUNTS, 'genre, archived', 'new.genre, new.archived')}
   end`,
];

const SQLITE_DOWN = [
  'drop trigger songs_genre_counts_update',
  'drop trigger songs_genre_counts_delete',
  'drop trigger songs_genre_counts_insert',
  'drop trigger songs_song_counts_update',
  'drop trigger songs_song_counts_delete',
  'drop trigger songs_song_counts_insert',
  `drop table ${GENRE_COUNTS}`,
  `drop table ${SONG_COUNTS}`,
  'alter table songs_song_genres drop column archived',
  'drop trigger songs_songs_fts_update',
  'drop trigger songs_songs_fts_delete',
  'drop trigger songs_songs_fts_insert',
  `drop table ${SONGS_FTS}`,
];

/**
 * PostgreSQL: adds each group's net change to its counter row in one upsert (one statement may not
 * touch a row twice, so songs moving both ways are one net delta per row, never -n then +n).
 */
const pgApply = (table: string, keys: string, deltas: string) =>
  `insert into ${table} (${keys}, songs)
     select ${keys}, sum(delta) from (${deltas}) d group by ${keys} having sum(delta) <> 0
     on conflict (${keys}) do update set songs = ${table}.songs + excluded.songs`;

const PG_UP = [
  'alter table songs_song_genres add column archived boolean not null default false',
  'update songs_song_genres g set archived = s.archived from songs_songs s where s.id = g.song_id and s.archived',
  `create table ${SONG_COUNTS} (archived boolean primary key, songs bigint not null)`,
  `create table ${GENRE_COUNTS} (genre varchar(64) not null, archived boolean not null, songs bigint not null, primary key (genre, archived))`,
  `insert into ${SONG_COUNTS} (archived, songs) select archived, count(*) from songs_songs group by archived`,
  `insert into ${GENRE_COUNTS} (genre, archived, songs) select genre, archived, count(*) from songs_song_genres group by genre, archived`,
  `create function songs_song_counts_change() returns trigger language plpgsql as $$
   begin
     if tg_op = 'INSERT' then
       ${pgApply(SONG_COUNTS, 'archived', 'select archived, 1 as delta from new_rows')};
     elsif tg_op = 'DELETE' then
       ${pgApply(SONG_COUNTS, 'archived', 'select archived, -1 as delta from old_rows')};
     else
       -- Only the songs whose flag flipped move between counters, and their genres with them.
       with moved as (
         select n.id, o.archived as was, n.archived as now
           from old_rows o join new_rows n on n.seq = o.seq where o.archived <> n.archived
       ), genres as (
         update songs_song_genres g set archived = m.now from moved m where g.song_id = m.id
       )
       ${pgApply(SONG_COUNTS, 'archived', 'select now as archived, 1 as delta from moved union all select was, -1 from moved')};
     end if;
     return null;
   end $$`,
  `create trigger songs_song_counts_insert after insert on songs_songs referencing new table as new_rows
     for each statement execute function songs_song_counts_change()`,
  `create trigger songs_song_counts_delete after delete on songs_songs referencing old table as old_rows
     for each statement execute function songs_song_counts_change()`,
  `create trigger songs_song_counts_update after update on songs_songs referencing old table as old_rows new table as new_rows
     for each statement execute function songs_song_counts_change()`,
  `create function songs_genre_counts_change() returns trigger language plpgsql as $$
   begin
     if tg_op = 'INSERT' then
       ${pgApply(GENRE_COUNTS, 'genre, archived', 'select genre, archived, 1 as delta from new_rows')};
     elsif tg_op = 'DELETE' then
       ${pgApply(GENRE_COUNTS, 'genre, archived', 'select genre, archived, -1 as delta from old_rows')};
     else
       ${pgApply(GENRE_COUNTS, 'genre, archived', 'select genre, archived, 1 as delta from new_rows union all select genre, archived, -1 from old_rows')};
     end if;
     return null;
   end $$`,
  `create trigger songs_genre_counts_insert after insert on songs_song_genres referencing new table as new_rows
     for each statement execute function songs_genre_counts_change()`,
  `create trigger songs_genre_counts_delete after delete on songs_song_genres referencing old table as old_rows
     for each statement execute function songs_genre_counts_change()`,
  `create trigger songs_genre_counts_update after update on songs_song_genres referencing old table as old_rows new table as new_rows
     for each statement execute function songs_genre_counts_change()`,
];

const PG_DOWN = [
  'drop trigger songs_genre_counts_update on songs_song_genres',
  'drop trigger songs_genre_counts_delete on songs_song_genres',
  'drop trigger songs_genre_counts_insert on songs_song_genres',
  'drop function songs_genre_counts_change',
  'drop trigger songs_song_counts_update on songs_songs',
  'drop trigger songs_song_counts_delete on songs_songs',
  'drop trigger songs_song_counts_insert on songs_songs',
  'drop function songs_song_counts_change',
  `drop table ${GENRE_COUNTS}`,
  `drop table ${SONG_COUNTS}`,
  'alter table songs_song_genres drop column archived',
  `drop index if exists ${SONGS_TRGM_INDEX}`,
];

export const songsSearchMigration: Migration = {
  name: 'songs_003_search_and_counts',
  async up(db) {
    if (!isPostgres(db)) {
      for (const statement of SQLITE_UP) await db.raw(statement);
      return;
    }
    let trigrams = true;
    try {
      // In a savepoint: a refused CREATE EXTENSION must not abort the migration's transaction.
      await db.transaction((savepoint) => savepoint.raw('create extension if not exists pg_trgm'));
    } catch {
      trigrams = false;
    }
    if (trigrams) {
      await db.raw(`create index ${SONGS_TRGM_INDEX} on songs_songs using gin (search_text gin_trgm_ops)`);
    }
    for (const statement of PG_UP) await db.raw(statement);
  },
  async down(db) {
    for (const statement of isPostgres(db) ? PG_DOWN : SQLITE_DOWN) await db.raw(statement);
  },
};

/** False on a PostgreSQL whose pg_trgm extension could not be created: phrase search then scans. */
export async function hasPhraseIndex(db: Knex): Promise<boolean> {
  if (!isPostgres(db)) return true;
  const result = await db.raw('select 1 from pg_indexes where indexname = ?', [SONGS_TRGM_INDEX]);
  return result.rows.length > 0;
}
