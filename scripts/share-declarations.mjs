#!/usr/bin/env node
// `node ../../scripts/share-declarations.mjs` in a package, after tsup (the spec's and the SDK's
// `build`). tsup writes every declaration twice, `.d.ts` for ESM and `.d.cts` for CommonJS, which
// doubled the size of the published types. An ESM declaration may re-export a CommonJS one (types
// only; the JavaScript stays dual), so each entry's `.d.ts` becomes `export * from './x.cjs'` and
// every other `.d.ts` goes, with the empty JavaScript of the types-only schema chunks. Then every relative import and require in what is left is checked to resolve.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

const { exports } = JSON.parse(readFileSync('package.json', 'utf8'));
const dist = resolve('dist');
const entries = new Set();
for (const target of Object.values(exports)) {
  const esm = target.import?.types;
  const cjs = target.require?.types;
  if (!esm || !cjs) continue;
  const file = resolve(esm);
  if (!existsSync(resolve(cjs))) throw new Error(`share-declarations: ${cjs} is missing (run tsup first)`);
  const specifier = `./${basename(cjs).replace(/\.d\.cts$/, '.cjs')}`;
  writeFileSync(file, `export * from '${specifier}';\n`);
  entries.add(file);
}
if (entries.size === 0) throw new Error('share-declarations: no entry has both ESM and CJS types');

const files = readdirSync(dist, { recursive: true }).map((file) => join(dist, String(file)));
let removed = 0;
for (const file of files.filter((name) => name.endsWith('.d.ts') && !entries.has(name))) {
  rmSync(file);
  removed += 1;
}
// The schema chunks are types only: their JavaScript is empty, and nothing imports it.
for (const file of files.filter((name) => /\/schema\.c?js$/.test(name))) {
  if (/^("use strict";)?\s*$/.test(readFileSync(file, 'utf8'))) rmSync(file);
}

const specifier = /(?:from\s+|import\(?\s*|require\()['"](\.{1,2}\/[^'"]+)['"]/g;
const missing = [];
for (const file of files.filter((name) => /\.(d\.c?ts|c?js)$/.test(name) && existsSync(name))) {
  const declaration = /\.d\.c?ts$/.test(file);
  for (const [, path] of readFileSync(file, 'utf8').matchAll(specifier)) {
    const target = resolve(dirname(file), path);
    if (!existsSync(declaration ? target.replace(/\.(c?)js$/, '.d.$1ts') : target)) {
      missing.push(`${relative(dist, file)} -> ${path}`);
    }
  }
}
if (missing.length > 0)
  throw new Error(`share-declarations: imports of missing files:\n  ${missing.join('\n  ')}`);
console.log(
  `share-declarations: ${entries.size} ESM entries re-export their CommonJS types (${removed} copies removed)`,
);
