// Runs inside headless Chromium on its own origin: the SDK's browser build calling the reference
// server on another port, so every request is cross-origin (CORS, preflights, exposed headers).
import { wavFile } from '@music-apis/catalog';
import { createCollectionsClient, TrackProcessingError } from '@music-apis/sdk/collections';
import { createTrackManagerClient, isApiError, isNetworkError } from '@music-apis/sdk/track-manager';

declare global {
  interface Window {
    /** Set by the page's HTML: where the server is and what to ask it. */
    __config: { apiUrl: string; isrc: string; collectionsApiKey: string; expectRefusal: boolean };
  }
}

const show = (result: unknown) => {
  const output = document.createElement('pre');
  output.id = 'result';
  output.textContent = JSON.stringify(result);
  document.body.append(output);
};

async function refused() {
  const { apiUrl } = window.__config;
  const tracks = createTrackManagerClient({ baseUrl: apiUrl, retry: 0 });
  try {
    await tracks.getToken();
    return { refused: false };
  } catch (error) {
    return { refused: isNetworkError(error) };
  }
}

async function run() {
  const { apiUrl, isrc, collectionsApiKey } = window.__config;
  const tracks = createTrackManagerClient({ baseUrl: apiUrl, retry: 0 });
  const token = await tracks.getToken();
  // token: 'auto' sends `Token: Bearer …`, a non-simple header: a preflight first.
  const created = await tracks.createTrack({ isrc });
  const metadata = await tracks.getTrackMetadata({ isrc }).withResponse();
  const cover = await tracks.getTrackCoverBlob({ isrc });
  const image = await createImageBitmap(cover);
  let missing: unknown;
  try {
    await tracks.getTrackMetadata({ isrc: 'ZZZZZ9999999' });
  } catch (error) {
    missing = isApiError(error) ? { status: error.status, hasRequestId: !!error.requestId } : String(error);
  }

  // Collections: Authorization on the API, then a PUT of the bytes to the signed /v1/upload/ URL.
  const adn = createCollectionsClient({ baseUrl: apiUrl, apiKey: collectionsApiKey, retry: 0 });
  const { collection_id } = await adn.createCollection({ body: { title: 'From the browser' } });
  // A server without ffmpeg ends the track `incomplete`: the waiter rejects with the track.
  const { track } = await adn
    .uploadTrack({
      collectionId: collection_id,
      file: wavFile({ seconds: 2, sampleRate: 8000 }),
      fileName: 'browser.wav',
      waitUntilReady: { intervalMs: 50 },
    })
    .catch((error: unknown) => {
      if (error instanceof TrackProcessingError) return { track: error.track };
      throw error;
    });

  return {
    origin: location.origin,
    tokenType: token.token_type,
    created: created.name,
    playbackSeconds: metadata.data.playbackSeconds,
    requestIdReadable: typeof metadata.requestId === 'string' && metadata.requestId.length > 0,
    coverType: cover.type,
    coverWidth: image.width,
    missing,
    uploadedTrack: { status: track.status, duration: Math.round(track.duration ?? 0) },
  };
}

(window.__config.expectRefusal ? refused() : run()).then(show, (error: unknown) =>
  show({ error: String(error), stack: (error as Error)?.stack }),
);
