/**
 * `pnpm bench blocking`: does one slow query hold up everyone else? A cheap GET (the track
 * manager's metadata of one track) is loaded by autocannon alone, then while one client loops on
 * the heaviest songs query at BENCH_BLOCKING_SONGS (default 1M) songs, in interleaved rounds; the
 * medians are compared (target on SQLite: loaded >= 0.5x alone). On SQLite that query runs in the
 * server's read pool (core/sqlite-read-pool.ts); PostgreSQL is there for comparison. The server
 * is the build (packages/server/dist/cli.js, or BENCH_SERVER_CLI), in its own process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoCatalog } from '@music-apis/catalog';
import { createServer, loadConfig } from '@music-apis/server';
import autocannon from 'autocannon';
import { createScratchDatabase } from '../tests/contract/postgres.js';
import { freePort, median, startProcess, stopProcess } from './processes.js';
import { addBenchSongs } from './songs.js';

const SONGS = Number(process.env.BENCH_BLOCKING_SONGS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_BLOCKING_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_BLOCKING_SECONDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** A track the demo data saves in the track manager. */
const CHEAP_PATH = `/api/track/metadata/${demoCatalog.trackAt(1).isrc}`;
/**
 * Candidates for the heaviest query; the slowest one alone (measured first) is the one looped.
 * A 2-character phrase has no trigram, so both engines test every song's text.
 */
const HEAVY_PATHS = [
  '/v1/songs/count?phrase=zy',
  '/v1/songs/genres/count?phrase=zy',
  '/v1/songs?phrase=zy&limit=100',
  '/v1/songs/count?genres=Genre%203,-Style%202',
];

async function cheapRate(base: string): Promise<number> {
  const result = await autocannon({ url: base + CHEAP_PATH, connections: CONNECTIONS, duration: SECONDS });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${CHEAP_PATH}: errors under load`);
  return result.requests.average;
}

async function benchEngine(engine: 'SQLite' | 'PostgreSQL') {
  const database = engine === 'PostgreSQL' ? await createScratchDatabase('bench_blocking') : undefined;
  if (engine === 'PostgreSQL' && !database) {
    console.log('\nPostgreSQL not reachable: blocking bench skipped there.');
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-bench-blocking-'));
  const env: Record<string, string> = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  if (database) Object.assign(env, { DATABASE_URL: database.url, SHARED_DATA_DIR: '1' });
  try {
    // The bench songs first (their seq numbers start at 1), then the server seeds the demo data.
    const setup = await createServer(
      loadConfig({}, { dataDir, databaseUrl: database?.url, sharedDataDir: true, demoData: false, port: 0 }),
    );
    const filled = await addBenchSongs(setup.db, SONGS).finally(() => setup.close());
    const port = await freePort();
    const child = await startProcess(
      [process.env.BENCH_SERVER_CLI ?? 'packages/server/dist/cli.js', 'start'],
      { ...env, PORT: String(port) },
      /listening on/,
    );
    try {
      const base = `http://127.0.0.1:${port}`;
      const login = await fetch(`${base}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'demo@music-apis.dev', password: 'DemoPass1' }),
      });
      const { accessToken } = (await login.json()) as { accessToken: string };
      const headers = { authorization: `Bearer ${accessToken}` };
      const call = async (path: string) => {
        const response = await fetch(base + path, { headers });
        if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      };
      const timed = async (path: string) => {
        const times = [];
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          await call(path);
          times.push(performance.now() - started);
        }
        return median(times);
      };
      const alone = await Promise.all(HEAVY_PATHS.map(async (path) => ({ path, ms: await timed(path) })));
      const heaviest = alone.reduce((a, b) => (b.ms > a.ms ? b : a));

      await cheapRate(base); // warm-up
      const rates: [number[], number[]] = [[], []];
      let heavyCalls = 0;
      let heavyMs = 0;
      for (let round = 0; round < ROUNDS; round++) {
        rates[0].push(await cheapRate(base));
        let looping = true;
        const loop = (async () => {
          while (looping) {
            const started = performance.now();
            await call(heaviest.path);
            heavyMs += performance.now() - started;
            heavyCalls++;
          }
        })();
        // Let the first heavy call reach the server before the cheap GETs flood it.
        await new Promise((resolve) => setTimeout(resolve, 250));
        rates[1].push(await cheapRate(base));
        looping = false;
        await loop;
      }
      const [quiet, loaded] = rates.map(median) as [number, number];
      console.log(
        `\n${engine}, ${SONGS} songs (filled in ${filled.toFixed(0)} s): heaviest query alone ${heaviest.path} ` +
          `${heaviest.ms.toFixed(0)} ms (of ${alone.map((entry) => `${entry.path} ${entry.ms.toFixed(0)} ms`).join(', ')}); ` +
          `${heavyCalls} calls while loaded, ${(heavyMs / heavyCalls).toFixed(0)} ms each. ` +
          `Median of ${ROUNDS} interleaved rounds, ${SECONDS} s each${engine === 'SQLite' ? '; target: loaded >= 0.5x alone' : ''}`,
      );
      console.table([
        { 'cheap GET (track metadata)': 'alone', 'req/s': Math.round(quiet), 'x alone': '1.00' },
        {
          'cheap GET (track metadata)': 'while one client loops on the heaviest query',
          'req/s': Math.round(loaded),
          'x alone': (loaded / quiet).toFixed(2),
        },
      ]);
    } finally {
      await stopProcess(child);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await database?.drop();
  }
}

/** BENCH_BLOCKING_ENGINES=SQLite (or PostgreSQL) runs one engine only. */
export async function blockingBench() {
  const engines = (process.env.BENCH_BLOCKING_ENGINES ?? 'SQLite,PostgreSQL').split(',');
  for (const engine of ['SQLite', 'PostgreSQL'] as const)
    if (engines.includes(engine)) await benchEngine(engine);
}
