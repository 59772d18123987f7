import type { BuiltinCheckoutRecord, StreamingUserRecord, UserFieldChanges } from '@music-apis/domain';
import type { Knex, Migration } from '../core/db.js';

/**
 * The streaming API's tables. Every row of a tenant carries its `tenant_id`, and every query on
 * them goes through `tenantStore(db, tenantId)`, whose builders all start with that tenant's
 * `where`: no function here can read or change another tenant's rows. Tenants and their OAuth2
 * clients, and the lookups by a secret token (whose row then names its tenant), are the only
 * queries without a tenant.
 *
 * Tokens, secrets and codes are stored as hashes only.
 */

export const streamingMigrations: Migration[] = [
  {
    name: 'streaming_001_identity',
    async up(db) {
      await db.schema.createTable('streaming_tenants', (table) => {
        table.string('id', 36).primary();
        table.string('slug', 64).notNullable().unique();
        table.string('name', 255).notNullable();
        table.bigInteger('created_at').notNullable();
      });
      await db.schema.createTable('streaming_clients', (table) => {
        table.string('id', 36).primary();
        table.string('tenant_id', 36).notNullable().references('id').inTable('streaming_tenants').index();
        table.string('name', 255).notNullable();
        table.string('secret_hash', 64).notNullable();
        table.bigInteger('created_at').notNullable();
      });
      await db.schema.createTable('streaming_users', (table) => {
        table.string('id', 36).primary();
        table.string('tenant_id', 36).notNullable().references('id').inTable('streaming_tenants');
        table.string('email', 255).notNullable();
        table.string('first_name', 255).notNullable();
        table.string('last_name', 255).notNullable();
        table.string('date_of_birth', 10).notNullable();
        table.string('status', 32).notNullable();
        table.bigInteger('subscription_ends_at').nullable();
        table.string('pm_type', 64).nullable();
        table.string('pm_last_four', 4).nullable();
        table.bigInteger('created_at').notNullable();
        table.bigInteger('updated_at').notNullable();
        table.unique(['tenant_id', 'email']);
        table.index(['tenant_id', 'created_at', 'id']);
      });
      // Client, UDT and session access tokens: opaque, looked up by hash on every request.
      await db.schema.createTable('streaming_tokens', (table) => {
        table.string('token_hash', 64).primary();
        table.string('kind', 16).notNullable();
        table.string('tenant_id', 36).notNullable().references('id').inTable('streaming_tenants');
        table.string('client_id', 36).nullable();
        table.string('user_id', 36).nullable();
        table.string('device_id', 36).nullable();
        table.string('family_id', 36).nullable().index();
        table.bigInteger('expires_at').notNullable().index();
      });
      // Refresh tokens: rotated (used_at set) rather than deleted, so a reuse is recognised.
      await db.schema.createTable('streaming_refresh_tokens', (table) => {
        table.string('token_hash', 64).primary();
        table.string('tenant_id', 36).notNullable().references('id').inTable('streaming_tenants');
        table.string('family_id', 36).notNullable().index();
        table.string('user_id', 36).notNullable();
        table.string('device_id', 36).notNullable();
        table.bigInteger('expires_at').notNullable().index();
        table.bigInteger('used_at').nullable();
      });
      await db.schema.createTable('streaming_otp_codes', (table) => {
        table.string('tenant_id', 36).notNullable().references('id').inTable('streaming_tenants');
        table.string('email', 255).notNullable();
        table.string('code_hash', 64).notNullable();
        table.string('device_id', 36).nullable();
        table.integer('attempts').notNullable();
        table.bigInteger('expires_at').notNullable();
        table.primary(['tenant_id', 'email']);
      });
      await db.schema.createTable('streaming_onboarding_tokens', (table) => {
        table.string('token_hash', 64).primary();
        table.string('tenant_id', 36).notNullable().references('id').inTable('streaming_tenants');
        table.string('email', 255).notNullable();
        table.string('device_id', 36).notNullable();
        table.bigInteger('expires_at').notNullable();
      });
      await db.schema.createTable('streaming_checkout_sessions', (table) => {
        table.string('id', 80).primary();
        table.string('tenant_id', 36).notNullable().references('id').inTable('streaming_tenants');
        table.string('user_id', 36).notNullable();
        table.string('product_slug', 64).notNullable();
        table.text('success_url').notNullable();
        table.text('cancel_url').notNullable();
        table.string('status', 16).notNullable();
        table.bigInteger('expires_at').notNullable();
      });
    },
    async down(db) {
      for (const table of [
        'streaming_checkout_sessions',
        'streaming_onboarding_tokens',
        'streaming_otp_codes',
        'streaming_refresh_tokens',
        'streaming_tokens',
        'streaming_users',
        'streaming_clients',
        'streaming_tenants',
      ])
        await db.schema.dropTable(table);
    },
  },
];

export interface TenantRecord {
  id: string;
  slug: string;
  name: string;
}

export type TokenKind = 'client' | 'udt' | 'access';

export interface TokenRecord {
  token_hash: string;
  kind: TokenKind;
  tenant_id: string;
  client_id: string | null;
  user_id: string | null;
  device_id: string | null;
  family_id: string | null;
  expires_at: number;
}

export interface RefreshTokenRecord {
  token_hash: string;
  tenant_id: string;
  family_id: string;
  user_id: string;
  device_id: string;
  expires_at: number;
  used_at: number | null;
}

const USER_COLUMNS = [
  'id',
  'tenant_id',
  'email',
  'first_name',
  'last_name',
  'date_of_birth',
  'status',
  'subscription_ends_at',
  'pm_type',
  'pm_last_four',
  'created_at',
  'updated_at',
] as const;

/** PostgreSQL answers bigint columns as strings. */
function userOf(row: Record<string, unknown>): StreamingUserRecord {
  return {
    ...(row as unknown as StreamingUserRecord),
    subscription_ends_at: row.subscription_ends_at === null ? null : Number(row.subscription_ends_at),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

const numbers = <Row extends { expires_at: number }>(row: Row | undefined): Row | undefined =>
  row && { ...row, expires_at: Number(row.expires_at) };

const isUniqueViolation = (error: unknown) =>
  /unique|duplicate/i.test((error as Error).message ?? '') || (error as { code?: string }).code === '23505';

// ——— tenants and clients (no tenant yet: these find it) ———

export function findTenantBySlug(db: Knex, slug: string): Promise<TenantRecord | undefined> {
  return db('streaming_tenants').where({ slug }).first('id', 'slug', 'name');
}

export function findTenant(db: Knex, id: string): Promise<TenantRecord | undefined> {
  return db('streaming_tenants').where({ id }).first('id', 'slug', 'name');
}

/** Creates the tenant unless its slug exists (another instance may insert it meanwhile); the stored one. */
export async function ensureTenant(db: Knex, tenant: TenantRecord): Promise<TenantRecord> {
  await db('streaming_tenants')
    .insert({ ...tenant, created_at: Date.now() })
    .onConflict('slug')
    .ignore();
  return (await findTenantBySlug(db, tenant.slug)) as TenantRecord;
}

export async function insertClient(
  db: Knex,
  client: { id: string; tenant_id: string; name: string; secret_hash: string },
): Promise<void> {
  await db('streaming_clients').insert({ ...client, created_at: Date.now() });
}

export function findClient(
  db: Knex,
  id: string,
): Promise<{ id: string; tenant_id: string; secret_hash: string } | undefined> {
  return db('streaming_clients').where({ id }).first('id', 'tenant_id', 'secret_hash');
}

// ——— lookups by a secret (the token's row names its tenant) ———

export async function findToken(
  db: Knex,
  tokenHash: string,
  nowMs: number,
): Promise<TokenRecord | undefined> {
  return numbers(
    await db('streaming_tokens').where({ token_hash: tokenHash }).andWhere('expires_at', '>', nowMs).first(),
  );
}

export async function findRefreshToken(db: Knex, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const row = await db('streaming_refresh_tokens').where({ token_hash: tokenHash }).first();
  return (
    row && {
      ...row,
      expires_at: Number(row.expires_at),
      used_at: row.used_at === null ? null : Number(row.used_at),
    }
  );
}

/** Consumes an onboarding token (once, even when two requests race for it). */
export async function takeOnboardingToken(
  db: Knex,
  tokenHash: string,
  nowMs: number,
): Promise<{ tenant_id: string; email: string; device_id: string } | undefined> {
  const row = await db('streaming_onboarding_tokens')
    .where({ token_hash: tokenHash })
    .andWhere('expires_at', '>', nowMs)
    .first('tenant_id', 'email', 'device_id');
  if (!row) return undefined;
  // Only the request that deletes the row may use it.
  const deleted = await db('streaming_onboarding_tokens').where({ token_hash: tokenHash }).delete();
  return deleted === 1 ? row : undefined;
}

export async function findCheckoutSession(db: Knex, id: string): Promise<BuiltinCheckoutRecord | undefined> {
  return numbers(await db('streaming_checkout_sessions').where({ id }).first());
}

// ——— one tenant's rows ———

export type TenantStore = ReturnType<typeof tenantStore>;

/** Every read and write of one tenant's rows. */
export function tenantStore(db: Knex, tenantId: string) {
  const scoped = (table: string, trx: Knex | Knex.Transaction = db) =>
    trx(table).where({ tenant_id: tenantId });

  return {
    tenantId,

    async listUsers(offset: number, limit: number): Promise<{ users: StreamingUserRecord[]; total: number }> {
      const [rows, counted] = await Promise.all([
        scoped('streaming_users')
          .select(USER_COLUMNS)
          .orderBy([{ column: 'created_at' }, { column: 'id' }])
          .offset(offset)
          .limit(limit),
        scoped('streaming_users').count({ total: '*' }).first(),
      ]);
      return { users: rows.map(userOf), total: Number(counted?.total ?? 0) };
    },

    async findUser(id: string, trx: Knex | Knex.Transaction = db): Promise<StreamingUserRecord | undefined> {
      const row = await scoped('streaming_users', trx).andWhere({ id: id.toLowerCase() }).first(USER_COLUMNS);
      return row && userOf(row);
    },

    async findUserByEmail(email: string): Promise<StreamingUserRecord | undefined> {
      const row = await scoped('streaming_users').andWhere({ email }).first(USER_COLUMNS);
      return row && userOf(row);
    },

    /** False when the email is taken in this tenant. */
    async insertUser(user: StreamingUserRecord): Promise<boolean> {
      if (user.tenant_id !== tenantId) throw new Error('a user of another tenant');
      try {
        await db('streaming_users').insert(user);
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },

    /** The updated user; undefined when there is none; `'email-taken'` when the new email is another user's. */
    async updateUser(
      id: string,
      changes:
        | UserFieldChanges
        | Partial<Pick<StreamingUserRecord, 'status' | 'subscription_ends_at' | 'pm_type' | 'pm_last_four'>>,
      nowMs: number,
      trx: Knex | Knex.Transaction = db,
    ): Promise<StreamingUserRecord | undefined | 'email-taken'> {
      try {
        const updated = await scoped('streaming_users', trx)
          .andWhere({ id: id.toLowerCase() })
          .update({ ...changes, updated_at: nowMs });
        if (updated === 0) return undefined;
      } catch (error) {
        if (isUniqueViolation(error)) return 'email-taken';
        throw error;
      }
      return this.findUser(id, trx);
    },

    async insertToken(
      token: Omit<TokenRecord, 'tenant_id'>,
      trx: Knex | Knex.Transaction = db,
    ): Promise<void> {
      await trx('streaming_tokens').insert({ ...token, tenant_id: tenantId });
    },

    async insertRefreshToken(
      token: Omit<RefreshTokenRecord, 'tenant_id' | 'used_at'>,
      trx: Knex | Knex.Transaction = db,
    ) {
      await trx('streaming_refresh_tokens').insert({ ...token, tenant_id: tenantId, used_at: null });
    },

    /** Marks a refresh token used, once: false when it was used already, expired or unknown. */
    async rotateRefreshToken(tokenHash: string, nowMs: number, trx: Knex.Transaction): Promise<boolean> {
      const marked = await scoped('streaming_refresh_tokens', trx)
        .andWhere({ token_hash: tokenHash })
        .whereNull('used_at')
        .andWhere('expires_at', '>', nowMs)
        .update({ used_at: nowMs });
      return marked === 1;
    },

    /** Ends a session: its access tokens and refresh tokens, every generation of them. */
    async revokeFamily(familyId: string, trx: Knex | Knex.Transaction = db): Promise<void> {
      await scoped('streaming_tokens', trx).andWhere({ family_id: familyId }).delete();
      await scoped('streaming_refresh_tokens', trx).andWhere({ family_id: familyId }).delete();
    },

    /** Revokes the family's access tokens (a rotation replaces them). */
    async revokeFamilyAccessTokens(familyId: string, trx: Knex.Transaction): Promise<void> {
      await scoped('streaming_tokens', trx).andWhere({ family_id: familyId, kind: 'access' }).delete();
    },

    /** Replaces the email's pending code (a new send makes the previous code useless). */
    async saveOtpCode(email: string, codeHash: string, expiresAt: number): Promise<void> {
      await db('streaming_otp_codes')
        .insert({
          tenant_id: tenantId,
          email,
          code_hash: codeHash,
          device_id: null,
          attempts: 0,
          expires_at: expiresAt,
        })
        .onConflict(['tenant_id', 'email'])
        .merge(['code_hash', 'device_id', 'attempts', 'expires_at']);
    },

    async findOtpCode(email: string) {
      const row = await scoped('streaming_otp_codes')
        .andWhere({ email })
        .first('code_hash', 'device_id', 'attempts', 'expires_at');
      return row && { ...row, attempts: Number(row.attempts), expires_at: Number(row.expires_at) };
    },

    /**
     * Counts one failed try, binding the code to the device it was first tried on; false when the
     * code changed (a new send) or was used meanwhile.
     */
    async failOtpAttempt(email: string, codeHash: string, deviceId: string): Promise<boolean> {
      const updated = await scoped('streaming_otp_codes')
        .andWhere({ email, code_hash: codeHash })
        .update({
          attempts: db.raw('attempts + 1'),
          device_id: db.raw('coalesce(device_id, ?)', [deviceId]),
        });
      return updated === 1;
    },

    /** Removes the pending code; true for the one request that did (a code works once). */
    async deleteOtpCode(email: string, codeHash?: string): Promise<boolean> {
      const query = scoped('streaming_otp_codes').andWhere({ email });
      if (codeHash !== undefined) query.andWhere({ code_hash: codeHash });
      return (await query.delete()) === 1;
    },

    async insertOnboardingToken(token: {
      token_hash: string;
      email: string;
      device_id: string;
      expires_at: number;
    }) {
      await db('streaming_onboarding_tokens').insert({ ...token, tenant_id: tenantId });
    },

    async insertCheckoutSession(session: BuiltinCheckoutRecord): Promise<void> {
      if (session.tenant_id !== tenantId) throw new Error('a checkout session of another tenant');
      await db('streaming_checkout_sessions').insert(session);
    },

    /** Moves an open session to `status`, once; false when it was not open any more. */
    async closeCheckoutSession(
      id: string,
      status: 'complete' | 'cancelled',
      trx: Knex.Transaction,
    ): Promise<boolean> {
      const updated = await scoped('streaming_checkout_sessions', trx)
        .andWhere({ id, status: 'open' })
        .update({ status });
      return updated === 1;
    },

    transaction: <T>(work: (trx: Knex.Transaction) => Promise<T>) => db.transaction(work),
  };
}
