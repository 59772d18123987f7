// The SDK from a CommonJS script: `require()` of two API entries and of the root entry, which share
// one core, so an error thrown by one entry is an `instanceof` the class the others export.
//   node commonjs.cjs        (server from `npm start`, or set MUSIC_APIS_URL)
const sdk = require('@music-apis/sdk');
const trackManager = require('@music-apis/sdk/track-manager');
const collections = require('@music-apis/sdk/collections');

const baseUrl = process.env.MUSIC_APIS_URL ?? 'http://localhost:8080';

async function main() {
  const tracks = trackManager.createTrackManagerClient({ baseUrl, timeout: 10_000 });
  // A success first (token, then create), and a 409 on a second run, which is fine here.
  await tracks.createTrack({ isrc: 'GBAYE0800657' }).catch((error) => {
    if (!sdk.isApiError(error) || error.status !== 409) throw error;
  });
  const track = await tracks.getTrackMetadata({ isrc: 'GBAYE0800657' });
  console.log(`track: ${track.name}`);
  try {
    await tracks.getTrackMetadata({ isrc: 'ZZZZZ0000000' });
    throw new Error('expected a 404');
  } catch (error) {
    if (!trackManager.isApiError(error)) throw error;
    console.log(`status: ${error.status}`);
    console.log(`instanceof track-manager ApiError: ${error instanceof trackManager.ApiError}`);
    console.log(`instanceof collections ApiError: ${error instanceof collections.ApiError}`);
    console.log(`instanceof root MusicApiError: ${error instanceof sdk.MusicApiError}`);
    console.log(`collections.isApiError: ${collections.isApiError(error)}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
