import {
  type DownloadHistoryStore,
  type HistoryChild,
  type HistoryEntry,
  historySearchTextOf,
  tracksDoneOf,
} from '@music-apis/domain';

/** The download history in memory: records by task, each parent's tracks by position. */
export interface DownloaderHistoryMockData {
  entries: Map<string, HistoryEntry>;
  children: Map<string, Map<number, HistoryChild>>;
  /** The next record id (upstream's autoincrement). */
  nextId: number;
}

export const createDownloaderHistoryMockData = (): DownloaderHistoryMockData => ({
  entries: new Map(),
  children: new Map(),
  nextId: 1,
});

const clone = <Value>(value: Value): Value => structuredClone(value);
const newestFirst = (a: HistoryEntry, b: HistoryEntry) => b.timestamp - a.timestamp || b.id - a.id;

export function createMockHistoryStore(data: DownloaderHistoryMockData): DownloadHistoryStore {
  const sorted = () => [...data.entries.values()].sort(newestFirst);
  return {
    async putEntry(record) {
      const id = data.entries.get(record.task_id)?.id ?? data.nextId++;
      data.entries.set(record.task_id, { id, ...clone(record) });
    },
    async putChild(taskId, child) {
      const tracks = data.children.get(taskId) ?? new Map<number, HistoryChild>();
      const position = child.position ?? 0;
      tracks.set(position, { id: position, ...clone(child) });
      data.children.set(taskId, tracks);
    },
    entry: async (taskId) => clone(data.entries.get(taskId)),
    children: async (taskId) =>
      [...(data.children.get(taskId)?.values() ?? [])]
        .sort(
          (a, b) => (a.track_number ?? 0) - (b.track_number ?? 0) || (a.position ?? 0) - (b.position ?? 0),
        )
        .map(clone),
    list: async ({ limit, offset, downloadType, status }) =>
      sorted()
        .filter(
          (entry) =>
            (!downloadType || entry.download_type === downloadType) && (!status || entry.status === status),
        )
        .slice(offset, offset + limit)
        .map(clone),
    search: async (text, limit) =>
      sorted()
        .filter((entry) => historySearchTextOf(entry).includes(text))
        .slice(0, limit)
        .map(clone),
    async stats(since) {
      const byTypeAndStatus: Record<string, Record<string, number>> = {};
      let tracks = 0;
      let recent = 0;
      for (const entry of data.entries.values()) {
        const counts = byTypeAndStatus[entry.download_type] ?? {};
        counts[entry.status] = (counts[entry.status] ?? 0) + 1;
        byTypeAndStatus[entry.download_type] = counts;
        tracks += tracksDoneOf(entry);
        if (entry.timestamp > since) recent += 1;
      }
      return {
        by_type_and_status: byTypeAndStatus,
        total_successful_tracks: tracks,
        recent_downloads_7d: recent,
      };
    },
    async cleanup(before) {
      let deleted = 0;
      for (const [taskId, entry] of data.entries) {
        if (entry.timestamp >= before) continue;
        data.entries.delete(taskId);
        data.children.delete(taskId);
        deleted += 1;
      }
      return deleted;
    },
  };
}
