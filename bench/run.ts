/**
 * `pnpm bench`: prints, in one run, side by side and as ratios:
 *  1. HTTP throughput (req/s) of raw node:http vs the reference server's trackManager metadata GET,
 *     on SQLite and on PostgreSQL (each server in its own process; autocannon loads it from here);
 *  2. the mock's cost for the first- vs the last-registered operation, next to a naive MSW set-up
 *     with one handler per operation (whose cost grows with the handler's position).
 * Nothing here is asserted: these machines are shared and noisy; read the ratios.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackManagerDemoRecords } from '@music-apis/catalog';
import { createMock } from '@music-apis/mock';
import autocannon from 'autocannon';
import { HttpResponse, http, type RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import pg from 'pg';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const isrc = trackManagerDemoRecords()[0]!.isrc;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startProcess(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${output}`)));
  });
  return child;
}

async function load(url: string): Promise<number> {
  // A short warm-up (JIT, connection pools, SQLite page cache), then the measured run.
  await autocannon({ url, connections, duration: 1 });
  const result = await autocannon({ url, connections, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

async function measureServer(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-bench-'));
  const child = await startProcess(
    ['packages/server/dist/cli.js', 'start'],
    { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    /listening on/,
  );
  try {
    return await load(`http://127.0.0.1:${port}/api/track/metadata/${isrc}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function scratchPostgres(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `music_apis_bench_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function httpBench() {
  const port = await freePort();
  const raw = await startProcess(['bench/raw-server.mjs'], { PORT: String(port) }, /ready/);
  let rawRate: number;
  try {
    rawRate = await load(`http://127.0.0.1:${port}/`);
  } finally {
    raw.kill();
  }
  const rows: [string, number | undefined][] = [['raw node:http (fixed JSON)', rawRate]];
  rows.push(['server, trackManager metadata GET, SQLite', await measureServer({})]);
  const database = await scratchPostgres();
  if (database) {
    try {
      rows.push([
        'server, trackManager metadata GET, PostgreSQL',
        await measureServer({ DATABASE_URL: database.url }),
      ]);
    } finally {
      await database.drop();
    }
  } else {
    rows.push(['server, trackManager metadata GET, PostgreSQL (not reachable: skipped)', undefined]);
  }
  console.log(
    `\nHTTP throughput (${connections} connections, ${seconds} s each; target: server on SQLite >= 0.45x raw)`,
  );
  console.table(
    rows.map(([target, rate]) => ({
      target,
      'req/s': rate === undefined ? '-' : Math.round(rate),
      'x raw': rate === undefined ? '-' : (rate / rawRate).toFixed(2),
    })),
  );
}

/** Mean time per call (µs) of `count` sequential fetches of `url`, after a warm-up. */
async function timeCalls(url: string, count: number): Promise<number> {
  for (let i = 0; i < 200; i++) await (await fetch(url)).arrayBuffer();
  const started = performance.now();
  for (let i = 0; i < count; i++) await (await fetch(url)).arrayBuffer();
  return ((performance.now() - started) * 1000) / count;
}

async function mockBench() {
  const count = Number(process.env.BENCH_MOCK_CALLS ?? 3000);
  const base = 'http://bench.music-apis.test';
  const rows: Record<string, string | number>[] = [];

  // Ours: every API's operations behind one dispatching handler.
  const mock = createMock({ baseUrl: base });
  const ours = setupServer(...mock.handlers);
  ours.listen({ onUnhandledRequest: 'error' });
  try {
    // The first API's first GET against its last one: the route trie makes position irrelevant.
    const first = await timeCalls(`${base}/api/track/metadata/${isrc}`, count);
    const last = await timeCalls(`${base}/api/track/cover/${isrc}`, count);
    rows.push({
      setup: '@music-apis/mock (one dispatching handler)',
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
    const first = await timeCalls(`${base}/api/op0/x`, count);
    const last = await timeCalls(`${base}/api/op149/x`, count);
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

await httpBench();
await mockBench();
