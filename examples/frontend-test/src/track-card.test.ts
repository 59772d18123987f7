import { type MockRespondRequest, setupMockServer } from '@music-apis/mock/node';
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
    // The document lists no 5xx for this operation: `respond` answers an undocumented status, in
    // the API's own error envelope.
    const unavailable = { respond: ({ errorResponse }: MockRespondRequest) => errorResponse(503) };
    mock.trackManager.override('getTrackMetadata', { ...unavailable, times: 1 });
    expect(await loadTrackCard(saved!)).toMatchObject({ state: 'ready' });
    mock.trackManager.override('getTrackMetadata', unavailable);
    expect(await loadTrackCard(saved!)).toEqual({
      state: 'error',
      message: 'Could not load the track. Try again later.',
    });
    // Each load: one call and one retry.
    expect(mock.trackManager.calls('getTrackMetadata')).toHaveLength(2 + 2);
  });

  it('says "not saved" for a documented 404, whatever the store holds', async () => {
    const [saved] = [...mock.state.trackManager.tracks.keys()];
    mock.trackManager.override('getTrackMetadata', { status: 404 });
    expect(await loadTrackCard(saved!)).toMatchObject({ state: 'not-found' });
  });

  it('shows an error when the network fails', async () => {
    mock.trackManager.override('getTrackMetadata', { networkError: true });
    const [saved] = [...mock.state.trackManager.tracks.keys()];
    expect(await loadTrackCard(saved!)).toMatchObject({ state: 'error' });
  });
});
