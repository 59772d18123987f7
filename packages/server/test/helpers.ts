import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegInstalled } from '../../../tests/contract/ffmpeg.js';
import { type CreateServerOptions, createServer, type MusicApiServer } from '../src/app.js';
import { loadConfig, type ServerConfig } from '../src/core/config.js';

/** Whether ffmpeg is installed here: without it the server ends processed tracks `incomplete`. */
export const FFMPEG_INSTALLED = ffmpegInstalled();
/** The status an uploaded WAV ends in on this machine. */
export const PROCESSED_STATUS = FFMPEG_INSTALLED ? 'ready' : 'incomplete';

/** Polls `getTrack` until processing is over (any status but `initialized`/`processing`); the track. */
export async function settledTrack<Track extends { status: string }>(
  getTrack: () => Promise<{ track: Track }>,
  timeoutMs = 20_000,
): Promise<Track> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { track } = await getTrack();
    if (track.status !== 'initialized' && track.status !== 'processing') return track;
    if (Date.now() > deadline) throw new Error(`the track is still ${track.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The least environment `NODE_ENV=production` starts with: a public URL and a mail provider. */
export const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://music.example.com',
  SMTP_URL: 'smtp://mail.example.com:587',
} as const;

export interface TestServer {
  server: MusicApiServer;
  baseUrl: string;
  dataDir: string;
  /** Stops the server; keeps DATA_DIR unless `removeData`. */
  stop(removeData?: boolean): Promise<void>;
}

/**
 * A server on SQLite in a fresh temporary DATA_DIR (or the given one), on a random port. On
 * PostgreSQL (`databaseUrl`) it is the only instance, so its local files count as shared unless
 * the test says otherwise (scale-out.test.ts runs two instances on S3).
 */
export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  options: CreateServerOptions = {},
): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'music-apis-server-')));
  const config = loadConfig(
    {},
    {
      port: 0,
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
      validateResponses: true,
      sharedDataDir: overrides.databaseUrl !== undefined,
      ...overrides,
      dataDir,
    },
  );
  const server = await createServer(config, options);
  const baseUrl = await server.listen();
  return {
    server,
    baseUrl,
    dataDir,
    async stop(removeData = true) {
      await server.close();
      if (removeData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
