import type { components } from '@music-apis/spec/collections';
import { MusicApiError } from '../../core/index.js';
import type { CollectionsMethods } from '../client.gen.js';

type Track = components['schemas']['Track'];

export interface WaitForTrackOptions {
  signal?: AbortSignal;
  /** First delay between polls, doubled after each poll up to `maxIntervalMs`. Default 500. */
  intervalMs?: number;
  /** Default 5000. */
  maxIntervalMs?: number;
  /** Give up (rejecting with a `TrackProcessingTimeoutError`) after this many ms. Default: never. */
  timeoutMs?: number;
}

/**
 * Processing ended in a terminal status other than `ready` (`incomplete`, `error`, `init_error`):
 * the track is not safe to play; `track.status_text` says why.
 */
export class TrackProcessingError extends MusicApiError {
  override name = 'TrackProcessingError';
  constructor(readonly track: Track) {
    super(
      `Track ${track.id} (${track.file_name}) could not be processed: status ${track.status}` +
        (track.status_text ? ` (${track.status_text})` : ''),
    );
  }
}

/** `waitForTrack` ran out of `timeoutMs` while the track was still processing. */
export class TrackProcessingTimeoutError extends MusicApiError {
  override name = 'TrackProcessingTimeoutError';
  constructor(
    readonly track: Track,
    readonly timeoutMs: number,
  ) {
    super(`Track ${track.id} was still ${track.status} after ${timeoutMs} ms`);
  }
}

/** The processing guide's terminal statuses besides `ready`: processing is over, the track is not playable. */
const NOT_PLAYABLE: ReadonlySet<Track['status']> = new Set(['incomplete', 'error', 'init_error']);

/**
 * Polls `getTrack` with backoff until `status` is terminal: `ready` resolves the track, `incomplete`,
 * `error` and `init_error` reject with `TrackProcessingError`. Abort with `signal`.
 */
export async function waitForTrack(
  methods: Pick<CollectionsMethods, 'getTrack'>,
  trackId: string,
  wait: WaitForTrackOptions = {},
): Promise<Track> {
  const started = Date.now();
  let delay = wait.intervalMs ?? 500;
  for (;;) {
    const { track } = await methods.getTrack({ track_id: trackId }, { signal: wait.signal });
    if (track.status === 'ready') return track;
    if (NOT_PLAYABLE.has(track.status)) throw new TrackProcessingError(track);
    if (wait.timeoutMs !== undefined && Date.now() - started + delay > wait.timeoutMs) {
      throw new TrackProcessingTimeoutError(track, wait.timeoutMs);
    }
    await sleep(delay, wait.signal);
    delay = Math.min(delay * 2, wait.maxIntervalMs ?? 5000);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
