import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Knex } from '../core/db.js';
import { createCollectionsRepository } from './repository.js';

/**
 * API keys of the collections API. A key is 32 random bytes (`adn_…`, as the original's keys look);
 * only its SHA-256 is stored, which is enough for a key with that much entropy (a slow password hash
 * buys nothing there and would cost every request).
 */

const FIRST_KEY_MARKER = 'collections-first-api-key-created';

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export interface CreatedApiKey {
  id: string;
  title: string;
  /** The key itself: shown once, never stored. */
  key: string;
}

export async function createApiKey(db: Knex, title = 'API key'): Promise<CreatedApiKey> {
  const key = `adn_${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  await createCollectionsRepository(db).insertApiKey({ id, title, key_hash: hashApiKey(key) });
  return { id, title, key };
}

/**
 * Creates the first API key the first time any server starts on this database, so a newcomer can
 * call the API at once. Resolves undefined on every later start, and when `COLLECTIONS_API_KEY`
 * already provides a key. The marker row makes this happen once even when several servers start
 * together on one PostgreSQL.
 */
export async function createFirstApiKey(
  db: Knex,
  configuredKey: string | undefined,
): Promise<CreatedApiKey | undefined> {
  if (configuredKey) return undefined;
  const claimed = await db('server_secrets')
    .insert({ name: FIRST_KEY_MARKER, value: new Date().toISOString() })
    .onConflict('name')
    .ignore()
    .returning('name');
  if (claimed.length === 0) return undefined;
  return createApiKey(db, 'First key (created at first start)');
}

/** Checks a presented key against the stored hashes and the configured key. */
export function createApiKeyVerifier(db: Knex, configuredKey: string | undefined) {
  const repository = createCollectionsRepository(db);
  const configuredHash = configuredKey ? Buffer.from(hashApiKey(configuredKey), 'hex') : undefined;
  return async (presented: string): Promise<boolean> => {
    const presentedHash = hashApiKey(presented);
    if (configuredHash && timingSafeEqual(configuredHash, Buffer.from(presentedHash, 'hex'))) return true;
    return repository.apiKeyExists(presentedHash);
  };
}
