import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { collectionsMigrations } from '../src/collections/repository.js';
import { loadConfig } from '../src/core/config.js';
import { createDatabase, migrate } from '../src/core/db.js';

const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-statuses-'));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

it("maps the original document's initializing/failed rows to the processing guide's initialized/init_error", async () => {
  const db = createDatabase(loadConfig({}, { dataDir }));
  try {
    const before = collectionsMigrations.findIndex(({ name }) => name === 'collections_006_guide_statuses');
    await migrate(db, collectionsMigrations.slice(0, before));
    const at = Date.now();
    const collectionId = crypto.randomUUID();
    await db('collections').insert({
      id: collectionId,
      title: 'Old',
      metadata: '{}',
      theme: '[]',
      is_cover_overridable: true,
      is_theme_overridable: true,
      created_at: at,
      updated_at: at,
    });
    const track = (status: string) => ({
      id: crypto.randomUUID(),
      collection_id: collectionId,
      file_name: `${status}.wav`,
      metadata: '{}',
      is_cover_overridable: true,
      is_theme_overridable: true,
      status,
      created_at: at,
      updated_at: at,
    });
    await db('collections_tracks').insert(['initializing', 'processing', 'ready', 'failed'].map(track));

    await migrate(db, collectionsMigrations);
    const rows = await db('collections_tracks').orderBy('seq').select('status', 'status_text');
    expect(rows).toEqual([
      { status: 'initialized', status_text: null },
      { status: 'processing', status_text: null },
      { status: 'ready', status_text: null },
      { status: 'init_error', status_text: 'The uploaded file is not audio that can be decoded' },
    ]);
  } finally {
    await db.destroy();
  }
});
