// Runs inside headless Chromium: the mock's browser entry (a real service worker) answering the SDK.
import { createTrackManagerClient, isApiError } from '@music-apis/sdk/track-manager';
import { setupMockWorker } from '../../src/browser.js';

declare global {
  interface Window {
    __result?: unknown;
  }
}

async function run() {
  const { worker, mock } = setupMockWorker();
  await worker.start({
    serviceWorker: { url: '/mockServiceWorker.js' },
    quiet: true,
    onUnhandledRequest: 'bypass',
  });
  const tracks = createTrackManagerClient({ baseUrl: location.origin, retry: 0 });
  const created = await tracks.createTrack({ isrc: 'GBAYE0800657' });
  const metadata = await tracks.getTrackMetadata({ isrc: 'GBAYE0800657' });
  const cover = await tracks.getTrackCoverBlob({ isrc: 'GBAYE0800657' });
  const image = await createImageBitmap(cover);
  mock.override('getTrackMetadata', { status: 503 });
  const failure = await tracks.getTrackMetadata({ isrc: 'GBAYE0800657' }).catch((error: unknown) => error);
  return {
    created: created.name,
    playbackSeconds: metadata.playbackSeconds,
    coverType: cover.type,
    coverWidth: image.width,
    overriddenStatus: isApiError(failure) ? failure.status : 'not an ApiError',
    savedInMockState: mock.state.trackManager.tracks.has('GBAYE0800657'),
  };
}

run().then(
  (result) => {
    window.__result = result;
  },
  (error: unknown) => {
    window.__result = { error: String(error) };
  },
);
