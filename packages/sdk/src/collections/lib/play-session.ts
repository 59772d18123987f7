import type { components } from '@music-apis/spec/collections';
import type { CallOptions } from '../../core/index.js';
import type { CollectionsMethods } from '../client.gen.js';

type Schemas = components['schemas'];
type Track = Schemas['Track'];
type PlaySession = Schemas['PlaySession'];
type PlayTrack = Schemas['PlayTrack'];
type PlayVariant = Schemas['PlayVariant'];

/** What `createPlaybackSession` opens: one collection or one track, in these variants. */
export type PlaybackSessionOptions<Variant extends string = string> = (
  | { collectionId: string; trackId?: never }
  | { trackId: string; collectionId?: never }
) & {
  /** The delivery indexes to play, e.g. `['hq', 'lq'] as const` (types `urls`); default the key's, else every transcode and preview. */
  variants?: readonly Variant[];
  /** Session lifetime in seconds (60–86 400; default 3 600). The URLs expire with it. */
  expiresIn?: number;
  /** Ask for downloads (`download`); honoured for API Access keys only. */
  isDownloadable?: boolean;
  /** Your own identifier of the session (e.g. the listener's) and data, kept with it. */
  organizationIndex?: string;
  metadata?: Record<string, unknown>;
} & CallOptions;

/** One track of a play session, ready for an `<audio>` element. */
export interface PlayableTrack<Variant extends string = string> {
  track: Track;
  /** The signed URL of each of the session's variants the track has a file of, by index. */
  urls: Partial<Record<Variant, string>>;
  /** The same files with their paths, media types and sizes, in the session's order. */
  variants: PlayVariant[];
  /** The waveform (320 peak levels, 0–1), or null where the server made none. */
  levels: number[] | null;
  coverImage: string | null;
}

/** A play session (`createPlaySession`) with typed variant URLs. */
export interface PlaybackSession<Variant extends string = string> {
  id: string;
  session: PlaySession;
  /** Its playable tracks, oldest first. */
  tracks: Track[];
  expiresAt: Date;
  /** The first track's URLs, from the create call itself; null when the collection has no playable track. */
  firstTrack: PlayableTrack<Variant> | null;
  /** Any track of the session (`getPlayTrack`; the session id authorizes it, no API key is sent). */
  track(trackId: string, options?: CallOptions): Promise<PlayableTrack<Variant>>;
  /** A short-lived download URL of one variant (`downloadPlayTrackVariant`; 403 unless the session is downloadable). */
  download(
    trackId: string,
    variant: Variant,
    options?: CallOptions,
  ): Promise<{ url: string; expiresAt: Date }>;
}

function playable<Variant extends string>(data: PlayTrack): PlayableTrack<Variant> {
  const urls: Partial<Record<Variant, string>> = {};
  for (const variant of data.variants) urls[variant.index as Variant] = variant.url;
  return {
    track: data.track,
    urls,
    variants: data.variants,
    levels: data.levels?.levels ?? null,
    coverImage: data.cover_image,
  };
}

/** Creates a play session and wraps it: `firstTrack.urls.hq`, `track(id)`, `download(id, 'hq')`. */
export async function createPlaybackSession<const Variant extends string = string>(
  methods: CollectionsMethods,
  options: PlaybackSessionOptions<Variant>,
): Promise<PlaybackSession<Variant>> {
  const { collectionId, trackId, variants, expiresIn, isDownloadable, organizationIndex, metadata, ...call } =
    options;
  const created = await methods.createPlaySession(
    {
      scope: trackId === undefined ? 'collection' : 'track',
      body: {
        ...(trackId === undefined ? { collection_id: collectionId } : { track_id: trackId }),
        ...(variants ? { variants: [...variants] } : {}),
        ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
        ...(isDownloadable === undefined ? {} : { is_downloadable: isDownloadable }),
        ...(organizationIndex === undefined ? {} : { organization_index: organizationIndex }),
        ...(metadata === undefined ? {} : { metadata }),
      },
    },
    call,
  );
  const id = created.play_session_id;
  return {
    id,
    session: created.play_session,
    tracks: created.tracks,
    expiresAt: new Date(created.expires_at),
    firstTrack: created.first_track ? playable<Variant>(created.first_track) : null,
    async track(playTrackId, trackCall) {
      return playable<Variant>(
        await methods.getPlayTrack({ play_session_id: id, play_track_id: playTrackId }, trackCall),
      );
    },
    async download(playTrackId, variant, downloadCall) {
      const { download } = await methods.downloadPlayTrackVariant(
        { play_session_id: id, play_track_id: playTrackId, variant_index: variant },
        downloadCall,
      );
      return { url: download.url, expiresAt: new Date(download.expires_at) };
    },
  };
}

/**
 * Signs a delivery URL on your own server (signed delivery, which skips play sessions): `expires`
 * is appended, then `verify`, last, the lowercase hex HMAC-SHA256 of the URL's path and query string
 * so far, keyed with the organization's URL signing key (`url-signing-key` of the server's CLI). Web
 * Crypto only: Node 20+, workers, edge runtimes. Never ship the key to a browser.
 *
 * ```ts
 * const url = await signDeliveryUrl(`${track.base_url}_hq.mp3`, process.env.ADN_URL_SIGNING_KEY!, { expiresIn: 3600 });
 * ```
 */
export async function signDeliveryUrl(
  url: string,
  signingKey: string,
  options: { expiresIn: number; now?: () => number } | { expires: Date },
): Promise<string> {
  const expires =
    'expires' in options
      ? Math.floor(options.expires.getTime() / 1000)
      : Math.floor((options.now ?? Date.now)() / 1000) + options.expiresIn;
  const parsed = new URL(url);
  parsed.searchParams.delete('verify');
  parsed.searchParams.set('expires', String(expires));
  const signed = `${parsed.pathname}${parsed.search}`;
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(signingKey),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(signed)));
  const hex = Array.from(signature, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${parsed.origin}${signed}&verify=${hex}`;
}
