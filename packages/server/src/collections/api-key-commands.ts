import { parseArgs } from 'node:util';
import type { Knex } from '../core/db.js';
import { createApiKey, hashApiKey, listApiKeys, revokeApiKey } from './api-keys.js';
import type { ApiKeyRecord } from './repository.js';

/**
 * The CLI's collections API key commands (`create-api-key`, `list-api-keys`, `revoke-api-key`).
 * Each takes its arguments after the command name and resolves the process exit code: 0 done,
 * 1 nothing matched, 2 bad usage.
 */

export interface CommandOutput {
  log(line: string): void;
  error(line: string): void;
}

export const API_KEY_COMMANDS_USAGE = {
  create: 'create-api-key [--organization <id or name>] [title]',
  list: 'list-api-keys',
  revoke: 'revoke-api-key <key id or key>',
};

export async function createApiKeyCommand(db: Knex, args: string[], output: CommandOutput): Promise<number> {
  let parsed: ReturnType<typeof parseCreateArgs>;
  try {
    parsed = parseCreateArgs(args);
  } catch (error) {
    output.error(`${(error as Error).message}\nUsage: ${API_KEY_COMMANDS_USAGE.create}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const organization = values.organization?.trim();
  if (values.organization !== undefined && !organization) {
    output.error(`--organization needs an id or a name\nUsage: ${API_KEY_COMMANDS_USAGE.create}`);
    return 2;
  }
  const title = positionals.join(' ').trim();
  const created = await createApiKey(db, { title: title || undefined, organization });
  output.log(`Collections API key "${created.title}" (shown once, keep it safe):\n${created.key}`);
  output.log(
    `Organization "${created.organization.name}" (${created.organization.id}); key id ${created.id} (for revoke-api-key)`,
  );
  return 0;
}

const parseCreateArgs = (args: string[]) =>
  parseArgs({ args, options: { organization: { type: 'string', short: 'o' } }, allowPositionals: true });

export async function listApiKeysCommand(
  db: Knex,
  configuredKey: string | undefined,
  output: CommandOutput,
): Promise<number> {
  const keys = await listApiKeys(db);
  if (keys.length === 0) output.log('No stored collections API keys.');
  for (const key of keys) {
    const created = new Date(key.created_at).toISOString().replace(/\.\d{3}Z$/, 'Z');
    output.log(
      `${key.id}  ${created}  ${key.organization.name} (${key.organization.id})  "${key.title}"  ${describeGrant(key)}`,
    );
  }
  if (configuredKey)
    output.log('Also valid: COLLECTIONS_API_KEY from the environment (default organization).');
  return 0;
}

const KEY_TYPE_NAMES = { api: 'API Access', player: 'player', uploader: 'uploader', share: 'share' } as const;

/** `player collection=… expires 2027-01-01T00:00:00Z (expired)`: what a listed key reaches, and until when. */
function describeGrant(key: ApiKeyRecord): string {
  const scope = (['collection_id', 'track_id', 'creator_id'] as const)
    .filter((field) => key[field] !== null)
    .map((field) => `${field.replace('_id', '')}=${key[field]}`);
  const variants = key.variants === null ? [] : [`variants=${key.variants.join(',')}`];
  const expiry =
    key.expires_at === null
      ? 'never expires'
      : `expires ${new Date(key.expires_at).toISOString().replace(/\.\d{3}Z$/, 'Z')}${key.expires_at <= Date.now() ? ' (expired)' : ''}`;
  return [
    KEY_TYPE_NAMES[key.type],
    ...(scope.length > 0 ? scope : ['all of the organization']),
    ...variants,
    expiry,
  ].join('  ');
}

export async function revokeApiKeyCommand(
  db: Knex,
  args: string[],
  configuredKey: string | undefined,
  output: CommandOutput,
): Promise<number> {
  const [target, ...rest] = args;
  if (!target || rest.length > 0) {
    output.error(`Usage: ${API_KEY_COMMANDS_USAGE.revoke}`);
    return 2;
  }
  if (configuredKey && hashApiKey(target) === hashApiKey(configuredKey)) {
    output.error('That key is COLLECTIONS_API_KEY from the environment: unset it to revoke it.');
    return 1;
  }
  if (!(await revokeApiKey(db, target))) {
    output.error('No stored collections API key has that id or is that key.');
    return 1;
  }
  output.log('Revoked: the key answers 401 from now on.');
  return 0;
}
