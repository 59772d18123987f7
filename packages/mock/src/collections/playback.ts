import {
  assertPlaySessionOpen,
  type CollectionTrackRecord,
  collectionsOk,
  collectionTrackNotFound,
  deliveryAnswer,
  deliveryFileNotFound,
  deliveryFileOf,
  downloadUrlExpires,
  isPlayable,
  newPlaySession,
  newUrlSigningKey,
  PLAY_SESSION_MAX_TRACKS,
  type PlaySessionRecord,
  parseDeliveryFileName,
  playSessionInScope,
  playSessionNotFound,
  playSessionTarget,
  playSessionView,
  playTrackView,
  playVariants,
  trackInPlaySession,
  trackNotPlayable,
  trackView,
  verifyDeliveryUrl,
} from '@music-apis/domain';
import type { components } from '@music-apis/spec/collections';
import type { MockContext } from '../core/api.js';
import { type CollectionsHandlers, type CollectionsMockState, findCollection, findTrack } from './state.js';
import { organizationVariantsOf, variantsOfTrack } from './variants.js';

/**
 * Play sessions and signed delivery, in memory, with the server's rules (`@music-apis/domain`): the
 * delivery URLs point at the mock and serve its small real WAV variant files, with byte ranges.
 */

type PlayVariant = components['schemas']['PlayVariant'];

type PlaybackHandlers = Pick<
  CollectionsHandlers,
  'createPlaySession' | 'getPlaySession' | 'getPlayTrack' | 'downloadPlayTrackVariant' | 'getDeliveryFile'
>;

export function playbackHandlers(state: CollectionsMockState, context: MockContext): PlaybackHandlers {
  const ok = () => collectionsOk(crypto.randomUUID());
  const now = () => context.now().getTime();

  /** The organization's URL signing key, made on first use. */
  function signingKey(organizationId: string): string {
    let key = state.urlSigningKeys.get(organizationId);
    if (!key) {
      key = newUrlSigningKey();
      state.urlSigningKeys.set(organizationId, key);
    }
    return key;
  }

  /** A session by id; one whose collection or track was deleted is gone with it. */
  function findSession(id: string): PlaySessionRecord {
    const session = state.playSessions.get(id.toLowerCase());
    if (
      !session ||
      !state.collections.has(session.collection_id) ||
      (session.track_id !== null && !state.tracks.has(session.track_id))
    ) {
      throw playSessionNotFound();
    }
    return session;
  }

  const playableTracks = (session: PlaySessionRecord) =>
    [...state.tracks.values()]
      .filter((track) => trackInPlaySession(session, track))
      .slice(0, PLAY_SESSION_MAX_TRACKS);

  const viewOf = (track: CollectionTrackRecord, baseUrl: string) =>
    trackView(track, state.collections.get(track.collection_id), baseUrl);

  function playVariantsOf(
    session: PlaySessionRecord,
    track: CollectionTrackRecord,
    baseUrl: string,
    indexes: string[] = session.variants,
    expires = Math.floor(session.expires_at / 1000),
    params: Record<string, string> = {},
  ): Promise<PlayVariant[]> {
    const files = state.trackFiles.get(track.id);
    return playVariants({
      basePath: track.base_path,
      baseUrl,
      indexes,
      configured: variantsOfTrack(state, track),
      fileOf: (variantId) => {
        const file = files?.get(variantId);
        return file && { ...file, size: file.bytes?.length ?? null };
      },
      signingKey: signingKey(track.organization_id),
      expires,
      params,
    });
  }

  const playTrack = async (session: PlaySessionRecord, track: CollectionTrackRecord, baseUrl: string) =>
    playTrackView(viewOf(track, baseUrl), track.levels, await playVariantsOf(session, track, baseUrl));

  /** An open session and one of its tracks, by the capability ids: 404 unknown, 401 expired. */
  function sessionTrack(sessionId: string, trackId: string) {
    const session = findSession(sessionId);
    assertPlaySessionOpen(session, now());
    const track = state.tracks.get(trackId.toLowerCase());
    if (!track || !trackInPlaySession(session, track)) throw collectionTrackNotFound();
    return { session, track };
  }

  return {
    async createPlaySession({ path, body, principal }, { baseUrl }) {
      const { organizationId, scope } = principal;
      const targetId = playSessionTarget(path.scope, body, scope);
      let collectionId: string;
      let trackId: string | null = null;
      if (path.scope === 'track') {
        const track = findTrack(state, organizationId, targetId, scope);
        if (!isPlayable(track.status)) throw trackNotPlayable(track.status);
        collectionId = track.collection_id;
        trackId = track.id;
      } else {
        collectionId = findCollection(state, organizationId, targetId, scope).id;
      }
      const available =
        trackId === null
          ? organizationVariantsOf(state, organizationId)
          : variantsOfTrack(state, { id: trackId, organization_id: organizationId });
      const session = newPlaySession(
        principal,
        path.scope,
        body,
        { collectionId, trackId },
        available,
        now(),
      );
      state.playSessions.set(session.id, session);
      const tracks = playableTracks(session);
      const first = tracks[0];
      const view = playSessionView(session);
      return {
        status: 200,
        body: {
          ...ok(),
          play_session_id: session.id,
          play_session: view,
          tracks: tracks.map((track) => viewOf(track, baseUrl)),
          first_track: first ? await playTrack(session, first, baseUrl) : null,
          expires_at: view.expires_at,
        },
      };
    },
    getPlaySession({ path, principal }, { baseUrl }) {
      const session = findSession(path.play_session_id);
      if (
        session.organization_id !== principal.organizationId ||
        !playSessionInScope(principal.scope, session)
      ) {
        throw playSessionNotFound();
      }
      return {
        status: 200,
        body: {
          ...ok(),
          play_session_id: session.id,
          play_session: playSessionView(session),
          tracks: playableTracks(session).map((track) => viewOf(track, baseUrl)),
        },
      };
    },
    async getPlayTrack({ path }, { baseUrl }) {
      const { session, track } = sessionTrack(path.play_session_id, path.play_track_id);
      return {
        status: 200,
        body: {
          ...ok(),
          play_session_id: session.id,
          play_session: playSessionView(session),
          ...(await playTrack(session, track, baseUrl)),
        },
      };
    },
    async downloadPlayTrackVariant({ path }, { baseUrl }) {
      const { session, track } = sessionTrack(path.play_session_id, path.play_track_id);
      const expires = downloadUrlExpires(session, path.variant_index, now());
      const [variant] = await playVariantsOf(session, track, baseUrl, [path.variant_index], expires, {
        download: '1',
      });
      if (!variant) throw deliveryFileNotFound();
      return {
        status: 200,
        body: { ...ok(), download: { url: variant.url, expires_at: variant.expires_at } },
      };
    },
    async getDeliveryFile({ path, headers }, { url }) {
      const organizationId = path.organization_id.toLowerCase();
      // The signature covers the path and query string exactly as sent.
      const { download } = await verifyDeliveryUrl(
        url.pathname,
        url.search.slice(1),
        state.urlSigningKeys.get(organizationId),
        now(),
      );
      const name = parseDeliveryFileName(path.file_name);
      const track = name && state.tracks.get(name.trackId);
      if (!name || !track || track.organization_id !== organizationId) throw deliveryFileNotFound();
      const files = state.trackFiles.get(track.id);
      const file = deliveryFileOf(name, variantsOfTrack(state, track), (variantId) => files?.get(variantId));
      const bytes = file.bytes;
      if (!bytes) throw deliveryFileNotFound();
      const answer = deliveryAnswer(
        bytes.length,
        headers.Range,
        download ? { trackFileName: track.file_name, ...name } : undefined,
      );
      return {
        status: answer.status,
        body: answer.range ? bytes.subarray(answer.range.start, answer.range.end + 1) : bytes,
        contentType: file.content_type ?? 'application/octet-stream',
        headers: answer.headers,
      };
    },
  };
}
