import { createCatalog, demoCatalog } from '@music-apis/catalog';
import { describe, expect, it } from 'vitest';
import {
  catalogIndexOfIsrc,
  editorialPlaylists,
  reorderedPositions,
  reorderPlan,
  replacementEntries,
} from '../src/streaming-playlists.js';

describe('streaming playlist positions', () => {
  it('after many random reorders the orders are exactly 1..n and match moving the entry in a list', () => {
    let seed = 42;
    const random = () => {
      seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
      return seed / 2 ** 32;
    };
    for (const size of [1, 2, 3, 10, 57]) {
      let entries = Array.from({ length: size }, (_, index) => ({ id: `e${index}`, order: index + 1 }));
      let model = entries.map((entry) => entry.id);
      for (let step = 0; step < 500; step++) {
        const moved = model[Math.floor(random() * size)] as string;
        const target = 1 + Math.floor(random() * (size + 3));
        const positions = reorderedPositions(entries, moved, target);
        entries = entries.map((entry) => ({ ...entry, order: positions.get(entry.id) as number }));
        model = model.filter((id) => id !== moved);
        model.splice(Math.min(target, size) - 1, 0, moved);
        const sorted = [...entries].sort((a, b) => a.order - b.order);
        expect(sorted.map((entry) => entry.order)).toEqual(
          Array.from({ length: size }, (_, index) => index + 1),
        );
        expect(sorted.map((entry) => entry.id)).toEqual(model);
      }
    }
  });

  it('plans a move as one shifted range; past the end is the end', () => {
    expect(reorderPlan(5, 2, 6)).toEqual({ to: 2, low: 2, high: 5, shift: 1 });
    expect(reorderPlan(2, 5, 6)).toEqual({ to: 5, low: 2, high: 5, shift: -1 });
    expect(reorderPlan(2, 99, 6)).toEqual({ to: 6, low: 2, high: 6, shift: -1 });
    expect(reorderPlan(3, 3, 6).shift).toBe(0);
  });

  it('a replacement is sorted by order (ties in request order), renumbered, its ids canonical; one bad id names its field', () => {
    expect(
      replacementEntries(
        [
          { track_id: '9', order: 4 },
          { track_id: '2', order: 1 },
          { track_id: '3', order: 4 },
        ],
        242,
      ),
    ).toEqual([
      { track_id: '2', order: 1 },
      { track_id: '9', order: 2 },
      { track_id: '3', order: 3 },
    ]);
    expect(() =>
      replacementEntries(
        [
          { track_id: '1', order: 1 },
          { track_id: '243', order: 2 },
        ],
        242,
      ),
    ).toThrow(
      expect.objectContaining({
        status: 422,
        errors: { 'tracks.1.track_id': ['The selected tracks.1.track id is invalid.'] },
      }),
    );
  });

  it('finds the catalog index of every ISRC, and editorial playlists name catalog tracks', () => {
    const small = createCatalog({ trackCount: 30 });
    for (const catalog of [demoCatalog, small]) {
      for (const index of [0, 1, 7, catalog.trackCount - 2, catalog.trackCount - 1])
        expect(catalogIndexOfIsrc(catalog, catalog.trackAt(index).isrc)).toBe(index);
      expect(catalogIndexOfIsrc(catalog, 'XX0000000000')).toBeUndefined();
    }
    const editorial = editorialPlaylists(demoCatalog, 'tenant-a');
    expect(editorial.length).toBeGreaterThanOrEqual(3);
    expect(editorialPlaylists(demoCatalog, 'tenant-a')).toEqual(editorial);
    expect(editorialPlaylists(demoCatalog, 'tenant-b')[0]!.playlist.id).not.toBe(editorial[0]!.playlist.id);
    for (const { tracks } of editorial) {
      expect(tracks.map((entry) => entry.order)).toEqual(tracks.map((_, index) => index + 1));
      for (const entry of tracks) expect(Number(entry.track_id)).toBeLessThanOrEqual(demoCatalog.trackCount);
    }
  });
});
