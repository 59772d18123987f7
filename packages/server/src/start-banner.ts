import { SONGS_DEMO_LOGIN } from '@music-apis/catalog';
import type { ServerConfig } from './core/config.js';
import { type CliLocation, cliLocation, operatorCommand } from './operator-commands.js';
import type { CreatedStreamingClient } from './streaming/clients.js';

/** What the start banner shows: where the server is, and commands that run as printed. */
export function startBanner(
  url: string,
  config: ServerConfig,
  firstKey: { key: string } | undefined,
  location: CliLocation = cliLocation(),
  shownOnce: {
    /** The first streaming API client, made at this start: its secret is shown this once. */
    streamingClient?: CreatedStreamingClient | undefined;
    /** The first downloader admin, made at this start (its generated password shown this once). */
    downloaderAdmin?: { username: string; password: string | undefined } | undefined;
  } = {},
): string {
  const createClient = operatorCommand(config, ['create-streaming-client', '"my app"'], location);
  const createKey = operatorCommand(config, ['create-api-key', '"my app"'], location);
  const verifyUser = operatorCommand(config, ['verify-user', '<email>'], location);
  return [
    '',
    `music-apis server listening on ${url}  (${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`})`,
    `  API docs:  ${url}/api-docs`,
    '  Try it:',
    `    TOKEN=$(curl -s -X POST ${url}/api/token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    `    curl -X POST "${url}/api/track/create?isrc=GBAYE0800657" -H "Token: Bearer $TOKEN"`,
    ...(firstKey
      ? [
          '  Collections API key (shown this once, keep it):',
          `    ${firstKey.key}`,
          `    curl ${url}/v1/collection -H "Authorization: Bearer ${firstKey.key}"`,
          `  More collections API keys:  ${createKey.line}`,
        ]
      : [`  Collections API keys:  ${createKey.line}`]),
    ...(shownOnce.streamingClient
      ? [
          `  Streaming API client of tenant "${shownOnce.streamingClient.tenant.slug}" (the secret is shown this once, keep it):`,
          `    client_id=${shownOnce.streamingClient.clientId}  client_secret=${shownOnce.streamingClient.clientSecret}`,
          `    curl -X POST ${url}/oauth/token -d grant_type=client_credentials -d client_id=${shownOnce.streamingClient.clientId} -d client_secret=${shownOnce.streamingClient.clientSecret}`,
          `  More streaming clients:  ${createClient.line}`,
        ]
      : [`  Streaming API clients:  ${createClient.line}`]),
    ...(config.demoData
      ? [`  Songs API demo login: ${SONGS_DEMO_LOGIN.email} / ${SONGS_DEMO_LOGIN.password}`]
      : []),
    ...downloaderLines(config, shownOnce.downloaderAdmin),
    ...(config.devEndpoints ? [`  Mail outbox (sign-up codes): ${url}/dev/mail`] : []),
    `  Mark a songs API user KYC-verified:  ${verifyUser.line}`,
    ...(createKey.passwordMasked ? ["  (type DATABASE_URL's password where the commands show ***)"] : []),
    '',
  ].join('\n');
}

/** The downloader's auth mode, and the first admin's password the one time it is generated. */
function downloaderLines(
  config: ServerConfig,
  firstAdmin: { username: string; password: string | undefined } | undefined,
): string[] {
  if (!config.downloader.authEnabled)
    return [
      '  Downloader auth: off (every request is the admin "system"; DOWNLOADER_ENABLE_AUTH=true turns it on)',
    ];
  if (!firstAdmin) return ['  Downloader auth: on'];
  if (firstAdmin.password === undefined)
    return [
      `  Downloader auth: on; first admin "${firstAdmin.username}" created with DOWNLOADER_ADMIN_PASSWORD`,
    ];
  return [
    '  Downloader first admin (the password is shown this once, keep it):',
    `    ${firstAdmin.username} / ${firstAdmin.password}`,
  ];
}
