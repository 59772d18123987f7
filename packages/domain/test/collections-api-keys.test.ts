import { describe, expect, it } from 'vitest';
import {
  apiKeyGrantOf,
  assertKeyTypeAllows,
  callerOfGrant,
  collectionInScope,
  creatorForNewRow,
  fullAccessGrant,
  trackInScope,
  uploadSessionCollectionId,
} from '../src/collections.js';

const ORG = '6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const A = '0a000000-0000-4000-8000-000000000001';
const B = '0b000000-0000-4000-8000-000000000002';
const T = '0c000000-0000-4000-8000-000000000003';
const C = '0d000000-0000-4000-8000-000000000004';
const NOW = Date.parse('2026-06-01T00:00:00Z');
const unscoped = { collection_id: null, track_id: null, creator_id: null };

const statusOf = (run: () => unknown) => {
  try {
    run();
    return 200;
  } catch (error) {
    return (error as { status: number }).status;
  }
};

describe('collections API keys', () => {
  it("lets each type call its role's operations only; an API Access key calls everything", () => {
    expect(statusOf(() => assertKeyTypeAllows('api', 'deleteCollection'))).toBe(200);
    expect(statusOf(() => assertKeyTypeAllows('player', 'getTrack'))).toBe(200);
    expect(statusOf(() => assertKeyTypeAllows('player', 'createTrack'))).toBe(403);
    expect(statusOf(() => assertKeyTypeAllows('uploader', 'createUploadSession'))).toBe(200);
    expect(statusOf(() => assertKeyTypeAllows('uploader', 'updateTrack'))).toBe(403);
    expect(statusOf(() => assertKeyTypeAllows('share', 'getTrack'))).toBe(403);
    expect(() => assertKeyTypeAllows('uploader', 'createApiKey')).toThrow(/only an API Access key/);
  });

  it('answers 401 for an expired key before looking at its type', () => {
    const grant = { ...apiKeyGrantOf(ORG, { title: 't', api_key_type_id: 'player' }, NOW), expires_at: NOW };
    expect(statusOf(() => callerOfGrant(grant, 'updateTrack', NOW))).toBe(401);
    expect(callerOfGrant(fullAccessGrant(ORG), 'updateTrack', NOW)).toEqual({
      organizationId: ORG,
      type: 'api',
      scope: unscoped,
      variants: null,
    });
  });

  it('checks what the schema cannot: track needs its collection, share one variant, expiry ahead', () => {
    const bad = (body: Parameters<typeof apiKeyGrantOf>[1]) => statusOf(() => apiKeyGrantOf(ORG, body, NOW));
    expect(bad({ title: 't', api_key_type_id: 'player', track_id: T })).toBe(400);
    expect(bad({ title: 't', api_key_type_id: 'share', variants: [] })).toBe(400);
    expect(bad({ title: 't', api_key_type_id: 'player', expires_at: '2026-05-31T00:00:00Z' })).toBe(400);
    // Ignored for share keys, as in the original.
    expect(
      apiKeyGrantOf(
        ORG,
        { title: 't', api_key_type_id: 'share', variants: ['hq'], expires_at: '2001-01-01T00:00:00Z' },
        NOW,
      ),
    ).toMatchObject({ type: 'share', variants: ['hq'], expires_at: null });
    expect(
      apiKeyGrantOf(ORG, { title: 't', api_key_type_id: 'uploader', collection_id: A.toUpperCase() }, NOW),
    ).toMatchObject({ collection_id: A, track_id: null, creator_id: null, expires_at: null });
  });

  it('limits collections and tracks to the scope (a track key sees no collection)', () => {
    const collection = { id: A, creator_id: C };
    const track = { id: T, collection_id: A, creator_id: null };
    expect(collectionInScope(unscoped, collection)).toBe(true);
    expect(collectionInScope({ ...unscoped, collection_id: B }, collection)).toBe(false);
    expect(collectionInScope({ ...unscoped, creator_id: C }, collection)).toBe(true);
    expect(collectionInScope({ ...unscoped, collection_id: A, track_id: T }, collection)).toBe(false);
    expect(trackInScope({ ...unscoped, collection_id: A, track_id: T }, track)).toBe(true);
    expect(trackInScope({ ...unscoped, collection_id: B }, track)).toBe(false);
    expect(trackInScope({ ...unscoped, creator_id: C }, track)).toBe(false);
  });

  it("fills a scoped key's collection and creator into what it creates", () => {
    expect(uploadSessionCollectionId({ ...unscoped, collection_id: A }, {})).toBe(A);
    expect(statusOf(() => uploadSessionCollectionId(unscoped, {}))).toBe(400);
    const body: { file_name: string; creator_id?: string | null } = { file_name: 'x' };
    expect(creatorForNewRow({ ...unscoped, creator_id: C }, body)).toEqual({ file_name: 'x', creator_id: C });
    expect(statusOf(() => creatorForNewRow({ ...unscoped, creator_id: C }, { creator_id: B }))).toBe(404);
    expect(creatorForNewRow(unscoped, { creator_id: B })).toEqual({ creator_id: B });
  });
});
