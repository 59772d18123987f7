#!/usr/bin/env node
// Checks the built packages as npm would publish them: what each tarball holds (its files, packed
// and unpacked size, and the installed size with its dependencies; a README and a LICENSE must be
// in it), publint (package.json, exports, files) for every package, and "Are the types wrong?" for
// the libraries (types resolve under node16 ESM/CJS and bundlers). Run after `pnpm build`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (args, cwd) =>
  spawnSync('npx', ['--no-install', ...args], { cwd, stdio: 'inherit' }).status === 0;

const packages = readdirSync(join(root, 'packages'));
const manifestOf = (name) => JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
/** Libraries ship CommonJS beside ESM; the server (an application) is ESM only. */
const libraries = packages.filter((name) =>
  Object.values(manifestOf(name).exports).some((target) => typeof target === 'object' && 'require' in target),
);

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

/** `npm pack --dry-run`: the tarball's files and sizes, without writing it. */
function pack(name) {
  const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: join(root, 'packages', name),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`npm pack failed in packages/${name}:\n${result.stderr}`);
  const [tarball] = JSON.parse(result.stdout);
  return tarball;
}
const tarballs = new Map(packages.map((name) => [name, pack(name)]));

/** The folder Node would load `dependency` from when required from `from` (pnpm's symlinks followed). */
function locate(dependency, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', dependency);
    if (existsSync(candidate)) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}
function folderSize(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += folderSize(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}
/**
 * What `npm install <package>` puts on disk, roughly: its unpacked tarball plus every production
 * dependency, transitively (workspace packages as their tarballs, others as installed here; peer
 * dependencies are the app's and not counted).
 */
function installedSize(name) {
  const seen = new Set();
  let total = 0;
  const visit = (dir, manifest, size) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    total += size;
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      const found = locate(dependency, dir);
      if (!found) throw new Error(`${dependency} (a dependency of ${manifest.name}) is not installed`);
      const workspace = relative(join(root, 'packages'), found);
      if (!workspace.startsWith('..') && tarballs.has(workspace)) {
        visit(found, manifestOf(workspace), tarballs.get(workspace).unpackedSize);
      } else {
        visit(found, JSON.parse(readFileSync(join(found, 'package.json'), 'utf8')), folderSize(found));
      }
    }
  };
  visit(join(root, 'packages', name), manifestOf(name), tarballs.get(name).unpackedSize);
  return { total, packages: seen.size };
}

let ok = true;
const summary = [];
for (const name of packages) {
  const tarball = tarballs.get(name);
  const paths = tarball.files.map((file) => file.path);
  const readme = paths.some((path) => /^readme(\.md)?$/i.test(path));
  const license = paths.some((path) => /^licen[cs]e(\.md|\.txt)?$/i.test(path));
  ok &&= readme && license;
  console.log(`\n${tarball.name}@${tarball.version}: ${tarball.entryCount} files`);
  for (const file of tarball.files) console.log(`  ${kB(file.size).padStart(10)}  ${file.path}`);
  if (!readme) console.error(`  ✗ no README.md in the tarball of ${tarball.name}`);
  if (!license) console.error(`  ✗ no LICENSE in the tarball of ${tarball.name}`);
  const installed = installedSize(name);
  summary.push({
    package: tarball.name,
    files: tarball.entryCount,
    packed: kB(tarball.size),
    unpacked: kB(tarball.unpackedSize),
    'installed (with dependencies)': `${kB(installed.total)} (${installed.packages} packages)`,
    'README, LICENSE': readme && license ? 'ok' : 'MISSING',
  });
}
console.log();
console.table(summary);

for (const name of packages) {
  ok = run(['publint', `packages/${name}`, '--strict', '--pack', 'npm'], root) && ok;
}
for (const name of libraries) {
  ok =
    run(
      ['attw', '--pack', '.', '--profile', 'node16', '--format', 'table-flipped'],
      join(root, 'packages', name),
    ) && ok;
}
process.exit(ok ? 0 : 1);
