import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import {
  COVER_COUNT,
  coverJpeg,
  createCatalog,
  demoCatalog,
  generatedIsrc,
  README_EXAMPLE_TRACK,
  SEED_EXAMPLE_TRACK,
} from '../src/index.js';

describe('demo catalog', () => {
  it('contains the seed example track with the seed values', () => {
    const track = demoCatalog.findTrackByIsrc('GBAYE0800657');
    expect(track).toMatchObject({
      name: 'Ellington: Mood Indigo',
      artistName: 'Barney Bigard',
      albumName: 'Paul Robeson: The Complete EMI Sessions 1928-1939',
      albumId: '4rgmqNe80mdYQz2oSmYy6o',
      explicit: false,
      coverImageUrl: 'https://i.scdn.co/image/ab67616d0000b2737182d5a83d527c09166d0fe5',
    });
    expect(Math.floor(track!.durationMs / 1000)).toBe(201);
  });

  it("knows the original README's example ISRC, last in the list", () => {
    const track = demoCatalog.findTrackByIsrc('USEE10001993');
    expect(track).toEqual(README_EXAMPLE_TRACK);
    expect(demoCatalog.trackAt(demoCatalog.trackCount - 1)).toEqual(track);
    expect(demoCatalog.findAlbumById(track!.albumId)?.name).toBe(track!.albumName);
  });

  it('is deterministic: two catalogs built apart are equal', () => {
    const other = createCatalog();
    expect([...other.tracks()]).toEqual([...demoCatalog.tracks()]);
    expect(other.playlists()).toEqual(demoCatalog.playlists());
  });

  it('has unique ISRCs, ids and well-formed values', () => {
    const tracks = [...demoCatalog.tracks()];
    expect(new Set(tracks.map((t) => t.isrc)).size).toBe(tracks.length);
    expect(new Set(tracks.map((t) => t.id)).size).toBe(tracks.length);
    for (const track of tracks) {
      expect(track.isrc).toMatch(/^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$/);
      expect(track.albumId).toMatch(/^[0-9A-Za-z]{22}$/);
      expect(track.durationMs).toBeGreaterThan(0);
      expect(demoCatalog.findAlbumByCoverUrl(track.coverImageUrl)?.id).toBe(track.albumId);
      expect(demoCatalog.findAlbumById(track.albumId)?.name).toBe(track.albumName);
    }
  });

  it('looks tracks up by ISRC, case-insensitively, and misses unknown ones', () => {
    const track = demoCatalog.trackAt(5);
    expect(demoCatalog.findTrackByIsrc(track.isrc.toLowerCase())).toEqual(track);
    expect(demoCatalog.findTrackByIsrc(generatedIsrc(demoCatalog.trackCount + 10))).toBeUndefined();
    expect(demoCatalog.findTrackByIsrc('USRC17607839')).toBeUndefined();
  });

  it('scales to a million tracks without materialising them', () => {
    const big = createCatalog({ trackCount: 1_000_000 });
    const last = big.trackAt(1_000_000);
    expect(big.findTrackByIsrc(last.isrc)).toEqual(last);
    expect(big.albumCount).toBe(100_002);
  });

  it('serves every cover as a decodable JPEG', () => {
    for (let i = 0; i < COVER_COUNT; i++) {
      const image = jpeg.decode(coverJpeg(i));
      expect(image.width).toBe(96);
    }
    expect(coverJpeg(SEED_EXAMPLE_TRACK.coverIndex)).toBe(coverJpeg(0));
  });
});
