import { createTrackManagerClient, isApiError, type TrackManagerClient } from '@music-apis/sdk/track-manager';

/** What a track card in the UI shows: the states a user can see. */
export type TrackCard =
  | { state: 'ready'; title: string; subtitle: string; duration: string; explicit: boolean }
  | { state: 'not-found'; message: string }
  | { state: 'error'; message: string };

export function createTrackCardLoader(
  baseUrl: string,
  client: TrackManagerClient = createTrackManagerClient({ baseUrl, retry: 1 }),
) {
  return async function loadTrackCard(isrc: string): Promise<TrackCard> {
    try {
      const track = await client.getTrackMetadata({ isrc });
      const minutes = Math.floor(track.playbackSeconds / 60);
      const seconds = String(track.playbackSeconds % 60).padStart(2, '0');
      return {
        state: 'ready',
        title: track.name,
        subtitle: `${track.artistName} · ${track.albumName}`,
        duration: `${minutes}:${seconds}`,
        explicit: track.isExplicit,
      };
    } catch (error) {
      if (isApiError(error) && error.status === 404)
        return { state: 'not-found', message: 'This track is not in your library yet.' };
      return { state: 'error', message: 'Could not load the track. Try again later.' };
    }
  };
}
