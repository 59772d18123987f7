import {
  type CreatorRecord,
  collectionsOk,
  creatorChanges,
  creatorNotFound,
  creatorView,
  namedCreatorId,
  ORGANIZATION_DEFAULTS,
  type OrganizationRecord,
  organizationChanges,
  organizationNameTaken,
  organizationNotFound,
  organizationView,
} from '@music-apis/domain';
import type { CollectionsHandlers, CollectionsMockState } from './state.js';

/** The organization and creator operations, over the store's maps (as the server's tables). */

type OrganizationHandlers = Pick<
  CollectionsHandlers,
  | 'getOrganization'
  | 'updateOrganization'
  | 'listCreators'
  | 'createCreator'
  | 'getCreator'
  | 'updateCreator'
  | 'deleteCreator'
>;

/**
 * The record of a key's organization. A key a test adds to `state.apiKeys` may name an organization
 * the store has not seen: it starts with the defaults, as a new organization on the server does.
 */
export function organizationRecord(state: CollectionsMockState, id: string): OrganizationRecord {
  let organization = state.organizations.get(id);
  if (!organization) {
    organization = { id, name: id, ...structuredClone(ORGANIZATION_DEFAULTS) };
    state.organizations.set(id, organization);
  }
  return organization;
}

export function findCreator(state: CollectionsMockState, organizationId: string, id: string): CreatorRecord {
  const creator = state.creators.get(id.toLowerCase());
  if (!creator || creator.organization_id !== organizationId) throw creatorNotFound();
  return creator;
}

/** A `creator_id` the body names must be a creator of the organization (404 like an unknown one). */
export function assertCreatorExists(
  state: CollectionsMockState,
  organizationId: string,
  body: { creator_id?: string | null },
): void {
  const creatorId = namedCreatorId(body);
  if (creatorId !== undefined) findCreator(state, organizationId, creatorId);
}

export function organizationHandlers(state: CollectionsMockState, now: () => Date): OrganizationHandlers {
  const ok = () => collectionsOk(crypto.randomUUID());
  /** A key sees its own organization only; any other ID is unknown to it. */
  const own = (principal: string, id: string) => {
    if (id.toLowerCase() !== principal) throw organizationNotFound();
    return organizationRecord(state, principal);
  };

  return {
    getOrganization({ path, principal: { organizationId: principal } }) {
      const organization = organizationView(own(principal, path.organization_id));
      return { status: 200, body: { ...ok(), organization_id: organization.id, organization } };
    },
    updateOrganization({ path, body, principal: { organizationId: principal } }) {
      const record = own(principal, path.organization_id);
      const changes = organizationChanges(body);
      if (
        changes.name !== undefined &&
        [...state.organizations.values()].some(
          (other) => other.id !== record.id && other.name === changes.name,
        )
      ) {
        throw organizationNameTaken(changes.name);
      }
      Object.assign(record, changes);
      const organization = organizationView(record);
      return { status: 200, body: { ...ok(), organization_id: organization.id, organization } };
    },
    listCreators({ query: { limit = 50, offset = 0 }, principal: { organizationId: principal } }) {
      const own = [...state.creators.values()].filter((creator) => creator.organization_id === principal);
      return {
        status: 200,
        body: { ...ok(), count: own.length, creators: own.slice(offset, offset + limit).map(creatorView) },
      };
    },
    createCreator({ body, principal: { organizationId: principal } }) {
      const at = now().getTime();
      const creator: CreatorRecord = {
        id: crypto.randomUUID(),
        organization_id: principal,
        organization_index: body.organization_index,
        metadata: body.metadata ?? {},
        created_at: at,
        updated_at: at,
      };
      state.creators.set(creator.id, creator);
      return { status: 200, body: { ...ok(), creator_id: creator.id, creator: creatorView(creator) } };
    },
    getCreator({ path, principal: { organizationId: principal } }) {
      const creator = findCreator(state, principal, path.creator_id);
      return { status: 200, body: { ...ok(), creator_id: creator.id, creator: creatorView(creator) } };
    },
    updateCreator({ path, body, principal: { organizationId: principal } }) {
      const creator = findCreator(state, principal, path.creator_id);
      Object.assign(creator, creatorChanges(body), { updated_at: now().getTime() });
      return { status: 200, body: { ...ok(), creator_id: creator.id, creator: creatorView(creator) } };
    },
    deleteCreator({ path, principal: { organizationId: principal } }) {
      const creator = findCreator(state, principal, path.creator_id);
      // Its collections and tracks stay, without a creator.
      const records = [
        ...state.collections.values(),
        ...state.tracks.values(),
        ...state.uploadSessions.values(),
      ];
      for (const record of records) {
        if (record.creator_id === creator.id) record.creator_id = null;
      }
      state.creators.delete(creator.id);
      return {
        status: 200,
        body: { ...ok(), creator_id: creator.id, deleted_creator: creatorView(creator) },
      };
    },
  };
}
