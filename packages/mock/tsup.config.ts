import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts', browser: 'src/browser.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  // No source maps in the published package (they doubled its size); the tests run on src/.
  sourcemap: false,
  // CommonJS entries share chunks as the ESM ones do (tsup builds ESM, then converts each file), so
  // `@music-apis/mock` and `@music-apis/mock/node` load one core, not a copy each.
  splitting: true,
  target: 'es2022',
});
