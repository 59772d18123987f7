#!/usr/bin/env node
// `npm start` / `npm test` / `npm run bench` on a machine with only Node.js and npm: installs the
// workspace with the pinned pnpm (through npx) when needed, builds what is stale, then runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function runOrExit(command, args) {
  const status = run(command, args);
  if (status !== 0) process.exit(status);
}

const pnpm = (args) => runOrExit(npx, ['--yes', packageManager, ...args]);

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), 0);
}

// Install when node_modules is missing or older than the lockfile.
const installed = join(root, 'node_modules/.modules.yaml');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(root, 'pnpm-lock.yaml')).mtimeMs) {
  pnpm(['install', '--frozen-lockfile']);
}

// Build when a package's dist is missing or older than its sources or the OpenAPI documents.
const packages = readdirSync(join(root, 'packages'));
const openapiChanged = newestMtime(join(root, 'openapi'));
const stale = packages.some((name) => {
  const dir = join(root, 'packages', name);
  const built = newestMtime(join(dir, 'dist'));
  return built === 0 || built < Math.max(newestMtime(join(dir, 'src')), openapiChanged);
});
if (stale) pnpm(['run', 'build']);

/** Runs the server as a child, passing SIGINT/SIGTERM on so it shuts down gracefully. */
function runServer(args) {
  const child = spawn(process.execPath, ['packages/server/dist/cli.js', ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const [command = 'start', ...rest] = process.argv.slice(2);
const commands = {
  start: () => runServer(['start', ...rest]),
  test: () => run(npx, ['--no-install', 'vitest', 'run', ...rest]),
  bench: () => run(npx, ['--no-install', 'tsx', '--conditions=@music-apis/source', 'bench/run.ts', ...rest]),
};
if (!commands[command]) {
  console.error(`usage: node scripts/bootstrap.mjs ${Object.keys(commands).join('|')} [args]`);
  process.exit(2);
}
const status = commands[command]();
if (typeof status === 'number') process.exitCode = status;
