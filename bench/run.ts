/**
 * `pnpm bench`: prints, in one run, side by side and as ratios (README, "Benchmarks"):
 *  http      req/s of raw node:http, Koa references and the server's trackManager metadata GET on
 *            SQLite and PostgreSQL, BENCH_TRACKS (default 100,000) saved tracks read at random;
 *  mock      the mock's cost for the first- vs the last-registered operation vs a naive MSW set-up;
 *  songs     phrase search and counts at 100k vs 1M songs, SQLite and PostgreSQL (songs.ts);
 *  blocking  a cheap GET alone vs while one client loops on the heaviest songs query (blocking.ts);
 *  sdk       SDK getTrackMetadata vs fetch + res.json() per call (sdk.ts);
 *  downloader-search  `/api/search` over the demo catalog at 100k vs 1M tracks (downloader-search.ts);
 *  downloader-history the history's search, lists and statistics at 100k vs 1M records, SQLite and PostgreSQL (downloader-history.ts);
 *  streaming-catalog  the streaming catalog's track search at 100k vs 1M tracks, SQLite and PostgreSQL (streaming-catalog.ts);
 *  startup   cold and warm start to the first /healthz vs a raw node:http start (startup.ts).
 * `pnpm bench songs` (or any of the names above, several) runs only the sections named.
 * Nothing here is asserted: these machines are shared and noisy; read the ratios.
 */
import type { ChildProcess } from 'node:child_process';
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
import { downloaderHistoryBench } from './downloader-history.js';
import { downloaderSearchBench } from './downloader-search.js';
import { cpuSecondsOf, freePort, median, startProcess, stopProcess } from './processes.js';
import { sdkBench } from './sdk.js';
import { songsBench } from './songs.js';
import { startupBench } from './startup.js';
import { streamingCatalogBench } from './streaming-catalog.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** Saved tracks in the benchmarked database (the demo catalog, scaled); requests pick them at random. */
const trackCount = Number(process.env.BENCH_TRACKS ?? 100_000);
const catalog = createCatalog({ trackCount });

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** req/s and requests of one autocannon run against `url`; with `randomPath`, each request asks for another path. */
async function load(
  url: string,
  duration: number,
  randomPath?: () => string,
): Promise<{ rate: number; requests: number }> {
  const requests = randomPath
    ? [{ setupRequest: (request: object) => ({ ...request, path: randomPath() }) }]
    : undefined;
  const result = await autocannon({ url, connections, duration, requests });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rate: result.requests.average, requests: result.requests.total };
}

/** The server in this process, on `dataDir` (and PostgreSQL at `databaseUrl`), not listening yet. */
const benchServer = (dataDir: string, databaseUrl?: string) =>
  // One instance on one machine: its DATA_DIR is all the "sharing" PostgreSQL needs here.
  createServer(loadConfig({}, { dataDir, databaseUrl, sharedDataDir: true, logLevel: 'warn', port: 0 }));

/** Migrates the database and saves `trackCount` catalog tracks in the track manager, streaming them in batches. */
async function seedTracks(dataDir: string, databaseUrl: string | undefined): Promise<void> {
  const server = await benchServer(dataDir, databaseUrl);
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

/** Headers every answer carries anyway (the references send them too), or that differ per answer. */
const NOT_COMPARED = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'content-type',
  'x-request-id',
]);

/**
 * The headers the server's metadata GET answers with, read off one answer rather than copied, so
 * the reference that sends them stays in step with the server.
 */
async function serverResponseHeaders(dataDir: string): Promise<Record<string, string>> {
  const server = await benchServer(dataDir);
  try {
    const response = await fetch(`${await server.listen()}/api/track/metadata/${catalog.trackAt(1).isrc}`);
    await response.arrayBuffer();
    return Object.fromEntries([...response.headers].filter(([name]) => !NOT_COMPARED.has(name)));
  } finally {
    await server.close();
  }
}

const randomTrackPath = () =>
  `/api/track/metadata/${catalog.trackAt(1 + Math.floor(Math.random() * (catalog.trackCount - 1))).isrc}`;

interface Target {
  name: string;
  args: string[];
  env: Record<string, string>;
  ready: RegExp;
  /** Saved tracks read at random (else one fixed path). */
  random: boolean;
  /** The row this one is compared with (the hand-written reference on the same database). */
  reference?: string;
  port?: number;
  child?: ChildProcess;
  rates: number[];
  /** The server's CPU µs per answered request, each round (Linux only). */
  cpuPerRequest: number[];
}

/** BENCH_SERVER_CLI: another build of the server's CLI, to compare two builds with the same bench. */
const SERVER = [process.env.BENCH_SERVER_CLI ?? 'packages/server/dist/cli.js', 'start'];
const reference = (
  name: string,
  env: Record<string, string>,
  random: boolean,
  comparedWith?: string,
): Target => ({
  name,
  args: ['bench/koa-server.mjs'],
  env,
  ready: /ready/,
  random,
  reference: comparedWith,
  rates: [],
  cpuPerRequest: [],
});
const server = (name: string, env: Record<string, string>, referenceName: string): Target => ({
  name,
  args: SERVER,
  env: { LOG_LEVEL: 'warn', ...env },
  ready: /listening on/,
  random: true,
  reference: referenceName,
  rates: [],
  cpuPerRequest: [],
});

/**
 * Every target runs at once, each in its own process, and is loaded in turn, round after round
 * (the order reversed every other round), so the machine's background load falls on all of them
 * alike; each row is the median of its rounds.
 */
async function httpBench() {
  const RAW = 'raw node:http (fixed JSON)';
  const KOA_SQLITE = 'Koa + @koa/router + one prepared SQLite read (no validation, no envelope)';
  const KOA_SQLITE_HEADERS = 'the same + the response headers the server sends (informative)';
  const KOA_PG = 'Koa + @koa/router + one prepared (named) pg read (no validation, no envelope)';
  const SERVER_SQLITE = 'server, trackManager metadata GET, SQLite';
  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-bench-'));
  const pgDataDir = await mkdtemp(join(tmpdir(), 'music-apis-bench-'));
  const database = await createScratchDatabase('bench');
  const sqliteFile = join(dataDir, 'music-apis.sqlite');
  // Its SERVER_HEADERS are read off the server once the database is filled.
  const withServerHeaders = reference(KOA_SQLITE_HEADERS, { SQLITE_FILE: sqliteFile }, true, KOA_SQLITE);
  const targets: Target[] = [
    {
      name: RAW,
      args: ['bench/raw-server.mjs'],
      env: {},
      ready: /ready/,
      random: false,
      rates: [],
      cpuPerRequest: [],
    },
    reference('Koa + @koa/router (fixed JSON, no database)', {}, false),
    reference(KOA_SQLITE, { SQLITE_FILE: sqliteFile }, true),
    withServerHeaders,
    server(SERVER_SQLITE, { DATA_DIR: dataDir }, KOA_SQLITE),
  ];
  try {
    await seedTracks(dataDir, undefined);
    withServerHeaders.env.SERVER_HEADERS = JSON.stringify(await serverResponseHeaders(dataDir));
    if (database) {
      await seedTracks(pgDataDir, database.url);
      targets.push(
        reference(KOA_PG, { DATABASE_URL: database.url }, true),
        server(
          'server, trackManager metadata GET, PostgreSQL',
          { DATA_DIR: pgDataDir, DATABASE_URL: database.url, SHARED_DATA_DIR: '1' },
          KOA_PG,
        ),
      );
    }
    for (const target of targets) {
      target.port = await freePort();
      target.child = await startProcess(
        target.args,
        { PORT: String(target.port), ...target.env },
        target.ready,
      );
    }
    const urlOf = (target: Target) =>
      `http://127.0.0.1:${target.port}/api/track/metadata/${catalog.trackAt(1).isrc}`;
    // A short warm-up each (JIT, connection pools, page cache), then the measured rounds.
    for (const target of targets) await load(urlOf(target), 1, target.random ? randomTrackPath : undefined);
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
        const cpuBefore = cpuSecondsOf(target.child!);
        const { rate, requests } = await load(
          urlOf(target),
          seconds,
          target.random ? randomTrackPath : undefined,
        );
        const cpuAfter = cpuSecondsOf(target.child!);
        target.rates.push(rate);
        if (cpuBefore !== undefined && cpuAfter !== undefined)
          target.cpuPerRequest.push(((cpuAfter - cpuBefore) * 1e6) / requests);
      }
    }
  } finally {
    for (const target of targets) if (target.child) await stopProcess(target.child);
    await rm(dataDir, { recursive: true, force: true });
    await rm(pgDataDir, { recursive: true, force: true });
    await database?.drop();
  }
  const targetOf = (name: string) => targets.find((target) => target.name === name)!;
  const rateOf = (name: string) => median(targetOf(name).rates);
  // Client and servers share the machine's cores, so req/s moves with whatever else runs; the CPU
  // each server spends per request is the steadier figure. 'x reference (CPU)' is the reference's
  // µs over the server's, read like the req/s ratio (below 1: the server spends more).
  const cpuOf = (name: string) => median(targetOf(name).cpuPerRequest);
  const withCpu = targets.every((target) => target.cpuPerRequest.length > 0);
  console.log(
    `\nHTTP throughput (${connections} connections; median of ${ROUNDS} interleaved rounds of ${seconds} s; ` +
      `${trackCount} saved tracks read at random; targets: server >= 0.9x its reference on SQLite, >= 0.8x on PostgreSQL)`,
  );
  if (!database) console.log('PostgreSQL not reachable: its rows are skipped.');
  console.table(
    targets.map((target) => {
      const rate = median(target.rates);
      const row: Record<string, string | number> = {
        target: target.name,
        'req/s': Math.round(rate),
        'x raw': (rate / rateOf(RAW)).toFixed(2),
        'x reference': target.reference ? (rate / rateOf(target.reference)).toFixed(2) : '',
      };
      if (withCpu) {
        const cpu = cpuOf(target.name);
        row['CPU µs/req'] = cpu.toFixed(1);
        row['x reference (CPU)'] = target.reference ? (cpuOf(target.reference) / cpu).toFixed(2) : '';
      }
      return row;
    }),
  );
  // Not a target: the server against the SQLite reference that also sends the headers the server
  // has to (its request id, nosniff, Vary: Origin, the original's Spring Security headers); the
  // table's row of that reference shows what the headers alone cost.
  const serverVsHeaders =
    `${(rateOf(SERVER_SQLITE) / rateOf(KOA_SQLITE_HEADERS)).toFixed(2)}x req/s` +
    (withCpu ? `, ${(cpuOf(KOA_SQLITE_HEADERS) / cpuOf(SERVER_SQLITE)).toFixed(2)}x (CPU)` : '');
  console.log(`Server on SQLite vs the reference with the same headers (informative): ${serverVsHeaders}`);
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
  sdk: sdkBench,
  startup: startupBench,
  'downloader-search': downloaderSearchBench,
  'downloader-history': downloaderHistoryBench,
  'streaming-catalog': streamingCatalogBench,
};
const chosen = process.argv.slice(2).filter((arg) => arg in sections);
for (const name of chosen.length > 0 ? chosen : Object.keys(sections)) await sections[name]!();
