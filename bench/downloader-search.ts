/**
 * `pnpm bench downloader-search`: the downloader's `/api/search` over the built-in demo catalog at
 * 100k and at 1M tracks, through the same source the server and the mock use (no HTTP). Each size's
 * word index is built first (timed apart), then the queries run in interleaved rounds; the medians
 * are compared as throughput: target searches/s(1M) >= 0.3x searches/s(100k) (issue 14).
 */
import { createCatalog } from '@music-apis/catalog';
import { createDemoSpotifyCatalog, type SearchType } from '@music-apis/domain';
import { median } from './processes.js';

const ROUNDS = Number(process.env.BENCH_SEARCH_ROUNDS ?? 15);
const [SMALL, LARGE] = (process.env.BENCH_SEARCH_SIZES ?? '100000,1000000').split(',').map(Number) as [
  number,
  number,
];
const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

/** What the UI sends (limit 50): a common word, a word and a prefix, the seed's rare track, albums. */
function queriesFor(
  small: ReturnType<typeof createCatalog>,
): { name: string; q: string; type: SearchType }[] {
  const track = small.trackAt(37);
  const [first, second] = track.name.split(' ') as [string, string];
  return [
    { name: 'one common word', q: second, type: 'track' },
    {
      name: 'word + artist prefix',
      q: `${first} ${track.artistName.split(' ').at(-1)!.slice(0, 3)}`,
      type: 'track',
    },
    { name: 'rare: the seed track', q: 'ellington mood', type: 'track' },
    { name: 'albums by word', q: first, type: 'album' },
  ];
}

export async function downloaderSearchBench() {
  const sizes = [SMALL, LARGE];
  const catalogs = sizes.map((trackCount) => createCatalog({ trackCount }));
  const sources = catalogs.map((catalog) => createDemoSpotifyCatalog(catalog));
  const queries = queriesFor(catalogs[0]!);
  const builds = [];
  for (const [index, source] of sources.entries()) {
    const started = performance.now();
    for (const type of ['track', 'album'] as const) await source.search('warmup', type, 1);
    builds.push({ size: label(sizes[index]!), 'index build (ms)': (performance.now() - started).toFixed(0) });
  }
  console.log('\nDownloader search: word index built on the first search (once per process)');
  console.table(builds);

  const times = queries.map(() => [[], []] as [number[], number[]]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [q, query] of queries.entries()) {
      for (const s of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const started = performance.now();
        const items = await sources[s]!.search(query.q, query.type, 50);
        times[q]![s]!.push(performance.now() - started);
        if (items.length === 0) throw new Error(`no result for ${query.q} at ${label(sizes[s]!)}`);
      }
    }
  }
  console.log(
    `Downloader search (limit 50): median of ${ROUNDS} interleaved rounds; target: searches/s ${label(LARGE)} >= 0.3x ${label(SMALL)}`,
  );
  console.table(
    queries.map((query, index) => {
      const [a, b] = times[index]!.map(median) as [number, number];
      return {
        query: `${query.name} (${query.q})`,
        [`${label(SMALL)} /s`]: Math.round(1000 / a),
        [`${label(LARGE)} /s`]: Math.round(1000 / b),
        ratio: (a / b).toFixed(2),
      };
    }),
  );
}
