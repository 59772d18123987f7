import { createCatalog } from '@music-apis/catalog';
import { describe, expect, it } from 'vitest';
import { createDemoSpotifyCatalog } from '../src/downloader/demo-catalog.js';
import { createWordIndex, wordsOf } from '../src/downloader/word-index.js';

describe('the word index behind the demo catalog search', () => {
  const texts = ['Blue River', 'Beyoncé Blue', 'Red River Valley', 'Blueprint'];
  const index = createWordIndex(texts.length, (i) => texts[i]!);

  it('needs every word, the last one as a prefix, in any case and without accents', () => {
    expect(wordsOf("Beyoncé's MIX")).toEqual(['beyonce', 's', 'mix']);
    expect(index.search('blue', 10)).toEqual([0, 1, 3]);
    expect(index.search('river BLUE', 10)).toEqual([0]);
    expect(index.search('beyonce', 10)).toEqual([1]);
    expect(index.search('red riv', 10)).toEqual([2]);
    // Only the last word is a prefix: "blu river" needs the word "blu".
    expect(index.search('blu river', 10)).toEqual([]);
  });

  it('stops at the limit and answers nothing for an empty query', () => {
    expect(index.search('blue', 2)).toEqual([0, 1]);
    expect(index.search('  !! ', 10)).toEqual([]);
    expect(index.search('blue', 0)).toEqual([]);
  });

  it('finds an item of a large catalog by its own words, and only matching items', async () => {
    const catalog = createCatalog({ trackCount: 5000 });
    const source = createDemoSpotifyCatalog(catalog);
    const target = catalog.trackAt(4321);
    const found = await source.search(`${target.name} ${target.artistName}`, 'track', 50);
    expect(found.map((item) => item?.id)).toContain(target.id);
    for (const item of found) {
      const track = item as { name: string; artists: { name: string }[]; album: { name: string } };
      expect(`${track.name} ${track.artists[0]!.name} ${track.album.name}`.toLowerCase()).toContain(
        target.name.toLowerCase().split(' ')[0],
      );
    }
  });
});
