import { ACCEPTED_AUDIO_TYPES, derivePlayerColors, IMAGE_CONTENT_TYPES, type ImageType, sniffAudioType, sniffImage } from '@music-apis/domain';
import { type components, type OperationId, operationRoutes } from '@music-apis/sdk/collections';
import { HttpResponse } from 'msw';
import { readAudioFormat } from '../core/audio.js';
import { type MockApiDefinition, MockHttpError, type MockRequest } from '../core/mock.js';

type Collection = components['schemas']['Collection'];
type CollectionInput = components['schemas']['CollectionInput'];
type Track = components['schemas']['Track'];
type TrackCreate = components['schemas']['TrackCreate'];
type TrackUpdate = components['schemas']['TrackUpdate'];
type UploadHandle = components['schemas']['UploadHandle'];
type ErrorEnvelope = components['schemas']['ErrorEnvelope'];

/**
 * The collections API in the mock. Same envelopes and validation rules as the server; upload URLs
 * point at the mock and accept the PUT/POST there. Audio is "processed" at once: a WAV gets its
 * exact duration from its header, other recognised audio (MP3, FLAC, Ogg, MP4) an estimate from its
 * size at 128 kbit/s, and anything else ends `failed`, as on the server.
 */

/** The API key the mock accepts out of the box (add more to `state.apiKeys`). */
export const COLLECTIONS_MOCK_API_KEY = 'adn_mock_collections_api_key';

type Owner = 'collection' | 'track';

interface StoredCollection
  extends Omit<Collection, 'player_color_light' | 'player_color_dark' | 'cover_url'> {
  cover: StoredImage | null;
}

/** The generated types mark server-set fields `readonly`; the mock's store is where they are set. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

type StoredTrack = Writable<
  Omit<Track, 'player_color_light' | 'player_color_dark' | 'cover_url' | 'track_status_id'>
> & { cover: StoredImage | null };

interface StoredImage {
  bytes: Uint8Array;
  type: ImageType;
}

interface IssuedUploadUrl {
  method: 'PUT' | 'POST';
  path: string;
  /** Epoch seconds. */
  expires: number;
  used: boolean;
}

export interface CollectionsMockState {
  /** Valid API keys; starts with `COLLECTIONS_MOCK_API_KEY`. */
  apiKeys: Set<string>;
  /** By ID, in creation order. */
  collections: Map<string, StoredCollection>;
  tracks: Map<string, StoredTrack>;
  /** Issued upload URLs by signature. */
  uploadUrls: Map<string, IssuedUploadUrl>;
  limits: { maxAudioBytes: number; maxCoverBytes: number; uploadTtlSeconds: number };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_COLOR = /^#[0-9A-Fa-f]{6}$/;
const COVER_FILE = /^([0-9a-fA-F-]{36})\.(jpg|png)$/;

const invalid = (message: string) => new MockHttpError(400, message);
const uploadRejected = () => new MockHttpError(403, 'Upload URL expired, already used or invalid');

function uuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw invalid(`${field}: must match format "uuid"`);
  return value.toLowerCase();
}

function optional<T>(
  body: Record<string, unknown>,
  field: string,
  check: (value: unknown) => boolean,
  rule: string,
): T | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!check(value)) throw invalid(`${field}: ${rule}`);
  return value as T;
}

const nullableString = (max: number) => (value: unknown) =>
  value === null || (typeof value === 'string' && value.length <= max);
const isBoolean = (value: unknown) => typeof value === 'boolean';
const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
const nullableUuid = (value: unknown) => value === null || (typeof value === 'string' && UUID.test(value));
const playerColor = (value: unknown) =>
  value === null || (typeof value === 'string' && HEX_COLOR.test(value));

async function jsonBody(request: Request): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw invalid('Request body is not valid JSON or form data');
  }
  if (!isObject(body)) throw invalid('body: must be object');
  return body as Record<string, unknown>;
}

/** The writable fields both bodies share, with the document's PUT defaults. */
function sharedFields(body: Record<string, unknown>) {
  return {
    creator_id:
      optional<string | null>(body, 'creator_id', nullableUuid, 'must match format "uuid"')?.toLowerCase() ??
      null,
    organization_index:
      optional<string | null>(body, 'organization_index', nullableString(255), 'is invalid') ?? null,
    metadata: optional<Record<string, unknown>>(body, 'metadata', isObject, 'must be object') ?? {},
    is_cover_overridable:
      optional<boolean>(body, 'is_cover_overridable', isBoolean, 'must be boolean') ?? true,
    is_theme_overridable:
      optional<boolean>(body, 'is_theme_overridable', isBoolean, 'must be boolean') ?? true,
    player_color:
      optional<string | null>(
        body,
        'player_color',
        playerColor,
        'must match pattern "^#[0-9A-Fa-f]{6}$"',
      )?.toUpperCase() ?? null,
  };
}

function collectionFields(body: Record<string, unknown>): Omit<StoredCollection, 'id' | 'cover'> {
  const title = body.title;
  if (title === undefined) throw invalid('title: is required');
  if (typeof title !== 'string' || title.length < 1 || title.length > 255) throw invalid('title: is invalid');
  const theme = optional<CollectionInput['theme']>(
    body,
    'theme',
    (value) =>
      Array.isArray(value) &&
      value.length <= 32 &&
      value.every((color) => isObject(color) && typeof color.hex === 'string' && HEX_COLOR.test(color.hex)),
    'must be an array of colors with a #RRGGBB hex',
  );
  const { player_color, ...shared } = sharedFields(body);
  return {
    title,
    ...shared,
    theme: (theme ?? []).map((color) => ({ ...color, hex: color.hex.toUpperCase() })),
    player_color,
    player_subtitle:
      optional<string | null>(body, 'player_subtitle', nullableString(255), 'is invalid') ?? null,
  };
}

function trackFields(body: Record<string, unknown>) {
  return {
    ...sharedFields(body),
    player_title: optional<string | null>(body, 'player_title', nullableString(255), 'is invalid') ?? null,
    player_subtitle:
      optional<string | null>(body, 'player_subtitle', nullableString(255), 'is invalid') ?? null,
  };
}

function paging(url: URL): { limit: number; offset: number } {
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = url.searchParams.get(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(`${name}: must be an integer from ${min} to ${max}`);
    }
    return value;
  };
  return { limit: integer('limit', 50, 1, 200), offset: integer('offset', 0, 0, Number.MAX_SAFE_INTEGER) };
}

/** The part of the URL before the API's own path, so links point wherever the mock is mounted. */
const baseOf = (url: URL, marker: string) =>
  url.origin + url.pathname.slice(0, url.pathname.lastIndexOf(marker));

/**
 * Duration in seconds of an uploaded file, or undefined when it is not audio (the track then ends
 * `failed`, as on the server): WAV, AIFF and FLAC read from their headers, other recognised audio
 * (MP3, Ogg, MP4) estimated from its size at 128 kbit/s.
 */
function probeAudio(bytes: Uint8Array): number | undefined {
  const type = sniffAudioType(bytes.subarray(0, 16));
  const extension = ACCEPTED_AUDIO_TYPES[type];
  if (extension) {
    const seconds = readAudioFormat(bytes, extension)?.durationSeconds;
    return seconds ? Math.round(seconds * 1000) / 1000 : undefined;
  }
  if (type === 'application/octet-stream') return undefined;
  return Math.round((bytes.length * 8 * 1000) / 128_000) / 1000;
}

function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (value) => value.toString(16).padStart(2, '0')).join('');
}

export const collectionsMockApi: MockApiDefinition<CollectionsMockState, OperationId> = {
  name: 'collections',
  routes: operationRoutes,
  pathPrefixes: ['/v1/collection', '/v1/track', '/v1/upload', '/media/covers'],
  createState: () => ({
    apiKeys: new Set([COLLECTIONS_MOCK_API_KEY]),
    collections: new Map(),
    tracks: new Map(),
    uploadUrls: new Map(),
    limits: { maxAudioBytes: 200 * 1024 * 1024, maxCoverBytes: 10 * 1024 * 1024, uploadTtlSeconds: 3600 },
  }),
  errorResponse(status, message) {
    const body: ErrorEnvelope = { ok: false, message, api_request_id: crypto.randomUUID() };
    return HttpResponse.json(body, { status });
  },
  handlers(state, { now }) {
    const ok = () => ({ ok: true as const, api_request_id: crypto.randomUUID() });

    function authenticate(request: Request) {
      const key = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')?.[1];
      if (!key) throw new MockHttpError(401, 'Unauthorized: send "Authorization: Bearer <API key>"');
      if (!state.apiKeys.has(key)) throw new MockHttpError(401, 'Unauthorized: unknown API key');
    }

    const coverUrl = (base: string, owner: Owner, id: string, image: StoredImage | null) =>
      image ? `${base}/media/covers/${owner}/${id}.${image.type}` : null;

    function collectionView(stored: StoredCollection, base: string): Collection {
      const { cover, ...fields } = stored;
      return {
        ...fields,
        ...derivePlayerColors(stored.player_color),
        cover_url: coverUrl(base, 'collection', stored.id, cover),
      };
    }

    function trackView(stored: StoredTrack, base: string): Track {
      const { cover, ...fields } = stored;
      const collection = state.collections.get(stored.collection_id);
      const own = cover && (collection?.is_cover_overridable ?? true);
      return {
        ...fields,
        track_status_id: stored.status,
        ...derivePlayerColors(stored.player_color),
        cover_url: own
          ? coverUrl(base, 'track', stored.id, cover)
          : collection
            ? coverUrl(base, 'collection', collection.id, collection.cover)
            : null,
      };
    }

    function findCollection(id: string | undefined): StoredCollection {
      const collection = state.collections.get(uuid(id, 'collection_id'));
      if (!collection) throw new MockHttpError(404, 'Collection not found');
      return collection;
    }

    function findTrack(id: string | undefined): StoredTrack {
      const track = state.tracks.get(uuid(id, 'track_id'));
      if (!track) throw new MockHttpError(404, 'Track not found');
      return track;
    }

    function issue(method: 'PUT' | 'POST', base: string, path: string): UploadHandle {
      const ttl = state.limits.uploadTtlSeconds;
      const expires = Math.floor(now().getTime() / 1000) + ttl;
      const signature = randomHex(32);
      state.uploadUrls.set(signature, { method, path, expires, used: false });
      return {
        method,
        upload_url: `${base}${path}?expires=${expires}&nonce=${randomHex(16)}&signature=${signature}`,
        ttl,
        expires_at: new Date(expires * 1000).toISOString().replace('.000Z', 'Z'),
      };
    }

    /** The issued URL this request uses, checked (but whether it was used already, see `unused`). */
    function issuedUrl({ request, url }: MockRequest, marker: string): IssuedUploadUrl {
      const expires = url.searchParams.get('expires');
      const signature = url.searchParams.get('signature') ?? '';
      if (expires === null || !/^\d+$/.test(expires)) throw invalid('expires: must be integer');
      if (!/^[0-9a-f]{64}$/.test(signature)) throw invalid('signature: must match pattern "^[0-9a-f]{64}$"');
      if (!/^[0-9a-f]{32}$/.test(url.searchParams.get('nonce') ?? '')) {
        throw invalid('nonce: must match pattern "^[0-9a-f]{32}$"');
      }
      const issued = state.uploadUrls.get(signature);
      const path = url.pathname.slice(url.pathname.lastIndexOf(marker));
      if (
        !issued ||
        issued.method !== request.method ||
        issued.path !== path ||
        issued.expires !== Number(expires) ||
        issued.expires <= Math.floor(now().getTime() / 1000)
      ) {
        throw uploadRejected();
      }
      return issued;
    }

    /** Checked after the target exists, as the server does: a deleted target is 404 even for a used URL. */
    function unused(issued: IssuedUploadUrl): IssuedUploadUrl {
      if (issued.used) throw uploadRejected();
      return issued;
    }

    async function coverImage(request: Request, body: ArrayBuffer): Promise<StoredImage> {
      const contentType = request.headers.get('content-type') ?? '';
      if (!/^multipart\/form-data\s*;/i.test(contentType)) {
        throw new MockHttpError(
          415,
          'Send the cover as multipart/form-data with the image in the "file" part',
        );
      }
      if (body.byteLength > state.limits.maxCoverBytes) {
        throw new MockHttpError(413, `File too large (limit ${state.limits.maxCoverBytes} bytes)`);
      }
      let form: FormData;
      try {
        form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
      } catch {
        throw invalid('The body is not a valid multipart/form-data form');
      }
      const file = form.get('file');
      if (file === null || typeof file === 'string')
        throw new MockHttpError(415, 'Cover must be a JPEG or PNG image');
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (bytes.length > state.limits.maxCoverBytes) {
        throw new MockHttpError(413, `File too large (limit ${state.limits.maxCoverBytes} bytes)`);
      }
      const type = sniffImage(bytes);
      if (!type) throw new MockHttpError(415, 'Cover must be a JPEG or PNG image');
      return { bytes, type };
    }

    return {
      listCollections({ request, url }) {
        authenticate(request);
        const { limit, offset } = paging(url);
        const all = [...state.collections.values()];
        const base = baseOf(url, '/v1/');
        return HttpResponse.json({
          ...ok(),
          count: all.length,
          collections: all.slice(offset, offset + limit).map((item) => collectionView(item, base)),
        });
      },
      async createCollection({ request, url }) {
        authenticate(request);
        const fields = collectionFields(await jsonBody(request));
        const id = crypto.randomUUID();
        const stored: StoredCollection = { id, ...fields, cover: null };
        state.collections.set(id, stored);
        const base = baseOf(url, '/v1/');
        return HttpResponse.json({
          ...ok(),
          collection_id: id,
          collection: collectionView(stored, base),
          collection_cover_upload: issue('POST', base, `/v1/upload/cover/collection/${id}`),
        });
      },
      getCollection({ request, url, params }) {
        authenticate(request);
        const collection = findCollection(params.collection_id);
        return HttpResponse.json({
          ...ok(),
          collection_id: collection.id,
          collection: collectionView(collection, baseOf(url, '/v1/')),
        });
      },
      async updateCollection({ request, url, params }) {
        authenticate(request);
        const id = uuid(params.collection_id, 'collection_id');
        const fields = collectionFields(await jsonBody(request));
        const collection = findCollection(id);
        Object.assign(collection, fields);
        return HttpResponse.json({
          ...ok(),
          collection_id: id,
          collection: collectionView(collection, baseOf(url, '/v1/')),
        });
      },
      deleteCollection({ request, url, params }) {
        authenticate(request);
        const collection = findCollection(params.collection_id);
        for (const [id, track] of state.tracks)
          if (track.collection_id === collection.id) state.tracks.delete(id);
        state.collections.delete(collection.id);
        return HttpResponse.json({
          ...ok(),
          collection_id: collection.id,
          deleted_collection: { ...collectionView(collection, baseOf(url, '/v1/')), cover_url: null },
        });
      },
      listCollectionTracks({ request, url, params }) {
        authenticate(request);
        const collection = findCollection(params.collection_id);
        const { limit, offset } = paging(url);
        const tracks = [...state.tracks.values()].filter((track) => track.collection_id === collection.id);
        const base = baseOf(url, '/v1/');
        return HttpResponse.json({
          ...ok(),
          count: tracks.length,
          tracks: tracks.slice(offset, offset + limit).map((track) => trackView(track, base)),
        });
      },
      createCollectionCover({ request, url, params }) {
        authenticate(request);
        const collection = findCollection(params.collection_id);
        const base = baseOf(url, '/v1/');
        return HttpResponse.json({
          ...ok(),
          collection_id: collection.id,
          collection: collectionView(collection, base),
          collection_cover_upload: issue('POST', base, `/v1/upload/cover/collection/${collection.id}`),
        });
      },
      async createTrack({ request, url }) {
        authenticate(request);
        const body = (await jsonBody(request)) as Partial<TrackCreate> & Record<string, unknown>;
        if (body.collection_id === undefined) throw invalid('collection_id: is required');
        const collectionId = uuid(body.collection_id, 'collection_id');
        if (body.file_name === undefined) throw invalid('file_name: is required');
        if (typeof body.file_name !== 'string' || body.file_name.length < 1 || body.file_name.length > 255) {
          throw invalid('file_name: is invalid');
        }
        const fields = trackFields(body);
        findCollection(collectionId);
        const id = crypto.randomUUID();
        const stored: StoredTrack = {
          id,
          collection_id: collectionId,
          file_name: body.file_name,
          ...fields,
          title: null,
          duration: null,
          status: 'initializing',
          cover: null,
        };
        state.tracks.set(id, stored);
        const base = baseOf(url, '/v1/');
        return HttpResponse.json({
          ...ok(),
          track_id: id,
          track: trackView(stored, base),
          track_upload: issue('PUT', base, `/v1/upload/track/${id}`),
          track_cover_upload: issue('POST', base, `/v1/upload/cover/track/${id}`),
        });
      },
      getTrack({ request, url, params }) {
        authenticate(request);
        const track = findTrack(params.track_id);
        return HttpResponse.json({
          ...ok(),
          track_id: track.id,
          track: trackView(track, baseOf(url, '/v1/')),
        });
      },
      async updateTrack({ request, url, params }) {
        authenticate(request);
        const id = uuid(params.track_id, 'track_id');
        const body = (await jsonBody(request)) as Partial<TrackUpdate> & Record<string, unknown>;
        const fields = trackFields(body);
        const title = optional<string | null>(body, 'title', nullableString(255), 'is invalid') ?? null;
        const track = findTrack(id);
        Object.assign(track, fields, { title });
        return HttpResponse.json({ ...ok(), track_id: id, track: trackView(track, baseOf(url, '/v1/')) });
      },
      deleteTrack({ request, url, params }) {
        authenticate(request);
        const track = findTrack(params.track_id);
        state.tracks.delete(track.id);
        return HttpResponse.json({
          ...ok(),
          track_id: track.id,
          deleted_track: { ...trackView(track, baseOf(url, '/v1/')), cover_url: null },
        });
      },
      createTrackCover({ request, url, params }) {
        authenticate(request);
        const track = findTrack(params.track_id);
        const base = baseOf(url, '/v1/');
        return HttpResponse.json({
          ...ok(),
          track_id: track.id,
          track: trackView(track, base),
          track_cover_upload: issue('POST', base, `/v1/upload/cover/track/${track.id}`),
        });
      },
      async uploadTrackAudio(mockRequest) {
        const { request, url, params } = mockRequest;
        // Read first: a request body MSW is never asked for can leave the client's fetch hanging.
        const bytes = new Uint8Array(await request.arrayBuffer());
        const id = uuid(params.track_id, 'track_id');
        const issued = issuedUrl(mockRequest, '/v1/upload/');
        const track = findTrack(id);
        unused(issued);
        const limit = state.limits.maxAudioBytes;
        if (bytes.length > limit) throw new MockHttpError(413, `File too large (limit ${limit} bytes)`);
        if (bytes.length === 0) throw invalid('The body is empty: send the audio file');
        issued.used = true;
        track.status = 'processing';
        track.duration = null;
        const response = HttpResponse.json({
          ...ok(),
          track_id: id,
          track: trackView(track, baseOf(url, '/v1/')),
        });
        // Processing is instant in the mock: the next read sees the outcome.
        const duration = probeAudio(bytes);
        track.status = duration === undefined ? 'failed' : 'ready';
        track.duration = duration ?? null;
        return response;
      },
      async uploadTrackCover(mockRequest) {
        const body = await mockRequest.request.arrayBuffer();
        const id = uuid(mockRequest.params.track_id, 'track_id');
        const issued = issuedUrl(mockRequest, '/v1/upload/');
        const track = findTrack(id);
        unused(issued);
        track.cover = await coverImage(mockRequest.request, body);
        issued.used = true;
        return HttpResponse.json({
          ...ok(),
          track_id: id,
          track: trackView(track, baseOf(mockRequest.url, '/v1/')),
        });
      },
      async uploadCollectionCover(mockRequest) {
        const body = await mockRequest.request.arrayBuffer();
        const id = uuid(mockRequest.params.collection_id, 'collection_id');
        const issued = issuedUrl(mockRequest, '/v1/upload/');
        const collection = findCollection(id);
        unused(issued);
        collection.cover = await coverImage(mockRequest.request, body);
        issued.used = true;
        return HttpResponse.json({
          ...ok(),
          collection_id: id,
          collection: collectionView(collection, baseOf(mockRequest.url, '/v1/')),
        });
      },
      getCoverImage({ params }) {
        const owner = params.owner_type;
        if (owner !== 'collection' && owner !== 'track')
          throw invalid('owner_type: must be one of collection, track');
        const match = COVER_FILE.exec(params.file_name ?? '');
        if (!match) throw invalid('file_name: must match pattern "^[0-9a-fA-F-]{36}\\.(jpg|png)$"');
        const id = (match[1] as string).toLowerCase();
        const image = owner === 'collection' ? state.collections.get(id)?.cover : state.tracks.get(id)?.cover;
        if (!image || image.type !== match[2]) throw new MockHttpError(404, 'Cover not found');
        return new HttpResponse(image.bytes as BodyInit, {
          headers: {
            'content-type': IMAGE_CONTENT_TYPES[image.type],
            'cache-control': 'no-cache',
          },
        });
      },
    };
  },
};
