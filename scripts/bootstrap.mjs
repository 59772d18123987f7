#!/usr/bin/env node
// `npm start` / `npm test` / `npm run bench` / `npm run cli` on a machine with only Node.js and npm:
// installs the workspace with the pinned pnpm (through npx) when needed, builds what is stale, then
// runs. Each step that runs says what it does and roughly how long it takes (on stderr, so the
// output of `npm run cli` stays clean); the install and the build print only warnings and errors.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const pnpmCommand = ['--yes', packageManager];

const say = (text) => process.stderr.write(`${text}\n`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** Runs one step, then says how long it took; a failed step stops here with its exit status. */
function step(message, action) {
  say(message);
  const started = Date.now();
  const status = action();
  if (status !== 0) {
    say(`failed (exit status ${status})`);
    process.exit(status);
  }
  say(`  done in ${Math.round((Date.now() - started) / 1000)} s`);
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), 0);
}

const [command = 'start', ...rest] = process.argv.slice(2);

// Install when node_modules is missing or older than the lockfile (an operator command, `cli`, only
// when it is missing). `--loglevel warn` leaves out the progress and the list of packages: what
// remains are warnings and errors.
const installed = join(root, 'node_modules/.modules.yaml');
const install = () => run(npx, [...pnpmCommand, 'install', '--frozen-lockfile', '--loglevel', 'warn']);
if (!existsSync(installed)) {
  step(
    'first run: installing dependencies (about 1–3 minutes; compiles better-sqlite3 where no prebuilt binary exists)…',
    install,
  );
} else if (
  command !== 'cli' &&
  statSync(installed).mtimeMs < statSync(join(root, 'pnpm-lock.yaml')).mtimeMs
) {
  step('pnpm-lock.yaml changed: installing dependencies (about 1 minute)…', install);
}

// A package's build is stale when its dist is missing or older than its sources or the documents.
const packages = readdirSync(join(root, 'packages'));
const openapiChanged = newestMtime(join(root, 'openapi'));
const builtAt = (name) => newestMtime(join(root, 'packages', name, 'dist'));
const staleBuilds = packages.filter((name) => {
  const built = builtAt(name);
  return built === 0 || built < Math.max(newestMtime(join(root, 'packages', name, 'src')), openapiChanged);
});

/**
 * Builds the stale packages. tsup lists every file it writes, so the output is kept and shown only
 * when the build fails.
 */
function build() {
  const never = packages.every((name) => builtAt(name) === 0);
  step(
    never
      ? 'building the packages (about 1 minute)…'
      : 'sources changed: rebuilding the packages (about 1 minute)…',
    () => {
      const result = spawnSync(npx, [...pnpmCommand, 'run', 'build'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 256 * 1024 * 1024,
      });
      if (result.error) throw result.error;
      if (result.status !== 0) {
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
      }
      return result.status ?? 1;
    },
  );
}

/** Runs a Node script of the workspace as a child, passing SIGINT/SIGTERM on (graceful shutdown). */
function runNode(args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const commands = {
  start() {
    if (staleBuilds.length > 0) build();
    say('starting the server…');
    runNode(['packages/server/dist/cli.js', 'start', ...rest]);
  },
  test() {
    if (staleBuilds.length > 0) build();
    return run(npx, ['--no-install', 'vitest', 'run', ...rest]);
  },
  bench() {
    if (staleBuilds.length > 0) build();
    return run(npx, ['--no-install', 'tsx', '--conditions=@music-apis/source', 'bench/run.ts', ...rest]);
  },
  // The server's operator commands (create-api-key, verify-user). They run the built CLI, or, when
  // that build is missing or stale, the CLI's TypeScript sources: an operator command never waits
  // for a build, and always runs the code in the clone.
  cli() {
    if (staleBuilds.length > 0) {
      runNode(['--import', 'tsx', '--conditions=@music-apis/source', 'packages/server/src/cli.ts', ...rest]);
    } else {
      runNode(['packages/server/dist/cli.js', ...rest]);
    }
  },
};
if (!commands[command]) {
  say(`usage: node scripts/bootstrap.mjs ${Object.keys(commands).join('|')} [args]`);
  process.exit(2);
}
const status = commands[command]();
if (typeof status === 'number') process.exitCode = status;
