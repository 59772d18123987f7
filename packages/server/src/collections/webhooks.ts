import { createHash, createHmac, randomUUID } from 'node:crypto';
import {
  type CollectionsTrackStatus,
  type CollectionsVariantRecord,
  type CollectionTrackRecord,
  coverUrl,
  DELIVERY_PREFIX,
  deliveryFilePath,
  derivePlayerColors,
  fileExtension,
  IMAGE_CONTENT_TYPES,
  type ImageType,
  type VariantTypeId,
} from '@music-apis/domain';
import type { components } from '@music-apis/spec/collections';
import type { Knex } from '../core/db.js';
import type { Job, JobQueue } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { BlobStore } from '../core/storage.js';
import type { TrackFileRecord } from './variant-repository.js';
import { subscribedEndpoints, WEBHOOK_TABLES, type WebhookEventName } from './webhook-store.js';

/**
 * The collections API's webhooks: Track Processing (`track.status_changed`), Track File
 * (`track_file.created` / `track_file.failed`) and Collection Sync (`collection.created` /
 * `updated` / `deleted`), with the original's payloads and `X-ADN-Event` header.
 *
 * The original sends its webhooks unsigned. Ours are also signed, as the Standard Webhooks
 * specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256
 * of "id.timestamp.body">`): a receiver written for the original ignores the extra headers, one that
 * verifies uses the SDK's `verifyWebhookSignature` or any Standard Webhooks library. `webhook-id` is
 * the idempotency id: the same on every retry of a delivery.
 *
 * Every delivery is a row plus a job of the durable queue, so it is retried with backoff by whichever
 * instance is up; a 2xx ends it, anything else (an error status, a redirect, a timeout, a refused
 * connection) is retried until the attempts are used up, and then the row stays as `failed`.
 */

export const WEBHOOK_DELIVERY_QUEUE = 'collections.webhook-delivery';

type Collection = components['schemas']['Collection'];

/** The guide's terminal statuses, the only ones Track Processing delivers. */
export type WebhookTrackStatus = 'ready' | 'incomplete' | 'error' | 'init_error';

/** The terminal statuses deliver Track Processing under their own names; transitional ones nothing (undefined). */
export function webhookTrackStatus(status: CollectionsTrackStatus): WebhookTrackStatus | undefined {
  switch (status) {
    case 'ready':
    case 'incomplete':
    case 'error':
    case 'init_error':
      return status;
    default:
      return undefined;
  }
}

/** A file of a track as the Track Processing `files[]` and Track File `file` show it. */
export interface WebhookTrackFile {
  id: string;
  path: string;
  url: string | null;
  size: number | null;
  content_type: string | null;
  file_name: string;
  is_public: boolean;
  is_success: boolean;
  status_text: string | null;
  data: Record<string, unknown> | null;
  props: Record<string, unknown> | null;
  /** The variant the file is an output of; null for the original upload and the cover, which are no variant's. */
  variant: {
    id: string;
    index: string;
    variant_type: { id: string; viewer_id: string; title: string };
  } | null;
}

/**
 * A file's id, derived from its blob key: the same file always has the same id (receivers key on
 * `file_id`), without a table of files. Blob keys carry a UUID of their own, so ids never repeat.
 */
export function trackFileId(blobKey: string): string {
  const hex = createHash('sha256').update(`collections-file:${blobKey}`).digest('hex');
  // Shaped as a version 8 (custom) UUID, so it validates wherever a UUID is expected.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The uploaded original audio as a track file: stored, or failed with the reason. */
export function originalAudioFile(
  track: CollectionTrackRecord,
  audioKey: string,
  outcome: { size: number | null; failure: string | null },
): WebhookTrackFile {
  return {
    id: trackFileId(audioKey),
    path: audioKey,
    // The reference server serves no public URL for a track's audio.
    url: null,
    size: outcome.size,
    content_type: null,
    file_name: track.file_name,
    is_public: false,
    is_success: outcome.failure === null,
    status_text: outcome.failure,
    data: null,
    props: null,
    variant: null,
  };
}

/** The variant-types guide's names of the variant types (`variant.variant_type.title`). */
const VARIANT_TYPE_TITLES: Readonly<Record<VariantTypeId, string>> = {
  transcode: 'Transcoded Version',
  preview: 'Preview Clip',
  levels: 'Audio Analysis',
  waveform_video: 'Waveform Video',
  waveform_image: 'Waveform Image',
  original: 'Original Upload',
  cover: 'Cover Image',
};

/**
 * A track's file of a variant, made or failed, as a track file. `url` is its delivery URL, unsigned:
 * the durable address, which a receiver signs (or gets from a play session) to fetch it.
 */
export function variantFile(
  track: CollectionTrackRecord,
  variant: CollectionsVariantRecord,
  file: TrackFileRecord,
  baseUrl: string,
): WebhookTrackFile {
  const path = file.blob_key
    ? deliveryFilePath(track.base_path, variant.index, fileExtension(file.blob_key))
    : `${track.base_path}_${variant.index}`;
  return {
    // Of this upload's file: a later upload replaces the file at the same key, and is a new file.
    id: trackFileId(`${track.audio_key}:${file.blob_key ?? `failed:${variant.id}`}`),
    path,
    url: file.is_success ? `${baseUrl}${DELIVERY_PREFIX}${path}` : null,
    size: file.size,
    content_type: file.content_type,
    file_name: path.slice(path.lastIndexOf('/') + 1),
    // Served by signed URLs only.
    is_public: false,
    is_success: file.is_success === true,
    status_text: file.status_text,
    data: null,
    props: null,
    variant: {
      id: variant.id,
      index: variant.index,
      variant_type: { id: variant.type, viewer_id: variant.type, title: VARIANT_TYPE_TITLES[variant.type] },
    },
  };
}

/** A track's stored cover image as a track file. */
export function coverFile(
  track: CollectionTrackRecord,
  coverKey: string,
  size: number | null,
  baseUrl: string,
): WebhookTrackFile {
  const type = coverKey.slice(coverKey.lastIndexOf('.') + 1) as ImageType;
  return {
    id: trackFileId(coverKey),
    path: coverKey,
    url: coverUrl(baseUrl, 'track', track.id, coverKey),
    size,
    content_type: IMAGE_CONTENT_TYPES[type],
    file_name: coverKey.slice(coverKey.lastIndexOf('/') + 1),
    is_public: true,
    is_success: true,
    status_text: null,
    data: null,
    props: null,
    variant: null,
  };
}

/** `track` of the Track Processing payload. */
function webhookTrack(
  track: CollectionTrackRecord,
  status: WebhookTrackStatus,
  size: number | null,
  filesCompletedAt: string | null,
) {
  return {
    id: track.id,
    track_status_id: status,
    // The reference server's tracks have no index of their own: their id is their public key.
    index: track.id,
    organization_index: track.organization_index,
    file_name: track.file_name,
    file_name_original: track.file_name,
    player_title: track.player_title,
    player_subtitle: track.player_subtitle,
    player_color: track.player_color,
    ...derivePlayerColors(track.player_color),
    // Tracks are in creation order; there is no manual order to report.
    order: 0,
    format: null,
    metadata: track.metadata,
    duration: track.duration,
    size,
    files_completed_at: filesCompletedAt,
  };
}

/** `webhook-signature` of a delivery: Standard Webhooks v1 (HMAC-SHA256 with the secret's key bytes). */
export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export interface WebhookDeliveryOptions {
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

const DELIVERED_RETENTION_MS = 7 * 24 * 60 * 60_000;
const PRUNE_INTERVAL_MS = 10 * 60_000;

export function createCollectionsWebhooks(options: {
  db: Knex;
  jobs: JobQueue;
  blobs: BlobStore;
  logger: Logger;
  delivery: WebhookDeliveryOptions;
  /** The origin of URLs in payloads fired by jobs, which have no request: PUBLIC_URL or the local one. */
  jobBaseUrl: string;
  now?: () => number;
  fetch?: typeof fetch;
}) {
  const { db, jobs, blobs, logger, delivery } = options;
  const now = options.now ?? Date.now;
  const send = options.fetch ?? fetch;
  let lastPrune = 0;

  /**
   * Records the event for each endpoint of the organization that takes it and enqueues its delivery,
   * both in one transaction. An event key already recorded for an endpoint is not recorded again.
   * Never rejects: the change the event is about has happened, and the caller's request or job must
   * not fail (nor be retried) because its notification could not be queued; that is logged.
   */
  async function fire(
    organizationId: string,
    event: WebhookEventName,
    eventKey: string,
    payload: Record<string, unknown>,
  ): Promise<void> {
    try {
      const body = JSON.stringify({ event, ...payload });
      await db.transaction(async (transaction) => {
        for (const endpoint of await subscribedEndpoints(transaction, organizationId, event)) {
          const id = randomUUID();
          const inserted = await transaction(WEBHOOK_TABLES.deliveries)
            .insert({
              id,
              webhook_id: endpoint.id,
              event,
              event_key: eventKey,
              body,
              status: 'pending',
              attempts: 0,
              created_at: now(),
              updated_at: now(),
            })
            .onConflict(['webhook_id', 'event_key'])
            .ignore()
            .returning('id');
          if (inserted.length === 0) continue;
          await jobs.enqueue(
            WEBHOOK_DELIVERY_QUEUE,
            { deliveryId: id },
            { transaction, maxAttempts: delivery.maxAttempts },
          );
        }
      });
    } catch (error) {
      logger.error({ err: error, event, organizationId }, 'could not queue a webhook delivery');
    }
  }

  /** One attempt: resolves on a 2xx, throws otherwise (the queue retries). */
  async function deliver(job: Job<{ deliveryId: string }>): Promise<void> {
    const row = await db(WEBHOOK_TABLES.deliveries)
      .join(
        WEBHOOK_TABLES.endpoints,
        `${WEBHOOK_TABLES.endpoints}.id`,
        `${WEBHOOK_TABLES.deliveries}.webhook_id`,
      )
      .where(`${WEBHOOK_TABLES.deliveries}.id`, job.payload.deliveryId)
      .first(`${WEBHOOK_TABLES.deliveries}.status`, 'event', 'body', 'url', 'secret');
    // The endpoint was removed (its deliveries with it), or a lapsed run delivered it already.
    if (row?.status !== 'pending') return;
    const id = job.payload.deliveryId;
    const timestamp = Math.floor(now() / 1000);
    const record = (changes: Record<string, unknown>) =>
      db(WEBHOOK_TABLES.deliveries)
        .where({ id })
        .update({ attempts: job.attempt, updated_at: now(), ...changes });
    let failure: string;
    try {
      const response = await send(row.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'music-apis-webhooks',
          'x-adn-event': row.event,
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': webhookSignature(row.secret, id, timestamp, row.body),
        },
        body: row.body,
        // A redirect is not an answer: following one would post the event somewhere not configured.
        redirect: 'manual',
        signal: AbortSignal.timeout(delivery.timeoutMs),
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) {
        await record({ status: 'delivered', last_error: null });
        pruneDelivered();
        return;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      failure =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${delivery.timeoutMs} ms`
          : String(error);
    }
    await record({ last_error: failure });
    throw new Error(`Webhook delivery ${id} to ${row.url} failed: ${failure}`);
  }

  /** Delivered rows only serve deduplication of late duplicates: they go after a week. */
  function pruneDelivered(): void {
    if (now() - lastPrune < PRUNE_INTERVAL_MS) return;
    lastPrune = now();
    db(WEBHOOK_TABLES.deliveries)
      .where({ status: 'delivered' })
      .where('updated_at', '<', now() - DELIVERED_RETENTION_MS)
      .delete()
      .catch((error) => logger.warn({ err: error }, 'could not prune delivered webhooks'));
  }

  jobs.register<{ deliveryId: string }>(WEBHOOK_DELIVERY_QUEUE, {
    run: deliver,
    async onExhausted(job) {
      await db(WEBHOOK_TABLES.deliveries)
        .where({ id: job.payload.deliveryId })
        .update({ status: 'failed', updated_at: now() });
    },
    retryDelayMs: (attempt) => Math.min(delivery.retryBaseMs * 2 ** (attempt - 1), delivery.retryMaxMs),
  });

  const trackEventFields = (track: CollectionTrackRecord) => ({
    organization_id: track.organization_id,
    creator_id: track.creator_id,
    collection_id: track.collection_id,
    track_id: track.id,
  });

  /** Track File: one delivery per file produced, `track_file.created` or `track_file.failed`. */
  function trackFile(track: CollectionTrackRecord, file: WebhookTrackFile): Promise<void> {
    const event = file.is_success ? 'track_file.created' : 'track_file.failed';
    return fire(track.organization_id, event, `${event}:${file.id}`, {
      status: file.is_success ? 'success' : 'failed',
      ...trackEventFields(track),
      file_id: file.id,
      message: file.status_text,
      file,
    });
  }

  return {
    trackFile,

    /** Track File for each variant file processing made or could not make (not the ones it had nothing to make of). */
    async variantFilesMade(
      track: CollectionTrackRecord,
      made: { variant: CollectionsVariantRecord; file: TrackFileRecord }[],
    ): Promise<void> {
      for (const { variant, file } of made) {
        if (file.is_success === null) continue;
        await trackFile(track, variantFile(track, variant, file, options.jobBaseUrl));
      }
    },

    /**
     * The processing job's terminal transition: Track Processing with every file of the track: its
     * variant files (each announced by Track File as it was made), or, when processing made none
     * (the upload was not audio, or went missing), the upload itself, failed, announced by Track File
     * here. `track` is the track as it was while processing (with this upload's audio key), `result`
     * what it ended as.
     */
    async processingFinished(
      track: CollectionTrackRecord & { audio_key: string },
      result: { status: CollectionsTrackStatus; duration: number | null },
      audio: { size: number | null; failure: string | null },
      variantFiles: { variant: CollectionsVariantRecord; file: TrackFileRecord }[],
    ): Promise<void> {
      const status = webhookTrackStatus(result.status);
      if (!status) return;
      const files = variantFiles
        .filter(({ file }) => file.is_success !== null)
        .map(({ variant, file }) => variantFile(track, variant, file, options.jobBaseUrl));
      if (files.length === 0) {
        const upload = originalAudioFile(track, track.audio_key, audio);
        await trackFile(track, upload);
        files.push(upload);
      }
      if (track.cover_key) {
        const size = (await blobs.size(track.cover_key)) ?? null;
        files.push(coverFile(track, track.cover_key, size, options.jobBaseUrl));
      }
      await fire(track.organization_id, 'track.status_changed', `${track.audio_key}:${status}`, {
        status,
        previous_status: track.status,
        ...trackEventFields(track),
        upload_session_id: null,
        track: webhookTrack(
          { ...track, duration: result.duration },
          status,
          audio.size,
          new Date(now()).toISOString(),
        ),
        // Track Processing lists the files without their `data` / `props` (Track File has them).
        files: files.map(({ data, props, ...file }) => file),
      });
    },

    /** Collection Sync: `collection` is the collection as the API shows it (the deleted one for `deleted`). */
    collectionSynced(
      change: 'created' | 'updated' | 'deleted',
      organizationId: string,
      collection: Collection,
    ): Promise<void> {
      // Every create and update is an event of its own; a collection is deleted once.
      const eventKey = change === 'deleted' ? `${collection.id}:deleted` : randomUUID();
      return fire(organizationId, `collection.${change}`, eventKey, {
        organization_id: organizationId,
        creator_id: collection.creator_id,
        collection_id: collection.id,
        collection,
      });
    },
  };
}

export type CollectionsWebhooks = ReturnType<typeof createCollectionsWebhooks>;
