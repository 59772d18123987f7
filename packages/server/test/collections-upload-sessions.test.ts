import { createCollectionsClient, isApiError } from '@music-apis/sdk/collections';
import { expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { startTestServer } from './helpers.js';

const API_KEY = 'adn_upload_sessions_test_key';

it('an expired upload session answers 401 on get and on adding a track, and adds nothing', async () => {
  const defaults = loadConfig({});
  const test = await startTestServer({ collections: { ...defaults.collections, apiKey: API_KEY } });
  try {
    const api = createCollectionsClient({ baseUrl: test.baseUrl, apiKey: API_KEY, retry: 0 });
    const { collection_id } = await api.createCollection({ body: { title: 'Expiring' } });
    const session = await api.createUploadSession({ body: { collection_id, expires_in: 60 } });
    // Time cannot be moved on a running server: the session's expiry is moved into the past instead.
    await test.server
      .db('collections_upload_sessions')
      .where({ id: session.upload_session_id })
      .update({ expires_at: Date.now() - 1 });
    for (const call of [
      api.getUploadSession({ upload_session_id: session.upload_session_id }),
      api.createUploadSessionTrack({
        upload_session_id: session.upload_session_id,
        body: { file_name: 'late.wav' },
      }),
    ]) {
      const error = await call.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isApiError(error) && error.status).toBe(401);
      expect(isApiError(error) && error.body).toMatchObject({
        ok: false,
        message: 'Upload session expired',
      });
    }
    expect((await api.listCollectionTracks({ collection_id })).count).toBe(0);
  } finally {
    await test.stop();
  }
});
