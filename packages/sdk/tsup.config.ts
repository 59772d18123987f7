import { defineConfig } from 'tsup';

const entry = {
  index: 'src/index.ts',
  'track-manager/index': 'src/track-manager/index.ts',
  'collections/index': 'src/collections/index.ts',
  'songs/index': 'src/songs/index.ts',
};

export default defineConfig([
  { entry, format: ['esm'], dts: true, clean: true, sourcemap: true, target: 'es2022' },
  // ky is ESM-only: the CommonJS build carries its own copy so `require()` works on any Node 20.
  { entry, format: ['cjs'], dts: true, sourcemap: true, target: 'es2022', noExternal: ['ky'] },
]);
