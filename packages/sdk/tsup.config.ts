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

export default defineConfig([
  // @music-apis/spec is imported for its types only, so no build carries any of it.
  { entry, format: ['esm'], dts: true, clean: true, sourcemap: true, target: 'es2022' },
  // ky is ESM-only: the CommonJS build carries its own copy so `require()` works on any Node 20.
  { entry, format: ['cjs'], dts: true, sourcemap: true, target: 'es2022', noExternal: ['ky'] },
]);
