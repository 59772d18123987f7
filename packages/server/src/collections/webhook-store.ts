import { randomBytes, randomUUID } from 'node:crypto';
import { COLLECTIONS_DEFAULT_ORGANIZATION, type CollectionsOrganization } from '@music-apis/domain';
import type { Knex, Migration } from '../core/db.js';
import { createCollectionsRepository, TABLES } from './repository.js';

/**
 * Webhook endpoints of the collections API and their deliveries, in the database so that every
 * instance delivers the same events and a delivery survives a restart. The original configures its
 * webhooks in a dashboard (`organization.webhook_url`, `webhook_url_file`); here an operator adds
 * endpoints per organization with the CLI, each with its own signing secret and event filter.
 */

export const WEBHOOK_TABLES = {
  endpoints: 'collections_webhooks',
  deliveries: 'collections_webhook_deliveries',
} as const;

/** Every event a collections webhook delivers, as its `X-ADN-Event` header and its `event` field name it. */
export const WEBHOOK_EVENTS = [
  'track.status_changed',
  'track_file.created',
  'track_file.failed',
  'collection.created',
  'collection.updated',
  'collection.deleted',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export const webhooksMigration: Migration = {
  name: 'collections_webhooks_001',
  async up(db) {
    await db.schema.createTable(WEBHOOK_TABLES.endpoints, (table) => {
      table.uuid('id').primary();
      table.uuid('organization_id').notNullable().index('collections_webhooks_organization_index');
      table.text('url').notNullable();
      /** `whsec_…`: deliveries are signed with it, so it is stored as it is (an HMAC key, not a password). */
      table.string('secret', 64).notNullable();
      /** JSON array of event filters: names of WEBHOOK_EVENTS, `<prefix>.*`, or `*`. */
      table.text('events').notNullable();
      table.bigInteger('created_at').notNullable();
    });
    await db.schema.createTable(WEBHOOK_TABLES.deliveries, (table) => {
      /** The idempotency id (`webhook-id`): one per event and endpoint, the same on every retry. */
      table.uuid('id').primary();
      table
        .uuid('webhook_id')
        .notNullable()
        .references('id')
        .inTable(WEBHOOK_TABLES.endpoints)
        .onDelete('CASCADE');
      table.string('event', 64).notNullable();
      /**
       * What the event is about (e.g. a track's upload and its terminal status): a job that runs twice
       * (a lapsed lease) fires the same event again, and this key makes the second one a no-op.
       */
      table.string('event_key', 255).notNullable();
      /** The exact JSON sent, so every retry carries the same bytes. */
      table.text('body').notNullable();
      /** pending → delivered | failed (every attempt used up). */
      table.string('status', 16).notNullable();
      table.integer('attempts').notNullable().defaultTo(0);
      table.text('last_error');
      table.bigInteger('created_at').notNullable();
      table.bigInteger('updated_at').notNullable();
      table.unique(['webhook_id', 'event_key'], { indexName: 'collections_webhook_deliveries_event_unique' });
      table.index(['status', 'updated_at'], 'collections_webhook_deliveries_status_index');
    });
  },
  async down(db) {
    await db.schema.dropTable(WEBHOOK_TABLES.deliveries);
    await db.schema.dropTable(WEBHOOK_TABLES.endpoints);
  },
};

export interface WebhookEndpoint {
  id: string;
  organization_id: string;
  url: string;
  secret: string;
  events: string[];
}

/** Whether an endpoint's filters (exact names, `<prefix>.*`, `*`) take this event. */
export function subscribes(filters: readonly string[], event: WebhookEventName): boolean {
  return filters.some(
    (filter) =>
      filter === '*' || filter === event || (filter.endsWith('.*') && event.startsWith(filter.slice(0, -1))),
  );
}

/** The filter that is not one of WEBHOOK_EVENTS, nor a `*` pattern matching one; undefined when all are. */
export function unknownEventFilter(filters: readonly string[]): string | undefined {
  return filters.find((filter) => !WEBHOOK_EVENTS.some((event) => subscribes([filter], event)));
}

/**
 * The secret in the Standard Webhooks format (`whsec_` + base64 of the HMAC key), so receivers can
 * use that specification's libraries as well as the SDK's verifier.
 */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export interface CreatedWebhook {
  id: string;
  url: string;
  events: string[];
  organization: CollectionsOrganization;
  /** Shown once by the CLI; deliveries are signed with it. */
  secret: string;
}

export async function createWebhook(
  db: Knex,
  options: { url: string; organization?: string; events?: string[] },
): Promise<CreatedWebhook> {
  const organization = options.organization
    ? await createCollectionsRepository(db).findOrCreateOrganization(options.organization)
    : COLLECTIONS_DEFAULT_ORGANIZATION;
  const id = randomUUID();
  const secret = newSecret();
  const events = options.events?.length ? options.events : ['*'];
  await db(WEBHOOK_TABLES.endpoints).insert({
    id,
    organization_id: organization.id,
    url: options.url,
    secret,
    events: JSON.stringify(events),
    created_at: Date.now(),
  });
  return {
    id,
    url: options.url,
    events,
    organization: { id: organization.id, name: organization.name },
    secret,
  };
}

export interface ListedWebhook {
  id: string;
  url: string;
  events: string[];
  organization: CollectionsOrganization;
  created_at: number;
  /** Deliveries still being attempted, and those that used up every attempt. */
  pending: number;
  failed: number;
}

/** Every endpoint, oldest first, with its organization and the state of its deliveries. */
export async function listWebhooks(db: Knex): Promise<ListedWebhook[]> {
  const rows = await db(WEBHOOK_TABLES.endpoints)
    .join(TABLES.organizations, `${TABLES.organizations}.id`, `${WEBHOOK_TABLES.endpoints}.organization_id`)
    .orderBy(`${WEBHOOK_TABLES.endpoints}.created_at`)
    .select(
      `${WEBHOOK_TABLES.endpoints}.id`,
      'url',
      'events',
      `${WEBHOOK_TABLES.endpoints}.created_at`,
      'organization_id',
      `${TABLES.organizations}.name as organization_name`,
    );
  const counts: { webhook_id: string; status: string; count: number | string }[] = await db(
    WEBHOOK_TABLES.deliveries,
  )
    .whereIn('status', ['pending', 'failed'])
    .groupBy('webhook_id', 'status')
    .select('webhook_id', 'status')
    .count({ count: '*' });
  const count = (id: string, status: string) =>
    Number(counts.find((row) => row.webhook_id === id && row.status === status)?.count ?? 0);
  return rows.map((row) => ({
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events),
    organization: { id: row.organization_id, name: row.organization_name },
    created_at: Number(row.created_at),
    pending: count(row.id, 'pending'),
    failed: count(row.id, 'failed'),
  }));
}

/** Removes an endpoint and its deliveries (pending ones are not sent). False when no endpoint has the id. */
export async function removeWebhook(db: Knex, id: string): Promise<boolean> {
  return (await db(WEBHOOK_TABLES.endpoints).where({ id: id.toLowerCase() }).delete()) > 0;
}

/** The organization's endpoints that take this event. */
export async function subscribedEndpoints(
  db: Knex | Knex.Transaction,
  organizationId: string,
  event: WebhookEventName,
): Promise<WebhookEndpoint[]> {
  const rows = await db(WEBHOOK_TABLES.endpoints)
    .where({ organization_id: organizationId })
    .select('id', 'organization_id', 'url', 'secret', 'events');
  return rows
    .map((row) => ({ ...row, events: JSON.parse(row.events) as string[] }))
    .filter((endpoint) => subscribes(endpoint.events, event));
}
