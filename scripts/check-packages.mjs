#!/usr/bin/env node
// Checks the built packages as npm would publish them: publint (package.json, exports, files) for
// every package, and "Are the types wrong?" for the libraries (types resolve under node16 ESM/CJS
// and bundlers). Run after `pnpm build`.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const run = (args, cwd) =>
  spawnSync('npx', ['--no-install', ...args], { cwd, stdio: 'inherit' }).status === 0;

const packages = readdirSync('packages');
/** Libraries ship CommonJS beside ESM; the server (an application) is ESM only. */
const libraries = packages.filter((name) =>
  Object.values(JSON.parse(readFileSync(`packages/${name}/package.json`, 'utf8')).exports).some(
    (target) => typeof target === 'object' && 'require' in target,
  ),
);

let ok = true;
for (const name of packages) {
  ok = run(['publint', `packages/${name}`, '--strict', '--pack', 'npm']) && ok;
}
for (const name of libraries) {
  ok =
    run(['attw', '--pack', '.', '--profile', 'node16', '--format', 'table-flipped'], `packages/${name}`) &&
    ok;
}
process.exit(ok ? 0 : 1);
