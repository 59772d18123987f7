import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { STREAMING_DEMO_TENANT, streamingTenantId } from '@music-apis/domain';
import { hashToken } from '../core/auth/index.js';
import type { StreamingSettings } from '../core/config.js';
import type { Knex } from '../core/db.js';
import { claimOnce } from '../core/secrets.js';
import { ensureTenant, findClient, insertClient, type TenantRecord } from './store.js';

/**
 * The tenants' OAuth2 clients (Passport's client credentials clients). A secret is 40 random bytes,
 * shown once when the client is made; only its SHA-256 is stored, enough for that much entropy (a
 * slow password hash would buy nothing and cost every token request).
 */

/** SHA-256 of a high-entropy secret or token, the form every one of them is stored in. */
export const hashSecret = hashToken;

const FIRST_CLIENT_MARKER = 'streaming-first-client-created';

export interface CreatedStreamingClient {
  clientId: string;
  /** Shown once, never stored. */
  clientSecret: string;
  name: string;
  tenant: TenantRecord;
}

/** The tenant of a slug, created (named after it) when new. */
export function tenantForSlug(db: Knex, slug: string): Promise<TenantRecord> {
  const name = slug === STREAMING_DEMO_TENANT.slug ? STREAMING_DEMO_TENANT.name : slug;
  return ensureTenant(db, { id: streamingTenantId(slug), slug, name });
}

/** Makes an OAuth2 client of the tenant `slug` (created when new); the result is the only place its secret appears. */
export async function createStreamingClient(
  db: Knex,
  options: { tenant: string; name?: string },
): Promise<CreatedStreamingClient> {
  const tenant = await tenantForSlug(db, options.tenant);
  const clientId = randomUUID();
  const clientSecret = randomBytes(40).toString('base64url');
  const name = options.name ?? 'OAuth2 client';
  await insertClient(db, { id: clientId, tenant_id: tenant.id, name, secret_hash: hashSecret(clientSecret) });
  return { clientId, clientSecret, name, tenant };
}

/**
 * The first client, the first time a server starts with demo data on this database, so a
 * newcomer can call the API at once; undefined on every later start and when
 * `STREAMING_CLIENT_ID` provides one. The marker makes it happen once among concurrent starts.
 */
export async function createFirstStreamingClient(
  db: Knex,
  settings: StreamingSettings,
  demoData: boolean,
): Promise<CreatedStreamingClient | undefined> {
  if (settings.clientId || !demoData) return undefined;
  if (!(await claimOnce(db, FIRST_CLIENT_MARKER))) return undefined;
  return createStreamingClient(db, {
    tenant: settings.tenant,
    name: 'First client (created at first start)',
  });
}

export type ClientVerifier = (
  clientId: string,
  clientSecret: string,
) => Promise<{ tenantId: string; clientId: string } | undefined>;

const sameHash = (a: string, b: string) => timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

/**
 * Checks a client's credentials: `STREAMING_CLIENT_ID`/`_SECRET` (a client of `STREAMING_TENANT`,
 * which is created for it) or a stored client. Every call reads the table, so every instance
 * agrees on the clients.
 */
export async function createClientVerifier(db: Knex, settings: StreamingSettings): Promise<ClientVerifier> {
  const configured =
    settings.clientId && settings.clientSecret
      ? {
          clientId: settings.clientId,
          secretHash: hashSecret(settings.clientSecret),
          tenant: await tenantForSlug(db, settings.tenant),
        }
      : undefined;
  return async (clientId, clientSecret) => {
    const presented = hashSecret(clientSecret);
    if (configured && clientId === configured.clientId) {
      return sameHash(presented, configured.secretHash)
        ? { tenantId: configured.tenant.id, clientId }
        : undefined;
    }
    const client = await findClient(db, clientId);
    if (!client || !sameHash(presented, client.secret_hash)) return undefined;
    return { tenantId: client.tenant_id, clientId: client.id };
  };
}
