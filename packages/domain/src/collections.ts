import {
  type Catalog,
  collectionsDemoAudio,
  collectionsDemoCollections,
  coverJpeg,
  demoCatalog,
  deterministicUuid,
} from '@music-apis/catalog';
import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/collections';
import { type CollectionsVariantRecord, organizationVariants } from './collections-variants.js';
import type { ErrorReply } from './envelope.js';

/**
 * The derived player colors of the collections API (`DerivedPlayerColor` in openapi/collections.yaml):
 * a variant of the chosen color readable on a light background and one readable on a dark background
 * (WCAG 2 contrast of at least 4.5), found by moving the HSL lightness in steps of 0.01. Here so the
 * server and the mock derive exactly the same colors.
 */

const MINIMUM_CONTRAST = 4.5;

type Rgb = [number, number, number];

function parseHex(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((channel) => channel.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}

function rgbToHsl([r, g, b]: Rgb): [number, number, number] {
  const [rn, gn, bn] = [r / 255, g / 255, b / 255];
  const max = Math.max(rn, gn, bn);
  const min = Math.min(rn, gn, bn);
  const lightness = (max + min) / 2;
  if (max === min) return [0, 0, lightness];
  const delta = max - min;
  const saturation = lightness > 0.5 ? delta / (2 - max - min) : delta / (max + min);
  let hue: number;
  if (max === rn) hue = (gn - bn) / delta + (gn < bn ? 6 : 0);
  else if (max === gn) hue = (bn - rn) / delta + 2;
  else hue = (rn - gn) / delta + 4;
  return [hue / 6, saturation, lightness];
}

function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  if (saturation === 0) {
    const gray = Math.round(lightness * 255);
    return [gray, gray, gray];
  }
  const q = lightness < 0.5 ? lightness * (1 + saturation) : lightness + saturation - lightness * saturation;
  const p = 2 * lightness - q;
  const channel = (offset: number) => {
    let t = hue + offset;
    if (t < 0) t += 1;
    if (t > 1) t -= 1;
    if (t < 1 / 6) return p + (q - p) * 6 * t;
    if (t < 1 / 2) return q;
    if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
    return p;
  };
  return [channel(1 / 3), channel(0), channel(-1 / 3)].map((value) => Math.round(value * 255)) as Rgb;
}

function relativeLuminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [relativeLuminance(parseHex(a)), relativeLuminance(parseHex(b))];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function adjustUntilReadable(hex: string, background: string, direction: 1 | -1): string {
  const rgb = parseHex(hex);
  const [hue, saturation, lightness] = rgbToHsl(rgb);
  let candidate = toHex(rgb);
  // At most 100 steps: lightness 0 (black) and 1 (white) pass against white and black respectively.
  for (let step = 1; contrastRatio(candidate, background) < MINIMUM_CONTRAST && step <= 100; step++) {
    const next = Math.min(1, Math.max(0, lightness + direction * step * 0.01));
    candidate = toHex(hslToRgb(hue, saturation, next));
  }
  return candidate;
}

export interface DerivedPlayerColors {
  player_color_light: string | null;
  player_color_dark: string | null;
}

/** `player_color_light` / `player_color_dark` for a `#RRGGBB` color (both `null` for `null`). */
export function derivePlayerColors(playerColor: string | null): DerivedPlayerColors {
  if (playerColor === null) return { player_color_light: null, player_color_dark: null };
  return {
    player_color_light: adjustUntilReadable(playerColor, '#FFFFFF', -1),
    player_color_dark: adjustUntilReadable(playerColor, '#000000', 1),
  };
}

/** The cover image types the collections API stores, by file extension. */
export type ImageType = 'jpg' | 'png';

export const IMAGE_CONTENT_TYPES: Readonly<Record<ImageType, string>> = {
  jpg: 'image/jpeg',
  png: 'image/png',
};

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image type from its first bytes, whatever the declared content type says; undefined when neither. */
export function sniffImage(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((byte, index) => bytes[index] === byte)) {
    return 'png';
  }
  return undefined;
}

// ——— records and views ———

type Collection = components['schemas']['Collection'];
type CollectionInput = components['schemas']['CollectionInput'];
type CollectionUpdate = components['schemas']['CollectionUpdate'];
type Track = components['schemas']['Track'];
type TrackCreate = components['schemas']['TrackCreate'];
type TrackUpdate = components['schemas']['TrackUpdate'];
type UploadHandle = components['schemas']['UploadHandle'];
type ImageColor = components['schemas']['ImageColor'];
type Organization = components['schemas']['Organization'];
type OrganizationUpdate = components['schemas']['OrganizationUpdate'];
type Creator = components['schemas']['Creator'];
type CreatorUpdate = components['schemas']['CreatorUpdate'];
type UploadSession = components['schemas']['UploadSession'];
type UploadSessionTrackInput = components['schemas']['UploadSessionTrackInput'];

/** Whose cover an image is: the two owners of `/media/covers/{owner_type}/{file_name}`. */
export type CoverOwner = 'collection' | 'track';

export type CollectionsTrackStatus = components['schemas']['TrackStatus'];

// ——— organizations ———

/**
 * Every API key belongs to an organization, as in the original service, and so does everything
 * created with it: another organization's collections and tracks do not exist for a key (404).
 */
export interface CollectionsOrganization {
  id: string;
  name: string;
}

/**
 * The organization of the keys and records that predate organizations, of the demo collections,
 * of `COLLECTIONS_API_KEY` and of the mock's key.
 */
export const COLLECTIONS_DEFAULT_ORGANIZATION: Readonly<CollectionsOrganization> = {
  id: deterministicUuid('collections-organization:default'),
  name: 'Default organization',
};

/** An organization's writable fields (its player defaults), as stored. */
export interface OrganizationFields {
  name: string;
  theme: ImageColor[];
  is_cover_overridable: boolean;
  is_theme_overridable: boolean;
  player_color: string | null;
  player_subtitle: string | null;
}

export interface OrganizationRecord extends OrganizationFields {
  id: string;
}

/** The settings of an organization nobody has changed yet (the migration's column defaults). */
export const ORGANIZATION_DEFAULTS: Readonly<Omit<OrganizationFields, 'name'>> = {
  theme: [],
  is_cover_overridable: true,
  is_theme_overridable: true,
  player_color: null,
  player_subtitle: null,
};

/** An update of an organization: the fields sent, normalised as a collection's; nothing else. */
export function organizationChanges(body: OrganizationUpdate): Partial<OrganizationFields> {
  const { theme, is_cover_overridable, is_theme_overridable, player_color, player_subtitle } =
    collectionFields({ ...body, title: '' });
  const fields = { theme, is_cover_overridable, is_theme_overridable, player_color, player_subtitle };
  return sentOnly({ name: body.name ?? '', ...fields }, body);
}

export function organizationView(record: OrganizationRecord): Organization {
  return { ...record, ...derivePlayerColors(record.player_color) };
}

export const organizationNotFound = () => new HttpError(404, 'Organization not found');
export const organizationNameTaken = (name: string) =>
  new HttpError(409, `Another organization is named ${JSON.stringify(name)}`);

// ——— creators ———

/** A stored creator; times are epoch milliseconds. */
export interface CreatorRecord {
  id: string;
  organization_id: string;
  organization_index: string;
  metadata: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}

/** An update of a creator: the fields sent, nothing else. */
export function creatorChanges(
  body: CreatorUpdate,
): Partial<Pick<CreatorRecord, 'organization_index' | 'metadata'>> {
  return sentOnly({ organization_index: body.organization_index ?? '', metadata: body.metadata ?? {} }, body);
}

export function creatorView(record: CreatorRecord): Creator {
  return {
    ...record,
    // The original provisions a storage folder per creator; the reference server has none.
    folder_id: null,
    created_at: new Date(record.created_at).toISOString(),
    updated_at: new Date(record.updated_at).toISOString(),
  };
}

export const creatorNotFound = () => new HttpError(404, 'Creator not found');

/**
 * The creator a create or update body names, when it names one (not `null`): it must be a creator of
 * the caller's organization, else the same 404 as an unknown creator.
 */
export function namedCreatorId(body: { creator_id?: string | null }): string | undefined {
  return typeof body.creator_id === 'string' ? body.creator_id.toLowerCase() : undefined;
}

/** A collection's writable fields, as stored (every one set). */
export interface CollectionFields {
  title: string;
  creator_id: string | null;
  organization_index: string | null;
  metadata: Record<string, unknown>;
  theme: ImageColor[];
  is_cover_overridable: boolean;
  is_theme_overridable: boolean;
  player_color: string | null;
  player_subtitle: string | null;
}

/**
 * A stored collection: its fields, its id, its organization and the blob key of its cover (the key
 * ends in `.jpg`/`.png`).
 */
export interface CollectionRecord extends CollectionFields {
  id: string;
  organization_id: string;
  cover_key: string | null;
}

/** A track's writable fields, as stored. */
export interface CollectionTrackFields {
  creator_id: string | null;
  organization_index: string | null;
  metadata: Record<string, unknown>;
  is_cover_overridable: boolean;
  is_theme_overridable: boolean;
  player_title: string | null;
  player_subtitle: string | null;
  player_color: string | null;
}

/** A stored track of a collection (of the collection's organization). */
export interface CollectionTrackRecord extends CollectionTrackFields {
  id: string;
  organization_id: string;
  collection_id: string;
  file_name: string;
  title: string | null;
  duration: number | null;
  status: CollectionsTrackStatus;
  /** Why processing ended in `incomplete`, `error` or `init_error`; null otherwise. */
  status_text: string | null;
  audio_key: string | null;
  cover_key: string | null;
  /** The durable delivery prefix of the track's files (`trackBasePath`). */
  base_path: string;
  /** The 320 waveform levels (0–1), once processing made them. */
  levels: number[] | null;
  /** The palette of the cover embedded in the upload (empty when there was none). */
  theme: ImageColor[];
}

/**
 * The durable delivery prefix of a track's files (the processing guide's `track.base_path`): each
 * file is this plus `_<variant index>.<extension>`. Fixed at creation, so it can be stored by clients.
 */
export const trackBasePath = (organizationId: string, trackId: string) => `/${organizationId}/${trackId}`;

/** The blob key of a track's file of a variant (`track.base_path` + `_` + index + `.` + extension). */
export const trackFileKey = (basePath: string, index: string, extension: string) =>
  `collections/delivery${basePath}_${index}.${extension}`;

/** The track's `base_url`: `base_path` under the server's delivery prefix. */
export const trackBaseUrl = (baseUrl: string, basePath: string) => `${baseUrl}/media/delivery${basePath}`;

/** A new collection's fields: a writable field the create body leaves out gets its default. */
export function collectionFields(input: CollectionInput): CollectionFields {
  return {
    title: input.title,
    creator_id: input.creator_id ?? null,
    organization_index: input.organization_index ?? null,
    metadata: input.metadata ?? {},
    theme: (input.theme ?? []).map((color) => ({ ...color, hex: color.hex.toUpperCase() })),
    is_cover_overridable: input.is_cover_overridable ?? true,
    is_theme_overridable: input.is_theme_overridable ?? true,
    // Kept as sent: clients compare the color they set with the one they read back.
    player_color: input.player_color ?? null,
    player_subtitle: input.player_subtitle ?? null,
  };
}

/** A new track's fields: a writable field the create body leaves out gets its default. */
export function trackFields(input: TrackCreate | TrackUpdate): CollectionTrackFields {
  return {
    creator_id: input.creator_id ?? null,
    organization_index: input.organization_index ?? null,
    metadata: input.metadata ?? {},
    is_cover_overridable: input.is_cover_overridable ?? true,
    is_theme_overridable: input.is_theme_overridable ?? true,
    player_title: input.player_title ?? null,
    player_subtitle: input.player_subtitle ?? null,
    player_color: input.player_color ?? null,
  };
}

/** The entries of `fields` whose key the body named: an update changes only what it sends. */
const sentOnly = <Fields extends object>(fields: Fields, body: object): Partial<Fields> =>
  Object.fromEntries(Object.entries(fields).filter(([key]) => Object.hasOwn(body, key))) as Partial<Fields>;

/** An update of a collection: the fields sent, normalised as on create (`null` resets one); nothing else. */
export function collectionChanges(body: CollectionUpdate): Partial<CollectionFields> {
  return sentOnly(collectionFields({ title: '', ...body }), body);
}

/** An update of a track: the fields sent (its `title` included), normalised as on create; nothing else. */
export function trackChanges(body: TrackUpdate): Partial<CollectionTrackFields & { title: string | null }> {
  return sentOnly({ ...trackFields(body), title: body.title ?? null }, body);
}

/** The public URL of a stored cover; the image type is the blob key's extension. */
export function coverUrl(baseUrl: string, owner: CoverOwner, id: string, coverKey: string): string {
  return `${baseUrl}/media/covers/${owner}/${id}.${coverKey.slice(coverKey.lastIndexOf('.') + 1)}`;
}

const COVER_FILE = /^([0-9a-fA-F-]{36})\.(jpg|png)$/;

/** The owner id (lower-case) and image type of a cover's `file_name`; undefined when it is not one. */
export function parseCoverFileName(fileName: string): { id: string; type: ImageType } | undefined {
  const match = COVER_FILE.exec(fileName);
  if (!match) return undefined;
  return { id: (match[1] as string).toLowerCase(), type: match[2] as ImageType };
}

/** A collection as the API shows it: derived player colors and the cover URL under `baseUrl`. */
export function collectionView(record: CollectionRecord, baseUrl: string): Collection {
  const { cover_key, organization_id, ...fields } = record;
  return {
    ...fields,
    ...derivePlayerColors(record.player_color),
    cover_url: cover_key ? coverUrl(baseUrl, 'collection', record.id, cover_key) : null,
  };
}

/** A track as the API shows it: its own cover while its collection allows it, else the collection's. */
export function trackView(
  record: CollectionTrackRecord,
  collection: CollectionRecord | undefined,
  baseUrl: string,
): Track {
  const { audio_key, cover_key, organization_id, levels, ...fields } = record;
  let cover: string | null = null;
  if (cover_key && (collection?.is_cover_overridable ?? true)) {
    cover = coverUrl(baseUrl, 'track', record.id, cover_key);
  } else if (collection?.cover_key) {
    cover = coverUrl(baseUrl, 'collection', collection.id, collection.cover_key);
  }
  return {
    ...fields,
    track_status_id: record.status,
    ...derivePlayerColors(record.player_color),
    base_url: trackBaseUrl(baseUrl, record.base_path),
    cover_url: cover,
  };
}

// ——— upload sessions ———

/** A stored upload session; `expires_at` is epoch milliseconds. */
export interface UploadSessionRecord {
  id: string;
  organization_id: string;
  collection_id: string;
  creator_id: string | null;
  organization_index: string | null;
  metadata: Record<string, unknown>;
  expires_at: number;
}

export const UPLOAD_SESSION_DEFAULT_EXPIRES_IN = 3600;

export function uploadSessionView(record: UploadSessionRecord): UploadSession {
  const { organization_id, expires_at, ...fields } = record;
  return { ...fields, expires_at: new Date(expires_at).toISOString() };
}

/**
 * The color of a session's player and uploader: the collection's own, unless it has none or its
 * organization does not let collections override the theme; then the organization's.
 */
export function sessionPlayerColors(
  organization: Pick<OrganizationRecord, 'player_color' | 'is_theme_overridable'>,
  collection: Pick<CollectionRecord, 'player_color'>,
): { player_color: string | null } & DerivedPlayerColors {
  const own = organization.is_theme_overridable ? collection.player_color : null;
  const player_color = own ?? organization.player_color;
  return { player_color, ...derivePlayerColors(player_color) };
}

/**
 * The track a session makes for a file: in the session's collection, with its creator; the body's
 * `organization_index` or else the session's, and the session's `metadata` with the body's over it.
 */
export function uploadSessionTrackFields(
  session: UploadSessionRecord,
  body: UploadSessionTrackInput,
): CollectionTrackFields {
  return {
    ...trackFields({ ...body, collection_id: session.collection_id }),
    creator_id: session.creator_id,
    organization_index: body.organization_index ?? session.organization_index,
    metadata: { ...session.metadata, ...body.metadata },
  };
}

/** Whether a session still takes tracks at `now` (epoch ms). */
export const uploadSessionOpen = (session: Pick<UploadSessionRecord, 'expires_at'>, now: number) =>
  session.expires_at > now;

export const uploadSessionNotFound = () => new HttpError(404, 'Upload session not found');
/** The session id is the credential: once expired, it no longer authorizes anything (401). */
export const uploadSessionExpired = () => new HttpError(401, 'Upload session expired');
export const uploadSessionCollectionRequired = () =>
  new HttpError(400, 'collection_id is required (the API key is not scoped to a collection)');

// ——— demo data ———

/** A file of the demo data: its blob key and its bytes (made on demand: the audio is large). */
export interface CollectionsDemoFile {
  key: string;
  bytes(): Uint8Array;
}

export interface CollectionsDemoData {
  /** In creation order: they come first in every list. */
  collections: CollectionRecord[];
  /** Processed: `ready`, with the real duration of their audio. */
  tracks: CollectionTrackRecord[];
  /** The images behind the records' `cover_key`s. */
  covers: CollectionsDemoFile[];
  /** The audio behind the tracks' `audio_key`s. */
  audio: CollectionsDemoFile[];
  /**
   * Each track's `original` variant file (its WAV, the same blob as `audio_key`): what play sessions
   * and delivery URLs serve of the demo tracks, which were never processed.
   */
  originalFiles: { track_id: string; variant_id: string; blob_key: string; content_type: string }[];
}

/**
 * The demo collections (`collectionsDemoCollections` of the catalog) as stored records of the
 * default organization, with the defaults a create would fill in. Blob keys are fixed, so instances
 * seeding at once write the same files.
 */
export function collectionsDemoData(catalog: Catalog = demoCatalog): CollectionsDemoData {
  const data: CollectionsDemoData = { collections: [], tracks: [], covers: [], audio: [], originalFiles: [] };
  const original = organizationVariants(COLLECTIONS_DEFAULT_ORGANIZATION.id).find(
    (variant) => variant.type === 'original',
  ) as CollectionsVariantRecord;
  for (const demo of collectionsDemoCollections(catalog)) {
    const coverKey = `collections/covers/collection/${demo.id}-demo.jpg`;
    data.collections.push({
      id: demo.id,
      organization_id: COLLECTIONS_DEFAULT_ORGANIZATION.id,
      ...collectionFields({
        title: demo.title,
        organization_index: demo.organizationIndex,
        metadata: demo.metadata,
        player_color: demo.playerColor,
        player_subtitle: demo.playerSubtitle,
      }),
      cover_key: coverKey,
    });
    data.covers.push({ key: coverKey, bytes: () => coverJpeg(demo.coverIndex) });
    for (const track of demo.tracks) {
      const audioKey = `collections/audio/${track.id}/demo.wav`;
      const trackCoverKey =
        track.coverIndex === null ? null : `collections/covers/track/${track.id}-demo.jpg`;
      data.tracks.push({
        id: track.id,
        organization_id: COLLECTIONS_DEFAULT_ORGANIZATION.id,
        collection_id: demo.id,
        file_name: track.fileName,
        ...trackFields({ collection_id: demo.id, file_name: track.fileName, metadata: track.metadata }),
        title: track.title,
        duration: track.seconds,
        status: 'ready',
        status_text: null,
        audio_key: audioKey,
        cover_key: trackCoverKey,
        base_path: trackBasePath(COLLECTIONS_DEFAULT_ORGANIZATION.id, track.id),
        levels: null,
        theme: [],
      });
      data.audio.push({ key: audioKey, bytes: () => collectionsDemoAudio(track) });
      data.originalFiles.push({
        track_id: track.id,
        variant_id: original.id,
        blob_key: audioKey,
        content_type: 'audio/vnd.wave',
      });
      const { coverIndex } = track;
      if (trackCoverKey && coverIndex !== null) {
        data.covers.push({ key: trackCoverKey, bytes: () => coverJpeg(coverIndex) });
      }
    }
  }
  return data;
}

/** The path a cover upload URL is issued for. */
export const coverUploadPath = (owner: CoverOwner, id: string) => `/v1/upload/cover/${owner}/${id}`;
/** The path an audio upload URL is issued for. */
export const audioUploadPath = (trackId: string) => `/v1/upload/track/${trackId}`;

/**
 * An upload handle as the API answers it: `upload_url` is `path` under `baseUrl` with the signed
 * query (`expires`, `nonce`, `signature`); `expires_at` is `expires` (epoch seconds) in ISO form.
 */
export function uploadHandle<Method extends 'PUT' | 'POST'>(options: {
  method: Method;
  baseUrl: string;
  path: string;
  expires: number;
  nonce: string;
  signature: string;
  ttl: number;
}): UploadHandle & { method: Method } {
  const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}${options.path}`);
  url.searchParams.set('expires', String(options.expires));
  url.searchParams.set('nonce', options.nonce);
  url.searchParams.set('signature', options.signature);
  return {
    method: options.method,
    upload_url: url.toString(),
    ttl: options.ttl,
    expires_at: new Date(options.expires * 1000).toISOString().replace('.000Z', 'Z'),
  };
}

/** The body answering every successful call, before its own fields. */
export const collectionsOk = (apiRequestId: string) => ({ ok: true as const, api_request_id: apiRequestId });

// ——— error texts ———

export const collectionNotFound = () => new HttpError(404, 'Collection not found');
export const collectionTrackNotFound = () => new HttpError(404, 'Track not found');
export const coverNotFound = () => new HttpError(404, 'Cover not found');
/** A bad, expired or already used upload URL: one answer for all, so a URL cannot be probed. */
export const uploadUrlRejected = () => new HttpError(403, 'Upload URL expired, already used or invalid');

/** Statuses after which processing does no more (the processing guide's terminal statuses). */
export const TERMINAL_TRACK_STATUSES: ReadonlySet<CollectionsTrackStatus> = new Set([
  'ready',
  'incomplete',
  'error',
  'init_error',
]);

/** `status_text` of a track whose upload is not decodable audio (`init_error`). */
export const NOT_AUDIO_TEXT = 'The uploaded file is not audio that can be decoded';
/** `status_text` of a track whose processing job gave up (`error`). */
export const PROCESSING_GAVE_UP_TEXT = 'Processing failed repeatedly: upload the file again';

/**
 * A new audio upload URL (`createTrackUpload`) is for a track still waiting for usable audio: none
 * arrived yet (`initialized`), what arrived was not audio (`init_error`) or processing gave up on it
 * (`error`). While usable audio is in (processing, ready, incomplete), 409.
 */
export function assertAwaitingAudio(track: { status: CollectionsTrackStatus }): void {
  if (track.status === 'initialized' || track.status === 'init_error' || track.status === 'error') return;
  throw new HttpError(
    409,
    `The track's audio is uploaded already (status ${track.status}): create a new track to replace it`,
  );
}
export const fileTooLarge = (limitBytes: number) =>
  new HttpError(413, `File too large (limit ${limitBytes} bytes)`);
export const emptyAudioUpload = () => new HttpError(400, 'The body is empty: send the audio file');
export const coverNotMultipart = () =>
  new HttpError(415, 'Send the cover as multipart/form-data with the image in the "file" part');
export const unsupportedCoverImage = () => new HttpError(415, 'Cover must be a JPEG or PNG image');

/**
 * The image of a cover upload: the `file` part of a `multipart/form-data` body, JPEG or PNG by its
 * bytes. Size limits are the caller's (413 before or while reading); this checks the form (415, 400).
 */
export async function readCoverUpload(
  contentType: string,
  body: Uint8Array,
): Promise<{ bytes: Uint8Array; type: ImageType }> {
  if (!/^multipart\/form-data\s*;/i.test(contentType)) throw coverNotMultipart();
  let form: FormData;
  try {
    form = await new Response(body as BodyInit, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new HttpError(400, 'The body is not a valid multipart/form-data form');
  }
  const file = form.get('file');
  if (file === null || typeof file === 'string') throw unsupportedCoverImage();
  const bytes = new Uint8Array(await file.arrayBuffer());
  const type = sniffImage(bytes);
  if (!type) throw unsupportedCoverImage();
  return { bytes, type };
}

// ——— the collections envelope ———

/** Statuses the service documents; anything else is answered as a 500. */
const STATUSES_KEPT = new Set([400, 401, 403, 404, 405, 409, 413, 415, 416, 422]);

/** `{ ok: false, message, api_request_id }` for every collections error. */
export function collectionsErrorReply(error: HttpError, apiRequestId: string): ErrorReply {
  const status = STATUSES_KEPT.has(error.status) ? error.status : 500;
  const body: components['schemas']['ErrorEnvelope'] = {
    ok: false,
    message: status === 500 ? 'Internal server error' : error.message,
    api_request_id: apiRequestId,
  };
  return { status, body, headers: error.options.headers };
}

/** The API key of `Authorization: Bearer <key>`, or the service's 401. */
export function collectionsApiKey(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new HttpError(401, 'Unauthorized: send "Authorization: Bearer <API key>"');
  return match[1] as string;
}

export const unknownApiKey = () => new HttpError(401, 'Unauthorized: unknown API key');

// ——— API keys: types, scopes, expiry ———

type ApiKeyInput = components['schemas']['ApiKeyInput'];

/** `api`: an API Access key (full access, made by the operator); the others come from `createApiKey`. */
export type CollectionsApiKeyType = 'api' | components['schemas']['ApiKeyType'];

/** What a key is limited to; `null` fields do not limit. */
export interface CollectionsKeyScope {
  collection_id: string | null;
  track_id: string | null;
  creator_id: string | null;
}

/** A key as stored (without the key itself). */
export interface CollectionsApiKeyGrant extends CollectionsKeyScope {
  organization_id: string;
  type: CollectionsApiKeyType;
  variants: string[] | null;
  /** Epoch ms; `null`: never expires. */
  expires_at: number | null;
}

/** Who a verified key acts for: the principal of `BearerAuth`, in the server and the mock. */
export interface CollectionsCaller {
  organizationId: string;
  type: CollectionsApiKeyType;
  scope: CollectionsKeyScope;
  /** The variants a player key may play; null: any. */
  variants: string[] | null;
}

const UNSCOPED: Readonly<CollectionsKeyScope> = { collection_id: null, track_id: null, creator_id: null };

/** The grant of an API Access key of an organization (full access, no scope, no expiry). */
export const fullAccessGrant = (organizationId: string): CollectionsApiKeyGrant => ({
  organization_id: organizationId,
  type: 'api',
  ...UNSCOPED,
  variants: null,
  expires_at: null,
});

/**
 * What each client-side type may call, from the original's roles ("Player role: read playback;
 * Uploader role: write to one collection"); an API Access key calls everything. A share key lives in
 * share URLs, so as a Bearer key it calls nothing. Organization and creator administration, deletes
 * and updates, and minting keys stay with API Access keys.
 */
// Every operation listed here applies the key's scope (collectionInScope, trackInScope); the
// others are reached by unscoped API Access keys only.
const PLAYER_OPERATIONS = ['listCollections', 'getCollection', 'listCollectionTracks', 'getTrack'];
const KEY_TYPE_OPERATIONS: Readonly<Record<Exclude<CollectionsApiKeyType, 'api'>, ReadonlySet<string>>> = {
  // Play sessions are the player role's ("read playback"); the uploader's is writing.
  player: new Set([...PLAYER_OPERATIONS, 'createPlaySession', 'getPlaySession']),
  uploader: new Set([
    ...PLAYER_OPERATIONS,
    'createTrack',
    'createUploadSession',
    'createTrackCover',
    'createTrackUpload',
  ]),
  share: new Set(),
};

/** 401 past the key's expiry (as an unknown key: it no longer authenticates). */
export function assertApiKeyUsable(grant: Pick<CollectionsApiKeyGrant, 'expires_at'>, now: number): void {
  if (grant.expires_at !== null && grant.expires_at <= now) {
    throw new HttpError(401, 'Unauthorized: the API key has expired');
  }
}

/** 403 when the key's type may not call the operation (the original's "forbidden key type"). */
export function assertKeyTypeAllows(type: CollectionsApiKeyType, operationId: string): void {
  if (type === 'api' || KEY_TYPE_OPERATIONS[type].has(operationId)) return;
  throw new HttpError(
    403,
    operationId === 'createApiKey'
      ? 'Forbidden: only an API Access key can create API keys'
      : `Forbidden: a ${type} key cannot call ${operationId}`,
  );
}

/** The principal of a verified, unexpired key, or the 403 of its type for this operation. */
export function callerOfGrant(
  grant: CollectionsApiKeyGrant,
  operationId: string,
  now: number,
): CollectionsCaller {
  assertApiKeyUsable(grant, now);
  assertKeyTypeAllows(grant.type, operationId);
  return {
    organizationId: grant.organization_id,
    type: grant.type,
    scope: { collection_id: grant.collection_id, track_id: grant.track_id, creator_id: grant.creator_id },
    variants: grant.variants,
  };
}

/** Whether a collection of the caller's organization is in its key's scope (a track key sees none). */
export function collectionInScope(
  scope: CollectionsKeyScope,
  collection: { id: string; creator_id: string | null },
) {
  return (
    scope.track_id === null &&
    (scope.collection_id === null || scope.collection_id === collection.id) &&
    (scope.creator_id === null || scope.creator_id === collection.creator_id)
  );
}

export function trackInScope(
  scope: CollectionsKeyScope,
  track: { id: string; collection_id: string; creator_id: string | null },
) {
  return (
    (scope.track_id === null || scope.track_id === track.id) &&
    (scope.collection_id === null || scope.collection_id === track.collection_id) &&
    (scope.creator_id === null || scope.creator_id === track.creator_id)
  );
}

/**
 * The creator a new track or session gets: the one the body names, else a creator-scoped key's own
 * (so the key still sees what it made). Naming another creator is a 404, as an unknown one.
 */
export function creatorForNewRow<Body extends { creator_id?: string | null }>(
  scope: CollectionsKeyScope,
  body: Body,
): Body {
  if (scope.creator_id === null) return body;
  const named = namedCreatorId(body);
  if (named !== undefined && named !== scope.creator_id) throw creatorNotFound();
  return { ...body, creator_id: scope.creator_id };
}

/**
 * The collection `createUploadSession` takes: the body's, else the collection-scoped key's (the
 * original: "`collection_id` required unless the API key is scoped to a collection").
 */
export function uploadSessionCollectionId(
  scope: CollectionsKeyScope,
  body: { collection_id?: string },
): string {
  const id = body.collection_id ?? scope.collection_id;
  if (id === null || id === undefined) throw uploadSessionCollectionRequired();
  return id.toLowerCase();
}

/**
 * The stored form of a `createApiKey` body, after the checks the schema cannot make; the ids it
 * names are checked against the organization by the caller (404 when not its own).
 */
export function apiKeyGrantOf(
  organizationId: string,
  input: ApiKeyInput,
  now: number,
): CollectionsApiKeyGrant {
  if (input.track_id !== undefined && input.collection_id === undefined) {
    throw new HttpError(400, 'track_id requires collection_id (the collection the track belongs to)');
  }
  if (input.api_key_type_id === 'share' && input.variants?.length !== 1) {
    throw new HttpError(400, 'variants: a share key needs exactly one variant');
  }
  // The original ignores expires_at for share keys.
  const expiresAt =
    input.api_key_type_id === 'share' || input.expires_at === undefined ? null : Date.parse(input.expires_at);
  if (expiresAt !== null && !(expiresAt > now)) {
    throw new HttpError(400, 'expires_at: must be in the future');
  }
  return {
    organization_id: organizationId,
    type: input.api_key_type_id,
    collection_id: input.collection_id?.toLowerCase() ?? null,
    track_id: input.track_id?.toLowerCase() ?? null,
    creator_id: input.creator_id?.toLowerCase() ?? null,
    variants: input.variants ?? null,
    expires_at: expiresAt,
  };
}
