// Runs inside headless Chromium: the mock's browser entry (a real service worker) answering fetch.
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
  const token = (await (await fetch('/api/token', { method: 'POST' })).json()) as { access_token: string };
  const created = (await (
    await fetch('/api/track/create?isrc=GBAYE0800657', {
      method: 'POST',
      headers: { token: `Bearer ${token.access_token}` },
    })
  ).json()) as { name: string };
  const metadata = (await (await fetch('/api/track/metadata/GBAYE0800657')).json()) as {
    playbackSeconds: number;
  };
  const cover = await (await fetch('/api/track/cover/GBAYE0800657')).blob();
  const image = await createImageBitmap(cover);
  mock.trackManager.override('getTrackMetadata', { status: 404 });
  const failure = await fetch('/api/track/metadata/GBAYE0800657');
  return {
    created: created.name,
    playbackSeconds: metadata.playbackSeconds,
    coverType: cover.type,
    coverWidth: image.width,
    overriddenStatus: failure.status,
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
