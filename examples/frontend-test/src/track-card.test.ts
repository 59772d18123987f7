import { setupMockServer } from '@music-apis/mock/node';
import { createTrackManagerClient } from '@music-apis/sdk/track-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTrackCardLoader } from './track-card.js';

const baseUrl = 'https://music.example.test';
const { server, mock } = setupMockServer({ baseUrl });
const loadTrackCard = createTrackCardLoader(baseUrl);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mock.reset());
afterAll(() => server.close());

describe('track card', () => {
  it('shows a track the user saved', async () => {
    await createTrackManagerClient({ baseUrl }).createTrack({ isrc: 'GBAYE0800657' });
    expect(await loadTrackCard('GBAYE0800657')).toEqual({
      state: 'ready',
      title: 'Ellington: Mood Indigo',
      subtitle: 'Barney Bigard · Paul Robeson: The Complete EMI Sessions 1928-1939',
      duration: '3:21',
      explicit: false,
    });
  });

  it('says so when the track is not saved', async () => {
    expect(await loadTrackCard('GBAYE0800657')).toMatchObject({ state: 'not-found' });
  });

  it('recovers from one server error thanks to the SDK retry, and shows an error when it persists', async () => {
    const [saved] = [...mock.state.trackManager.tracks.keys()];
    mock.override('getTrackMetadata', { status: 503, times: 1 });
    expect(await loadTrackCard(saved!)).toMatchObject({ state: 'ready' });
    mock.override('getTrackMetadata', { status: 500 });
    expect(await loadTrackCard(saved!)).toEqual({
      state: 'error',
      message: 'Could not load the track. Try again later.',
    });
  });

  it('shows an error when the network fails', async () => {
    mock.override('getTrackMetadata', { networkError: true });
    const [saved] = [...mock.state.trackManager.tracks.keys()];
    expect(await loadTrackCard(saved!)).toMatchObject({ state: 'error' });
  });
});
