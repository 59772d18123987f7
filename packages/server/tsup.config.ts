import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  // Types for the programmatic API (createServer, loadConfig); the CLI needs none.
  dts: { entry: { index: 'src/index.ts' } },
  // No source maps in the published package (they doubled its size).
  sourcemap: false,
});
