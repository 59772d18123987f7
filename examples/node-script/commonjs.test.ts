import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer, loadConfig, type MusicApiServer } from '@music-apis/server';
import { afterAll, beforeAll, expect, it } from 'vitest';

// The built CommonJS SDK, loaded with `require()` as a CommonJS app loads it (no vitest transform).
const require = createRequire(import.meta.url);
let server: MusicApiServer;
let baseUrl: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'example-commonjs-'));
  server = await createServer(loadConfig({}, { port: 0, dataDir, logLevel: 'silent' }));
  baseUrl = await server.listen();
});
afterAll(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('requires the CommonJS build: every entry shares one core, so one ApiError class', () => {
  const entries = ['@music-apis/sdk', '@music-apis/sdk/track-manager', '@music-apis/sdk/collections'];
  expect(entries.map((entry) => require.resolve(entry))).toEqual(
    entries.map(() => expect.stringMatching(/\/dist\/.*\.cjs$/)),
  );
  const [root, trackManager, collections] = entries.map((entry) => require(entry));
  expect(trackManager.ApiError).toBe(collections.ApiError);
  expect(trackManager.ApiError).toBe(root.ApiError);
  expect(trackManager.MusicApiError).toBe(collections.MusicApiError);
});

it('runs the CommonJS example: an error from one entry is an instanceof the classes of the others', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['commonjs.cjs'], {
    cwd: import.meta.dirname,
    env: { ...process.env, MUSIC_APIS_URL: baseUrl },
  });
  expect(stdout).toContain('track: Ellington: Mood Indigo');
  expect(stdout).toContain('status: 404');
  expect(stdout).toContain('instanceof track-manager ApiError: true');
  expect(stdout).toContain('instanceof collections ApiError: true');
  expect(stdout).toContain('instanceof root MusicApiError: true');
  expect(stdout).toContain('collections.isApiError: true');
});
