import type { components } from '@music-apis/spec/downloader';

/**
 * What the watcher keeps (upstream: `data/watch/playlists.db` and `artists.db`, one table of watched
 * items and one table of known items per watched item). The server keeps it in SQL, the mock in
 * maps; the rules around it live once, in `watch.ts`.
 */

type Schemas = components['schemas'];

/** A watched playlist: the original's row (every column set) and the seed's watch options. */
export type WatchedPlaylistRecord = Required<Schemas['WatchedPlaylist']> & {
  options: Schemas['PlaylistWatchOptions'];
  /** The first full pass over the playlist is over (`download_existing` applies before it). */
  first_sync_done: boolean;
};

export type WatchedArtistRecord = Required<Schemas['WatchedArtist']> & {
  options: Schemas['ArtistWatchOptions'];
  first_sync_done: boolean;
};

/** A track (of a watched playlist) or album (of a watched artist) the watcher already has. */
export interface KnownWatchItem {
  id: string;
  name: string;
  /** Its artists' names, comma-separated (as the original's `artist_names`). */
  artist_names: string;
  /** The album's group (`album`, `single`, …) for an artist's album; null for a playlist's track. */
  album_group: string | null;
  /** Unix seconds. */
  added_at: number;
  /** Whether a check found it (and queued it) or a user marked it by hand. */
  source: 'check' | 'manual';
}

/** One watch list (playlists or artists) and the known items of each watched entry. */
export interface WatchListStore<Record extends { spotify_id: string }> {
  /** The active entries, oldest first (the scheduler's round-robin order). */
  list(): Promise<Record[]>;
  get(id: string): Promise<Record | undefined>;
  /** False when the id is watched already (two adds at once: one wins). */
  insert(record: Record): Promise<boolean>;
  /** Removes the entry and its known items; false when it was not watched. */
  remove(id: string): Promise<boolean>;
  /** Changes columns of a watched entry (nothing when it is gone). */
  update(id: string, changes: Partial<Omit<Record, 'spotify_id'>>): Promise<void>;
  /** The ids of the entry's known items; undefined when it is not watched. */
  knownIds(id: string): Promise<Set<string> | undefined>;
  /**
   * Adds the items that are not known yet, atomically per item, and answers the ids it added: two
   * checks of one entry at once never both add (and so never both queue) the same item. Nothing is
   * added to an entry that is no longer watched.
   */
  addKnown(id: string, items: KnownWatchItem[]): Promise<string[]>;
  /** Forgets these items; answers how many were known. */
  removeKnown(id: string, itemIds: string[]): Promise<number>;
}

export interface DownloaderWatchStore {
  playlists: WatchListStore<WatchedPlaylistRecord>;
  artists: WatchListStore<WatchedArtistRecord>;
}
