import {
  audioUploadPath,
  collectionsOk,
  creatorForNewRow,
  namedCreatorId,
  sessionPlayerColors,
  trackView,
  UPLOAD_SESSION_DEFAULT_EXPIRES_IN,
  type UploadSessionRecord,
  uploadSessionCollectionId,
  uploadSessionExpired,
  uploadSessionNotFound,
  uploadSessionOpen,
  uploadSessionTrackFields,
  uploadSessionView,
} from '@music-apis/domain';
import type { MockContext } from '../core/api.js';
import { assertCreatorExists, organizationRecord } from './organizations.js';
import {
  type CollectionsHandlers,
  type CollectionsMockState,
  findCollection,
  insertNewTrack,
} from './state.js';
import { issueCoverUploadUrl, issueUploadUrl } from './uploads.js';

/** Upload sessions: a capability (the session id) to add tracks to one collection until it expires. */

type UploadSessionHandlers = Pick<
  CollectionsHandlers,
  'createUploadSession' | 'getUploadSession' | 'createUploadSessionTrack'
>;

export function uploadSessionHandlers(
  state: CollectionsMockState,
  context: MockContext,
): UploadSessionHandlers {
  const ok = () => collectionsOk(crypto.randomUUID());

  /** Unknown (or its collection deleted) is 404, expired 401: its id no longer authorizes. */
  function openSession(id: string): UploadSessionRecord {
    const session = state.uploadSessions.get(id.toLowerCase());
    if (!session || !state.collections.has(session.collection_id)) throw uploadSessionNotFound();
    if (!uploadSessionOpen(session, context.now().getTime())) throw uploadSessionExpired();
    return session;
  }

  return {
    createUploadSession({ body: sent, principal: { organizationId: principal, scope } }) {
      const collection = findCollection(state, principal, uploadSessionCollectionId(scope, sent), scope);
      const body = creatorForNewRow(scope, sent);
      assertCreatorExists(state, principal, body);
      const session: UploadSessionRecord = {
        id: crypto.randomUUID(),
        organization_id: principal,
        collection_id: collection.id,
        creator_id: namedCreatorId(body) ?? null,
        organization_index: body.organization_index ?? null,
        metadata: body.metadata ?? {},
        expires_at: context.now().getTime() + (body.expires_in ?? UPLOAD_SESSION_DEFAULT_EXPIRES_IN) * 1000,
      };
      state.uploadSessions.set(session.id, session);
      const view = uploadSessionView(session);
      return {
        status: 200,
        body: {
          ...ok(),
          upload_session_id: session.id,
          upload_session: view,
          ...sessionPlayerColors(organizationRecord(state, principal), collection),
          expires_at: view.expires_at,
        },
      };
    },
    getUploadSession({ path }) {
      const session = openSession(path.upload_session_id);
      return {
        status: 200,
        body: { ...ok(), upload_session_id: session.id, upload_session: uploadSessionView(session) },
      };
    },
    createUploadSessionTrack({ path, body }, { baseUrl }) {
      const session = openSession(path.upload_session_id);
      const id = crypto.randomUUID();
      const stored = insertNewTrack(
        state,
        {
          id,
          organization_id: session.organization_id,
          collection_id: session.collection_id,
          file_name: body.file_name,
        },
        uploadSessionTrackFields(session, body),
      );
      return {
        status: 200,
        body: {
          ...ok(),
          upload_session_id: session.id,
          track_id: id,
          track: trackView(stored, state.collections.get(session.collection_id), baseUrl),
          upload_session: uploadSessionView(session),
          track_upload: issueUploadUrl(state, context, 'PUT', baseUrl, audioUploadPath(id)),
          track_cover_upload: issueCoverUploadUrl(state, context, baseUrl, 'track', id),
        },
      };
    },
  };
}
