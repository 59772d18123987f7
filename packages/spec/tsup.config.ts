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

export default defineConfig({
  entry,
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
