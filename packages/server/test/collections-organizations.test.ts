import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLLECTIONS_DEFAULT_ORGANIZATION } from '@music-apis/domain';
import { createCollectionsClient } from '@music-apis/sdk/collections';
import { afterAll, expect, it } from 'vitest';
import { hashApiKey } from '../src/collections/api-keys.js';
import { collectionsMigrations } from '../src/collections/repository.js';
import { loadConfig } from '../src/core/config.js';
import { createDatabase, migrate } from '../src/core/db.js';
import { startTestServer } from './helpers.js';

const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-organizations-'));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

it('puts the keys, collections and tracks made before organizations into the default organization', async () => {
  // A database as it was before organizations: the first collections migration only.
  const db = createDatabase(loadConfig({}, { dataDir }));
  await migrate(db, collectionsMigrations.slice(0, 1));
  const oldKey = 'adn_made_before_organizations';
  const collectionId = '3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b';
  const at = Date.now();
  await db('collections_api_keys').insert({
    id: crypto.randomUUID(),
    title: 'old',
    key_hash: hashApiKey(oldKey),
    created_at: at,
  });
  await db('collections').insert({
    id: collectionId,
    title: 'Old album',
    metadata: '{}',
    theme: '[]',
    is_cover_overridable: true,
    is_theme_overridable: true,
    created_at: at,
    updated_at: at,
  });
  await db.destroy();

  const test = await startTestServer({ dataDir, demoData: false });
  try {
    const organizations = await test.server.db('collections_organizations').select('id', 'name');
    expect(organizations).toEqual([{ ...COLLECTIONS_DEFAULT_ORGANIZATION }]);
    expect(await test.server.db('collections').pluck('organization_id')).toEqual([
      COLLECTIONS_DEFAULT_ORGANIZATION.id,
    ]);
    const api = createCollectionsClient({ baseUrl: test.baseUrl, apiKey: oldKey, retry: 0 });
    expect((await api.getCollection({ collection_id: collectionId })).collection.title).toBe('Old album');
    const track = await api.createTrack({ body: { collection_id: collectionId, file_name: 'new.wav' } });
    expect(
      await test.server.db('collections_tracks').where({ id: track.track_id }).pluck('organization_id'),
    ).toEqual([COLLECTIONS_DEFAULT_ORGANIZATION.id]);
  } finally {
    await test.stop(false);
  }
});
