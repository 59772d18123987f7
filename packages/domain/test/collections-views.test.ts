import { describe, expect, it } from 'vitest';
import {
  type CollectionRecord,
  type CollectionTrackRecord,
  collectionFields,
  collectionView,
  parseCoverFileName,
  trackFields,
  trackView,
  uploadHandle,
} from '../src/collections.js';

const baseUrl = 'https://media.example.test';
const organization_id = '0b7e3d2a-5c1f-4e8b-9a6d-2f4c8e1b3a5d';
const collection: CollectionRecord = {
  id: '123e4567-e89b-12d3-a456-426614174000',
  organization_id,
  ...collectionFields({ title: 'Album', player_color: '#1e88e5', theme: [{ hex: '#abcdef' }] }),
  cover_key: 'collections/covers/collection/123e4567-e89b-12d3-a456-426614174000-1.png',
};
const track: CollectionTrackRecord = {
  id: '5f0c8a52-3b7e-4d19-9c21-7a4e6b8d2f10',
  organization_id,
  collection_id: collection.id,
  file_name: 'a.wav',
  ...trackFields({ collection_id: collection.id, file_name: 'a.wav' }),
  title: null,
  duration: null,
  status: 'ready',
  status_text: null,
  audio_key: 'collections/audio/x',
  cover_key: 'collections/covers/track/5f0c8a52-3b7e-4d19-9c21-7a4e6b8d2f10-2.jpg',
  base_path: `/${organization_id}/5f0c8a52-3b7e-4d19-9c21-7a4e6b8d2f10`,
  levels: [0.5, 1],
  theme: [],
};

describe('collections views', () => {
  it('fills the create defaults, keeps player_color as sent and upper-cases theme colors', () => {
    expect(collectionFields({ title: 'x' })).toEqual({
      title: 'x',
      creator_id: null,
      organization_index: null,
      metadata: {},
      theme: [],
      is_cover_overridable: true,
      is_theme_overridable: true,
      player_color: null,
      player_subtitle: null,
    });
    expect(collection.player_color).toBe('#1e88e5');
    expect(collection.theme).toEqual([{ hex: '#ABCDEF' }]);
  });

  it('shows a collection with derived colors and its cover URL, without the blob key', () => {
    const view = collectionView(collection, baseUrl);
    expect(view).toMatchObject({
      id: collection.id,
      player_color_light: '#1878CD',
      player_color_dark: '#1E88E5',
      cover_url: `${baseUrl}/media/covers/collection/${collection.id}.png`,
    });
    expect(view).not.toHaveProperty('cover_key');
    expect(view).not.toHaveProperty('organization_id');
  });

  it("shows a track's own cover while its collection allows it, else the collection's", () => {
    expect(trackView(track, collection, baseUrl)).toMatchObject({
      track_status_id: 'ready',
      cover_url: `${baseUrl}/media/covers/track/${track.id}.jpg`,
    });
    expect(trackView(track, { ...collection, is_cover_overridable: false }, baseUrl).cover_url).toBe(
      `${baseUrl}/media/covers/collection/${collection.id}.png`,
    );
    expect(trackView({ ...track, cover_key: null }, undefined, baseUrl).cover_url).toBeNull();
    expect(trackView(track, collection, baseUrl)).not.toHaveProperty('audio_key');
    expect(trackView(track, collection, baseUrl)).not.toHaveProperty('organization_id');
  });

  it('shows the delivery prefix of a track and keeps its levels out of the view', () => {
    const view = trackView(track, collection, baseUrl);
    expect(view.base_path).toBe(`/${organization_id}/${track.id}`);
    expect(view.base_url).toBe(`${baseUrl}/media/delivery/${organization_id}/${track.id}`);
    expect(view).not.toHaveProperty('levels');
  });

  it('reads cover file names and builds upload handles', () => {
    expect(parseCoverFileName(`${collection.id.toUpperCase()}.jpg`)).toEqual({
      id: collection.id,
      type: 'jpg',
    });
    expect(parseCoverFileName('x.gif')).toBeUndefined();
    const handle = uploadHandle({
      method: 'PUT',
      baseUrl: `${baseUrl}/`,
      path: '/v1/upload/track/t',
      expires: 1_767_229_200,
      nonce: 'n',
      signature: 's',
      ttl: 60,
    });
    expect(handle).toEqual({
      method: 'PUT',
      upload_url: `${baseUrl}/v1/upload/track/t?expires=1767229200&nonce=n&signature=s`,
      ttl: 60,
      expires_at: '2026-01-01T01:00:00Z',
    });
  });
});
