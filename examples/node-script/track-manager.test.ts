import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer, loadConfig, type MusicApiServer } from '@music-apis/server';
import { afterAll, beforeAll, expect, it } from 'vitest';

// Runs the example script, unchanged, against the built reference server.
let server: MusicApiServer;
let baseUrl: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'example-node-script-'));
  server = await createServer(loadConfig({}, { port: 0, dataDir, logLevel: 'silent' }));
  baseUrl = await server.listen();
});
afterAll(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

const runScript = (coverFile: string) =>
  promisify(execFile)(process.execPath, ['track-manager.mjs', 'GBAYE0800657'], {
    cwd: import.meta.dirname,
    env: { ...process.env, MUSIC_APIS_URL: baseUrl, COVER_FILE: coverFile },
  });

it('saves the seed track, prints its metadata and writes its cover; a second run sees the 409', async () => {
  const coverFile = join(dataDir, 'cover.jpg');
  const first = await runScript(coverFile);
  expect(first.stdout).toContain('saved GBAYE0800657: "Ellington: Mood Indigo" by Barney Bigard');
  expect(first.stdout).toContain(
    'Ellington: Mood Indigo — Barney Bigard — Paul Robeson: The Complete EMI Sessions 1928-1939 (3:21)',
  );
  const cover = await readFile(coverFile);
  expect([cover[0], cover[1]]).toEqual([0xff, 0xd8]);

  const second = await runScript(coverFile);
  expect(second.stdout).toContain('GBAYE0800657 was already saved');
});
