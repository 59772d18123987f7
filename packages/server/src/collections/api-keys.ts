import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  COLLECTIONS_DEFAULT_ORGANIZATION,
  type CollectionsApiKeyGrant,
  type CollectionsOrganization,
  fullAccessGrant,
} from '@music-apis/domain';
import { hashToken } from '../core/auth/index.js';
import type { Knex } from '../core/db.js';
import { claimOnce } from '../core/secrets.js';
import { type ApiKeyRecord, createCollectionsRepository } from './repository.js';

/**
 * API keys of the collections API. A key is 32 random bytes (`adn_…`, as the original's keys look);
 * only its SHA-256 is stored, which is enough for a key with that much entropy (a slow password hash
 * buys nothing there and would cost every request). Every key belongs to an organization and sees
 * that organization's data only. The operator makes API Access keys (full access) here; the client-side
 * keys of `createApiKey` (player, uploader, share; scoped, expiring) go through `storeApiKey` too.
 */

const FIRST_KEY_MARKER = 'collections-first-api-key-created';
const KEY_PREFIX = 'adn_';

export const hashApiKey = hashToken;

export interface CreatedApiKey {
  id: string;
  title: string;
  organization: CollectionsOrganization;
  /** The key itself: shown once, never stored. */
  key: string;
}

export interface CreateApiKeyOptions {
  /** Default `API key`. */
  title?: string;
  /**
   * The id or name of the key's organization; a name no organization has yet creates one.
   * Default: the default organization (the one of the demo data and `COLLECTIONS_API_KEY`).
   */
  organization?: string;
}

/** Creates a collections API key; the result is the only place the key itself ever appears. */
export async function createApiKey(db: Knex, options: CreateApiKeyOptions = {}): Promise<CreatedApiKey> {
  const repository = createCollectionsRepository(db);
  const organization = options.organization
    ? await repository.findOrCreateOrganization(options.organization)
    : COLLECTIONS_DEFAULT_ORGANIZATION;
  const title = options.title ?? 'API key';
  const { id, key } = await storeApiKey(db, title, fullAccessGrant(organization.id));
  return { id, title, organization: { id: organization.id, name: organization.name }, key };
}

/** Makes a new key with this grant and stores its hash; the key itself is returned, never kept. */
export async function storeApiKey(
  db: Knex,
  title: string,
  grant: CollectionsApiKeyGrant,
): Promise<{ id: string; key: string }> {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  await createCollectionsRepository(db).insertApiKey({ id, title, key_hash: hashApiKey(key), ...grant });
  return { id, key };
}

/** Every stored key (not `COLLECTIONS_API_KEY`, which lives in the environment), oldest first. */
export function listApiKeys(db: Knex): Promise<ApiKeyRecord[]> {
  return createCollectionsRepository(db).listApiKeys();
}

/**
 * Revokes a key, named by its id or by the key itself (a leaked key whose id nobody noted): it
 * answers 401 from the next request on, on every instance. False when no stored key matched.
 */
export function revokeApiKey(db: Knex, idOrKey: string): Promise<boolean> {
  const repository = createCollectionsRepository(db);
  return repository.deleteApiKey(
    idOrKey.startsWith(KEY_PREFIX) ? { key_hash: hashApiKey(idOrKey) } : { id: idOrKey.toLowerCase() },
  );
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
  if (!(await claimOnce(db, FIRST_KEY_MARKER))) return undefined;
  return createApiKey(db, { title: 'First key (created at first start)' });
}

/**
 * Checks a presented key against the configured key (an API Access key of the default organization)
 * and the stored hashes; resolves the key's grant (expired ones too, so they can be told apart), or
 * undefined for an unknown or revoked key. Every request reads the table, so a revocation holds at
 * once on every instance.
 */
export function createApiKeyVerifier(db: Knex, configuredKey: string | undefined) {
  const repository = createCollectionsRepository(db);
  const configuredHash = configuredKey ? Buffer.from(hashApiKey(configuredKey), 'hex') : undefined;
  return async (presented: string): Promise<CollectionsApiKeyGrant | undefined> => {
    const presentedHash = hashApiKey(presented);
    if (configuredHash && timingSafeEqual(configuredHash, Buffer.from(presentedHash, 'hex'))) {
      return fullAccessGrant(COLLECTIONS_DEFAULT_ORGANIZATION.id);
    }
    return repository.apiKeyGrant(presentedHash);
  };
}
