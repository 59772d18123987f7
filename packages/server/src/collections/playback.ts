import type { Readable } from 'node:stream';
import {
  assertPlaySessionOpen,
  type CollectionsCaller,
  collectionInScope,
  collectionNotFound,
  collectionTrackNotFound,
  deliveryAnswer,
  deliveryFileNotFound,
  deliveryFileOf,
  downloadUrlExpires,
  isPlayable,
  newPlaySession,
  type PlayScope,
  type PlaySessionRecord,
  parseDeliveryFileName,
  playSessionInScope,
  playSessionNotFound,
  playSessionTarget,
  playSessionView,
  playTrackView,
  playVariants,
  trackInPlaySession,
  trackInScope,
  trackNotPlayable,
  trackView,
  verifyDeliveryUrl,
} from '@music-apis/domain';
import type { components } from '@music-apis/spec/collections';
import type { BlobStore } from '../core/storage.js';
import type { PlaybackRepository } from './playback-repository.js';
import type { CollectionsRepository, TrackRecord } from './repository.js';
import type { VariantRepository } from './variant-repository.js';

type PlaySessionInput = components['schemas']['PlaySessionInput'];
type PlayVariant = components['schemas']['PlayVariant'];
type Track = components['schemas']['Track'];

/**
 * Play sessions and signed delivery (the original's playback guide): sessions in the database, the
 * variant files served from the blob store under each track's `base_path`, every URL signed with the
 * organization's URL signing key (`verifyDeliveryUrl`), so any instance serves what another signed.
 */
export function createPlaybackService(options: {
  repository: CollectionsRepository;
  variants: VariantRepository;
  playback: PlaybackRepository;
  blobs: BlobStore;
  now?: () => number;
}) {
  const { repository, variants, playback, blobs } = options;
  const now = options.now ?? Date.now;

  /** The session's variants the track has a file of, each with its URL signed until `expires` (epoch s). */
  async function playVariantsOf(
    session: PlaySessionRecord,
    track: TrackRecord,
    baseUrl: string,
    indexes: string[] = session.variants,
    expires = Math.floor(session.expires_at / 1000),
    params: Record<string, string> = {},
  ): Promise<PlayVariant[]> {
    const [configured, files, signingKey] = await Promise.all([
      variants.variantsOfTrack(track.organization_id, track.id),
      variants.filesOfTrack(track.id),
      playback.urlSigningKey(track.organization_id),
    ]);
    const made = new Map(files.map((file) => [file.variant_id, { ...file, key: file.blob_key }]));
    return playVariants({
      basePath: track.base_path,
      baseUrl,
      indexes,
      configured,
      fileOf: (variantId) => made.get(variantId),
      signingKey,
      expires,
      params,
    });
  }

  async function playTrack(session: PlaySessionRecord, track: TrackRecord, baseUrl: string) {
    const collection = await repository.findCollection(track.organization_id, track.collection_id);
    return playTrackView(
      trackView(track, collection, baseUrl),
      track.levels,
      await playVariantsOf(session, track, baseUrl),
    );
  }

  async function tracksOf(session: PlaySessionRecord, baseUrl: string) {
    const collection = await repository.findCollection(session.organization_id, session.collection_id);
    const tracks = await playback.playableTracks(session);
    return { tracks, views: tracks.map((track) => trackView(track, collection, baseUrl)) };
  }

  /** An open session and one of its tracks, by the capability ids: 404 unknown, 401 expired. */
  async function sessionTrack(sessionId: string, trackId: string) {
    const session = await playback.findPlaySession(sessionId.toLowerCase());
    if (!session) throw playSessionNotFound();
    assertPlaySessionOpen(session, now());
    const track = await repository.findTrack(session.organization_id, trackId.toLowerCase());
    if (!track || !trackInPlaySession(session, track)) throw collectionTrackNotFound();
    return { session, track };
  }

  return {
    /**
     * A new session for a collection or a track in the caller's scope (404 otherwise, as anywhere);
     * a track must be playable (409). Answers with its tracks and the first one's playback data.
     */
    async createPlaySession(
      caller: CollectionsCaller,
      scope: PlayScope,
      body: PlaySessionInput,
      baseUrl: string,
    ) {
      const { organizationId } = caller;
      const targetId = playSessionTarget(scope, body, caller.scope);
      let collectionId: string;
      let trackId: string | null = null;
      if (scope === 'track') {
        const track = await repository.findTrack(organizationId, targetId);
        if (!track || !trackInScope(caller.scope, track)) throw collectionTrackNotFound();
        if (!isPlayable(track.status)) throw trackNotPlayable(track.status);
        collectionId = track.collection_id;
        trackId = track.id;
      } else {
        const collection = await repository.findCollection(organizationId, targetId);
        if (!collection || !collectionInScope(caller.scope, collection)) throw collectionNotFound();
        collectionId = collection.id;
      }
      const available =
        trackId === null
          ? (await variants.listOrganizationVariants(organizationId, 1000, 0)).items
          : await variants.variantsOfTrack(organizationId, trackId);
      const session = newPlaySession(caller, scope, body, { collectionId, trackId }, available, now());
      try {
        await playback.insertPlaySession(session);
      } catch (error) {
        // The collection or track went between the lookup and the insert (its foreign key failed).
        if (!(await repository.findCollection(organizationId, collectionId))) throw collectionNotFound();
        if (trackId !== null && !(await repository.findTrack(organizationId, trackId))) {
          throw collectionTrackNotFound();
        }
        throw error;
      }
      const { tracks, views } = await tracksOf(session, baseUrl);
      const first = tracks[0];
      return {
        session: playSessionView(session),
        tracks: views,
        // Its view is the one listed (the collection is read once).
        firstTrack: first
          ? playTrackView(views[0] as Track, first.levels, await playVariantsOf(session, first, baseUrl))
          : null,
      };
    },

    /** A session of the caller's organization within its key's scope, with its tracks. */
    async getPlaySession(caller: CollectionsCaller, id: string, baseUrl: string) {
      const session = await playback.findPlaySession(id.toLowerCase());
      if (
        !session ||
        session.organization_id !== caller.organizationId ||
        !playSessionInScope(caller.scope, session)
      ) {
        throw playSessionNotFound();
      }
      return { session: playSessionView(session), tracks: (await tracksOf(session, baseUrl)).views };
    },

    /** One track of an open session with its signed variant URLs and levels; the session id is the credential. */
    async getPlayTrack(sessionId: string, trackId: string, baseUrl: string) {
      const { session, track } = await sessionTrack(sessionId, trackId);
      return { session: playSessionView(session), playTrack: await playTrack(session, track, baseUrl) };
    },

    /** A short-lived download URL of one of the session's variants, when the session allows downloads. */
    async downloadPlayTrackVariant(sessionId: string, trackId: string, index: string, baseUrl: string) {
      const { session, track } = await sessionTrack(sessionId, trackId);
      const expires = downloadUrlExpires(session, index, now());
      const [variant] = await playVariantsOf(session, track, baseUrl, [index], expires, { download: '1' });
      if (!variant) throw deliveryFileNotFound();
      return { url: variant.url, expires_at: variant.expires_at };
    },

    /**
     * The file behind a delivery URL, whole or the range asked: the signature (of the path and query
     * as sent) first, then the track, its variant of that index and the file of that extension.
     */
    async getDeliveryFile(request: {
      organizationId: string;
      fileName: string;
      path: string;
      query: string;
      range: string | undefined;
    }): Promise<{ status: 200 | 206; body: Readable; contentType: string; headers: Record<string, string> }> {
      const organizationId = request.organizationId.toLowerCase();
      const signingKey = await playback.existingUrlSigningKey(organizationId);
      const { download } = await verifyDeliveryUrl(request.path, request.query, signingKey, now());
      const name = parseDeliveryFileName(request.fileName);
      const track = name && (await repository.findTrack(organizationId, name.trackId));
      if (!name || !track) throw deliveryFileNotFound();
      const [configured, files] = await Promise.all([
        variants.variantsOfTrack(organizationId, track.id),
        variants.filesOfTrack(track.id),
      ]);
      const file = deliveryFileOf(name, configured, (variantId) => {
        const made = files.find((candidate) => candidate.variant_id === variantId);
        return made && { ...made, key: made.blob_key };
      });
      const size = await blobs.size(file.key);
      if (size === undefined) throw deliveryFileNotFound();
      const answer = deliveryAnswer(
        size,
        request.range,
        download ? { trackFileName: track.file_name, ...name } : undefined,
      );
      const body = await blobs.stream(file.key, answer.range);
      if (!body) throw deliveryFileNotFound();
      return {
        status: answer.status,
        body,
        contentType: file.content_type ?? 'application/octet-stream',
        headers: answer.headers,
      };
    },
  };
}

export type PlaybackService = ReturnType<typeof createPlaybackService>;
