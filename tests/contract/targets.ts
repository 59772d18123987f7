import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupMockServer } from '@music-apis/mock/node';
import { createServer, loadConfig, type MusicApiServer } from '@music-apis/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ScenarioContext } from './scenario.js';
import { CONTRACT_COLLECTIONS_API_KEY, CONTRACT_MAX_AUDIO_BYTES } from './scenarios/collections.js';
import { SUITES } from './suites.js';

/** Registers every suite's scenarios against one target. */
export function runScenarios(
  target: ScenarioContext['target'],
  start: () => Promise<{ baseUrl: string; stop(): Promise<void> }>,
) {
  let context: ScenarioContext;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const started = await start();
    context = { baseUrl: started.baseUrl, target };
    stop = started.stop;
  });
  afterAll(async () => {
    await stop?.();
  });
  for (const suite of SUITES) {
    describe(suite.api, () => {
      for (const scenario of suite.scenarios) it(scenario.name, () => scenario.run(context));
    });
  }
}

export async function startMock() {
  const baseUrl = 'http://mock.music-apis.test';
  const { server, mock } = setupMockServer({ baseUrl });
  mock.state.collections.limits.maxAudioBytes = CONTRACT_MAX_AUDIO_BYTES;
  server.listen({ onUnhandledRequest: 'error' });
  return { baseUrl, stop: async () => server.close() };
}

/** The reference server on a random port, validating its own responses against the documents. */
export async function startServer(databaseUrl?: string) {
  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-contract-'));
  const config = loadConfig(
    {
      COLLECTIONS_API_KEY: CONTRACT_COLLECTIONS_API_KEY,
      COLLECTIONS_MAX_AUDIO_BYTES: String(CONTRACT_MAX_AUDIO_BYTES),
      // Background jobs (audio processing) are picked up quickly, so scenarios do not wait long.
      JOB_POLL_INTERVAL_MS: '50',
    },
    { port: 0, dataDir, databaseUrl, logLevel: process.env.LOG_LEVEL ?? 'silent', validateResponses: true },
  );
  let server: MusicApiServer;
  try {
    server = await createServer(config);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const baseUrl = await server.listen();
  return {
    baseUrl,
    async stop() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh database on the test PostgreSQL server, dropped afterwards, so runs never share state.
 * Resolves undefined when PostgreSQL is unreachable (the caller skips, or fails under REQUIRE_POSTGRES).
 */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `music_apis_test_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
