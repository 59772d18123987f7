import type { Knex } from './db.js';

/**
 * "`text` is a substring of this column" through a trigram index (issue 10: searches must not scan):
 * on SQLite an FTS5 table with the trigram tokenizer over the column (external content, rowid =
 * the row's key), on PostgreSQL a pg_trgm GIN index on it. Both sides are lower-cased by the
 * caller, so the index compares exactly what the recheck compares. Text shorter than three
 * characters has no trigram: it falls back to a plain substring test on each row (`instr`,
 * `strpos`, which the planner never sends to the trigram index).
 */
export interface SubstringIndex {
  /** The column searched, qualified as the query names it (`s.search_text`). */
  column: string;
  /** SQLite: the FTS5 table and the column its rowids are (`s.seq`). */
  fts: string;
  rowid: string;
}

/** Characters of a text, as both trigram indexes count them (code points). */
export const textLength = (text: string) => [...text].length;

export function whereContains(
  query: Knex.QueryBuilder,
  postgres: boolean,
  index: SubstringIndex,
  text: string,
): Knex.QueryBuilder {
  const indexed = textLength(text) >= 3;
  if (postgres) {
    if (!indexed) return query.whereRaw(`strpos(${index.column}, ?) > 0`, [text]);
    const pattern = `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    return query.whereRaw(`${index.column} like ? escape '\\'`, [pattern]);
  }
  if (indexed) {
    // A quoted FTS5 string: consecutive trigrams, i.e. a substring; rechecked with `instr`.
    query.whereRaw(`${index.rowid} in (select rowid from ${index.fts} where ${index.fts} match ?)`, [
      `"${text.replaceAll('"', '""')}"`,
    ]);
  }
  return query.whereRaw(`instr(${index.column}, ?) > 0`, [text]);
}
