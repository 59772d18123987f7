import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CreateServerOptions, createServer, type MusicApiServer } from '../src/app.js';
import { loadConfig, type ServerConfig } from '../src/core/config.js';

export interface TestServer {
  server: MusicApiServer;
  baseUrl: string;
  dataDir: string;
  /** Stops the server; keeps DATA_DIR unless `removeData`. */
  stop(removeData?: boolean): Promise<void>;
}

/** A server on SQLite in a fresh temporary DATA_DIR (or the given one), on a random port. */
export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  options: CreateServerOptions = {},
): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'music-apis-server-')));
  const config = loadConfig(
    {},
    { port: 0, logLevel: 'silent', validateResponses: true, ...overrides, dataDir },
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

/** A mono 16-bit PCM WAV of silence, `seconds` long at `sampleRate` Hz. */
export function wavFile(seconds: number, sampleRate = 8000): Uint8Array<ArrayBuffer> {
  const dataSize = Math.round(seconds * sampleRate) * 2;
  const bytes = new Uint8Array(44 + dataSize);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataSize, true);
  ascii(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataSize, true);
  return bytes;
}
