#!/usr/bin/env node
import { createServer, describeConfig } from './app.js';
import { loadConfig } from './core/config.js';

const USAGE = `Usage: music-apis-server [start]

Starts the music-apis reference server (all APIs on one port). Configuration comes from the
environment: PORT, HOST, DATA_DIR, DATABASE_URL, DEMO_DATA, LOG_LEVEL, VALIDATE_RESPONSES,
TOKEN_SECRET, SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET (see the README's configuration table).`;

async function start(): Promise<void> {
  const config = loadConfig();
  const server = await createServer(config);
  server.logger.info({ config: describeConfig(config) }, 'configuration');
  const url = await server.listen();
  process.stdout.write(
    [
      '',
      `music-apis server listening on ${url}  (${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`})`,
      `  API docs:  ${url}/api-docs`,
      '  Try it:',
      `    TOKEN=$(curl -s -X POST ${url}/api/token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
      `    curl -X POST "${url}/api/track/create?isrc=GBAYE0800657" -H "Token: Bearer $TOKEN"`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    // A second signal, or a shutdown stuck for 10 s, exits at once.
    setTimeout(() => process.exit(1), 10_000).unref();
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

const command = process.argv[2] ?? 'start';
if (command === 'start') {
  start().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  console.error(USAGE);
  process.exit(command === '--help' || command === 'help' ? 0 : 2);
}
