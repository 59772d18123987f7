#!/usr/bin/env node
// Runs after tsup (the package's `build`). tsup writes every declaration twice, `.d.ts` for ESM and
// `.d.cts` for CommonJS; for the openapi-typescript types of each API (`<api>/schema`, most of the
// declarations) one copy is enough. Both formats can import types from a CommonJS declaration file
// (ESM may import CommonJS; the reverse needs TypeScript 5.3's `resolution-mode`), so the `.d.ts`
// files are pointed at `<api>/schema.d.cts`, and `<api>/schema.d.ts` and its empty `schema.js` go.
// Then every relative import in the declarations is checked to resolve to a file that exists.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '../dist');
const files = readdirSync(dist, { recursive: true }).map((file) => join(dist, String(file)));
const schemas = new Set(
  files.filter((file) => file.endsWith('/schema.d.cts')).map((file) => file.replace(/\.d\.cts$/, '')),
);
if (schemas.size === 0) throw new Error('share-schema-types: no dist/<api>/schema.d.cts (run tsup first)');

const specifier = /(from\s+|import\()'(\.{1,2}\/[^']+)'/g;
let rewritten = 0;
for (const file of files.filter((name) => name.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const shared = text.replace(specifier, (match, keyword, path) => {
    const target = resolve(dirname(file), path).replace(/\.js$/, '');
    if (!path.endsWith('.js') || !schemas.has(target)) return match;
    rewritten += 1;
    return `${keyword}'${path.replace(/\.js$/, '.cjs')}'`;
  });
  if (shared !== text) writeFileSync(file, shared);
}
for (const schema of schemas) {
  rmSync(`${schema}.d.ts`, { force: true });
  rmSync(`${schema}.js`, { force: true });
}

const missing = [];
for (const file of files.filter((name) => /\.d\.c?ts$/.test(name) && existsSync(name))) {
  for (const [, , path] of readFileSync(file, 'utf8').matchAll(specifier)) {
    const types = resolve(dirname(file), path).replace(/\.(c?)js$/, '.d.$1ts');
    if (!existsSync(types)) missing.push(`${relative(dist, file)} -> ${path}`);
  }
}
if (missing.length > 0)
  throw new Error(`share-schema-types: imports of missing files:\n  ${missing.join('\n  ')}`);
console.log(
  `share-schema-types: ${schemas.size} schema declarations shared by ESM and CJS (${rewritten} imports)`,
);
