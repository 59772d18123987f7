#!/usr/bin/env node
// `node bench/startup.mjs [path/to/cli.js] [runs]`: time from spawning the built server to its first
// 200 on /healthz, on SQLite with demo data: "cold" on a new DATA_DIR (migrations and seeding),
// "warm" on the same DATA_DIR again. Prints min / median / max in ms. Not a test: read the figures.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const cli = resolve(process.argv[2] ?? 'packages/server/dist/cli.js');
const runs = Number(process.argv[3] ?? 5);

const freePort = () =>
  new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

async function startOnce(dataDir) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'start'], {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`${cli} exited with ${child.exitCode}`);
      await new Promise((done) => setTimeout(done, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
  }
}

const summary = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => Math.round(sorted[Math.floor(q * (sorted.length - 1))]);
  return `min ${at(0)} ms, median ${at(0.5)} ms, max ${at(1)} ms`;
};

const cold = [];
const warm = [];
for (let i = 0; i < runs; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'music-apis-startup-'));
  try {
    cold.push(await startOnce(dataDir));
    warm.push(await startOnce(dataDir));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
console.log(`${cli}\n  cold (new DATA_DIR): ${summary(cold)}\n  warm (same DATA_DIR): ${summary(warm)}`);
