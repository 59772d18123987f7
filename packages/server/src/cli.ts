#!/usr/bin/env node
import { createServer } from './app.js';
import { createApiKey, createFirstApiKey } from './collections/api-keys.js';
import { describeConfig, loadConfig } from './core/config.js';
import { createDatabase } from './core/db.js';
import { cliProgram, displayUrl } from './operator-commands.js';
import { setSongsUserVerified } from './songs/module.js';
import { startBanner } from './start-banner.js';

const usage = (program = cliProgram()) => `Usage: ${program} [start]
       ${program} create-api-key [title]   create a collections API key (printed once)
       ${program} verify-user <email>   mark a songs API user KYC-verified

Starts the music-apis reference server (all APIs on one port). Configuration comes from
environment variables (PORT, DATA_DIR, DATABASE_URL, …): the README's configuration table lists
them all with their defaults.`;

async function start(): Promise<void> {
  const config = loadConfig();
  const server = await createServer(config);
  server.logger.info({ config: describeConfig(config) }, 'configuration');
  const url = displayUrl(await server.listen(), config);
  // Only the very first start on a database creates (and shows) a key; it is never shown again.
  const firstKey = await createFirstApiKey(server.db, config.collections.apiKey);
  process.stdout.write(startBanner(url, config, firstKey));

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

/** Operators confirm a songs API user's KYC status, which the stream-token agreement requires. */
async function verifyUser(email: string | undefined): Promise<number> {
  if (!email) {
    console.error(`Usage: ${cliProgram()} verify-user <email>`);
    return 2;
  }
  const db = createDatabase(loadConfig());
  try {
    if (!(await db.schema.hasTable('songs_users'))) {
      console.error('The database has no songs users yet: start the server once first.');
      return 1;
    }
    if (!(await setSongsUserVerified(db, email))) {
      console.error(`No songs API user has the email ${email}`);
      return 1;
    }
    console.log(`${email} is now KYC-verified`);
    return 0;
  } finally {
    await db.destroy();
  }
}

/** Creates a collections API key and prints it; only its hash is stored. */
async function createCollectionsApiKey(title: string | undefined): Promise<number> {
  // The server's own start-up path, not listening: it applies every migration first.
  const server = await createServer(loadConfig(process.env, { demoData: false, logLevel: 'warn' }));
  try {
    const created = await createApiKey(server.db, title || undefined);
    console.log(`Collections API key "${created.title}" (shown once, keep it safe):\n${created.key}`);
    return 0;
  } finally {
    await server.close();
  }
}

const command = process.argv[2] ?? 'start';
if (command === 'create-api-key') {
  createCollectionsApiKey(process.argv.slice(3).join(' ')).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
} else if (command === 'verify-user') {
  verifyUser(process.argv[3]).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
} else if (command === 'start') {
  start().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  console.error(usage());
  process.exit(command === '--help' || command === 'help' ? 0 : 2);
}
