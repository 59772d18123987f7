/**
 * `pnpm bench`: prints, in one run, side by side and as ratios:
 *  1. HTTP throughput (req/s) of raw node:http vs the reference server's trackManager metadata GET,
 *     on SQLite and on PostgreSQL, with BENCH_TRACKS (default 100,000; try 1,000,000) saved tracks
 *     read at random (each server in its own process; autocannon loads it from here);
 *  2. the mock's cost for the first- vs the last-registered operation, next to a naive MSW set-up
 *     with one handler per operation (whose cost grows with the handler's position);
 *  3. songs: phrase search and counts at 100k vs 1M songs, SQLite and PostgreSQL (songs.ts).
 * `pnpm bench songs` (or `http`, `mock`) runs only the sections named.
 * Nothing here is asserted: these machines are shared and noisy; read the ratios.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatalog } from '@music-apis/catalog';
import { toTrackManagerRecord } from '@music-apis/domain';
import { createMockCore, type MockApiDefinition } from '@music-apis/mock';
import { createServer, loadConfig } from '@music-apis/server';
import type { OperationSpec } from '@music-apis/spec';
import autocannon from 'autocannon';
import { HttpResponse, http, type RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { createScratchDatabase } from '../tests/contract/postgres.js';
import { blockingBench } from './blocking.js';
import { freePort, startProcess, stopProcess } from './processes.js';
import { songsBench } from './songs.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** Saved tracks in the benchmarked database (the demo catalog, scaled); requests pick them at random. */
const trackCount = Number(process.env.BENCH_TRACKS ?? 100_000);
const catalog = createCatalog({ trackCount });

/** req/s against `url`; with `randomPath`, each request asks for another path. */
async function load(url: string, randomPath?: () => string): Promise<number> {
  const requests = randomPath
    ? [{ setupRequest: (request: object) => ({ ...request, path: randomPath() }) }]
    : undefined;
  // A short warm-up (JIT, connection pools, SQLite page cache), then the measured run.
  await autocannon({ url, connections, duration: 1, requests });
  const result = await autocannon({ url, connections, duration: seconds, requests });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

/** Migrates the database and saves `trackCount` catalog tracks in the track manager, streaming them in batches. */
async function seedTracks(dataDir: string, databaseUrl: string | undefined): Promise<void> {
  // One instance on one machine: its DATA_DIR is all the "sharing" PostgreSQL needs here.
  const server = await createServer(
    loadConfig({}, { dataDir, databaseUrl, sharedDataDir: true, logLevel: 'warn', port: 0 }),
  );
  try {
    let batch: object[] = [];
    const flush = async () => {
      await server.db('track_manager_tracks').insert(batch).onConflict('isrc').ignore();
      batch = [];
    };
    for (const track of catalog.tracks()) {
      const record = toTrackManagerRecord(track);
      batch.push({
        isrc: record.isrc,
        name: record.name,
        artist_name: record.artistName,
        album_name: record.albumName,
        album_id: record.albumId,
        is_explicit: record.isExplicit,
        playback_seconds: record.playbackSeconds,
        cover_image: record.cover_image,
      });
      if (batch.length === 500) await flush();
    }
    if (batch.length > 0) await flush();
  } finally {
    await server.close();
  }
}

const randomTrackPath = () =>
  `/api/track/metadata/${catalog.trackAt(1 + Math.floor(Math.random() * (catalog.trackCount - 1))).isrc}`;

/** Starts `args` on a free port, loads it, stops it: req/s. */
async function measureProcess(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  randomPath?: () => string,
) {
  const port = await freePort();
  const child = await startProcess(args, { PORT: String(port), ...env }, ready);
  try {
    return await load(`http://127.0.0.1:${port}/api/track/metadata/${catalog.trackAt(1).isrc}`, randomPath);
  } finally {
    await stopProcess(child);
  }
}

const measureServer = (env: Record<string, string>) =>
  measureProcess(
    ['packages/server/dist/cli.js', 'start'],
    { LOG_LEVEL: 'warn', ...env },
    /listening on/,
    randomTrackPath,
  );

async function httpBench() {
  const rows: [string, number | undefined][] = [];
  rows.push(['raw node:http (fixed JSON)', await measureProcess(['bench/raw-server.mjs'], {}, /ready/)]);
  rows.push([
    'Koa + @koa/router (fixed JSON, no database)',
    await measureProcess(['bench/koa-server.mjs'], {}, /ready/),
  ]);

  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-bench-'));
  try {
    await seedTracks(dataDir, undefined);
    const sqliteFile = join(dataDir, 'music-apis.sqlite');
    rows.push([
      'Koa + @koa/router + one prepared SQLite read (no validation, no envelope)',
      await measureProcess(['bench/koa-server.mjs'], { SQLITE_FILE: sqliteFile }, /ready/, randomTrackPath),
    ]);
    rows.push(['server, trackManager metadata GET, SQLite', await measureServer({ DATA_DIR: dataDir })]);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }

  const database = await createScratchDatabase('bench');
  if (database) {
    const pgDataDir = await mkdtemp(join(tmpdir(), 'music-apis-bench-'));
    try {
      await seedTracks(pgDataDir, database.url);
      rows.push([
        'server, trackManager metadata GET, PostgreSQL',
        await measureServer({ DATA_DIR: pgDataDir, DATABASE_URL: database.url, SHARED_DATA_DIR: '1' }),
      ]);
    } finally {
      await database.drop();
      await rm(pgDataDir, { recursive: true, force: true });
    }
  } else {
    rows.push(['server, trackManager metadata GET, PostgreSQL (not reachable: skipped)', undefined]);
  }
  const rawRate = rows[0]![1]!;
  console.log(
    `\nHTTP throughput (${connections} connections, ${seconds} s each; ${trackCount} saved tracks read at random; target: server on SQLite >= 0.45x raw)`,
  );
  console.table(
    rows.map(([target, rate]) => ({
      target,
      'req/s': rate === undefined ? '-' : Math.round(rate),
      'x raw': rate === undefined ? '-' : (rate / rawRate).toFixed(2),
    })),
  );
}

/**
 * Mean time per call (µs) of sequential fetches of `first` and of `last`, measured in alternating
 * rounds so warm-up and background noise fall on both alike.
 */
async function timeFirstAndLast(first: string, last: string, count: number): Promise<[number, number]> {
  const call = async (url: string) => (await fetch(url)).arrayBuffer();
  for (let i = 0; i < 300; i++) await Promise.all([call(first), call(last)]);
  const totals = [0, 0];
  const round = 100;
  for (let done = 0; done < count; done += round) {
    for (const [index, url] of [first, last].entries()) {
      const started = performance.now();
      for (let i = 0; i < round; i++) await call(url);
      totals[index]! += performance.now() - started;
    }
  }
  return [(totals[0]! * 1000) / count, (totals[1]! * 1000) / count];
}

async function mockBench() {
  const count = Number(process.env.BENCH_MOCK_CALLS ?? 3000);
  const base = 'http://bench.music-apis.test';
  const rows: Record<string, string | number>[] = [];

  // Ours: 150 operations behind the mock's one dispatching handler (the same routes as below),
  // through its whole pipeline (route table, validators, typed handler, reply).
  const operationIds = Array.from({ length: 150 }, (_, i) => `op${i}`);
  const operations: Record<string, OperationSpec> = Object.fromEntries(
    operationIds.map((operationId, i) => [
      operationId,
      {
        operationId,
        method: 'GET',
        path: `/api/op${i}/{id}`,
        summary: '',
        tags: [],
        deprecated: false,
        security: [],
        parameters: [
          { name: 'id', in: 'path', required: true, array: false, style: 'simple', explode: false },
        ],
        fillBodyDefaults: false,
        responses: { 200: ['application/json'] },
      },
    ]),
  );
  type SyntheticOperation = {
    parameters: { path: { id: string } };
    responses: { 200: { content: { 'application/json': { id: string; op: number } } } };
  };
  const synthetic: MockApiDefinition<Record<string, SyntheticOperation>, typeof operations, null> = {
    spec: {
      key: 'synthetic',
      name: 'synthetic',
      title: 'Synthetic',
      operations,
      validators: Object.fromEntries(operationIds.map((id) => [id, { params: () => true, body: undefined }])),
    },
    createState: () => null,
    implement: () => ({
      authenticate: {},
      handlers: Object.fromEntries(
        operationIds.map((operationId, i) => [
          operationId,
          ({ path }: { path: { id: string } }) => ({ status: 200 as const, body: { id: path.id, op: i } }),
        ]),
      ),
    }),
    errorReply: (error) => ({ status: error.status, body: { message: error.message } }),
  };
  const ours = setupServer(...createMockCore({ synthetic }, { baseUrl: base }).handlers);
  ours.listen({ onUnhandledRequest: 'error' });
  try {
    const [first, last] = await timeFirstAndLast(`${base}/api/op0/x`, `${base}/api/op149/x`, count);
    rows.push({
      setup: '@music-apis/mock core (one dispatching handler, 150 operations)',
      'first op µs': first.toFixed(0),
      'last op µs': last.toFixed(0),
      'last/first': (last / first).toFixed(2),
    });
  } finally {
    ours.close();
  }

  // Naive: 150 handlers, one per operation; MSW tries them in order.
  const naiveHandlers: RequestHandler[] = Array.from({ length: 150 }, (_, i) =>
    http.get(`${base}/api/op${i}/:id`, ({ params }) => HttpResponse.json({ id: params.id, op: i })),
  );
  const naive = setupServer(...naiveHandlers);
  naive.listen({ onUnhandledRequest: 'error' });
  try {
    const [first, last] = await timeFirstAndLast(`${base}/api/op0/x`, `${base}/api/op149/x`, count);
    rows.push({
      setup: 'naive MSW (150 handlers)',
      'first op µs': first.toFixed(0),
      'last op µs': last.toFixed(0),
      'last/first': (last / first).toFixed(2),
    });
  } finally {
    naive.close();
  }
  console.log(`\nMock dispatch cost (${count} sequential calls each; target: last/first <= 1.2)`);
  console.table(rows);
}

// `pnpm bench` runs every section; `pnpm bench songs` (or `http`, `mock`, several) only those.
const sections: Record<string, () => Promise<void>> = {
  http: httpBench,
  mock: mockBench,
  songs: songsBench,
  blocking: blockingBench,
};
const chosen = process.argv.slice(2).filter((arg) => arg in sections);
for (const name of chosen.length > 0 ? chosen : Object.keys(sections)) await sections[name]!();
