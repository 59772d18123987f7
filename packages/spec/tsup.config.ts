import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Entries are the package's exports, which `pnpm gen` writes from openapi/.
const { exports } = JSON.parse(readFileSync('package.json', 'utf8')) as {
  exports: Record<string, { '@music-apis/source': string; import: { default: string } }>;
};
const entry = Object.fromEntries(
  Object.values(exports).map((target) => [
    target.import.default.replace(/^\.\/dist\//, '').replace(/\.js$/, ''),
    target['@music-apis/source'],
  ]),
);
// Each API's openapi-typescript types (`paths`, `components`, `operations`) get a declaration chunk
// of their own, `<api>/schema.d.cts`, shared by the entries that need them (types only: the root's
// scripts/share-declarations.mjs removes its empty JavaScript and makes the ESM declarations
// re-export the CJS ones).
for (const name of Object.keys(entry)) {
  const api = /^(.+)\/index$/.exec(name)?.[1];
  if (api) entry[`${api}/schema`] = `src/${api}/schema.gen.ts`;
}

export default defineConfig({
  entry,
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  // No source maps in the published package (they doubled its size); the tests run on src/.
  sourcemap: false,
  // CommonJS entries share chunks as the ESM ones do (tsup builds ESM, then converts each file),
  // so the documents and the core are not copied into every `require()` entry.
  splitting: true,
  target: 'es2022',
});
