import { wavFile } from '@music-apis/catalog';
import { COLLECTIONS_DEFAULT_ORGANIZATION } from '@music-apis/domain';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodePcmWav } from '../src/core/pcm.js';
import { COLLECTIONS_MOCK_API_KEY } from '../src/index.js';
import { setupMockServer } from '../src/node.js';

const baseUrl = 'http://processing.mock.test';
const { server, mock } = setupMockServer({ baseUrl });
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

it('gives a processed track real WAV files by the preview rules, 320 levels from its samples and a PNG waveform', async () => {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${COLLECTIONS_MOCK_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.json();
  };
  const { collection_id } = await post('/v1/collection', { title: 'Mock processing' });
  const created = await post('/v1/track', { collection_id, file_name: 'a.wav' });
  const audio = wavFile({ seconds: 4, sampleRate: 8000, frequency: 440 });
  await fetch(created.track_upload.upload_url, { method: 'PUT', body: audio });
  const track = mock.state.collections.tracks.get(created.track_id);
  if (!track) throw new Error('the track exists');
  expect(track.status).toBe('ready');

  const state = mock.state.collections;
  const record = state.tracks.get(track.id);
  expect(record?.levels).toHaveLength(320);
  for (const level of record?.levels ?? []) expect(level).toBeCloseTo(12_000 / 32_768, 1);

  const files = new Map(
    [...(state.trackFiles.get(track.id)?.entries() ?? [])].map(([variantId, file]) => [
      state.variants.get(variantId)?.index,
      file,
    ]),
  );
  expect(files.get('hq')?.key).toBe(
    `collections/delivery/${COLLECTIONS_DEFAULT_ORGANIZATION.id}/${track.id}_hq.mp3`,
  );
  const seconds = (index: string) => {
    const pcm = decodePcmWav(files.get(index)?.bytes as Uint8Array);
    return (pcm?.samples.length ?? 0) / (pcm?.sampleRate ?? 1);
  };
  expect(seconds('hq')).toBeCloseTo(4, 2);
  // 60 s wanted, at most 50 % of 4 s.
  expect(seconds('preview')).toBeCloseTo(2, 2);
  expect([...(files.get('waveform')?.bytes ?? new Uint8Array()).subarray(0, 4)]).toEqual([
    0x89, 0x50, 0x4e, 0x47,
  ]);
  expect(files.get('original')?.bytes).toEqual(audio);
  expect(files.get('cover')?.is_success).toBeNull();
});
