import type {
  CredentialService,
  DownloadAccount,
  DownloaderRole,
  DownloaderStore,
  DownloaderUserRecord,
  StoredConfig,
  UserChangeOutcome,
} from '@music-apis/domain';
import { isPostgres, type Knex, type Migration } from '../core/db.js';
import type { SecretBox } from './secret-box.js';
import { createDownloaderSsoStateStore, downloaderSsoStatesMigration } from './sso-repository.js';

/**
 * The downloader's data in SQL (upstream: users.json, main.json, accounts.db and the creds/blobs
 * files), so every instance on one database sees the same users, configuration and accounts.
 * Account secrets are sealed with the server's key before they are written.
 */

const USERS = 'downloader_users';
const SETTINGS = 'downloader_settings';
const ACCOUNTS = 'downloader_accounts';

export const downloaderMigrations: Migration[] = [
  {
    name: 'downloader_001_users_config_accounts',
    async up(db) {
      await db.schema.createTable(USERS, (table) => {
        table.string('username', 100).primary();
        table.string('email', 320).nullable().index();
        table.string('role', 16).notNullable().index();
        table.string('created_at', 32).notNullable();
        table.string('last_login', 32).nullable();
        table.string('sso_provider', 16).nullable();
        table.string('sso_id', 255).nullable();
        table.string('password_hash', 255).nullable();
        table.unique(['sso_provider', 'sso_id']);
      });
      // One row per document: `main` (the configuration) and `spotify_api` (sealed app credentials).
      await db.schema.createTable(SETTINGS, (table) => {
        table.string('name', 32).primary();
        table.text('value').notNullable();
      });
      await db.schema.createTable(ACCOUNTS, (table) => {
        table.string('service', 16).notNullable();
        table.string('name', 100).notNullable();
        table.string('region', 64).nullable();
        /** The sealed ARL or login blob (a JSON document: `{blob}` or `{arl}`). */
        table.text('secret').notNullable();
        table.double('created_at').notNullable();
        table.double('updated_at').notNullable();
        table.primary(['service', 'name']);
      });
    },
    async down(db) {
      await db.schema.dropTable(ACCOUNTS);
      await db.schema.dropTable(SETTINGS);
      await db.schema.dropTable(USERS);
    },
  },
  downloaderSsoStatesMigration,
];

interface UserRow {
  username: string;
  email: string | null;
  role: DownloaderRole;
  created_at: string;
  last_login: string | null;
  sso_provider: DownloaderUserRecord['ssoProvider'];
  sso_id: string | null;
  password_hash: string | null;
}

const toUser = (row: UserRow): DownloaderUserRecord => ({
  username: row.username,
  email: row.email,
  role: row.role,
  createdAt: row.created_at,
  lastLogin: row.last_login,
  ssoProvider: row.sso_provider,
  ssoId: row.sso_id,
  passwordHash: row.password_hash,
});

const userColumns = (user: Partial<DownloaderUserRecord>): Partial<UserRow> => {
  const columns: Partial<UserRow> = {};
  if (user.username !== undefined) columns.username = user.username;
  if (user.email !== undefined) columns.email = user.email;
  if (user.role !== undefined) columns.role = user.role;
  if (user.createdAt !== undefined) columns.created_at = user.createdAt;
  if (user.lastLogin !== undefined) columns.last_login = user.lastLogin;
  if (user.ssoProvider !== undefined) columns.sso_provider = user.ssoProvider;
  if (user.ssoId !== undefined) columns.sso_id = user.ssoId;
  if (user.passwordHash !== undefined) columns.password_hash = user.passwordHash;
  return columns;
};

/** Duplicate-key errors of both databases. */
const isUniqueViolation = (error: unknown) =>
  /UNIQUE constraint failed|duplicate key value/i.test((error as Error).message ?? '');

export function createDownloaderRepository(db: Knex, box: SecretBox): DownloaderStore {
  const postgres = isPostgres(db);

  /**
   * Runs a change that must leave at least one admin. The admin rows are locked first on
   * PostgreSQL (SQLite runs one write transaction at a time), so two concurrent demotions of the
   * last two admins cannot both pass the count.
   */
  async function keepingAnAdmin(
    username: string,
    change: (trx: Knex.Transaction, user: UserRow) => Promise<void>,
    losesAdmin: (user: UserRow) => boolean,
  ): Promise<UserChangeOutcome> {
    return db.transaction(async (trx) => {
      const admins = trx<UserRow>(USERS).where({ role: 'admin' }).select('username');
      const adminNames = (await (postgres ? admins.forUpdate() : admins)).map((row) => row.username);
      const user = await trx<UserRow>(USERS).where({ username }).first();
      if (!user) return 'not-found';
      if (losesAdmin(user) && adminNames.length <= 1 && adminNames.includes(username)) return 'last-admin';
      await change(trx, user);
      return 'changed';
    });
  }

  async function readSetting(name: string): Promise<string | undefined> {
    const row = await db(SETTINGS).where({ name }).first('value');
    return row?.value as string | undefined;
  }

  function sealAccount(account: DownloadAccount): string {
    return box.seal(
      JSON.stringify(account.service === 'spotify' ? { blob: account.blob } : { arl: account.arl }),
    );
  }

  return {
    sso: createDownloaderSsoStateStore(db),
    users: {
      async find(username) {
        const row = await db<UserRow>(USERS).where({ username }).first();
        return row && toUser(row);
      },
      async list() {
        return (await db<UserRow>(USERS).orderBy('username')).map(toUser);
      },
      async count() {
        const row = await db(USERS).count<{ count: number | string }[]>({ count: '*' }).first();
        return Number(row?.count ?? 0);
      },
      async insert(user) {
        try {
          await db(USERS).insert(userColumns(user));
          return true;
        } catch (error) {
          if (isUniqueViolation(error)) return false;
          throw error;
        }
      },
      async update(username, changes) {
        const columns = userColumns(changes);
        if (Object.keys(columns).length === 0)
          return (await db(USERS).where({ username }).first('username')) !== undefined;
        return (await db(USERS).where({ username }).update(columns)) > 0;
      },
      removeKeepingAnAdmin(username) {
        return keepingAnAdmin(
          username,
          async (trx) => {
            await trx(USERS).where({ username }).delete();
          },
          (user) => user.role === 'admin',
        );
      },
      setRoleKeepingAnAdmin(username, role) {
        return keepingAnAdmin(
          username,
          async (trx) => {
            await trx(USERS).where({ username }).update({ role });
          },
          (user) => user.role === 'admin' && role !== 'admin',
        );
      },
      async findByEmail(email) {
        const row = await db<UserRow>(USERS)
          .whereRaw('lower(email) = ?', [email.toLowerCase()])
          .orderBy('username')
          .first();
        return row && toUser(row);
      },
      async findBySso(provider, ssoId) {
        const row = await db<UserRow>(USERS).where({ sso_provider: provider, sso_id: ssoId }).first();
        return row && toUser(row);
      },
      async linkSso(username, provider, ssoId, lastLogin) {
        try {
          const changed = await db(USERS)
            .where({ username })
            .update({ sso_provider: provider, sso_id: ssoId, last_login: lastLogin });
          return changed > 0;
        } catch (error) {
          if (isUniqueViolation(error)) return false;
          throw error;
        }
      },
      async unlinkSso(username, provider) {
        const changed = await db(USERS)
          .where({ username, sso_provider: provider })
          .update({ sso_provider: null, sso_id: null });
        return changed > 0;
      },
    },

    config: {
      async read() {
        const value = await readSetting('main');
        return value === undefined ? undefined : (JSON.parse(value) as StoredConfig);
      },
      async update(change) {
        return db.transaction(async (trx) => {
          // Lock the row (PostgreSQL) so concurrent partial saves merge one after the other.
          const query = trx(SETTINGS).where({ name: 'main' }).first('value');
          const row = await (postgres ? query.forUpdate() : query);
          const next = change(row ? (JSON.parse(row.value as string) as StoredConfig) : undefined);
          await trx(SETTINGS)
            .insert({ name: 'main', value: JSON.stringify(next) })
            .onConflict('name')
            .merge();
          return next;
        });
      },
    },

    credentials: {
      async names(service: CredentialService) {
        return (await db(ACCOUNTS).where({ service }).orderBy('name').select('name')).map(
          (row) => row.name as string,
        );
      },
      async get(service, name) {
        const row = await db(ACCOUNTS).where({ service, name }).first();
        if (!row) return undefined;
        const secret = JSON.parse(box.open(row.secret as string)) as {
          blob?: Record<string, unknown> | string;
          arl?: string;
        };
        return service === 'spotify'
          ? { service, name, region: row.region, blob: secret.blob ?? {} }
          : { service, name, region: row.region, arl: secret.arl ?? '' };
      },
      async insert(account) {
        const now = Date.now() / 1000;
        try {
          await db(ACCOUNTS).insert({
            service: account.service,
            name: account.name,
            region: account.region,
            secret: sealAccount(account),
            created_at: now,
            updated_at: now,
          });
          return true;
        } catch (error) {
          if (isUniqueViolation(error)) return false;
          throw error;
        }
      },
      async replace(account) {
        const changed = await db(ACCOUNTS)
          .where({ service: account.service, name: account.name })
          .update({ region: account.region, secret: sealAccount(account), updated_at: Date.now() / 1000 });
        return changed > 0;
      },
      async remove(service, name) {
        return (await db(ACCOUNTS).where({ service, name }).delete()) > 0;
      },
      async readSpotifyApi() {
        const value = await readSetting('spotify_api');
        return value === undefined ? undefined : JSON.parse(box.open(value));
      },
      async writeSpotifyApi(credentials) {
        await db(SETTINGS)
          .insert({ name: 'spotify_api', value: box.seal(JSON.stringify(credentials)) })
          .onConflict('name')
          .merge();
      },
    },
  };
}
