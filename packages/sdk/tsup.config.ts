import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'track-manager/index': 'src/track-manager/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
