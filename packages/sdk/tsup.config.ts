import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Entries are the package's exports, which `pnpm gen` writes from openapi/ (one per document).
const { exports } = JSON.parse(readFileSync('package.json', 'utf8')) as {
  exports: Record<string, { '@music-apis/source': string; import: { default: string } }>;
};
const entry = Object.fromEntries(
  Object.values(exports).map((target) => [
    target.import.default.replace(/^\.\/dist\//, '').replace(/\.js$/, ''),
    target['@music-apis/source'],
  ]),
);
// @music-apis/spec is a devDependency: the SDK needs only its types, which the declarations carry,
// so installing the SDK does not install the spec's validators and documents. Each API's schema
// types get a declaration chunk of their own, `<api>/schema.d.cts`, that its entry imports (the
// root's scripts/share-declarations.mjs then makes the ESM declarations re-export the CJS ones).
for (const name of Object.keys(entry)) {
  const api = /^(.+)\/index$/.exec(name)?.[1];
  if (api) entry[`${api}/schema`] = `../spec/src/${api}/schema.gen.ts`;
}
const dts = { compilerOptions: { paths: { '@music-apis/spec/*': ['../spec/src/*/index.gen.ts'] } } };

// No source maps in the published package (they doubled its size); the tests run on src/.
export default defineConfig([
  // The spec is imported for its types only, so no JavaScript carries any of it.
  { entry, format: ['esm'], dts, clean: true, sourcemap: false, target: 'es2022' },
  // ky is ESM-only: the CommonJS build carries its own copy so `require()` works on any Node 20.
  // `splitting` puts the core (errors, HTTP client, ky) in one shared chunk that every entry
  // requires, so `instanceof ApiError` holds across `@music-apis/sdk/<api>` entries in CommonJS too
  // (tsup builds ESM with esbuild's splitting, then converts each file to CommonJS).
  {
    entry,
    format: ['cjs'],
    dts,
    sourcemap: false,
    splitting: true,
    target: 'es2022',
    noExternal: ['ky'],
  },
]);
