/**
 * `pnpm bench startup`: time from spawning a process to its first 200 on /healthz, on SQLite with
 * demo data: the built server "cold" on a new DATA_DIR (migrations, seeding) and "warm" on that
 * DATA_DIR again, next to a raw node:http server (bench/raw-server.mjs: Node's own start). The
 * three are timed in turn, round after round; medians (target: warm < 0.6 s). BENCH_SERVER_CLI
 * times another build.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, median, stopProcess } from './processes.js';

const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 7);
const CLI = process.env.BENCH_SERVER_CLI ?? 'packages/server/dist/cli.js';
const root = fileURLToPath(new URL('..', import.meta.url));

/** Milliseconds from spawn to the first 200 on /healthz (any 200 for the raw server). */
async function timeStart(args: string[], env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
      await new Promise((done) => setTimeout(done, 2));
    }
  } finally {
    await stopProcess(child);
  }
}

export async function startupBench() {
  const times: Record<'raw' | 'cold' | 'warm', number[]> = { raw: [], cold: [], warm: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-bench-startup-'));
    try {
      times.raw.push(await timeStart(['bench/raw-server.mjs'], {}));
      times.cold.push(await timeStart([CLI, 'start'], { DATA_DIR: dataDir }));
      times.warm.push(await timeStart([CLI, 'start'], { DATA_DIR: dataDir }));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  const raw = median(times.raw);
  console.log(
    `\nStart to the first /healthz answer (${CLI}; median of ${ROUNDS} rounds; target: warm < 600 ms)`,
  );
  console.table(
    (
      [
        ['raw node:http (Node start only)', times.raw],
        ['server, cold (new DATA_DIR: migrations, demo data)', times.cold],
        ['server, warm (same DATA_DIR again)', times.warm],
      ] as const
    ).map(([start, values]) => ({
      start,
      ms: Math.round(median(values)),
      'x raw': (median(values) / raw).toFixed(2),
    })),
  );
}
