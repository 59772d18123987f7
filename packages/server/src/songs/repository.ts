import type { Knex, Migration } from '../core/db.js';
import { isPostgres, readRows } from '../core/db.js';
import { whereContains } from '../core/substring-search.js';
import type { SongFilters } from './filters.js';
import type { SongChanges, SongRecord, UserRecord } from './model.js';
import { GENRE_COUNTS, SONG_COUNTS, SONGS_FTS, songsSearchMigration } from './search-index.js';

const USERS = 'songs_users';
const JOIN_CODES = 'songs_join_codes';
const REFRESH_TOKENS = 'songs_refresh_tokens';
const SONGS = 'songs_songs';
const SONG_GENRES = 'songs_song_genres';
const SONG_MOODS = 'songs_song_moods';
/** Rows per insert of a song's genres or moods. */
const TAG_INSERT_CHUNK = 100;

export const songsMigrations: Migration[] = [
  {
    name: 'songs_001_accounts',
    async up(db) {
      await db.schema.createTable(USERS, (table) => {
        table.string('id', 36).primary();
        // Stored lower-case: emails are matched case-insensitively.
        table.string('email', 254).notNullable().unique();
        table.text('password_hash').notNullable();
        table.string('first_name', 64);
        table.string('last_name', 64);
        table.string('nickname', 64);
        table.text('picture_url');
        table.string('role', 64);
        table.string('genre', 64);
        table.string('biography', 250);
        table.text('wallet_address');
        table.boolean('verified').notNullable().defaultTo(false);
        table.bigInteger('created_at').notNullable();
      });
      await db.schema.createTable(JOIN_CODES, (table) => {
        table.string('email', 254).primary();
        table.string('code_hash', 64).notNullable();
        table.bigInteger('expires_at').notNullable();
        table.integer('failed_attempts').notNullable().defaultTo(0);
      });
      // Only refresh tokens are stored: a refresh token is valid while its row exists, so
      // rotation (delete the old row, insert the new one) makes a used token stop working.
      await db.schema.createTable(REFRESH_TOKENS, (table) => {
        table.string('jti', 36).primary();
        table.string('user_id', 36).notNullable().references('id').inTable(USERS).onDelete('CASCADE');
        table.bigInteger('expires_at').notNullable();
        table.index(['user_id', 'expires_at']);
      });
    },
    async down(db) {
      await db.schema.dropTable(REFRESH_TOKENS);
      await db.schema.dropTable(JOIN_CODES);
      await db.schema.dropTable(USERS);
    },
  },
  {
    name: 'songs_002_songs',
    async up(db) {
      await db.schema.createTable(SONGS, (table) => {
        // `seq` breaks ties between songs created in the same millisecond, so every target
        // (SQLite, PostgreSQL, the mock) pages in the same order.
        table.increments('seq').primary();
        table.string('id', 36).notNullable().unique();
        table.string('owner_id', 36).notNullable().references('id').inTable(USERS).onDelete('CASCADE');
        table.bigInteger('created_at').notNullable();
        table.string('title', 64).notNullable();
        table.text('title_key').notNullable();
        table.boolean('archived').notNullable().defaultTo(false);
        table.text('genres').notNullable();
        table.text('moods');
        table.text('ipis');
        table.text('cover_art_url');
        table.text('lyrics_url');
        table.string('description', 250);
        table.string('album', 64);
        table.integer('track');
        table.string('language', 64);
        table.boolean('cover_remix_sample').notNullable().defaultTo(false);
        table.string('composition_copyright_owner', 64);
        table.integer('composition_copyright_year');
        table.string('phonographic_copyright_owner', 64);
        table.integer('phonographic_copyright_year');
        table.string('parental_advisory', 64);
        table.string('barcode_type', 8);
        table.string('barcode_number', 64);
        table.string('isrc', 64);
        table.string('iswc', 64);
        table.string('release_date', 10);
        table.string('publication_date', 10);
        table.text('token_agreement_url');
        table.text('original_audio_url');
        table.text('clip_url');
        table.text('stream_url');
        table.integer('duration');
        table.text('nft_policy_id');
        table.text('nft_name');
        table.text('minting_tx_id');
        table.string('audio_encoding_status', 16).notNullable().defaultTo('NotStarted');
        table.string('minting_status', 40).notNullable().defaultTo('Undistributed');
        table.string('marketplace_status', 16).notNullable().defaultTo('NotSelling');
        table.string('payment_key_id', 36);
        table.text('error_message');
        // Lower-cased title, description, album and NFT name: `phrase` matches against it.
        table.text('search_text').notNullable();
        table.index(['archived', 'created_at', 'seq'], 'songs_songs_listing');
        table.index(['owner_id', 'archived', 'created_at'], 'songs_songs_owner_listing');
        table.index(['minting_status'], 'songs_songs_minting_status');
        table.index(['nft_name'], 'songs_songs_nft_name');
      });
      // Title unique per owner among non-archived songs, enforced by the database so two
      // instances racing on the same title cannot both win. Partial indexes exist in both engines.
      await db.raw(
        `create unique index songs_songs_owner_title on ${SONGS} (owner_id, title_key) where archived = false`,
      );
      for (const [table, column] of [
        [SONG_GENRES, 'genre'],
        [SONG_MOODS, 'mood'],
      ] as const) {
        await db.schema.createTable(table, (builder) => {
          builder.string('song_id', 36).notNullable().references('id').inTable(SONGS).onDelete('CASCADE');
          builder.string(column, 64).notNullable();
          builder.primary(['song_id', column]);
          builder.index([column, 'song_id'], `${table}_by_${column}`);
        });
      }
    },
    async down(db) {
      await db.schema.dropTable(SONG_MOODS);
      await db.schema.dropTable(SONG_GENRES);
      await db.schema.dropTable(SONGS);
    },
  },
  songsSearchMigration,
];

/** Column ↔ field names of the song row; genres, moods and ipis are JSON text. */
const SONG_COLUMNS = {
  id: 'id',
  ownerId: 'owner_id',
  createdAt: 'created_at',
  title: 'title',
  archived: 'archived',
  genres: 'genres',
  moods: 'moods',
  ipis: 'ipis',
  coverArtUrl: 'cover_art_url',
  lyricsUrl: 'lyrics_url',
  description: 'description',
  album: 'album',
  track: 'track',
  language: 'language',
  coverRemixSample: 'cover_remix_sample',
  compositionCopyrightOwner: 'composition_copyright_owner',
  compositionCopyrightYear: 'composition_copyright_year',
  phonographicCopyrightOwner: 'phonographic_copyright_owner',
  phonographicCopyrightYear: 'phonographic_copyright_year',
  parentalAdvisory: 'parental_advisory',
  barcodeType: 'barcode_type',
  barcodeNumber: 'barcode_number',
  isrc: 'isrc',
  iswc: 'iswc',
  releaseDate: 'release_date',
  publicationDate: 'publication_date',
  tokenAgreementUrl: 'token_agreement_url',
  originalAudioUrl: 'original_audio_url',
  clipUrl: 'clip_url',
  streamUrl: 'stream_url',
  duration: 'duration',
  nftPolicyId: 'nft_policy_id',
  nftName: 'nft_name',
  mintingTxId: 'minting_tx_id',
  audioEncodingStatus: 'audio_encoding_status',
  mintingStatus: 'minting_status',
  marketplaceStatus: 'marketplace_status',
  paymentKeyId: 'payment_key_id',
  errorMessage: 'error_message',
} as const satisfies Record<keyof SongRecord, string>;

const JSON_FIELDS = new Set(['genres', 'moods', 'ipis']);
const BOOLEAN_FIELDS = new Set(['archived', 'coverRemixSample']);

type Row = Record<string, unknown>;

function searchText(song: { [K in 'title' | 'description' | 'album' | 'nftName']?: string | null }): string {
  return [song.title, song.description, song.album, song.nftName]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join('\n')
    .toLowerCase();
}

function toColumns(fields: SongChanges): Row {
  const row: Row = {};
  for (const [field, value] of Object.entries(fields)) {
    const column = SONG_COLUMNS[field as keyof SongRecord];
    if (!column) continue;
    row[column] = JSON_FIELDS.has(field) && value != null ? JSON.stringify(value) : (value ?? null);
  }
  return row;
}

/** The songs_songs row of a new song (also used by tests that write rows as older migrations knew them). */
export function toSongRow(song: SongRecord): Row {
  return { ...toColumns(song), title_key: song.title.toLowerCase(), search_text: searchText(song) };
}

function fromRow(row: Row): SongRecord {
  const song: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(SONG_COLUMNS)) {
    const value = row[column];
    if (value === null || value === undefined) continue;
    if (JSON_FIELDS.has(field)) song[field] = JSON.parse(value as string);
    else if (BOOLEAN_FIELDS.has(field))
      song[field] = Boolean(value); // SQLite stores 0/1
    else if (field === 'createdAt')
      song[field] = Number(value); // PostgreSQL bigint arrives as text
    else song[field] = value;
  }
  return song as unknown as SongRecord;
}

export class TitleConflictError extends Error {
  override name = 'TitleConflictError';
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export interface SongsRepository {
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUser(id: string): Promise<UserRecord | undefined>;
  /** Resolves false when the email is taken. */
  insertUser(user: UserRecord): Promise<boolean>;
  setUserVerified(email: string, verified: boolean): Promise<boolean>;

  saveJoinCode(email: string, codeHash: string, expiresAt: number): Promise<void>;
  /**
   * Uses the code once: true and the code is gone when it matches and is unexpired. A wrong code
   * counts an attempt; after `maxAttempts` the code is deleted, so guessing 6 digits is bounded.
   */
  consumeJoinCode(email: string, codeHash: string, now: number, maxAttempts: number): Promise<boolean>;

  saveRefreshToken(jti: string, userId: string, expiresAt: number): Promise<void>;
  /** Deletes the token; false when it did not exist (already used, revoked or expired). */
  consumeRefreshToken(jti: string, userId: string, now: number): Promise<boolean>;

  findSong(id: string): Promise<SongRecord | undefined>;
  /** Throws `TitleConflictError` when the owner has a non-archived song with this title. */
  insertSong(song: SongRecord): Promise<void>;
  insertMissingSongs(songs: SongRecord[]): Promise<void>;
  /** Throws `TitleConflictError` like `insertSong`. */
  updateSong(id: string, changes: SongChanges): Promise<void>;
  deleteSong(id: string): Promise<boolean>;
  listSongs(filters: SongFilters, page: Page, order: 'asc' | 'desc'): Promise<SongRecord[]>;
  countSongs(filters: SongFilters): Promise<number>;
  listGenres(filters: SongFilters, page: Page, order: 'asc' | 'desc'): Promise<string[]>;
  countGenres(filters: SongFilters): Promise<number>;
}

export interface Page {
  offset: number;
  limit: number;
}

export function createSongsRepository(db: Knex): SongsRepository {
  const postgres = isPostgres(db);
  // Ties in genre usage are broken by name in code-point order on both engines (PostgreSQL's
  // default collation would otherwise sort by locale and disagree with SQLite and the mock).
  const byName = postgres ? 'genre collate "C"' : 'genre';

  /** `archived`: the song's flag after this write, copied onto its genre rows (the counters use it). */
  const writeTags = async (trx: Knex.Transaction, songId: string, fields: SongChanges, archived: boolean) => {
    for (const [field, table, column] of [
      ['genres', SONG_GENRES, 'genre'],
      ['moods', SONG_MOODS, 'mood'],
    ] as const) {
      const values = fields[field];
      if (values === undefined) continue;
      await trx(table).where({ song_id: songId }).delete();
      const unique = [...new Set(values ?? [])];
      // In chunks: one multi-row insert is one compound SELECT on SQLite (at most 500 terms) and
      // one bound parameter per value on PostgreSQL (at most 65,535), whatever the document allows.
      for (let start = 0; start < unique.length; start += TAG_INSERT_CHUNK) {
        await trx(table).insert(
          unique
            .slice(start, start + TAG_INSERT_CHUNK)
            .map((value) =>
              table === SONG_GENRES
                ? { song_id: songId, [column]: value, archived }
                : { song_id: songId, [column]: value },
            ),
        );
      }
    }
  };

  /** Every filter of the document, as SQL on `songs_songs as s`. */
  const applyFilters = (query: Knex.QueryBuilder, filters: SongFilters) => {
    query.where('s.archived', filters.archived);
    if (filters.olderThan !== undefined) query.where('s.created_at', '<', filters.olderThan);
    if (filters.newerThan !== undefined) query.where('s.created_at', '>', filters.newerThan);
    const membership = (column: string, { include, exclude }: { include: string[]; exclude: string[] }) => {
      if (include.length > 0) query.whereIn(column, include);
      if (exclude.length > 0) query.whereNotIn(column, exclude);
    };
    membership('s.id', filters.ids);
    membership('s.owner_id', filters.ownerIds);
    membership('s.minting_status', filters.mintingStatuses);
    if (filters.nftNames.include.length > 0) query.whereIn('s.nft_name', filters.nftNames.include);
    if (filters.nftNames.exclude.length > 0) {
      // NOT IN never matches NULL, but a song without an NFT name is not one of the excluded names.
      query.where((inner) =>
        inner.whereNull('s.nft_name').orWhereNotIn('s.nft_name', filters.nftNames.exclude),
      );
    }
    for (const [field, table, column] of [
      ['genres', SONG_GENRES, 'genre'],
      ['moods', SONG_MOODS, 'mood'],
    ] as const) {
      const { include, exclude } = filters[field];
      const tagged = (values: string[]) =>
        db(`${table} as t`).select(db.raw('1')).whereRaw('t.song_id = s.id').whereIn(`t.${column}`, values);
      if (include.length > 0) query.whereExists(tagged(include));
      if (exclude.length > 0) query.whereNotExists(tagged(exclude));
    }
    if (filters.phrase) applyPhrase(query, filters.phrase);
    return query;
  };

  /** `phrase` is a substring of `search_text` (both lower-cased), by the trigram index (search-index.ts). */
  const applyPhrase = (query: Knex.QueryBuilder, phrase: string) =>
    whereContains(query, postgres, { column: 's.search_text', fts: SONGS_FTS, rowid: 's.seq' }, phrase);

  /** The maintained counter row(s) answer when nothing but `archived` (and `genres`, if allowed) filters. */
  const onlyArchived = (filters: SongFilters, genresToo: boolean) =>
    filters.olderThan === undefined &&
    filters.newerThan === undefined &&
    filters.phrase === undefined &&
    [filters.ids, filters.ownerIds, filters.moods, filters.mintingStatuses, filters.nftNames]
      .concat(genresToo ? [] : [filters.genres])
      .every(({ include, exclude }) => include.length === 0 && exclude.length === 0);
  const counter = async (table: string, where: Row) =>
    Number((await db(table).where(where).first('songs'))?.songs ?? 0);

  const genreUsage = (filters: SongFilters) =>
    applyFilters(
      db(`${SONG_GENRES} as g`)
        .join(`${SONGS} as s`, 's.id', 'g.song_id')
        .select('g.genre as genre')
        .count({ uses: '*' })
        .groupBy('g.genre'),
      filters,
    );

  return {
    async findUserByEmail(email) {
      return toUser(await db(USERS).where({ email: email.toLowerCase() }).first());
    },
    async findUser(id) {
      return toUser(await db(USERS).where({ id }).first());
    },
    async insertUser(user) {
      const inserted = await db(USERS)
        .insert({
          id: user.id,
          email: user.email.toLowerCase(),
          password_hash: user.passwordHash,
          first_name: user.firstName ?? null,
          last_name: user.lastName ?? null,
          nickname: user.nickname ?? null,
          picture_url: user.pictureUrl ?? null,
          role: user.role ?? null,
          genre: user.genre ?? null,
          biography: user.biography ?? null,
          wallet_address: user.walletAddress ?? null,
          verified: user.verified,
          created_at: user.createdAt,
        })
        .onConflict('email')
        .ignore()
        .returning('id');
      return inserted.length > 0;
    },
    async setUserVerified(email, verified) {
      return (await db(USERS).where({ email: email.toLowerCase() }).update({ verified })) > 0;
    },

    async saveJoinCode(email, codeHash, expiresAt) {
      await db(JOIN_CODES)
        .insert({ email, code_hash: codeHash, expires_at: expiresAt, failed_attempts: 0 })
        .onConflict('email')
        .merge();
    },
    async consumeJoinCode(email, codeHash, now, maxAttempts) {
      const used = await db(JOIN_CODES)
        .where({ email, code_hash: codeHash })
        .andWhere('expires_at', '>', now)
        .delete();
      if (used > 0) return true;
      await db(JOIN_CODES).where({ email }).increment('failed_attempts', 1);
      await db(JOIN_CODES)
        .where({ email })
        .andWhere((inner) =>
          inner.where('failed_attempts', '>=', maxAttempts).orWhere('expires_at', '<=', now),
        )
        .delete();
      return false;
    },

    async saveRefreshToken(jti, userId, expiresAt) {
      await db.transaction(async (trx) => {
        // Expired tokens of this user are pruned as new ones are issued, so the table stays small.
        await trx(REFRESH_TOKENS)
          .where({ user_id: userId })
          .andWhere('expires_at', '<=', Date.now())
          .delete();
        await trx(REFRESH_TOKENS).insert({ jti, user_id: userId, expires_at: expiresAt });
      });
    },
    async consumeRefreshToken(jti, userId, now) {
      // A single DELETE decides: of two concurrent refreshes with one token, exactly one wins.
      const deleted = await db(REFRESH_TOKENS)
        .where({ jti, user_id: userId })
        .andWhere('expires_at', '>', now)
        .delete();
      return deleted > 0;
    },

    async findSong(id) {
      const row = await db(SONGS).where({ id }).first();
      return row ? fromRow(row) : undefined;
    },
    async insertSong(song) {
      try {
        await db.transaction(async (trx) => {
          await trx(SONGS).insert(toSongRow(song));
          await writeTags(trx, song.id, song, song.archived === true);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new TitleConflictError(song.title);
        throw error;
      }
    },
    async insertMissingSongs(songs) {
      for (const song of songs) {
        if (await db(SONGS).where({ id: song.id }).first('id')) continue;
        try {
          await this.insertSong(song);
        } catch (error) {
          // Another instance seeding at the same moment, or a user took the title: keep theirs.
          if (!(error instanceof TitleConflictError)) throw error;
        }
      }
    },
    async updateSong(id, changes) {
      try {
        await db.transaction(async (trx) => {
          const current = await trx(SONGS).where({ id }).first();
          if (!current) return;
          const merged = { ...fromRow(current), ...changes };
          await trx(SONGS)
            .where({ id })
            .update({
              ...toColumns(changes),
              title_key: (merged.title ?? '').toLowerCase(),
              search_text: searchText(merged),
            });
          await writeTags(trx, id, changes, merged.archived === true);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new TitleConflictError(changes.title ?? '');
        throw error;
      }
    },
    async deleteSong(id) {
      return (await db(SONGS).where({ id }).delete()) > 0;
    },
    // Lists and counts over filters go through readRows (the SQLite read pool): with a phrase, a
    // rare filter or a large page they can take far longer than a millisecond.
    async listSongs(filters, page, order) {
      const rows = await readRows<Row>(
        db,
        applyFilters(db(`${SONGS} as s`).select('s.*'), filters)
          .orderBy([
            { column: 's.created_at', order },
            { column: 's.seq', order },
          ])
          .limit(page.limit)
          .offset(page.offset),
      );
      return rows.map(fromRow);
    },
    async countSongs(filters) {
      if (onlyArchived(filters, true)) {
        const { include, exclude } = filters.genres;
        if (include.length === 0 && exclude.length === 0)
          return counter(SONG_COUNTS, { archived: filters.archived });
        if (include.length === 1 && exclude.length === 0)
          return counter(GENRE_COUNTS, { archived: filters.archived, genre: include[0] });
      }
      const [row] = await readRows<Row>(db, applyFilters(db(`${SONGS} as s`).count({ count: '*' }), filters));
      return Number(row?.count ?? 0);
    },
    async listGenres(filters, page, order) {
      const usage = onlyArchived(filters, false)
        ? db(`${GENRE_COUNTS} as g`)
            .select('g.genre as genre', 'g.songs as uses')
            .where('g.archived', filters.archived)
            .andWhere('g.songs', '>', 0)
        : genreUsage(filters);
      const rows = await readRows<Row>(
        db,
        usage.orderByRaw(`uses ${order}, ${byName} asc`).limit(page.limit).offset(page.offset),
      );
      return rows.map((row) => String(row.genre));
    },
    async countGenres(filters) {
      if (onlyArchived(filters, false)) {
        const row = await db(GENRE_COUNTS)
          .where({ archived: filters.archived })
          .andWhere('songs', '>', 0)
          .count({ count: '*' })
          .first();
        return Number(row?.count ?? 0);
      }
      const [row] = await readRows<Row>(
        db,
        applyFilters(
          db(`${SONG_GENRES} as g`)
            .join(`${SONGS} as s`, 's.id', 'g.song_id')
            .countDistinct({ count: 'g.genre' }),
          filters,
        ),
      );
      return Number(row?.count ?? 0);
    },
  };
}

function toUser(row: Row | undefined): UserRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id as string,
    email: row.email as string,
    passwordHash: row.password_hash as string,
    firstName: (row.first_name as string | null) ?? undefined,
    lastName: (row.last_name as string | null) ?? undefined,
    nickname: (row.nickname as string | null) ?? undefined,
    pictureUrl: (row.picture_url as string | null) ?? undefined,
    role: (row.role as string | null) ?? undefined,
    genre: (row.genre as string | null) ?? undefined,
    biography: (row.biography as string | null) ?? undefined,
    walletAddress: (row.wallet_address as string | null) ?? undefined,
    verified: Boolean(row.verified),
    createdAt: Number(row.created_at),
  };
}
