// Saves a track by ISRC and prints its metadata, using the SDK as an app would.
//   node track-manager.mjs [ISRC]        (server from `npm start`, or set MUSIC_APIS_URL)
import { writeFile } from 'node:fs/promises';
import { createTrackManagerClient, isApiError } from '@music-apis/sdk/track-manager';

const baseUrl = process.env.MUSIC_APIS_URL ?? 'http://localhost:8080';
const isrc = process.argv[2] ?? 'GBAYE0800657';

// `token` defaults to 'auto': the client gets one from POST /api/token and reuses it until it expires.
const tracks = createTrackManagerClient({ baseUrl, timeout: 10_000 });

try {
  const created = await tracks.createTrack({ isrc });
  console.log(`saved ${created.isrc}: "${created.name}" by ${created.artistName}`);
} catch (error) {
  // 409: saved before, which is fine for this script. Anything else is a real failure.
  // (In TypeScript, `isApiError<CreateTrackError>(error)` types `error.body` by status.)
  if (!isApiError(error) || error.status !== 409) throw error;
  console.log(`${isrc} was already saved`);
}

const track = await tracks.getTrackMetadata({ isrc });
const minutes = Math.floor(track.playbackSeconds / 60);
const seconds = String(track.playbackSeconds % 60).padStart(2, '0');
console.log(`${track.name} — ${track.artistName} — ${track.albumName} (${minutes}:${seconds})`);

// `.withResponse()` gives the response (headers) along with the parsed body.
const { data: cover, response } = await tracks.getTrackCover({ isrc }).withResponse();
const file = process.env.COVER_FILE ?? `${isrc}.jpg`;
await writeFile(file, cover);
console.log(`cover: ${cover.byteLength} bytes (${response.headers.get('content-type')}) written to ${file}`);
