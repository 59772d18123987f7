#!/usr/bin/env node
import { createServer } from './app.js';
import {
  API_KEY_COMMANDS_USAGE,
  type CommandOutput,
  createApiKeyCommand,
  listApiKeysCommand,
  revokeApiKeyCommand,
} from './collections/api-key-commands.js';
import { createFirstApiKey } from './collections/api-keys.js';
import { URL_SIGNING_KEY_USAGE, urlSigningKeyCommand } from './collections/url-signing-key-commands.js';
import {
  addWebhookCommand,
  listWebhooksCommand,
  removeWebhookCommand,
  WEBHOOK_COMMANDS_USAGE,
} from './collections/webhook-commands.js';
import { describeConfig, loadConfig, type ServerConfig } from './core/config.js';
import type { Knex } from './core/db.js';
import { createDatabase } from './core/db.js';
import { createFirstDownloaderAdmin } from './downloader/module.js';
import { cliProgram, displayUrl } from './operator-commands.js';
import { setSongsUserVerified } from './songs/module.js';
import { startBanner } from './start-banner.js';
import { createStreamingClientCommand, STREAMING_CLIENT_COMMAND_USAGE } from './streaming/client-commands.js';
import { createFirstStreamingClient } from './streaming/clients.js';

const usage = (program = cliProgram()) => `Usage: ${program} [start]
       ${program} ${API_KEY_COMMANDS_USAGE.create}   create a collections API key (printed once) of an organization (the default one, or this one, created when new)
       ${program} ${API_KEY_COMMANDS_USAGE.list}   list the collections API keys and their organizations
       ${program} ${API_KEY_COMMANDS_USAGE.revoke}   revoke a collections API key (it answers 401 at once)
       ${program} ${WEBHOOK_COMMANDS_USAGE.add}   add a collections webhook endpoint of an organization (its signing secret is printed once)
       ${program} ${WEBHOOK_COMMANDS_USAGE.list}   list the collections webhook endpoints and their pending and failed deliveries
       ${program} ${WEBHOOK_COMMANDS_USAGE.remove}   remove a collections webhook endpoint
       ${program} ${URL_SIGNING_KEY_USAGE}   print (or replace) an organization's URL signing key, for signed delivery URLs
       ${program} verify-user <email>   mark a songs API user KYC-verified
       ${program} ${STREAMING_CLIENT_COMMAND_USAGE}   create a streaming API OAuth2 client (its secret printed once) of a tenant (STREAMING_TENANT, or this one, created when new)

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
  const firstStreamingClient = await createFirstStreamingClient(server.db, config.streaming, config.demoData);
  // With downloader auth on, the first start on an empty database makes (and shows) the first admin.
  const firstAdmin = await createFirstDownloaderAdmin(server.db, config);
  process.stdout.write(
    startBanner(url, config, firstKey, undefined, {
      streamingClient: firstStreamingClient,
      downloaderAdmin: firstAdmin,
    }),
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

const consoleOutput: CommandOutput = { log: console.log, error: console.error };

/** A command on the server's database, through the server's own start-up path (every migration applied), not listening. */
async function withServerDatabase(
  run: (db: Knex, configuredKey: string | undefined, config: ServerConfig) => Promise<number>,
) {
  const server = await createServer(loadConfig(process.env, { demoData: false, logLevel: 'warn' }));
  try {
    return await run(server.db, server.config.collections.apiKey, server.config);
  } finally {
    await server.close();
  }
}

const databaseCommands: Record<
  string,
  (db: Knex, configuredKey: string | undefined, config: ServerConfig) => Promise<number>
> = {
  'create-api-key': (db) => createApiKeyCommand(db, process.argv.slice(3), consoleOutput),
  'list-api-keys': (db, configuredKey) => listApiKeysCommand(db, configuredKey, consoleOutput),
  'revoke-api-key': (db, configuredKey) =>
    revokeApiKeyCommand(db, process.argv.slice(3), configuredKey, consoleOutput),
  'add-webhook': (db) => addWebhookCommand(db, process.argv.slice(3), consoleOutput),
  'list-webhooks': (db) => listWebhooksCommand(db, consoleOutput),
  'remove-webhook': (db) => removeWebhookCommand(db, process.argv.slice(3), consoleOutput),
  'url-signing-key': (db) => urlSigningKeyCommand(db, process.argv.slice(3), consoleOutput),
  'create-streaming-client': (db, _key, config) =>
    createStreamingClientCommand(db, process.argv.slice(3), config.streaming.tenant, consoleOutput),
};

const command = process.argv[2] ?? 'start';
const databaseCommand = Object.hasOwn(databaseCommands, command) ? databaseCommands[command] : undefined;
if (databaseCommand) {
  withServerDatabase(databaseCommand).then(
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
