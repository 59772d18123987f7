import type { DownloaderWatchConfig } from '@music-apis/domain';
import {
  createDownloaderWatchService,
  type DownloaderWatchService,
  type DownloaderWatchStore,
  type KnownWatchItem,
  type SpotifyCatalogSource,
  type WatchAlbumDownload,
  type WatchCheck,
  type WatchDownloads,
  type WatchedArtistRecord,
  type WatchedPlaylistRecord,
  type WatchListStore,
  type WatchTrackDownload,
} from '@music-apis/domain';

/**
 * The watch lists in memory. Checks run through the same domain service as the server's; where
 * the server runs them on its job queue, the mock runs a triggered check before it answers (so a
 * test sees its effect at once), and its scheduled checks off the mock clock: when a request comes
 * in, the ticks that fell due since the last one (one per `watchPollIntervalSeconds` while watching
 * is on, playlists then artists in round-robin order) run first. A test advances the clock it gave
 * `createMock({ now })` and makes any watch request (or reads a playlist's/artist's info).
 */

export interface DownloaderWatchMockData {
  playlists: Map<string, WatchedPlaylistRecord>;
  artists: Map<string, WatchedArtistRecord>;
  /** Known items by watched id, then item id. */
  knownTracks: Map<string, Map<string, KnownWatchItem>>;
  knownAlbums: Map<string, Map<string, KnownWatchItem>>;
  /**
   * What the checks queued for download, oldest first (each also became a download task).
   */
  queued: ({ type: 'track'; item: WatchTrackDownload } | { type: 'album'; item: WatchAlbumDownload })[];
  /** The scheduler: ms of the last tick (undefined until watching is first seen on) and ticks so far. */
  schedule: { lastTickAt: number | undefined; ticks: number };
}

export const createDownloaderWatchMockData = (): DownloaderWatchMockData => ({
  playlists: new Map(),
  artists: new Map(),
  knownTracks: new Map(),
  knownAlbums: new Map(),
  queued: [],
  schedule: { lastTickAt: undefined, ticks: 0 },
});

const clone = <Value>(value: Value): Value => structuredClone(value);

function mapList<Record extends { spotify_id: string; added_at: number | null }>(
  entries: Map<string, Record>,
  known: Map<string, Map<string, KnownWatchItem>>,
): WatchListStore<Record> {
  return {
    list: async () =>
      [...entries.values()]
        .filter((entry) => (entry as { is_active?: number }).is_active !== 0)
        .sort((a, b) => (a.added_at ?? 0) - (b.added_at ?? 0) || (a.spotify_id < b.spotify_id ? -1 : 1))
        .map(clone),
    get: async (id) => clone(entries.get(id)),
    async insert(record) {
      if (entries.has(record.spotify_id)) return false;
      entries.set(record.spotify_id, clone(record));
      known.set(record.spotify_id, new Map());
      return true;
    },
    async remove(id) {
      known.delete(id);
      return entries.delete(id);
    },
    async update(id, changes) {
      const entry = entries.get(id);
      if (entry) entries.set(id, { ...entry, ...clone(changes) });
    },
    knownIds: async (id) => (entries.has(id) ? new Set(known.get(id)?.keys() ?? []) : undefined),
    async addKnown(id, items) {
      const items_ = known.get(id);
      if (!entries.has(id) || !items_) return [];
      const added: string[] = [];
      for (const item of items) {
        if (items_.has(item.id)) continue;
        items_.set(item.id, clone(item));
        added.push(item.id);
      }
      return added;
    },
    async removeKnown(id, itemIds) {
      const items = known.get(id);
      if (!items) return 0;
      return itemIds.filter((itemId) => items.delete(itemId)).length;
    },
  };
}

export function createMockWatchStore(data: DownloaderWatchMockData): DownloaderWatchStore {
  return {
    playlists: mapList(data.playlists, data.knownTracks),
    artists: mapList(data.artists, data.knownAlbums),
  };
}

/** At most this many overdue ticks run on one request (a clock moved by a year stays cheap). */
const MAX_TICKS_AT_ONCE = 100;

export interface MockWatch {
  service: DownloaderWatchService;
  /** Runs the scheduled checks that fell due on the mock clock. */
  runDueChecks(): Promise<void>;
}

export function createMockWatch(
  data: DownloaderWatchMockData,
  source: SpotifyCatalogSource,
  watchConfig: () => Promise<DownloaderWatchConfig>,
  downloads: WatchDownloads,
  now: () => Date,
): MockWatch {
  const run = async (check: WatchCheck) => service.runCheck(check);
  const service: DownloaderWatchService = createDownloaderWatchService({
    store: createMockWatchStore(data),
    source,
    watchConfig,
    // Kept in `queued` for a test to read, then handed to the download tasks.
    downloads: {
      queueTrack: async (item) => {
        data.queued.push({ type: 'track', item: clone(item) });
        await downloads.queueTrack(item);
      },
      queueAlbum: async (item) => {
        data.queued.push({ type: 'album', item: clone(item) });
        await downloads.queueAlbum(item);
      },
    },
    // A triggered check runs before the answer; the delay between items is the server's concern.
    checks: { request: (check) => run(check).catch(() => undefined) },
    now,
  });

  async function runDueChecks() {
    const config = await watchConfig();
    const schedule = data.schedule;
    if (!config.enabled) {
      // Off: the scheduler starts over (one interval) when watching is turned on again.
      schedule.lastTickAt = undefined;
      return;
    }
    const at = now().getTime();
    // First seen on: the first tick is one interval later, as the original's scheduler waits.
    if (schedule.lastTickAt === undefined) {
      schedule.lastTickAt = at;
      return;
    }
    const intervalMs = Math.max(1, Number(config.watchPollIntervalSeconds) || 3600) * 1000;
    for (let run_ = 0; run_ < MAX_TICKS_AT_ONCE && schedule.lastTickAt + intervalMs <= at; run_++) {
      schedule.lastTickAt += intervalMs;
      const check = await service.scheduledCheck(schedule.ticks);
      schedule.ticks += 1;
      if (check) await service.runCheck(check).catch(() => undefined);
    }
    if (schedule.lastTickAt + intervalMs <= at) schedule.lastTickAt = at;
  }

  return { service, runDueChecks };
}

/** The handlers, each running the checks that fell due on the mock clock before it answers. */
export function withDueWatchChecks<Handlers extends Record<string, (...args: never[]) => unknown>>(
  handlers: Handlers,
  watch: MockWatch,
): Handlers {
  const wrapped: Record<string, unknown> = {};
  for (const [operationId, handler] of Object.entries(handlers))
    wrapped[operationId] = async (...args: never[]) => {
      await watch.runDueChecks();
      return handler(...args);
    };
  return wrapped as Handlers;
}
