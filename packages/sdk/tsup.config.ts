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

// No source maps in the published package (they doubled its size); the tests run on src/.
const dts = { compilerOptions: { paths: { '@music-apis/spec/*': ['../spec/src/*/index.gen.ts'] } } };

export default defineConfig([
  // @music-apis/spec is imported for its types only, so no build carries any of it.
  { entry, format: ['esm'], dts, clean: true, sourcemap: false, target: 'es2022' },
  // ky is ESM-only: the CommonJS build carries its own copy so `require()` works on any Node 20.
  // `splitting` puts the core (errors, HTTP client, ky) in one shared chunk that every entry
  // requires, so `instanceof ApiError` holds across `@music-apis/sdk/<api>` entries in CommonJS too.
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
